import { context, propagation, trace } from '@opentelemetry/api';
import { startTracing } from '../../src/platform/observability/tracing.ts';
import { type OtlpCollector, startOtlpCollector } from './otlp-collector.ts';

export interface TracedProcess {
  collector: OtlpCollector;
  /** Flushes and unregisters the SDK, then closes the collector. */
  stop(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK in this test process, exporting to a loopback collector at once
 * (a 10 ms batch delay). The registration is process-wide: `stop` unregisters it, so the test files
 * that share the process after this one find the API unregistered, as before.
 */
export async function traceToCollector(serviceName: string): Promise<TracedProcess> {
  const collector = await startOtlpCollector();
  const tracing = await startTracing({
    endpoint: collector.url,
    headers: {},
    serviceName,
    scheduleDelayMs: 10,
  });
  return {
    collector,
    async stop() {
      await tracing?.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
      await collector.close();
    },
  };
}
