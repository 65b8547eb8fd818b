import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { canonicalJson } from '../../platform/text/canonical-json.ts';
import type { DefinitionSnapshot } from './definition-tables.ts';

/** The snapshot fields, in the order changes are reported. */
export const snapshotFields = [
  'name',
  'description',
  'instructions',
  'response_schema',
  'is_active',
] as const satisfies readonly (keyof DefinitionSnapshot)[];

/** The fields whose values differ between two snapshots. */
export const changedFields = (before: DefinitionSnapshot, after: DefinitionSnapshot): string[] =>
  snapshotFields.filter((field) => !isDeepStrictEqual(before[field], after[field]));

/** SHA-256 of the snapshot's canonical JSON: equal definitions have equal checksums, whatever their key order. */
export const snapshotChecksum = (snapshot: DefinitionSnapshot): string =>
  createHash('sha256').update(canonicalJson(snapshot)).digest('hex');

/**
 * What a turn of the definition is told to do: its instructions, or its description when it has
 * none (seed 003's task configs only describe themselves).
 */
export const effectiveInstructions = (snapshot: Pick<DefinitionSnapshot, 'instructions' | 'description'>) =>
  snapshot.instructions?.trim() || snapshot.description?.trim() || '';
