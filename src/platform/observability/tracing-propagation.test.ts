import { describe, expect, it } from 'vitest';
import { currentCorrelationId, withCorrelationId } from './correlation.ts';
import { runJobInContext, withJobContext, withPropagatedContext } from './tracing-propagation.ts';

describe('jobs carry the correlation id of the work that sent them', () => {
  it('adds it to the data when sent, and restores it (and the plain data) when run', async () => {
    const sent = withCorrelationId('request-7', () => withJobContext({ taskId: 't-1' }));
    expect(sent).not.toEqual({ taskId: 't-1' });
    const seen = await runJobInContext({ queue: 'q', id: 'job-1', attempt: 0, data: sent }, async (data) => ({
      data,
      correlationId: currentCorrelationId(),
    }));
    expect(seen).toEqual({ data: { taskId: 't-1' }, correlationId: 'request-7' });
  });

  it('sends the data unchanged outside any work, and runs such a job under its own id', async () => {
    const sent = withJobContext({ taskId: 't-2' });
    expect(sent).toEqual({ taskId: 't-2' });
    const seen = await runJobInContext({ queue: 'q', id: 'job-2', attempt: 1, data: null }, async (data) => ({
      data,
      correlationId: currentCorrelationId(),
    }));
    expect(seen).toEqual({ data: null, correlationId: 'job-2' });
  });

  it('ignores a carried context that is not one', async () => {
    const data = { taskId: 't-3', _agentry_context: { request_id: 42 } };
    const seen = await runJobInContext({ queue: 'q', id: 'job-3', attempt: 0, data }, async (plain) => ({
      plain,
      correlationId: currentCorrelationId(),
    }));
    expect(seen).toEqual({ plain: { taskId: 't-3' }, correlationId: 'job-3' });
  });
});

describe('outbound calls carry the correlation id', () => {
  it('as X-Request-ID, unless the caller set one, and leave a call outside any work alone', () => {
    const init = { method: 'POST', headers: { 'content-type': 'application/json' } };
    expect(withPropagatedContext(init)).toBe(init);
    const headers = new Headers(withCorrelationId('request-8', () => withPropagatedContext(init)).headers);
    expect(headers.get('x-request-id')).toBe('request-8');
    expect(headers.get('content-type')).toBe('application/json');
    // Tracing is not configured here: no traceparent.
    expect(headers.has('traceparent')).toBe(false);
    const own = withCorrelationId('request-8', () =>
      withPropagatedContext({ headers: [['X-Request-ID', 'caller-set']] }),
    );
    expect(new Headers(own.headers).get('x-request-id')).toBe('caller-set');
  });
});
