import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { type EventBus, startEventBus } from '../../platform/events/event-bus.ts';
import { CircuitOpenError } from '../../platform/resilience/circuit-breaker.ts';
import type { ServiceRef } from './service-calls.ts';
import { createServiceCounters, type ServiceCounters } from './service-counters.ts';
import { findServiceState } from './service-state-repository.ts';
import { createSharedBreakers, type SharedBreakers } from './shared-breakers.ts';

/**
 * Two "processes" on one database: each with its own event bus (its own LISTEN connection on
 * PostgreSQL), counters and breakers, as two Agentry processes have.
 */
let database: TestDatabase;
const errors: unknown[] = [];
const processes: { breakers: SharedBreakers; counters: ServiceCounters; events: EventBus }[] = [];

async function startProcess() {
  const events = await startEventBus(database.connection, database.db, {
    onError: (error) => errors.push(error),
  });
  const counters = createServiceCounters(database.db, (error) => errors.push(error));
  const breakers = createSharedBreakers({
    db: database.db,
    events,
    counters,
    onError: (error) => errors.push(error),
  });
  events.watch(breakers.watcher);
  const started = { breakers, counters, events };
  processes.push(started);
  return started;
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const { events } of processes) await events.close();
  await database.dispose();
  expect(errors).toEqual([]);
});

class Down extends Error {}
const countsAsFailure = (error: unknown) => error instanceof Down;
const settings = { failureThreshold: 2, recoveryTimeoutMs: 300 };
const fail = async (): Promise<never> => {
  throw new Down('connect ECONNREFUSED');
};
const answer = async () => 'ok';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function newService(name = 'Flaky'): Promise<ServiceRef> {
  const { organizationId } = await newOrganization(database.db);
  return { organizationId, type: 'mcp_server', id: uuidv7(), name };
}

describe('shared circuit breakers', () => {
  it('opens after the service’s threshold, and every process refuses without calling it', async () => {
    const [one, two] = [await startProcess(), await startProcess()];
    const service = await newService();
    const onOne = one.breakers.breakerFor(service, settings, countsAsFailure);
    const onTwo = two.breakers.breakerFor(service, settings, countsAsFailure);
    await expect(onTwo.execute(answer)).resolves.toBe('ok');

    await expect(onOne.execute(fail)).rejects.toBeInstanceOf(Down);
    expect(onOne.snapshot().state).toBe('closed');
    await expect(onOne.execute(fail)).rejects.toBeInstanceOf(Down);
    expect(onOne.snapshot()).toMatchObject({ state: 'open', consecutive_failures: 2, failures: 2 });

    // Written before the failing call returned, with the failures that opened it.
    const row = await findServiceState(database.db, service);
    expect(row).toMatchObject({
      circuitState: 'open',
      consecutiveFailures: 2,
      failureCount: 2,
      lastError: 'connect ECONNREFUSED',
    });

    // The other process hears of it (its event) and refuses without calling.
    await expect.poll(() => onTwo.snapshot().state, { timeout: 1_000, interval: 10 }).toBe('open');
    let called = false;
    const refused = onTwo.execute(async () => {
      called = true;
    });
    await expect(refused).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
    expect(onTwo.snapshot().opened_at).toBe(row?.openedAt?.toISOString());

    // A process that first calls the service now reads the row: open, since the same moment.
    const three = await startProcess();
    const onThree = three.breakers.breakerFor(service, settings, countsAsFailure);
    const refusal = await onThree.execute(answer).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(CircuitOpenError);
    expect((refusal as CircuitOpenError).retryAfterMs).toBeGreaterThan(0);
    expect(onThree.snapshot().opened_at).toBe(row?.openedAt?.toISOString());
  });

  it('lets one trial through in all processes after the recovery timeout, and its success closes the circuit everywhere', async () => {
    const [one, two] = processes;
    if (!one || !two) throw new Error('the processes of the first test are missing');
    const service = await newService();
    const onOne = one.breakers.breakerFor(service, settings, countsAsFailure);
    const onTwo = two.breakers.breakerFor(service, settings, countsAsFailure);
    await expect(onTwo.execute(answer)).resolves.toBe('ok');
    for (let attempt = 0; attempt < 2; attempt++) await expect(onOne.execute(fail)).rejects.toThrow(Down);
    await expect.poll(() => onTwo.snapshot().state, { timeout: 1_000, interval: 10 }).toBe('open');
    await sleep(settings.recoveryTimeoutMs);

    let release: () => void = () => undefined;
    const trial = onOne.execute(
      () =>
        new Promise<string>((resolve) => {
          release = () => resolve('recovered');
        }),
    );
    await expect
      .poll(async () => (await findServiceState(database.db, service))?.circuitState)
      .toBe('half_open');
    // The trial runs in the first process: the second refuses, in this process or after asking.
    await expect(onTwo.execute(answer)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(onOne.execute(answer)).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    await expect(trial).resolves.toBe('recovered');
    expect(await findServiceState(database.db, service)).toMatchObject({
      circuitState: 'closed',
      consecutiveFailures: 0,
      openedAt: null,
    });
    await expect.poll(() => onTwo.snapshot().state, { timeout: 1_000, interval: 10 }).toBe('closed');
    await expect(onTwo.execute(answer)).resolves.toBe('ok');
  });

  it('opens again when the trial fails, and hands the trial back when the caller was at fault', async () => {
    const [one] = processes;
    if (!one) throw new Error('the processes of the first test are missing');
    const service = await newService();
    const breaker = one.breakers.breakerFor(service, settings, countsAsFailure);
    for (let attempt = 0; attempt < 2; attempt++) await expect(breaker.execute(fail)).rejects.toThrow(Down);
    const firstOpening = breaker.snapshot().opened_at;
    await sleep(settings.recoveryTimeoutMs);

    // A 400 says nothing about the service: still open, and the next call is the trial at once.
    await expect(
      breaker.execute(async () => {
        throw new Error('invalid request');
      }),
    ).rejects.toThrow('invalid request');
    expect(await findServiceState(database.db, service)).toMatchObject({ circuitState: 'open' });
    await expect(breaker.execute(fail)).rejects.toThrow(Down);
    const row = await findServiceState(database.db, service);
    expect(row?.circuitState).toBe('open');
    expect(row?.openedAt?.toISOString()).not.toBe(firstOpening);
    await expect(breaker.execute(answer)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('takes over the trial of a process that claimed it and never told its outcome', async () => {
    const [one, two] = processes;
    if (!one || !two) throw new Error('the processes of the first test are missing');
    const service = await newService();
    const onOne = one.breakers.breakerFor(service, settings, countsAsFailure);
    for (let attempt = 0; attempt < 2; attempt++) await expect(onOne.execute(fail)).rejects.toThrow(Down);
    await sleep(settings.recoveryTimeoutMs);
    // The first process claims the trial and hangs (as a process killed mid-call would).
    void onOne.execute(() => new Promise(() => undefined));
    await expect
      .poll(async () => (await findServiceState(database.db, service))?.circuitState)
      .toBe('half_open');

    const onTwo = two.breakers.breakerFor(service, settings, countsAsFailure);
    await expect(onTwo.execute(answer)).rejects.toBeInstanceOf(CircuitOpenError);
    await sleep(settings.recoveryTimeoutMs);
    await expect(onTwo.execute(answer)).resolves.toBe('ok');
    expect(await findServiceState(database.db, service)).toMatchObject({ circuitState: 'closed' });
  });

  it('adds every process’s calls to the shared counts in batches, one service per organization', async () => {
    const [one, two] = processes;
    if (!one || !two) throw new Error('the processes of the first test are missing');
    const service = await newService();
    const elsewhere = { ...service, organizationId: (await newOrganization(database.db)).organizationId };
    for (let call = 0; call < 5; call++) {
      await one.breakers.breakerFor(service, settings, countsAsFailure).execute(answer);
      await two.breakers.breakerFor(service, settings, countsAsFailure).execute(answer);
    }
    await expect(two.breakers.breakerFor(service, settings, countsAsFailure).execute(fail)).rejects.toThrow();
    await one.breakers.breakerFor(elsewhere, settings, countsAsFailure).execute(answer);
    // Nothing is written per call: the counts wait for their batch.
    expect(await findServiceState(database.db, service)).toBeUndefined();
    expect(one.counters.pendingOf(service.organizationId).size).toBe(1);
    await one.counters.flush();
    await two.counters.flush();
    expect(await findServiceState(database.db, service)).toMatchObject({
      circuitState: 'closed',
      successCount: 10,
      failureCount: 1,
      consecutiveFailures: 1,
      lastError: 'connect ECONNREFUSED',
    });
    expect(await findServiceState(database.db, elsewhere)).toMatchObject({
      successCount: 1,
      failureCount: 0,
    });
  });
});
