import type { JobHandler, JobQueue, QueueDefinition } from './job-queue.ts';

/** A module's background work: the queue it runs on, its handler and, optionally, a cron schedule. */
export interface JobDefinition<Data extends object = object> {
  queue: QueueDefinition;
  handle: JobHandler<Data>;
  concurrency?: number;
  /** Jobs of one group (`SendOptions.group`) at once across all processes. */
  groupConcurrency?: number;
  /** Cron expression (UTC): the queue also receives a job on this schedule. */
  schedule?: string;
}

/** Collects the job definitions of every module while the application is assembled. */
export function createJobRegistry() {
  const definitions: JobDefinition[] = [];
  const startupTasks: ((queue: JobQueue) => Promise<void>)[] = [];
  return {
    add<Data extends object>(definition: JobDefinition<Data>) {
      definitions.push(definition as unknown as JobDefinition);
    },
    /**
     * Work every process does once the queues exist, such as enqueueing what its settings imply.
     * Several processes may run it at once, so it must be safe to repeat.
     */
    atStart(task: (queue: JobQueue) => Promise<void>) {
      startupTasks.push(task);
    },
    /** Creates every queue (and schedule), then runs the start tasks; every process does this. */
    async defineAll(queue: JobQueue) {
      for (const definition of definitions) {
        await queue.define(definition.queue);
        if (definition.schedule) await queue.schedule(definition.queue.name, definition.schedule);
      }
      for (const task of startupTasks) await task(queue);
    },
    /** Starts the handlers: only processes that run workers call this. */
    async startWorkers(queue: JobQueue) {
      for (const { queue: definition, handle, concurrency, groupConcurrency } of definitions) {
        await queue.work(definition.name, handle, {
          concurrency: concurrency ?? 1,
          ...(groupConcurrency ? { groupConcurrency } : {}),
        });
      }
    },
  };
}

export type JobRegistry = ReturnType<typeof createJobRegistry>;
