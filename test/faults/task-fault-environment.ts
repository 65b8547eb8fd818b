import pg from 'pg';
import { expect } from 'vitest';
import { registerAccount, type TestAccount } from '../support/accounts.ts';
import { createHttpClient, type HttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import {
  killServerProcesses,
  type ServerProcess,
  startServerProcess,
  startWorkerProcess,
} from '../support/server-process.ts';
import { type SlackStub, startSlackStub } from '../support/slack-stub.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { startTaskModelStub, type TaskModelStub } from './task-model-stub.ts';

const MODEL_KEY = 'sk-durability-0123456789';

export interface TaskFaultEnvironment {
  /** `agentry serve --no-worker`. */
  api: ServerProcess;
  /** `agentry worker`; replaced by `replaceWorker`. */
  worker: ServerProcess;
  http: HttpClient;
  owner: TestAccount;
  /** The test's own connection, straight to the database (not through the proxy). */
  admin: pg.Client;
  /** Between both processes and the database: `cut` takes the database away from them. */
  proxy: TcpProxy;
  model: TaskModelStub;
  slack: SlackStub;
  /** Stops the worker with `signal` (SIGKILL: as in a crash) and starts another; the old one's exit code. */
  replaceWorker(signal: NodeJS.Signals, concurrency: number): Promise<number | null>;
  /** An agent answering through the model stub. */
  createAgent(name: string): Promise<string>;
  /** A Slack channel of a new agent, replying through the Slack stub. */
  createSlackChannel(): Promise<{ agentId: string; eventsUrl: string; signingSecret: string }>;
  dispose(): Promise<void>;
}

/**
 * An API process and a worker process of the split topology on a PostgreSQL database of their
 * own, both connected through a TCP proxy; an OpenAI-compatible model stub and a Slack Web API
 * stub on loopback; an organization with a provider for the stub. `settings` are both processes'.
 */
export async function startTaskFaultEnvironment(
  settings: Record<string, string>,
  workerConcurrency: number,
): Promise<TaskFaultEnvironment> {
  const model = await startTaskModelStub(MODEL_KEY);
  const slack = await startSlackStub();
  const environment = await serverEnvironment(settings);
  const directUrl = environment.env.DATABASE_URL as string;
  const target = new URL(directUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const env = { ...environment.env, DATABASE_URL: proxy.urlThrough(directUrl) };
  const startWorker = (concurrency: number) =>
    startWorkerProcess({ ...env, TASK_WORKER_CONCURRENCY: String(concurrency) });
  const [api, worker] = await Promise.all([
    startServerProcess(env, ['--no-worker']),
    startWorker(workerConcurrency),
  ]);
  const http = createHttpClient(api.url);
  const owner = await registerAccount(http);
  const as = { token: owner.token };
  const admin = new pg.Client({ connectionString: directUrl });
  await admin.connect();
  const provider = await http.post(
    '/api/v1/providers',
    { name: 'Stub', type: 'openai_compatible', base_url: model.stub.url, api_key: MODEL_KEY },
    as,
  );
  expect(provider.status, JSON.stringify(provider.body)).toBe(201);

  const running: TaskFaultEnvironment = {
    api,
    worker,
    http,
    owner,
    admin,
    proxy,
    model,
    slack,
    async replaceWorker(signal, concurrency) {
      const code = await running.worker.stop(signal);
      running.worker = await startWorker(concurrency);
      return code;
    },
    async createAgent(name) {
      const agent = await http.post(
        '/api/v1/agents',
        {
          name,
          provider_id: provider.body.id,
          model: 'gpt-stub',
          show_suggestions_after_each_message: false,
        },
        as,
      );
      expect(agent.status, JSON.stringify(agent.body)).toBe(201);
      return agent.body.id as string;
    },
    async createSlackChannel() {
      const agentId = await running.createAgent('Slack agent');
      const signingSecret = 'durability-signing-secret';
      const channel = await http.post(
        '/api/v1/channels',
        {
          name: 'Durable Slack',
          kind: 'slack',
          agent_id: agentId,
          settings: { api_base_url: slack.url, bot_user_id: slack.botUserId },
          credentials: { signing_secret: signingSecret, bot_token: slack.botToken },
        },
        as,
      );
      expect(channel.status, JSON.stringify(channel.body)).toBe(201);
      return { agentId, eventsUrl: `${api.url}${channel.body.inbound_url}`, signingSecret };
    },
    async dispose() {
      killServerProcesses();
      await admin.end();
      await proxy.close();
      await model.stub.close();
      await slack.close();
      await environment.dispose();
    },
  };
  return running;
}
