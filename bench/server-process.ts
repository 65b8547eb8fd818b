import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url));
const stubScript = fileURLToPath(new URL('./llm-stub-server.ts', import.meta.url));
const discardScript = fileURLToPath(new URL('./discard-server.ts', import.meta.url));
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

/** Settings for the child on top of this process's environment; undefined removes a variable. */
export type ProcessEnv = Record<string, string | undefined>;

export interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts bench/server.ts in its own process and waits for the JSON line announcing its URL. */
export function startServerProcess(env: ProcessEnv): Promise<ServerProcess> {
  return startProcess(serverScript, 'server', env);
}

/** Starts bench/llm-stub-server.ts (the OpenAI-compatible stub) in its own process; its URL ends in /v1. */
export function startStubProcess(env: ProcessEnv): Promise<ServerProcess> {
  return startProcess(stubScript, 'stub', env);
}

/** Starts bench/discard-server.ts, which reads every request body and throws it away (the upload ceiling). */
export function startDiscardProcess(): Promise<ServerProcess> {
  return startProcess(discardScript, 'discard', {});
}

async function startProcess(script: string, name: string, env: ProcessEnv): Promise<ServerProcess> {
  const merged: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  const child = spawn(process.execPath, [script], {
    env: merged,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await announcedUrl(child, name).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  let stopping: Promise<void> | undefined;
  return {
    url,
    pid: child.pid ?? -1,
    stop: () => {
      stopping ??= stopChild(child, name);
      return stopping;
    },
  };
}

function announcedUrl(child: ChildProcess, name: string): Promise<string> {
  if (!child.stdout) throw new Error(`${name} process has no stdout`);
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    let announced = false;
    const timer = setTimeout(
      () => reject(new Error(`${name} process did not announce its URL in time`)),
      START_TIMEOUT_MS,
    );
    lines.on('line', (line) => {
      if (!announced) {
        const url = urlOf(line);
        if (url) {
          announced = true;
          clearTimeout(timer);
          resolve(url);
          return;
        }
      }
      // Anything else the process writes (the server's warn-level log lines) stays visible.
      process.stderr.write(`[${name}] ${line}\n`);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!announced)
        reject(new Error(`${name} process exited before listening (code ${code}, signal ${signal})`));
    });
  });
}

function urlOf(line: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed && typeof parsed === 'object' && 'url' in parsed && typeof parsed.url === 'string')
      return parsed.url;
  } catch {
    // not the announcement
  }
  return undefined;
}

async function stopChild(child: ChildProcess, name: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new Error(`${name} process exited with code ${code} (signal ${signal})`);
  } finally {
    clearTimeout(timer);
  }
}
