import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { echoScript } from '../stubs/stub-server.ts';
import type { Behaviour } from './task-expectations.ts';
import { taskKeyOfCompletion } from './task-markers.ts';

export interface TaskModelStub {
  stub: OpenAiStub;
  /** Chat completions received, by the key of the task that asked. */
  calls: Map<string, number>;
  /** How to answer each task's calls; an unlisted task is answered. */
  behaviours: Map<string, Behaviour>;
  /** Tasks whose model call never answers: it ends when the task is cancelled. */
  held: Set<string>;
}

/**
 * The OpenAI-compatible model of the tasks: it counts each task's calls and answers with the echo
 * of the task's message after a small random latency (10-50 ms), or as the task's behaviour says.
 */
export async function startTaskModelStub(apiKey: string): Promise<TaskModelStub> {
  const stub = await startOpenAiStub({ apiKey });
  const calls = new Map<string, number>();
  const behaviours = new Map<string, Behaviour>();
  const held = new Set<string>();
  stub.setScript((request) => {
    const key = taskKeyOfCompletion(request);
    if (!key) return echoScript(request);
    const count = (calls.get(key) ?? 0) + 1;
    calls.set(key, count);
    if (held.has(key)) return { type: 'hang' };
    const behaviour = behaviours.get(key);
    if (behaviour === 'refused') return { type: 'error', status: 400, message: 'This cannot be answered' };
    if (behaviour === 'rate-limited-once' && count === 1) return { type: 'error', status: 429 };
    const reply = echoScript(request);
    return reply.type === 'text' ? { ...reply, chunkDelayMs: 10 + Math.random() * 40 } : reply;
  });
  return { stub, calls, behaviours, held };
}
