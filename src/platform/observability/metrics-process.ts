import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, heap, handles, GC, event-loop lag as
 * `nodejs_eventloop_lag_*`), which describe the process, not one Agentry in it: one registry per
 * process, created at the first scrape. Its event-loop and GC monitors stay on for the life of the
 * process, so creating it per instance would pile them up where tests assemble many.
 */
export function processMetricsText(): Promise<string> {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry.metrics();
}
