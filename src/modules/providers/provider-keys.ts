import type { SecretBox } from '../../platform/crypto/secret-box.ts';

/** Binds a sealed key to its row: a ciphertext copied into another row does not open. */
const keyContext = (providerId: string) => `llm_providers:${providerId}`;

/** Keys shorter than this show no last four characters: four would give away too much of them. */
const MIN_LENGTH_FOR_LAST4 = 12;

/** The sealed key and the part of it the API may show. */
export function sealApiKey(secretBox: SecretBox, providerId: string, apiKey: string) {
  return {
    apiKeyCiphertext: secretBox.seal(apiKey, keyContext(providerId)),
    apiKeyLast4: apiKey.length >= MIN_LENGTH_FOR_LAST4 ? apiKey.slice(-4) : null,
  };
}

export function openApiKey(
  secretBox: SecretBox,
  providerId: string,
  ciphertext: string | null,
): string | null {
  return ciphertext === null ? null : secretBox.open(ciphertext, keyContext(providerId));
}
