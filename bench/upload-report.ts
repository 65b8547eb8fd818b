import { formatMs, formatPercent, formatRate, formatTable, formatTimes } from './table.ts';
import type { TargetOutcome } from './targets.ts';
import {
  UPLOAD_CONNECTIONS,
  UPLOAD_SIZES,
  type UploadMeasurement,
  type UploadRun,
  type UploadWay,
} from './uploads.ts';

const WAY_LABELS: Record<UploadWay, string> = {
  disk: 'copyFile + fdatasync (ceiling)',
  discard: 'HTTP POST, discarded (ceiling)',
  agentry: 'POST /api/v1/files',
};

const megabytes = (bytes: number) => `${bytes / 1e6}`;
const throughput = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '-');

function find(
  measurements: readonly UploadMeasurement[],
  way: UploadWay,
  bytes: number,
  connections: number,
) {
  return measurements.find(
    (measured) => measured.way === way && measured.bytes === bytes && measured.connections === connections,
  );
}

/** Each size and number of connections: the two ceilings, then Agentry, with Agentry's ratios to both. */
export function formatUploadTable(run: UploadRun): string {
  const header = [
    'scenario',
    'MB',
    'conns',
    'MB/s',
    'files/s',
    'p50 ms',
    'p99 ms',
    'MB/s vs disk',
    'MB/s vs HTTP',
    'p50 vs HTTP',
    '',
  ];
  const rows: string[][] = [];
  const all = [...run.ceilings, ...run.results];
  for (const bytes of UPLOAD_SIZES) {
    for (const connections of UPLOAD_CONNECTIONS) {
      const disk = find(all, 'disk', bytes, connections);
      const http = find(all, 'discard', bytes, connections);
      for (const way of ['disk', 'discard', 'agentry'] as const) {
        const measured = find(all, way, bytes, connections);
        if (!measured) continue;
        const ratio = (base: UploadMeasurement | undefined) =>
          base && way === 'agentry'
            ? formatPercent(measured.megabytesPerSecond / base.megabytesPerSecond)
            : '';
        rows.push([
          WAY_LABELS[way],
          megabytes(bytes),
          String(connections),
          throughput(measured.megabytesPerSecond),
          formatRate(measured.uploadsPerSecond),
          formatMs(measured.p50Ms),
          formatMs(measured.p99Ms),
          ratio(disk),
          ratio(http),
          http && way === 'agentry' ? formatTimes(measured.p50Ms / http.p50Ms) : '',
          measured.failed > 0 ? `<-- ${measured.failed} FAILED` : '',
        ]);
      }
    }
  }
  return formatTable(header, rows);
}

/** Upload throughput has no target in the issue: the largest size at the most connections is reported. */
export function uploadOutcomes(run: UploadRun): TargetOutcome[] {
  const bytes = Math.max(...UPLOAD_SIZES);
  const connections = Math.max(...UPLOAD_CONNECTIONS);
  const agentry = find(run.results, 'agentry', bytes, connections);
  const http = find(run.ceilings, 'discard', bytes, connections);
  const disk = find(run.ceilings, 'disk', bytes, connections);
  if (!agentry || !http || !disk) return [];
  return [
    {
      text:
        `uploads of ${megabytes(bytes)} MB at ${connections} connections: ${throughput(agentry.megabytesPerSecond)} MB/s, ` +
        `${formatPercent(agentry.megabytesPerSecond / http.megabytesPerSecond)} of the HTTP ceiling, ` +
        `${formatPercent(agentry.megabytesPerSecond / disk.megabytesPerSecond)} of the disk's; reported, no target`,
      pass: null,
      binding: false,
    },
  ];
}
