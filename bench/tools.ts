/**
 * Tools and MCP (`node bench/tools.ts`, or `BENCH_ONLY=tools npm run bench`): turns that call one
 * tool of an MCP server on loopback (test/support/mcp-test-server.ts), next to the same tool called
 * directly with the MCP SDK's client and to the same turn calling a built-in tool, over HTTP to
 * Agentry in this process, on PGlite and (with BENCH_DATABASE_URL) PostgreSQL. See bench/README.md.
 */
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startMcpTestServer } from '../test/support/mcp-test-server.ts';
import { type BenchDatabase, onEachBenchDatabase } from './databases.ts';
import { formatMs, formatSignedMs, formatTable } from './table.ts';
import { type TargetOutcome, verdict } from './targets.ts';
import {
  type Client,
  registerAccount,
  summarize,
  TIMING_HEADER,
  type Timing,
  timeFor,
  timingRows,
  withAgentryInProcess,
} from './timing.ts';

export interface ToolsRun {
  database: BenchDatabase['name'];
  description: string;
  timings: Timing[];
  lines: string[];
}

const OVERHEAD_P50_TARGET_MS = 2;
const SERVER_NAME = 'bench';

/** Polls the server's check until it settles; a server that does not connect is a failed run. */
async function connectedServer(call: Client, token: string, serverId: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const server = await call('GET', `/api/v1/mcp-servers/${serverId}`, token);
    if (server.health.status === 'connected') return server;
    if (server.health.status === 'error' || Date.now() > deadline)
      throw new Error(`the MCP server did not connect: ${JSON.stringify(server.health)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A turn whose (offline) model calls the tool the message names; throws unless the call succeeded. */
function turnCalling(call: Client, token: string, agentId: string, toolName: string) {
  return async () => {
    const answer = await call('POST', `/api/v1/agents/${agentId}/execute`, token, {
      message: `Please use ${toolName} with this sentence.`,
      stream: false,
    });
    const [toolCall] = answer.tool_calls;
    if (!toolCall?.success) throw new Error(`the tool call failed: ${JSON.stringify(answer.tool_calls)}`);
    return toolCall.duration_ms as number;
  };
}

export async function benchTools(database: BenchDatabase, seconds: number): Promise<ToolsRun> {
  const mcp = await startMcpTestServer();
  const direct = new McpClient({ name: 'agentry-bench', version: '1.0.0' });
  try {
    await direct.connect(new StreamableHTTPClientTransport(new URL(mcp.url)));
    const env = { OUTBOUND_ALLOWLIST: `127.0.0.1:${mcp.port}` };
    return await withAgentryInProcess(database, env, async (call) => {
      const owner = await registerAccount(call, 'tools-owner');
      const server = await call('POST', '/api/v1/mcp-servers', owner.token, {
        name: SERVER_NAME,
        endpoint: mcp.url,
      });
      await connectedServer(call, owner.token, server.id);
      const withMcp = await call('POST', '/api/v1/agents', owner.token, {
        name: 'MCP caller',
        tools: [`${SERVER_NAME}.echo`],
        show_suggestions_after_each_message: false,
      });
      const withBuiltin = await call('POST', '/api/v1/agents', owner.token, {
        name: 'Built-in caller',
        tools: ['current_time'],
        show_suggestions_after_each_message: false,
      });

      const directCall = await timeFor('direct', 'echo with the SDK client, direct (ceiling)', seconds, () =>
        direct.callTool({ name: 'echo', arguments: { text: 'Please use bench__echo with this sentence.' } }),
      );
      const builtinTurn = await timeFor(
        'builtin-turn',
        'POST /execute, a built-in tool call (current_time)',
        seconds,
        turnCalling(call, owner.token, withBuiltin.id, 'current_time'),
      );
      const toolDurations: number[] = [];
      const mcpTurn = await timeFor(
        'mcp-turn',
        'POST /execute, one MCP tool call (bench.echo)',
        seconds,
        async () => toolDurations.push(await turnCalling(call, owner.token, withMcp.id, 'bench__echo')()),
      );
      // Its rate is that of the calls back to back: their durations summed.
      const inTurn = summarize(
        'in-turn',
        'the same MCP call inside those turns (its recorded duration)',
        toolDurations,
        toolDurations.reduce((sum, duration) => sum + duration, 0),
      );
      const turnDifferenceMs = mcpTurn.p50Ms - builtinTurn.p50Ms - directCall.p50Ms;
      return {
        database: database.name,
        description: database.description,
        timings: [directCall, inTurn, builtinTurn, mcpTurn],
        lines: [
          `added overhead of the MCP call in a turn, p50: ${formatSignedMs(inTurn.p50Ms - directCall.p50Ms)} ms ` +
            `(the call as the turn made it ${formatMs(inTurn.p50Ms)} - the call made directly ${formatMs(directCall.p50Ms)}); ` +
            `the whole turns differ by ${formatSignedMs(turnDifferenceMs)} ms beyond the direct call ` +
            `(turn with the MCP call ${formatMs(mcpTurn.p50Ms)} - turn with a built-in call ${formatMs(builtinTurn.p50Ms)} - the direct call)`,
        ],
      };
    });
  } finally {
    await direct.close();
    await mcp.close();
  }
}

/** The target: the turn adds at most 2 ms (p50) to an MCP tool call. */
export function toolsTargets(run: ToolsRun): TargetOutcome[] {
  const find = (key: string) => run.timings.find((timing) => timing.key === key);
  const [direct, inTurn] = [find('direct'), find('in-turn')];
  if (!direct || !inTurn) return [];
  const overhead = inTurn.p50Ms - direct.p50Ms;
  return [
    {
      text: `MCP tool call in a turn: added overhead p50 <= ${OVERHEAD_P50_TARGET_MS} ms: ${formatSignedMs(overhead)} ms`,
      pass: overhead <= OVERHEAD_P50_TARGET_MS,
      binding: run.database === 'PostgreSQL',
    },
  ];
}

export function formatToolsRun(run: ToolsRun): string {
  const ceiling = run.timings.find((timing) => timing.key === 'direct');
  return [
    `Tools and MCP on ${run.description} (one at a time, over HTTP to Agentry in the runner's process; the offline model calls the tool; ceiling: the MCP call made directly with the SDK client):`,
    formatTable(TIMING_HEADER, timingRows(run.timings, ceiling, ['direct', 'in-turn'])),
    ...run.lines.map((text) => `  ${text}`),
  ].join('\n');
}

if (import.meta.main) {
  const seconds = Number(process.env.BENCH_DURATION_SECONDS ?? 5);
  await onEachBenchDatabase(async (database) => {
    const run = await benchTools(database, seconds);
    console.log(formatToolsRun(run));
    for (const outcome of toolsTargets(run)) console.log(`  ${verdict(outcome)}  ${outcome.text}`);
  });
}
