import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url));
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts bench/server.ts in its own process and waits for the JSON line announcing its URL. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [serverScript], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await announcedUrl(child).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  let stopping: Promise<void> | undefined;
  return {
    url,
    pid: child.pid ?? -1,
    stop: () => {
      stopping ??= stopChild(child);
      return stopping;
    },
  };
}

function announcedUrl(child: ChildProcess): Promise<string> {
  if (!child.stdout) throw new Error('server process has no stdout');
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    let announced = false;
    const timer = setTimeout(
      () => reject(new Error('server process did not announce its URL in time')),
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
      // Anything else the server writes (its warn-level log lines) stays visible.
      process.stderr.write(`[server] ${line}\n`);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!announced)
        reject(new Error(`server process exited before listening (code ${code}, signal ${signal})`));
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

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new Error(`server process exited with code ${code} (signal ${signal})`);
  } finally {
    clearTimeout(timer);
  }
}
