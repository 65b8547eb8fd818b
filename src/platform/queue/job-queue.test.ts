import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { deadLetterQueueOf, type JobQueue, startJobQueue } from './job-queue.ts';

let database: TestDatabase;
let queue: JobQueue;
const errors: Error[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.execute(sql`create table queue_probe (id text primary key)`);
  queue = await startJobQueue(database.connection, { onError: (error) => errors.push(error) });
});
afterAll(async () => {
  await queue.stop();
  // Checked before the database is dropped: dropping it terminates connections, which is no error of the queue's.
  const queueErrors = [...errors];
  await database.dispose();
  expect(queueErrors).toEqual([]);
});

const noRetries = { options: { retryLimit: 0 }, deadLetter: false };

/** Resolves with what `count` handled jobs produced, in handling order. */
function collect<T>(count: number) {
  const seen: T[] = [];
  let done: (value: T[]) => void = () => undefined;
  const finished = new Promise<T[]>((resolve) => {
    done = resolve;
  });
  const record = (value: T) => {
    seen.push(value);
    if (seen.length === count) done(seen);
  };
  return { record, finished };
}

describe('job queue', () => {
  it('delivers a job to a worker', async () => {
    await queue.define({ name: 'deliver', ...noRetries });
    const { record, finished } = collect<unknown>(1);
    await queue.work<{ n: number }>('deliver', async (job) => record(job.data));
    await queue.send('deliver', { n: 1 });
    expect(await finished).toEqual([{ n: 1 }]);
  });

  it('enqueues inside a transaction: a rollback leaves no job, a commit leaves exactly one', async () => {
    await queue.define({ name: 'transactional', ...noRetries });
    const { record, finished } = collect<string>(1);
    await queue.work<{ id: string }>('transactional', async (job) => record(job.data.id));
    await database.db
      .transaction(async (tx) => {
        await tx.execute(sql`insert into queue_probe (id) values ('rolled-back')`);
        await queue.send('transactional', { id: 'rolled-back' }, { tx });
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into queue_probe (id) values ('committed')`);
      await queue.send('transactional', { id: 'committed' }, { tx });
    });
    expect(await finished).toEqual(['committed']);
    // Give a wrongly enqueued job time to show up before concluding it does not exist.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const rows = await database.db.execute(sql`select id from queue_probe order by id`);
    expect((rows as unknown as { rows: { id: string }[] }).rows.map((row) => row.id)).toEqual(['committed']);
  });

  it('enqueues inside a transaction on a queue no worker has touched yet (no lookup inside the transaction)', async () => {
    await queue.define({ name: 'untouched', ...noRetries });
    // On PGlite, pg-boss looking the queue up here would wait for this very transaction: a deadlock.
    await database.db.transaction(async (tx) => {
      await queue.send('untouched', { id: 'first' }, { tx });
    });
    const { record, finished } = collect<string>(1);
    await queue.work<{ id: string }>('untouched', async (job) => record(job.data.id));
    expect(await finished).toEqual(['first']);
  });

  it('retries a failing job with its attempt number, then succeeds', async () => {
    await queue.define({ name: 'flaky', options: { retryLimit: 3, retryDelay: 0 }, deadLetter: false });
    const { record, finished } = collect<number>(3);
    await queue.work('flaky', async (job) => {
      record(job.attempt);
      if (job.attempt < 2) throw new Error(`attempt ${job.attempt} fails`);
    });
    await queue.send('flaky', {});
    expect(await finished).toEqual([0, 1, 2]);
  });

  it('moves a job that exhausts its retries to the dead-letter queue', async () => {
    await queue.define({ name: 'doomed', options: { retryLimit: 1, retryDelay: 0 }, deadLetter: true });
    const { record, finished } = collect<unknown>(1);
    await queue.work('doomed', async () => {
      throw new Error('always fails');
    });
    await queue.work<{ order: string }>(deadLetterQueueOf('doomed'), async (job) => record(job.data));
    await queue.send('doomed', { order: 'A-1' });
    expect(await finished).toEqual([{ order: 'A-1' }]);
  });

  it('runs the most urgent job first (priority 1 before 10)', async () => {
    await queue.define({ name: 'ordered', ...noRetries });
    await queue.send('ordered', { name: 'low' }, { priority: 10 });
    await queue.send('ordered', { name: 'urgent' }, { priority: 1 });
    await queue.send('ordered', { name: 'normal' }, { priority: 5 });
    const { record, finished } = collect<string>(3);
    await queue.work<{ name: string }>('ordered', async (job) => record(job.data.name));
    expect(await finished).toEqual(['urgent', 'normal', 'low']);
  });

  it('drains on stop: a running job finishes before stop resolves', async () => {
    const draining = await startJobQueue(database.connection, { onError: (error) => errors.push(error) });
    await draining.define({ name: 'slow', ...noRetries });
    const events: string[] = [];
    const started = collect<string>(1);
    await draining.work('slow', async () => {
      started.record('started');
      await new Promise((resolve) => setTimeout(resolve, 700));
      events.push('finished');
    });
    await draining.send('slow', {});
    await started.finished;
    await draining.stop(5_000);
    events.push('stopped');
    expect(events).toEqual(['finished', 'stopped']);
  });

  it('stops its workers on request: a job outliving the timeout is aborted and retried, and sending still works', async () => {
    const stopping = await startJobQueue(database.connection, { onError: (error) => errors.push(error) });
    await stopping.define({
      name: 'cut-short',
      options: { retryLimit: 1, retryDelay: 0 },
      deadLetter: false,
    });
    const started = collect<number>(1);
    let aborted = false;
    await stopping.work('cut-short', async (job) => {
      started.record(job.attempt);
      await new Promise((resolve) => job.signal.addEventListener('abort', resolve));
      aborted = true;
    });
    await stopping.send('cut-short', { order: 'first' });
    expect(await started.finished).toEqual([0]);
    await stopping.stopWorkers(1_000);
    expect(aborted).toBe(true);
    await stopping.send('cut-short', { order: 'sent after the workers stopped' });
    await stopping.stop();

    // Another process's workers run both: the first again, as its second attempt.
    const { record, finished } = collect<string>(2);
    await queue.work<{ order: string }>('cut-short', async (job) =>
      record(`${job.data.order} #${job.attempt}`),
    );
    expect((await finished).sort()).toEqual(['first #1', 'sent after the workers stopped #0']);
  });
});
