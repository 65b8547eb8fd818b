import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { inSpan, startTracing, tracingEnabled } from './tracing.ts';

describe('tracing settings', () => {
  it('reads the OTLP endpoint, headers, service name and batch delay', () => {
    const config = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-scope = tenant-1',
      OTEL_SERVICE_NAME: 'agentry-eu',
      OTEL_BSP_SCHEDULE_DELAY: '250',
    });
    expect(config.tracing).toEqual({
      endpoint: 'http://collector:4318',
      headers: { authorization: 'Bearer abc', 'x-scope': 'tenant-1' },
      serviceName: 'agentry-eu',
      scheduleDelayMs: 250,
    });
    expect(loadConfig({}).tracing).toEqual({
      endpoint: null,
      headers: {},
      serviceName: 'agentry',
      scheduleDelayMs: 5_000,
    });
  });

  it('refuses headers that are not name=value pairs, and an endpoint that is not an http URL', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'just-a-token' })).toThrow(
      /OTEL_EXPORTER_OTLP_HEADERS: expected name=value pairs/,
    );
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});

describe('without an endpoint', () => {
  it('registers nothing, and a span only runs its work', async () => {
    expect(await startTracing(loadConfig({}).tracing)).toBeNull();
    expect(tracingEnabled()).toBe(false);
    expect(await inSpan('work', {}, async (span) => span.isRecording())).toBe(false);
    await expect(
      inSpan('failing work', {}, async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
  });
});
