import { setTimeout as delay } from 'node:timers/promises';
import {
  type Attributes,
  type Context,
  context,
  DiagLogLevel,
  diag,
  INVALID_SPAN_CONTEXT,
  propagation,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { z } from 'zod';
import packageJson from '../../../package.json' with { type: 'json' };

/** OTEL_* settings: traces are exported only when an endpoint is set. */
export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL (spans go to `<endpoint>/v1/traces`). */
  endpoint: string | null;
  /** OTEL_SERVICE_NAME. */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_HEADERS: sent with every export (e.g. a collector's API key). */
  headers: Record<string, string>;
  /** OTEL_BSP_SCHEDULE_DELAY: how long finished spans wait to be exported in one batch. */
  scheduleDelayMs: number;
}

export interface Tracing {
  /** Exports the spans still waiting, then stops exporting. */
  shutdown(): Promise<void>;
}

let enabled = false;

/** How long a stopping process waits for its last spans to be exported: a silent collector must not hold it. */
const EXPORT_ON_EXIT_MS = 3_000;

/** Where the SDK's own problems (a collector that refuses or does not answer) are reported. */
export interface TracingLog {
  warn(details: object, message: string): void;
}

const described = (values: unknown[]) =>
  values.map((value) => (value instanceof Error ? value.message : String(value)));

/**
 * Registers the OpenTelemetry SDK for the process — the tracer provider exporting over OTLP/HTTP
 * (JSON), the context manager on AsyncLocalStorage and the W3C trace context propagator — when an
 * endpoint is configured; otherwise registers nothing, and every span below is a no-op. The SDK is
 * loaded only then, so that a process without tracing does not pay for it.
 */
export async function startTracing(settings: TracingSettings, log?: TracingLog): Promise<Tracing | null> {
  if (!settings.endpoint) return null;
  if (log) {
    const warn = (message: string, ...details: unknown[]) =>
      log.warn({ opentelemetry: described(details) }, `tracing: ${message}`);
    const ignore = () => {};
    diag.setLogger(
      { error: warn, warn, info: ignore, debug: ignore, verbose: ignore },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  const [{ AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, exporterModule, sdk, resources] =
    await Promise.all([
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/resources'),
    ]);
  const exporter = new exporterModule.OTLPTraceExporter({
    url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces`,
    headers: settings.headers,
  });
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': settings.serviceName,
      'service.version': packageJson.version,
    }),
    spanProcessors: [
      new sdk.BatchSpanProcessor({ exporter, scheduledDelayMillis: settings.scheduleDelayMs }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  enabled = true;
  return {
    async shutdown() {
      enabled = false;
      await Promise.race([provider.shutdown(), delay(EXPORT_ON_EXIT_MS, undefined, { ref: false })]);
    },
  };
}

/** Whether spans are recorded: callers skip work that only spans would need (wrapping a stream). */
export const tracingEnabled = () => enabled;

const noSpan = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

const tracer = () => trace.getTracer('agentry', packageJson.version);

/** A stable code for a span's `error.type`: an AppError's code, else the error's class. */
function errorType(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (error instanceof Error) return error.name;
  }
  return 'unknown';
}

/** Marks `span` failed by `error` (status, `error.type`, the exception as an event). */
export function recordSpanError(span: Span, error: unknown) {
  span.setAttribute('error.type', errorType(error));
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent: the active context by default. */
  parent?: Context;
}

/**
 * Runs `work` in a new span, active while it runs (child spans nest under it and outbound calls
 * carry it in `traceparent`); a throw marks the span failed and is rethrown. Without tracing, the
 * span is the API's no-op one.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  // The common case costs nothing: no span object, no context switch.
  if (!enabled) return work(noSpan);
  const { parent = context.active(), ...spanOptions } = options;
  return tracer().startActiveSpan(name, spanOptions, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordSpanError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Starts a span that the caller ends (one that outlives a function call, such as a request's). */
export function startSpan(name: string, options: SpanOptions): Span {
  const { parent = context.active(), ...spanOptions } = options;
  return tracer().startSpan(name, spanOptions, parent);
}

/** Adds attributes to the active span, if any (e.g. a turn's run id once it has one). */
export function annotateActiveSpan(attributes: Attributes) {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** The active context, to parent spans explicitly where the work runs in another (a stream's callbacks). */
export const activeContext = () => context.active();

/**
 * OTEL_EXPORTER_OTLP_HEADERS: `name=value` pairs, comma-separated, values percent-encoded (as
 * OpenTelemetry's SDKs read it).
 */
export const otlpHeadersSetting = z
  .string()
  .default('')
  .transform((value, issues) => {
    const headers: Record<string, string> = {};
    for (const pair of value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)) {
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      if (separator < 1 || !name) {
        issues.addIssue({ code: 'custom', message: `expected name=value pairs, got "${pair}"` });
        return z.NEVER;
      }
      headers[name] = decodeURIComponent(pair.slice(separator + 1).trim());
    }
    return headers;
  });
