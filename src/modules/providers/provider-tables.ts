import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { providerTypes } from '../../platform/llm/provider-connection.ts';
import type { CircuitBreakerConfig, RetryConfig } from '../../platform/resilience/service-policy.ts';
import { organizations } from '../tenancy/tenancy-tables.ts';

export const validationStatuses = ['pending', 'validating', 'connected', 'error'] as const;
export type ValidationStatus = (typeof validationStatuses)[number];

/** A model a provider listed when it was last validated. */
export interface ProviderModel {
  id: string;
  name?: string;
}

/** What every provider row records about its last validation. */
const validationColumns = {
  validationStatus: text('validation_status', { enum: validationStatuses }).notNull().default('pending'),
  validationError: text('validation_error'),
  validatedAt: timestamp('validated_at', { withTimezone: true }),
  models: jsonb('models').$type<ProviderModel[]>().notNull().default([]),
  /**
   * Incremented with every validation request, in the transaction that enqueues its job; a job
   * acts only while the row still holds its number, so a stale attempt never overwrites a newer one.
   */
  validationSequence: integer('validation_sequence').notNull().default(0),
};

/** An organization's LLM provider. Its API key is sealed with the secret box and never returned. */
export const llmProviders = pgTable(
  'llm_providers',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    type: text('type', { enum: providerTypes }).notNull(),
    /** Null means the type's default endpoint. */
    baseUrl: text('base_url'),
    /** Sealed with the context `llm_providers:<id>`, so a ciphertext cannot be moved to another row. */
    apiKeyCiphertext: text('api_key_ciphertext'),
    apiKeyLast4: text('api_key_last4'),
    isActive: boolean('is_active').notNull().default(true),
    isDefault: boolean('is_default').notNull().default(false),
    /** Its own retry and breaker settings (seed 004 ExternalService); null keeps the LLM_* defaults. */
    retryConfig: jsonb('retry_config').$type<RetryConfig>(),
    circuitBreakerConfig: jsonb('circuit_breaker_config').$type<CircuitBreakerConfig>(),
    ...validationColumns,
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    // Names compare case-insensitively: "OpenAI" and "openai" would be indistinguishable in a picker.
    uniqueIndex('llm_providers_organization_name_unique')
      .on(table.organizationId, sql`lower(${table.name})`)
      .where(sql`${table.deletedAt} is null`),
    uniqueIndex('llm_providers_organization_default_unique')
      .on(table.organizationId)
      .where(sql`${table.isDefault} and ${table.deletedAt} is null`),
    index('llm_providers_organization_created_idx')
      .on(table.organizationId, table.createdAt)
      .where(sql`${table.deletedAt} is null`),
  ],
);

/**
 * The providers the operator configured through settings, one row per type with a fixed id. Only
 * their validation state lives here: their keys are read from the configuration at call time.
 */
export const operatorProviders = pgTable('operator_providers', {
  id: uuid('id').primaryKey(),
  type: text('type', { enum: providerTypes }).notNull().unique(),
  name: text('name').notNull(),
  baseUrl: text('base_url'),
  /** HMAC of type, URL and key under the secret key: tells a changed setting without storing the key. */
  settingsFingerprint: text('settings_fingerprint').notNull(),
  ...validationColumns,
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
