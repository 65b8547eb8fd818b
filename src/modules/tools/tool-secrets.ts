import type { SecretBox } from '../../platform/crypto/secret-box.ts';

/** Binds the sealed headers to their tool: a ciphertext copied into another row does not open. */
const secretContext = (toolId: string) => `tools:${toolId}`;

/** An HTTP tool's secret headers, sealed as one JSON object; none seals to null. */
export function sealSecretHeaders(
  secretBox: SecretBox,
  toolId: string,
  headers: Record<string, string>,
): { secretHeadersCiphertext: string | null; secretHeaderNames: string[] } {
  const names = Object.keys(headers);
  return {
    secretHeadersCiphertext:
      names.length === 0 ? null : secretBox.seal(JSON.stringify(headers), secretContext(toolId)),
    secretHeaderNames: names,
  };
}

export function openSecretHeaders(
  secretBox: SecretBox,
  toolId: string,
  ciphertext: string | null,
): Record<string, string> {
  return ciphertext === null
    ? {}
    : (JSON.parse(secretBox.open(ciphertext, secretContext(toolId))) as Record<string, string>);
}
