import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * The README's first session (the shell block after "A first session"), read from README.md when
 * the test runs and run as written with `bash -euo pipefail`, curl and jq, against a real
 * `agentry serve` on a fresh data directory (a fresh database on PostgreSQL) with its default
 * limits. Only the base URL changes: the server listens on a free port, not 8000. The block is
 * run twice on the same server, as a reader running it again would: the account exists then.
 * A fault-suite file, not part of `npm test`: a fresh embedded database takes its server 5 to 20 s
 * to start (the block itself runs in about a second).
 */
const run = promisify(execFile);
const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

/** The block, with `API=` pointed at `apiUrl`; it fails when the README no longer sets `API=`. */
function walkthrough(apiUrl: string): string {
  const block = /A first session[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no sh block after "A first session"');
  const baseUrl = /^API=(\S+)$/m.exec(block);
  expect(baseUrl?.[1]).toBe('http://127.0.0.1:8000/api/v1');
  return block.replace(/^API=\S+$/m, `API=${apiUrl}`);
}

/** Printed after the block: the variables it captured (the block itself prints other things). */
const VARIABLES_MARKER = '--- captured by the walkthrough ---';

interface Session {
  version: number;
  history: { field_changed: string; old_value: unknown; new_value: unknown; change_reason: string };
  answer: string;
  token: string;
  agentId: string;
}

/** Runs the block as `bash -euo pipefail` would, and splits what it printed. */
async function runWalkthrough(apiUrl: string): Promise<Session> {
  const script = `${walkthrough(apiUrl)}\nprintf '%s\\n%s\\n%s\\n' '${VARIABLES_MARKER}' "$TOKEN" "$AGENT_ID"\n`;
  // --norc: a bash whose standard input is a socket (Node's pipes are) would read bashrc as an rsh would.
  const { stdout, stderr } = await run('bash', ['--norc', '-euo', 'pipefail', '-c', script], {
    env: { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
    timeout: 60_000,
  });
  expect(stderr).toBe('');
  const [printed = '', captured = ''] = stdout.split(`${VARIABLES_MARKER}\n`);
  const [token = '', agentId = ''] = captured.split('\n');
  // The block prints the new version (one line), the newest history entry (jq's indented
  // object, closed by a `}` line of its own), then the agent's answer.
  const lines = printed.split('\n');
  const historyEnd = lines.indexOf('}');
  expect(historyEnd, printed).toBeGreaterThan(1);
  return {
    version: Number(lines[0]),
    history: JSON.parse(lines.slice(1, historyEnd + 1).join('\n')),
    answer: lines
      .slice(historyEnd + 1)
      .join('\n')
      .trim(),
    token,
    agentId,
  };
}

function expectTheReadmePromises(session: Session) {
  for (const captured of [session.token, session.agentId]) {
    expect(captured).not.toBe('');
    expect(captured).not.toBe('null');
  }
  expect(session.agentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(session.version).toBe(2);
  expect(session.history).toMatchObject({ field_changed: 'tone', change_reason: 'brand voice' });
  expect(JSON.stringify(session.history.old_value)).toContain('warm');
  expect(JSON.stringify(session.history.new_value)).toContain('formal');
  expect(session.answer).not.toBe('');
  expect(session.answer).not.toBe('null');
}

let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let server: ServerProcess;

beforeAll(async () => {
  environment = await serverEnvironment();
  // The reader's server runs on the defaults: rate limits on, no outbound allowlist.
  const { RATE_LIMIT_ENABLED: _limits, OUTBOUND_ALLOWLIST: _allowlist, ...env } = environment.env;
  server = await startServerProcess(env);
});
afterAll(async () => {
  await server?.stop();
  killServerProcesses();
  await environment?.dispose();
});

describe(`the README's first session (${testDatabaseKind})`, () => {
  let first: Session;

  it('runs as written: token and agent id captured, version 2, the changed field, an answer', async () => {
    first = await runWalkthrough(`${server.url}/api/v1`);
    expectTheReadmePromises(first);
    // With no provider configured, the offline model answers, and says so.
    expect(first.answer.toLowerCase()).toContain('offline');
  });

  it('runs again on the same data: the account exists, so it signs in, and makes a second agent', async () => {
    const again = await runWalkthrough(`${server.url}/api/v1`);
    expectTheReadmePromises(again);
    expect(again.agentId).not.toBe(first.agentId);
  });
});
