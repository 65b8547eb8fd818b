/**
 * The benchmark's model: the OpenAI-compatible stub of the test suite (test/stubs/openai-stub.ts),
 * in its own process so that the stub, the Agentry server and the load generator each run apart.
 * It answers every chat completion with its echo, at once. Prints `{"url": ...}` (the base URL,
 * ending in /v1) as one JSON line on stdout once it listens; stops on SIGTERM.
 *
 * BENCH_STUB_API_KEY, when set, is the bearer key the stub requires (as a real provider would).
 */
import { startOpenAiStub } from '../test/stubs/openai-stub.ts';

/** The stub records every request for tests to inspect; the benchmark forgets them this often. */
const FORGET_REQUESTS_MS = 1_000;

async function main() {
  const apiKey = process.env.BENCH_STUB_API_KEY || undefined;
  const stub = await startOpenAiStub({ ...(apiKey ? { apiKey } : {}), models: ['gpt-stub'] });
  // Nothing is enqueued, so reset() only empties the record (it would otherwise grow without bound).
  const forget = setInterval(() => stub.reset(), FORGET_REQUESTS_MS);
  process.stdout.write(`${JSON.stringify({ url: stub.url })}\n`);

  process.once('SIGTERM', () => {
    clearInterval(forget);
    stub.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('bench stub: shutdown failed', error);
        process.exit(1);
      },
    );
  });
}

main().catch((error: unknown) => {
  console.error('bench stub failed to start:', error);
  process.exit(1);
});
