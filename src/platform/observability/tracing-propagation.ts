import { context, propagation, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { CORRELATION_HEADER, currentCorrelationId, withCorrelationId } from './correlation.ts';
import { inSpan, tracingEnabled } from './tracing.ts';

/**
 * An outbound request's options with the work in progress's context added: `traceparent` (and
 * `tracestate`) of the active span when tracing, and the correlation id (`X-Request-ID`) unless
 * the caller set one. Unchanged when there is neither.
 */
export function withPropagatedContext(init: RequestInit): RequestInit {
  const correlationId = currentCorrelationId();
  const tracing = tracingEnabled();
  if (!correlationId && !tracing) return init;
  const headers = new Headers(init.headers);
  if (correlationId && !headers.has(CORRELATION_HEADER)) headers.set(CORRELATION_HEADER, correlationId);
  if (tracing) propagation.inject(context.active(), headers, headerSetter);
  return { ...init, headers };
}

const headerSetter = { set: (carrier: Headers, key: string, value: string) => carrier.set(key, value) };

/**
 * Where a job carries the context of the work that sent it, inside its data: pg-boss keeps no
 * other metadata per job. The worker takes it out before the handler sees the data.
 */
const JOB_CONTEXT_KEY = '_agentry_context';

/** The sender's context, as a job carries it. */
interface JobContext {
  request_id?: string;
  traceparent?: string;
  tracestate?: string;
}

/** `data` with the context of the work in progress (correlation id, trace), to send as a job. */
export function withJobContext<Data extends object>(data: Data): Data {
  const carried: JobContext = {};
  const correlationId = currentCorrelationId();
  if (correlationId) carried.request_id = correlationId;
  if (tracingEnabled()) propagation.inject(context.active(), carried);
  return Object.keys(carried).length === 0 ? data : { ...data, [JOB_CONTEXT_KEY]: carried };
}

export interface RunningJob {
  queue: string;
  id: string;
  attempt: number;
  data: unknown;
}

/**
 * Runs a job's handler under the context its sender had: the sender's correlation id (the job's
 * own id when it was sent outside any request, e.g. by a schedule) and, when tracing, a `job
 * <queue>` span continuing the sender's trace. The handler gets the data without the carried context.
 */
export function runJobInContext<T>(job: RunningJob, handle: (data: unknown) => Promise<T>): Promise<T> {
  const { data, carried } = separateJobContext(job.data);
  return withCorrelationId(carried.request_id ?? job.id, () =>
    inSpan(
      `job ${job.queue}`,
      {
        kind: SpanKind.CONSUMER,
        parent: propagation.extract(ROOT_CONTEXT, carried),
        attributes: {
          'messaging.system': 'pg-boss',
          'messaging.operation.type': 'process',
          'messaging.destination.name': job.queue,
          'messaging.message.id': job.id,
          'agentry.job.attempt': job.attempt,
        },
      },
      () => handle(data),
    ),
  );
}

function separateJobContext(data: unknown): { data: unknown; carried: JobContext } {
  if (!data || typeof data !== 'object' || !(JOB_CONTEXT_KEY in data)) return { data, carried: {} };
  const { [JOB_CONTEXT_KEY]: carried, ...rest } = data as Record<string, unknown>;
  return { data: rest, carried: isJobContext(carried) ? carried : {} };
}

const isJobContext = (value: unknown): value is JobContext =>
  !!value && typeof value === 'object' && Object.values(value).every((field) => typeof field === 'string');
