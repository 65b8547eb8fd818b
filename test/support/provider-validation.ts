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

/**
 * Adds an OpenAI-compatible provider at `baseUrl` (a stub) to the organization the options act
 * for, and waits for it to connect; returns its id.
 */
export async function connectProvider(
  http: HttpClient,
  options: RequestOptions,
  provider: { baseUrl: string; apiKey: string; name?: string },
): Promise<string> {
  const response = await http.post(
    '/api/v1/providers',
    {
      name: provider.name ?? 'Stub',
      type: 'openai_compatible',
      base_url: provider.baseUrl,
      api_key: provider.apiKey,
    },
    options,
  );
  if (response.status !== 201) throw new Error(`the provider was refused: ${JSON.stringify(response.body)}`);
  await waitUntilConnected(http, response.body.id, options);
  return response.body.id;
}
