import type { JobHandler, JobQueue } from '../queue/job-queue.ts';

type WorkOptions = Parameters<JobQueue['work']>[2];

import type { Metrics } from './metrics.ts';

/**
 * The job queue with every handler timed: each job this process handles counts as completed or
 * failed (thrown) under its queue's name. Only `work` differs; what the handler does is unchanged.
 */
export function withJobMetrics(queue: JobQueue, metrics: Pick<Metrics, 'jobEnded'>): JobQueue {
  return {
    ...queue,
    work: <Data extends object>(name: string, handler: JobHandler<Data>, options?: WorkOptions) =>
      queue.work<Data>(
        name,
        async (job) => {
          const started = performance.now();
          try {
            await handler(job);
          } catch (error) {
            metrics.jobEnded(name, 'failed', (performance.now() - started) / 1000);
            throw error;
          }
          metrics.jobEnded(name, 'completed', (performance.now() - started) / 1000);
        },
        options,
      ),
  };
}
