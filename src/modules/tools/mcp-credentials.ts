import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { McpAuthenticationInput } from './mcp-schemas.ts';
import type { McpAuthType, McpServerRow } from './tool-tables.ts';

/** What an MCP server's requests carry: a bearer token, or headers; both sealed at rest. */
export type McpAuthentication =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'headers'; headers: Record<string, string> };

/** Binds a sealed authentication to its row: a ciphertext copied into another row does not open. */
const sealContext = (serverId: string) => `mcp_servers:${serverId}`;

/** Seed 004's `{}` and an absent authentication both mean none. */
export function normalizeAuthentication(input: McpAuthenticationInput | null | undefined): McpAuthentication {
  if (!input || !('type' in input)) return { type: 'none' };
  return input as McpAuthentication;
}

/** The columns that store an authentication: its type, and the sealed secret (none for `none`). */
export function sealAuthentication(
  secretBox: SecretBox,
  serverId: string,
  authentication: McpAuthentication,
) {
  return {
    authType: authentication.type as McpAuthType,
    authCiphertext:
      authentication.type === 'none'
        ? null
        : secretBox.seal(JSON.stringify(authentication), sealContext(serverId)),
  };
}

/** The row's authentication, opened; throws SecretBoxError when it cannot be (another key). */
export function openAuthentication(
  secretBox: SecretBox,
  row: Pick<McpServerRow, 'id' | 'authCiphertext'>,
): McpAuthentication {
  if (row.authCiphertext === null) return { type: 'none' };
  return JSON.parse(secretBox.open(row.authCiphertext, sealContext(row.id))) as McpAuthentication;
}

/** The headers every request to the server carries. */
export function authenticationHeaders(authentication: McpAuthentication): Record<string, string> {
  if (authentication.type === 'bearer') return { Authorization: `Bearer ${authentication.token}` };
  if (authentication.type === 'headers') return { ...authentication.headers };
  return {};
}

/** What responses may say about it: the type and, for headers, their names. */
export function describeAuthentication(authentication: McpAuthentication): {
  type: McpAuthType;
  header_names?: string[];
} {
  return authentication.type === 'headers'
    ? { type: 'headers', header_names: Object.keys(authentication.headers).sort() }
    : { type: authentication.type };
}

/** The secret values, to take out of any text that leaves Agentry (an upstream error may echo them). */
export function secretsOf(authentication: McpAuthentication): string[] {
  if (authentication.type === 'bearer') return [authentication.token];
  if (authentication.type === 'headers') return Object.values(authentication.headers);
  return [];
}

/** `text` with every secret replaced: error texts are stored, shown and logged. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  // Very short values would redact ordinary words; a secret that short is no secret anyway.
  for (const secret of secrets) if (secret.length >= 4) redacted = redacted.replaceAll(secret, '[redacted]');
  return redacted;
}
