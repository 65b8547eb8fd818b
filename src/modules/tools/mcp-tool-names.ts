import { createHash } from 'node:crypto';

/** Tool names Agentry accepts: what model providers accept, plus the `.` of the namespace. */
const SAFE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_LENGTH = 64;
const HASH_LENGTH = 8;

const hashOf = (toolName: string) =>
  createHash('sha256').update(toolName).digest('hex').slice(0, HASH_LENGTH);

/**
 * The safe form of a tool's name: `<server>.<tool>` with every other character made `_`, cut to
 * fit 64 characters, and `_<8 hex of the tool's name's SHA-256>` appended. The hash keeps it
 * stable (the same name always gives the same form) and apart from the other tools' forms.
 */
function hashedName(serverName: string, toolName: string): string {
  const room = MAX_LENGTH - serverName.length - 1 - (HASH_LENGTH + 1);
  const readable = toolName.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, Math.max(0, room));
  return `${serverName}.${readable}_${hashOf(toolName)}`;
}

/** `<server>.<tool>` when that is a safe name, else its safe form. */
export function plainToolName(serverName: string, toolName: string): string {
  const plain = `${serverName}.${toolName}`;
  return SAFE_NAME.test(plain) ? plain : hashedName(serverName, toolName);
}

/**
 * The Agentry names of a server's tools (by their names on the server). Names are unique in an
 * organization in any case, so a plain name that another tool of the organization holds
 * (`takenElsewhere`, lower case) or that an earlier tool of this server took (the tools taken in
 * sorted order, so that the outcome never depends on the order the server listed them) gets its
 * safe hashed form instead.
 */
export function assignToolNames(
  serverName: string,
  toolNames: readonly string[],
  takenElsewhere: ReadonlySet<string>,
): Map<string, string> {
  const taken = new Set(takenElsewhere);
  const names = new Map<string, string>();
  for (const toolName of [...toolNames].sort()) {
    const plain = plainToolName(serverName, toolName);
    const name = taken.has(plain.toLowerCase()) ? hashedName(serverName, toolName) : plain;
    taken.add(name.toLowerCase());
    names.set(toolName, name);
  }
  return names;
}
