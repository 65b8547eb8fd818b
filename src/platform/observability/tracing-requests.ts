import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { withCorrelationId } from './correlation.ts';
import { startSpan, tracingEnabled } from './tracing.ts';

interface RequestTrace {
  span: Span;
  context: Context;
}

const traces = new WeakMap<FastifyRequest, RequestTrace>();

/** The request's context to run its hooks and handler in: its correlation id and, when tracing, its span. */
function enter(request: FastifyRequest, next: () => void) {
  const traced = traces.get(request);
  withCorrelationId(request.id, traced ? () => context.with(traced.context, next) : next);
}

/** The path without the query string, which may carry a token (`?access_token=`). */
const pathOf = (url: string) => url.split('?', 1)[0] ?? url;

/**
 * Runs every request under its correlation id (its request id: log lines and outbound calls made
 * while handling it carry it, and jobs it sends take it along) and, when tracing, in a server span
 * `METHOD /route/pattern` continuing the caller's `traceparent`. Registered before any other hook.
 */
export function traceRequests(app: FastifyInstance) {
  app.addHook('onRequest', (request, _reply, done) => {
    if (tracingEnabled()) {
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const route = request.routeOptions.url;
      const span = startSpan(route ? `${request.method} ${route}` : request.method, {
        kind: SpanKind.SERVER,
        parent,
        attributes: {
          'http.request.method': request.method,
          'url.path': pathOf(request.url),
          ...(route ? { 'http.route': route } : {}),
          'agentry.request_id': request.id,
        },
      });
      traces.set(request, { span, context: trace.setSpan(parent, span) });
    }
    enter(request, done);
  });
  // A request's body is read outside the context the hook above entered: it is entered again for
  // validation and the handler.
  app.addHook('preValidation', (request, _reply, done) => enter(request, done));
  app.addHook('onResponse', (request, reply, done) => {
    const traced = traces.get(request);
    if (traced) {
      const status = reply.statusCode;
      traced.span.setAttribute('http.response.status_code', status);
      if (status >= 500) {
        traced.span.setAttribute('error.type', String(status));
        traced.span.setStatus({ code: SpanStatusCode.ERROR });
      }
      traced.span.end();
    }
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    const traced = traces.get(request);
    if (traced) {
      traced.span.setAttribute('error.type', 'aborted');
      traced.span.end();
    }
    done();
  });
}
