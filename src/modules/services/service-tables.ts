import { bigint, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organizations } from '../tenancy/tenancy-tables.ts';

/** Seed 004's ExternalServiceType, for the kinds of service Agentry calls on an organization's behalf. */
export const serviceTypes = ['llm_provider', 'mcp_server', 'http_tool'] as const;
export type ServiceType = (typeof serviceTypes)[number];
export const circuitStates = ['closed', 'open', 'half_open'] as const;
export type CircuitState = (typeof circuitStates)[number];

/**
 * The live state of a service an organization's calls used (seed 004 ServiceHealth): its circuit
 * breaker and its counters, shared by every process. Counters are added in batches; state changes
 * are written as they happen.
 */
export const serviceStates = pgTable(
  'service_states',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    serviceType: text('service_type', { enum: serviceTypes }).notNull(),
    /** The provider, MCP server or tool id (an operator provider's fixed id). */
    serviceId: uuid('service_id').notNull(),
    serviceName: text('service_name').notNull(),
    circuitState: text('circuit_state', { enum: circuitStates }).notNull().default('closed'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    openedAt: timestamp('opened_at', { withTimezone: true }),
    successCount: bigint('success_count', { mode: 'number' }).notNull().default(0),
    failureCount: bigint('failure_count', { mode: 'number' }).notNull().default(0),
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    lastFailureAt: timestamp('last_failure_at', { withTimezone: true }),
    lastError: text('last_error'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.organizationId, table.serviceType, table.serviceId] })],
);

export type ServiceStateRow = typeof serviceStates.$inferSelect;
