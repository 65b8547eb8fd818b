/**
 * The names of the tools Agentry serves at /mcp. Model providers accept function names of at most
 * 64 characters in [a-zA-Z0-9_-] (OpenAI, Anthropic), and MCP clients hand tool names to them as
 * they are: every name is lower-case [a-z0-9_] and at most 64 characters long.
 */
export const TOOL_NAME_MAX_LENGTH = 64;

/** The slug of a name no letter or digit survives in (a name written only in another script). */
const EMPTY_SLUG = 'agent';

const trimUnderscores = (text: string) => text.replace(/^_+|_+$/g, '');

/** `Support Agent (EU)` -> `support_agent_eu`; accents are dropped (`Café` -> `cafe`). */
export function slugOf(name: string): string {
  const slug = trimUnderscores(
    name
      .normalize('NFKD')
      .replace(/\p{Mark}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_'),
  );
  return slug || EMPTY_SLUG;
}

const cut = (slug: string, length: number) => trimUnderscores(slug.slice(0, Math.max(length, 1)));

/** `ask_<agent>`: the tool that talks to an agent. */
export const askToolName = (agentName: string) =>
  `ask_${cut(slugOf(agentName), TOOL_NAME_MAX_LENGTH - 'ask_'.length)}`;

/**
 * `run_<definition>_<agent>`: the tool that runs a task definition assigned to an agent. When both
 * slugs do not fit, the longer one gives way first, so that a short one is never cut.
 */
export function runToolName(definitionName: string, agentName: string): string {
  const budget = TOOL_NAME_MAX_LENGTH - 'run__'.length;
  const definition = slugOf(definitionName);
  const agent = slugOf(agentName);
  const half = Math.floor(budget / 2);
  const definitionLength =
    definition.length + agent.length <= budget ? definition.length : Math.max(half, budget - agent.length);
  const definitionPart = cut(definition, definitionLength);
  return `run_${definitionPart}_${cut(agent, budget - definitionPart.length)}`;
}

export interface NameCandidate {
  /** The name the tool would have alone. */
  name: string;
  /** The id of what the tool stands for (an agent, an assignment): the source of its suffix. */
  id: string;
}

/** Hex digits of an id, as a suffix: the end of a UUIDv7 is random, its start is a timestamp. */
const suffixOf = (id: string, length: number) => id.replaceAll('-', '').slice(-length);

/**
 * One name per candidate, in order, each unique: the first candidate with a name keeps it, and
 * later namesakes get `_<8 hex digits of their id>`. So an existing tool keeps its name when a
 * namesake is added after it, given candidates oldest first. Should the short suffix be taken too,
 * the whole id (32 hex digits) is used: ids are unique, so two such names never collide.
 */
export function uniqueNames(candidates: readonly NameCandidate[]): string[] {
  const taken = new Set<string>();
  const first = candidates.map(({ name }) => {
    if (taken.has(name)) return null;
    taken.add(name);
    return name;
  });
  return candidates.map(({ name, id }, index) => {
    const kept = first[index];
    if (kept) return kept;
    const short = suffixed(name, suffixOf(id, 8));
    const unique = taken.has(short) ? suffixed(name, suffixOf(id, 32)) : short;
    taken.add(unique);
    return unique;
  });
}

const suffixed = (name: string, suffix: string) =>
  `${cut(name, TOOL_NAME_MAX_LENGTH - suffix.length - 1)}_${suffix}`;
