import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { analysisExampleIds, exampleProposalView } from './analysis-examples.ts';
import { sourceRefView } from './analysis-schemas.ts';
import { proposalStatuses } from './proposal-tables.ts';

const FIELD_PREFIX = 'field.';
const fieldName = /^field\.[A-Za-z0-9_$-]{1,100}$/;

/** The `field.<name>=value` parameters of a query: equality on top-level output fields. */
export const fieldFilters = (query: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(query)
      .filter(([key, value]) => key.startsWith(FIELD_PREFIX) && typeof value === 'string')
      .map(([key, value]) => [key.slice(FIELD_PREFIX.length), value as string]),
  );

/**
 * A query that also takes `field.<name>=value` filters on top-level output fields (compared as
 * text); other unknown parameters are ignored, as everywhere in the API.
 */
const withFieldFilters = <Shape extends z.ZodRawShape>(query: z.ZodObject<Shape>) =>
  query.catchall(z.string().max(1_000)).superRefine((values, context) => {
    for (const key of Object.keys(values)) {
      if (key.startsWith(FIELD_PREFIX) && !fieldName.test(key))
        context.addIssue({
          code: 'custom',
          path: [key],
          message: 'must be field.<name> with a name of letters, digits, _ $ -',
        });
    }
  });

const status = z.enum(proposalStatuses).optional();

export const listProposalsQuery = withFieldFilters(pageQuery(100, 1_000).extend({ status }));

export const exportProposalsQuery = withFieldFilters(
  z.object({
    status,
    format: z
      .enum(['csv', 'jsonl'])
      .default('jsonl')
      .describe('csv: one column per top-level schema property'),
  }),
);

export const proposalView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    run_id: z.uuid(),
    item_index: z.number().int(),
    source_ref: sourceRefView,
    input: z.union([z.string(), z.record(z.string(), z.unknown())]).describe('The item’s input'),
    output: z.record(z.string(), z.unknown()).describe('Validated against the run’s response_schema'),
    status: z.enum(proposalStatuses),
    reason: z.string().nullable().describe('The reviewer’s reason'),
    reviewed_by_user_id: z.uuid().nullable(),
    reviewed_by_api_key_id: z.uuid().nullable(),
    reviewed_at: nullableTimestamp,
    created_at: timestamp,
  })
  .meta({ id: 'AnalysisProposal', example: exampleProposalView });
export type ProposalView = z.infer<typeof proposalView>;

export const proposalListView = z
  .array(proposalView)
  .meta({ id: 'AnalysisProposalList', example: [exampleProposalView] });

/** Optional: a review may come without a body. */
export const reviewBody = z
  .object({ reason: z.string().min(1).max(2_000).optional().describe('Why; kept with the proposal') })
  .strict()
  .nullish()
  .meta({
    id: 'AnalysisProposalReview',
    example: { reason: 'The message reports a crash: a bug, not a question' },
  });

export const bulkReviewBody = z
  .object({
    ids: z
      .array(z.uuid())
      .min(1)
      .max(1_000)
      .optional()
      .describe('These proposals of the run, whatever their status'),
    all: z.literal(true).optional().describe('Every pending proposal of the run'),
    reason: z.string().min(1).max(2_000).optional(),
  })
  .strict()
  .superRefine((body, context) => {
    if ((body.ids === undefined) === (body.all === undefined))
      context.addIssue({ code: 'custom', path: ['ids'], message: 'give either ids or all: true' });
  })
  .meta({ id: 'AnalysisProposalBulkReview', example: { ids: [analysisExampleIds.proposal] } });
export type BulkReviewBody = z.infer<typeof bulkReviewBody>;

export const bulkReviewView = z
  .object({
    status: z.enum(['approved', 'rejected']),
    updated: z.number().int().describe('Proposals now in that status'),
    proposal_ids: z.array(z.uuid()),
    not_found: z.array(z.uuid()).describe('Ids that are no proposal of this run'),
  })
  .meta({
    id: 'AnalysisProposalBulkReviewResult',
    example: { status: 'approved', updated: 1, proposal_ids: [analysisExampleIds.proposal], not_found: [] },
  });
export type BulkReviewView = z.infer<typeof bulkReviewView>;
