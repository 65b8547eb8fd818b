import type { HttpClient, RequestOptions } from './http-client.ts';

/**
 * Waits for a provider's background validation to connect (an organization's first provider is
 * its default, and its model list call is then behind the test); throws with the provider's state
 * when it does not within ten seconds.
 */
export async function waitUntilConnected(http: HttpClient, providerId: string, options: RequestOptions) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { body } = await http.get(`/api/v1/providers/${providerId}`, options);
    if (body.validation_status === 'connected') return;
    if (Date.now() > deadline) throw new Error(`the provider is not connected: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
