import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAccount } from '../support/accounts.ts';
import { killServerProcesses, type ServerProcess } from '../support/server-process.ts';
import { eventCallback, slackTs } from '../support/slack-stub.ts';
import { testDatabaseKind } from '../support/test-database.ts';
import { type OutageProbes, probeDuringOutage } from './outage-probe.ts';
import { createSlackDeliverer, deliverSlackEvent } from './slack-deliveries.ts';
import { type Behaviour, taskViolations } from './task-expectations.ts';
import { startTaskFaultEnvironment, type TaskFaultEnvironment } from './task-fault-environment.ts';
import {
  countReconciledReplies,
  countRunningRuns,
  countRunsByStatus,
  countRunsByTask,
  countTasksByStatus,
  countUnsettledJobs,
  readTaskLedger,
} from './task-ledger.ts';
import { taskMarker } from './task-markers.ts';
import { createTaskSubmitter, type TaskSubmitter } from './task-submitter.ts';

/**
 * The durability of agents' tasks (DESIGN 7b, issue 10 point 6), on PostgreSQL with real
 * processes: an API process and a worker process, both reaching the database through a TCP proxy,
 * run 1,000 tasks of 5 agents created through the API at mixed priorities, and 100 more from signed
 * Slack events, against a model stub with a small random latency, while the worker is killed with
 * SIGKILL twice (and restarted), every database connection is terminated twice, and the database
 * is taken away for longer than a job's heartbeat. Afterwards every task has ended once
 * (completed, or dead when the model refused it for good), no task has two completed attempts, the
 * model was asked no more often than the task was started, and each Slack task was answered in
 * Slack exactly once. A second phase checks priorities within one agent on a worker that runs one
 * task at a time.
 */
const POSTGRES_ONLY = 'PostgreSQL only: two processes on one database, and connections to lose';
const TASKS = 1_000;
const AGENTS = 5;
/** One Slack message for every tenth task of the API, and one sent while the database is away. */
const SLACK_MESSAGES = TASKS / 10 + 1;
const SLACK_CONVERSATION = 'C0DURABLE';
/** Replies Slack posts but whose answers are lost on the way back: their outcome is unknown. */
const LOST_SLACK_ANSWERS = 2;
const WORKER_CONCURRENCY = 16;
/** Created but unfinished tasks, at most: creation goes on through the faults, not all before them. */
const BACKLOG = 250;
const SUBMITTERS = 8;
/** Longer than a job's heartbeat: jobs whose workers lived through it are found lapsed afterwards. */
const OUTAGE_MS = 12_000;
/** A request the API does not answer within this is a hang. */
const PROBE_TIMEOUT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 10_000;
const RUN_RECOVERY_SECONDS = 5;
const PRIORITY_9_TASKS = 100;
const TERMINATE_APPLICATION_BACKENDS =
  'select count(pg_terminate_backend(pid))::int as terminated from pg_stat_activity ' +
  'where datname = current_database() and pid <> pg_backend_pid()';

const behaviourOf = (index: number): Behaviour =>
  index % 50 === 17 ? 'refused' : index % 30 === 5 ? 'rate-limited-once' : 'answered';
const keyOf = (index: number) => `durability-${String(index).padStart(4, '0')}`;
const slackKeyOf = (index: number) => `slack-${String(index).padStart(3, '0')}`;
/** Every tenth task is sent twice at once, as by a client that gave up on its first request too soon. */
const sentTwice = (index: number) => index % 10 === 3;

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe.runIf(testDatabaseKind === 'postgres')(
  `tasks through worker kills and database faults (${POSTGRES_ONLY})`,
  () => {
    let environment: TaskFaultEnvironment;
    let submitter: TaskSubmitter;
    const alive = (process: ServerProcess) =>
      process.child.exitCode === null && process.child.signalCode === null;

    beforeAll(async () => {
      environment = await startTaskFaultEnvironment(
        {
          RUN_RECOVERY_SECONDS: String(RUN_RECOVERY_SECONDS),
          // One model call per start of a task: the task's own attempts are the retries under test.
          LLM_RETRY_MAX_ATTEMPTS: '1',
          TASK_RETRY_BASE_DELAY_MS: '200',
          TASK_RETRY_MAX_DELAY_MS: '2000',
        },
        WORKER_CONCURRENCY,
      );
      submitter = createTaskSubmitter(environment.api.url, environment.owner.token, {
        timeoutMs: REQUEST_TIMEOUT_MS,
        giveUpAfterMs: 60_000,
      });
    });
    afterAll(async () => {
      killServerProcesses();
      await environment?.dispose();
    });

    const submitTask = (agentId: string, key: string, priority: number, taskType = 'durability') =>
      submitter.submit(agentId, {
        task_type: taskType,
        task_data: { message: `Answer ${taskMarker(key)}` },
        priority,
        max_attempts: 5,
        idempotency_key: key,
        queue: true,
      });

    it(`ends each of ${TASKS} API and ${SLACK_MESSAGES} Slack tasks once through 2 worker kills, terminated connections and an outage`, {
      timeout: 300_000,
    }, async () => {
      const { api, http, owner, admin, proxy, model, slack } = environment;
      const startedAt = performance.now();
      const agentIds: string[] = [];
      for (let index = 0; index < AGENTS; index++) {
        agentIds.push(await environment.createAgent(`Durable ${index}`));
      }
      const slackChannel = await environment.createSlackChannel();
      const slackDeliverer = createSlackDeliverer(slackChannel.eventsUrl, slackChannel.signingSecret, {
        timeoutMs: REQUEST_TIMEOUT_MS,
        giveUpAfterMs: 60_000,
      });
      const { behaviours } = model;
      for (let index = 0; index < TASKS; index++) behaviours.set(keyOf(index), behaviourOf(index));
      // A dead Slack task is answered too (that it could not be done), once.
      for (let index = 0; index < SLACK_MESSAGES; index++) {
        behaviours.set(slackKeyOf(index), index % 25 === 11 ? 'refused' : 'answered');
      }

      // The progress gauge: the tasks' statuses, read from the database every 200 ms.
      let statuses: Record<string, number> = {};
      const finished = () => (statuses.completed ?? 0) + (statuses.dead ?? 0);
      let measuring = true;
      const gauge = (async () => {
        while (measuring) {
          statuses = await countTasksByStatus(admin, owner.organizationId);
          await sleep(200);
        }
      })();
      let creationFailure: unknown;
      /** Waits for `count` tasks to have ended; a run that stalls fails here, with what it shows. */
      const untilFinished = async (count: number, withinMs = 60_000) => {
        const deadline = performance.now() + withinMs;
        while (finished() < count) {
          if (creationFailure) throw creationFailure;
          if (performance.now() > deadline) {
            const runs = await countRunsByStatus(admin, owner.organizationId);
            throw new Error(
              `${finished()} tasks ended, not ${count}, within ${withinMs} ms: ${JSON.stringify(statuses)}; ` +
                `${sum([...model.calls.values()])} model calls, runs ${JSON.stringify(runs)}\n` +
                `worker:\n${environment.worker.output().slice(-3_000)}\nAPI:\n${api.output().slice(-3_000)}`,
            );
          }
          await sleep(100);
        }
      };

      // Tasks from the API (some sent twice at once) and, for every tenth, a message in Slack (some
      // delivered twice, as Slack may).
      let next = 0;
      const taskIds = new Map<string, string>();
      const slackTimestamps = new Map<string, string>();
      const doubles: string[] = [];
      /** A person's message to the agent in Slack, as an Events API payload. */
      const slackMessage = (slackKey: string) => {
        const ts = slackTs();
        slackTimestamps.set(slackKey, ts);
        return eventCallback({
          channel: SLACK_CONVERSATION,
          user: 'U0CUSTOMER',
          text: `<@${slack.botUserId}> Please answer ${taskMarker(slackKey)}`,
          ts,
        });
      };
      const submission = Promise.all(
        Array.from({ length: SUBMITTERS }, async () => {
          for (let index = next++; index < TASKS && measuring; index = next++) {
            while (measuring && index - finished() > BACKLOG) await sleep(50);
            const key = keyOf(index);
            const send = () => submitTask(agentIds[index % AGENTS] as string, key, 1 + ((index * 7) % 10));
            const [id, again] = await Promise.all([send(), sentTwice(index) ? send() : undefined]);
            if (again !== undefined && again !== id) doubles.push(`${key}: ${id} and ${again}`);
            taskIds.set(key, id);
            if (index % 10 !== 7) continue;
            const slackKey = slackKeyOf(Math.floor(index / 10));
            const delivered = slackDeliverer.deliver(slackMessage(slackKey), { duplicate: index % 50 === 7 });
            taskIds.set(slackKey, await delivered);
          }
        }),
      ).catch((error: unknown) => {
        creationFailure = error;
      });

      const kills: number[] = [];
      const killWorker = async () => {
        kills.push(statuses.running ?? 0);
        expect(await environment.replaceWorker('SIGKILL', WORKER_CONCURRENCY)).toBeNull();
      };
      const terminated: number[] = [];
      const terminateBackends = async () => {
        const { rows } = await admin.query<{ terminated: number }>(TERMINATE_APPLICATION_BACKENDS);
        terminated.push(rows[0]?.terminated ?? 0);
      };
      const outage = async () => {
        await proxy.cut();
        let probe = 0;
        // A Slack message sent while the database is away: refused (503), and retried by Slack after.
        const slackKey = slackKeyOf(SLACK_MESSAGES - 1);
        const sentDuringOutage = slackMessage(slackKey);
        let slackRetries = 0;
        const probes = await probeDuringOutage(
          [
            (signal) =>
              deliverSlackEvent(
                slackChannel.eventsUrl,
                slackChannel.signingSecret,
                sentDuringOutage,
                slackRetries++,
                signal,
              ),
            (signal) => fetch(`${api.url}/api/v1/tasks/stats`, { headers: bearer(owner), signal }),
            (signal) =>
              fetch(`${api.url}/api/v1/agents/${agentIds[0]}/tasks`, {
                method: 'POST',
                headers: { ...bearer(owner), 'content-type': 'application/json' },
                body: JSON.stringify({
                  task_type: 'probe',
                  queue: true,
                  idempotency_key: `probe-${probe++}`,
                }),
                signal,
              }),
          ],
          { durationMs: OUTAGE_MS, timeoutMs: PROBE_TIMEOUT_MS },
        );
        for (const process of [api, environment.worker]) {
          expect(alive(process), `alive through the outage:\n${process.output().slice(-3_000)}`).toBe(true);
        }
        await proxy.restore();
        const delivered = slackDeliverer.deliver(sentDuringOutage, { firstRetryNum: slackRetries });
        taskIds.set(slackKey, await delivered);
        return probes;
      };

      // The faults, each once the run has reached a share of its tasks, so that tasks are in flight.
      let probes: OutageProbes;
      try {
        await untilFinished(TASKS * 0.1);
        await killWorker();
        slack.failNext(LOST_SLACK_ANSWERS, { kind: 'lost' });
        await untilFinished(TASKS * 0.25);
        await terminateBackends();
        await untilFinished(TASKS * 0.4);
        probes = await outage();
        await untilFinished(TASKS * 0.55);
        await killWorker();
        await untilFinished(TASKS * 0.7);
        await terminateBackends();
        await submission;
        await untilFinished(TASKS + SLACK_MESSAGES);
      } finally {
        measuring = false;
        await gauge;
      }
      const runSeconds = (performance.now() - startedAt) / 1000;
      expect(statuses, 'every task ended').toEqual({
        completed: expect.any(Number),
        dead: expect.any(Number),
      });
      // The killed workers' runs end `abandoned` once their leases have expired; the jobs of tasks that
      // ended while their delivery's acknowledgement was lost are redelivered, and settle doing nothing;
      // the replies are sent.
      await expect
        .poll(() => countRunningRuns(admin, owner.organizationId), { timeout: 30_000, interval: 500 })
        .toBe(0);
      await expect
        .poll(() => countUnsettledJobs(admin, owner.organizationId), { timeout: 60_000, interval: 500 })
        .toEqual({ waiting: 0, deadLettered: 0 });
      expect(alive(api), api.output().slice(-3_000)).toBe(true);
      expect(alive(environment.worker), environment.worker.output().slice(-3_000)).toBe(true);

      // The API: 503 at once while the database was away, never a hang; and nothing else unexpected.
      expect([...probes.statuses.keys()], 'every probe during the outage answered 503').toEqual([503]);
      expect(probes.unanswered, `probes not answered within ${PROBE_TIMEOUT_MS} ms`).toBe(0);
      for (const counts of [submitter.counts, slackDeliverer.counts]) {
        expect(counts.unexpected).toEqual([]);
        expect(counts.unanswered, `requests not answered within ${REQUEST_TIMEOUT_MS} ms`).toBe(0);
      }
      expect(doubles, 'a key sent twice names one task').toEqual([]);
      expect(
        kills.every((running) => running > 0),
        `tasks were running at each kill: ${kills}`,
      ).toBe(true);

      // Through the API: every task counted once, by status, in the organization and per agent.
      const refused = [...behaviours.values()].filter((behaviour) => behaviour === 'refused').length;
      const stats = await http.get('/api/v1/tasks/stats', { token: owner.token });
      expect(stats.status).toBe(200);
      expect(stats.body.by_status).toEqual({
        completed: TASKS + SLACK_MESSAGES - refused,
        dead: refused,
        pending: 0,
        scheduled: 0,
        queued: 0,
        running: 0,
        failed: 0,
        cancelled: 0,
      });
      const perAgent = (
        stats.body.agents as { agent_id: string; by_status: { completed: number; dead: number } }[]
      ).map((agent) => [agent.agent_id, agent.by_status.completed + agent.by_status.dead]);
      expect(Object.fromEntries(perAgent)).toEqual({
        ...Object.fromEntries(agentIds.map((agentId) => [agentId, TASKS / AGENTS])),
        [slackChannel.agentId]: SLACK_MESSAGES,
      });
      for (const [source, count] of [
        ['api', TASKS],
        ['slack', SLACK_MESSAGES],
      ] as const) {
        const listed = await http.get(`/api/v1/tasks?source=${source}&limit=1`, { token: owner.token });
        expect(listed.headers.get('x-total-count'), `${source} tasks`).toBe(String(count));
      }

      // In the database: each task's attempts, runs, queue jobs and model calls tell one story.
      const ledger = await readTaskLedger(admin, owner.organizationId);
      const runsByTask = await countRunsByTask(admin, owner.organizationId);
      expect(ledger.map((task) => task.key).sort()).toEqual([...behaviours.keys()].sort());
      expect(new Set(ledger.map((task) => task.id))).toEqual(new Set(taskIds.values()));
      const violations = ledger.flatMap((task) =>
        taskViolations(task, {
          behaviour: behaviours.get(task.key) as Behaviour,
          modelCalls: model.calls.get(task.key) ?? 0,
          runs: runsByTask.get(task.key) ?? {},
        }),
      );
      expect(violations.slice(0, 10), `${violations.length} violations`).toEqual([]);
      const probeTasks = await admin.query<{ tasks: number }>(
        "select count(*)::int as tasks from agent_tasks where task_type = 'probe'",
      );
      expect(probeTasks.rows[0]?.tasks, 'a create answered 503 created nothing').toBe(0);

      // In Slack: each Slack task answered once, in its message's thread; no other task answered.
      const slackTasks = ledger.filter((task) => task.source === 'slack');
      const replies = slack.posted(SLACK_CONVERSATION);
      const repliesByThread = Map.groupBy(replies, (reply) => reply.thread_ts);
      const unanswered = slackTasks.filter((task) => {
        const thread = repliesByThread.get(slackTimestamps.get(task.key)) ?? [];
        const answer = task.status === 'completed' ? taskMarker(task.key) : 'could not complete';
        return thread.length !== 1 || !thread[0]?.text.includes(answer) || task.repliesSent !== 1;
      });
      expect(
        unanswered.map((task) => [task.key, task.status, task.repliesSent]),
        'answered once',
      ).toEqual([]);
      expect(replies).toHaveLength(SLACK_MESSAGES);
      const postMessages = slack.requests.filter((request) => request.path === '/api/chat.postMessage');
      expect(postMessages, 'chat.postMessage calls').toHaveLength(SLACK_MESSAGES);
      // The replies whose answers were lost were found in Slack by a later try, not posted again (and
      // maybe others, whose worker died or lost the database between the post and its record).
      const reconciled = await countReconciledReplies(admin, owner.organizationId);
      expect(reconciled).toBeGreaterThanOrEqual(LOST_SLACK_ANSWERS);
      expect(ledger.filter((task) => task.source !== 'slack' && task.repliesSent > 0)).toEqual([]);

      const total = (field: 'attemptCount' | 'jobs' | 'deliveries' | 'starts' | 'redeliveredStarts') =>
        sum(ledger.map((task) => task[field]));
      const runs = [...runsByTask.values()];
      const runsOf = (status: string) => sum(runs.map((counts) => counts[status] ?? 0));
      const ranTwice = runs.filter((counts) => (counts.completed ?? 0) > 1).length;
      const answers = submitter.counts.statuses;
      console.log(
        [
          `tasks durability: ${TASKS} API tasks of ${AGENTS} agents (priorities 1-10) and ${SLACK_MESSAGES} Slack tasks, worker concurrency ${WORKER_CONCURRENCY}, in ${runSeconds.toFixed(1)} s`,
          `  ended: ${stats.body.by_status.completed} completed, ${stats.body.by_status.dead} dead (the model refused them), 0 lost, 0 doubled; no task with two completed attempts`,
          `  attempts: ${total('attemptCount')} (${total('attemptCount') - ledger.length} retries); starts: ${total('starts')} (${total('redeliveredStarts')} of a redelivered attempt)`,
          `  queue: ${total('jobs')} jobs (${total('jobs') - total('attemptCount')} put back while their agent was at capacity), ${total('deliveries')} deliveries (${total('deliveries') - total('jobs')} redeliveries of a lost job)`,
          `  model calls: ${sum([...model.calls.values()])}; task runs: ${runsOf('completed')} completed, ${runsOf('failed')} failed, ${runsOf('abandoned')} abandoned; ${ranTwice} tasks with two completed runs`,
          `  faults: 2 worker kills (tasks running at each: ${kills.join(', ')}), 2 rounds of terminated backends (${terminated.join(' + ')} connections), a ${OUTAGE_MS / 1000} s database outage`,
          `  503s: ${probes.statuses.get(503) ?? 0} probes during the outage (task stats, task creation, a signed Slack event) answered 503 (slowest ${probes.slowestMs.toFixed(0)} ms, none unanswered); API task creation: ${answers.get(201) ?? 0} created, ${answers.get(200) ?? 0} idempotent replays, ${answers.get(503) ?? 0} answered 503 and sent again`,
          `  Slack: ${SLACK_MESSAGES} messages (one sent during the outage), ${sum([...slackDeliverer.counts.statuses.values()])} signed deliveries (${slackDeliverer.counts.statuses.get(503) ?? 0} answered 503 and retried, ${slackDeliverer.counts.known} found their task already created); ${postMessages.length} chat.postMessage calls (${LOST_SLACK_ANSWERS} with lost answers; ${reconciled} replies found in Slack by a later try instead of posted again), ${replies.length} replies posted: one per task`,
        ].join('\n'),
      );
    });

    it(`starts a priority-1 task before the ${PRIORITY_9_TASKS} priority-9 tasks of its agent queued ahead of it`, {
      timeout: 120_000,
    }, async () => {
      // One task at a time: the order of starts is the order in which the queue hands tasks out.
      const { http, owner, admin, model } = environment;
      expect(await environment.replaceWorker('SIGTERM', 1)).toBe(0);
      const agentId = await environment.createAgent('Prioritized');
      // The first task's model call hangs until it is cancelled: the worker is busy while the queue fills.
      model.held.add('blocker');
      const blocker = await submitTask(agentId, 'blocker', 9, 'priority');
      await expect.poll(() => model.calls.get('blocker'), { timeout: 20_000 }).toBe(1);
      const behind: string[] = [];
      for (let batch = 0; batch < PRIORITY_9_TASKS / 10; batch++) {
        const keys = Array.from({ length: 10 }, (_, index) => `priority-9-${batch * 10 + index}`);
        behind.push(...(await Promise.all(keys.map((key) => submitTask(agentId, key, 9, 'priority')))));
      }
      const urgent = await submitTask(agentId, 'priority-1', 1, 'priority');
      const cancelled = await http.post(`/api/v1/agents/${agentId}/tasks/${blocker}/cancel`, undefined, {
        token: owner.token,
      });
      expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);

      const ofAgent = async () =>
        new Map(
          (await readTaskLedger(admin, owner.organizationId))
            .filter((task) => task.agentId === agentId)
            .map((task) => [task.id, task]),
        );
      // Checked once a few tasks have started (most still wait: they would start after it anyway).
      const started = async () => [...(await ofAgent()).values()].filter((task) => task.startedAt).length;
      await expect.poll(started, { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(5);
      await expect
        .poll(async () => (await ofAgent()).get(blocker)?.status, { timeout: 10_000 })
        .toBe('cancelled');
      const tasks = await ofAgent();
      expect(tasks.get(urgent)?.startedAt, 'the priority-1 task started').toBeInstanceOf(Date);
      const urgentStart = tasks.get(urgent)?.startedAt?.getTime() ?? Number.POSITIVE_INFINITY;
      const startedBehind = behind.flatMap((id) => tasks.get(id)?.startedAt?.getTime() ?? []);
      expect(
        startedBehind.filter((startedAt) => startedAt <= urgentStart),
        'priority-9 tasks started before the priority-1 task',
      ).toEqual([]);
      console.log(
        `tasks priority: a priority-1 task queued behind ${PRIORITY_9_TASKS} priority-9 tasks of its agent ` +
          `(worker concurrency 1) started before all of them (${startedBehind.length} of them had started when this was checked)`,
      );
    });
  },
);

const bearer = (account: TestAccount) => ({ authorization: `Bearer ${account.token}` });
