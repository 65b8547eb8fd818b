import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface ServerProcess {
  /** Where it listens; empty for a worker process. */
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills every server a test started and did not stop (a failed assertion skips its stop). */
export function killServerProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * Runs `agentry serve` (with `args`, e.g. `--no-worker`) as a real process and waits until it
 * prints the URL it listens on.
 */
export function startServerProcess(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
  return startAgentryProcess(
    ['serve', ...args],
    env,
    (output) => /listening on (http:\/\/\S+)/.exec(output)?.[1],
  );
}

/** Runs `agentry worker` (queue workers, no HTTP) and waits until it says it is running. */
export function startWorkerProcess(env: Record<string, string>): Promise<ServerProcess> {
  return startAgentryProcess(['worker'], env, (output) =>
    /worker is running/.test(output) ? '' : undefined,
  );
}

/**
 * Runs an `agentry` command that is expected to end (e.g. `migrate`, or a refused start) and waits
 * for its exit; `input`, when given, is its standard input.
 */
export async function runAgentryCommand(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(input);
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  running.delete(child);
  return { code, output };
}

// Generous: a loaded machine (CI beside other work) starts an embedded database slowly.
const startupTimeoutMs = 90_000;

async function startAgentryProcess(
  args: string[],
  env: Record<string, string>,
  readiness: (output: string) => string | undefined,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    // A server that did not start in time is killed: left running, it would load the machine for the next ones.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${startupTimeoutMs} ms:\n${output}`));
    }, startupTimeoutMs);
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const ready = readiness(output);
      if (ready !== undefined) {
        clearTimeout(timer);
        resolve(ready);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
