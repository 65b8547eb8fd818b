/**
 * The benchmark's model: the OpenAI-compatible stub of the test suite (test/stubs/openai-stub.ts),
 * in its own process so that the stub, the Agentry server and the load generator each run apart.
 * It answers every chat completion at once: with its echo, or, when the request asks for JSON, with
 * BENCH_STUB_JSON_ANSWER. Prints `{"url": ...}` (the base URL, ending in /v1) as one JSON line on
 * stdout once it listens; stops on SIGTERM.
 *
 * BENCH_STUB_API_KEY, when set, is the bearer key the stub requires (as a real provider would).
 * BENCH_STUB_JSON_ANSWER, when set, is the text answered to a request with a `response_format`
 * (a structured turn, such as an analysis run's item): the echo is not JSON, so it would fail the
 * turn's schema validation.
 */
import { startOpenAiStub } from '../test/stubs/openai-stub.ts';
import { asRecord, echoScript, type StubScript } from '../test/stubs/stub-server.ts';

/** The stub records every request for tests to inspect; the benchmark forgets them this often. */
const FORGET_REQUESTS_MS = 1_000;

/** The JSON answer to a request for JSON (`json_object`, or `json_schema` with a schema); the echo otherwise. */
function answering(jsonAnswer: string | undefined): StubScript {
  if (!jsonAnswer) return echoScript;
  return (request) =>
    asRecord(asRecord(request.body).response_format).type === undefined
      ? echoScript(request)
      : { type: 'text', text: jsonAnswer };
}

async function main() {
  const apiKey = process.env.BENCH_STUB_API_KEY || undefined;
  const script = answering(process.env.BENCH_STUB_JSON_ANSWER || undefined);
  const stub = await startOpenAiStub({ ...(apiKey ? { apiKey } : {}), models: ['gpt-stub'] });
  stub.setScript(script);
  // Nothing is enqueued, so reset() only empties the record (it would otherwise grow without
  // bound); it also restores the echo, so the script is set again at once.
  const forget = setInterval(() => {
    stub.reset();
    stub.setScript(script);
  }, FORGET_REQUESTS_MS);
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
