/**
 * Upload throughput: `POST /api/v1/files` (multipart, a generated text document) over real HTTP to
 * the server process, next to two ceilings measured in the same run on the same bytes: the same
 * request body posted to a loopback server that reads and discards it (bench/discard-server.ts), and
 * a copy of the document on the file system that holds the server's DATA_DIR, made durable as the
 * local blob store makes its copies (copyFile, then fdatasync). Every upload's first line is new, so
 * that the deduplication by SHA-256 never skips a write.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Api } from './api.ts';
import { percentile } from './load.ts';
import { createCorpus } from './retrieval-corpus.ts';
import { startDiscardProcess } from './server-process.ts';
import { openClient } from './turn-load.ts';

/** Document sizes, in bytes (MB = 10^6 bytes throughout). */
export const UPLOAD_SIZES = [8_000_000, 1_000_000] as const;
export const UPLOAD_CONNECTIONS = [1, 4] as const;

export type UploadWay = 'disk' | 'discard' | 'agentry';

export interface UploadMeasurement {
  way: UploadWay;
  /** Bytes of the document; the multipart request body is a few hundred bytes larger. */
  bytes: number;
  connections: number;
  ok: number;
  failed: number;
  megabytesPerSecond: number;
  uploadsPerSecond: number;
  /** Per upload (or copy): request written to the answer read. */
  p50Ms: number;
  p99Ms: number;
}

export interface UploadRun {
  /** Measured once per benchmark run, shared by every database's report. */
  ceilings: UploadMeasurement[];
  results: UploadMeasurement[];
  problems: string[];
  notes: string[];
}

const BOUNDARY = `----agentry-bench-${randomBytes(8).toString('hex')}`;
const FILE_NAME = 'bench-upload.txt';
/** The first line of every document: this run, then a counter written in place before each upload. */
const RUN_ID = randomBytes(6).toString('hex');
const COUNTER_DIGITS = 12;
const MAX_FAILURE_SAMPLES = 3;

const preamble = Buffer.from(
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nagent_context\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${FILE_NAME}"\r\n` +
    'Content-Type: text/plain\r\n\r\n',
);
const epilogue = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
const headerLine = (counter: number) =>
  `Bench upload ${RUN_ID} #${String(counter).padStart(COUNTER_DIGITS, '0')}\n`;
let uploadCounter = 0;

const documents = new Map<number, Buffer>();

/** Prose of the retrieval corpus, `bytes` long, starting with a first line (`headerLine`). */
function documentText(bytes: number): Buffer {
  const known = documents.get(bytes);
  if (known) return known;
  const corpus = createCorpus();
  const paragraphs = [headerLine(0)];
  let length = paragraphs[0]?.length ?? 0;
  for (let index = 0; length < bytes; index += 1) {
    const paragraph = `${corpus.chunk(index % 100, index)}\n\n`;
    paragraphs.push(paragraph);
    length += paragraph.length;
  }
  const document = Buffer.from(paragraphs.join('').slice(0, bytes));
  documents.set(bytes, document);
  return document;
}

/**
 * One connection's request body, reused for every upload it sends: a new counter is written into
 * the document's first line each time, so that no two uploads have the same content.
 */
class UploadBody {
  readonly body: Buffer;
  constructor(document: Buffer) {
    this.body = Buffer.concat([preamble, document, epilogue]);
  }
  /** Writes the next counter into the first line; the document then differs from every earlier one. */
  stamp(): void {
    this.body.write(headerLine(++uploadCounter), preamble.length, 'latin1');
  }
  document(): Buffer {
    return this.body.subarray(preamble.length, this.body.length - epilogue.length);
  }
}

interface Tally {
  ok: number;
  failed: number;
  latencies: number[];
  failures: string[];
}

/** Outcome of one upload or copy: undefined when it succeeded, else what went wrong. */
type Attempt = (connection: number) => Promise<string | undefined>;

/** One attempt per connection (warm-up, not measured), then attempts on every connection until the time is up. */
async function repeat(
  connections: number,
  durationSeconds: number,
  attempt: Attempt,
): Promise<{ tally: Tally; seconds: number; warmupFailures: string[] }> {
  const tally: Tally = { ok: 0, failed: 0, latencies: [], failures: [] };
  const warmup = await Promise.all(Array.from({ length: connections }, (_, index) => attempt(index)));
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  const loop = async (connection: number) => {
    while (performance.now() < deadline) {
      const start = performance.now();
      const failure = await attempt(connection);
      if (failure === undefined) {
        tally.ok += 1;
        tally.latencies.push(performance.now() - start);
      } else {
        tally.failed += 1;
        if (tally.failures.length < MAX_FAILURE_SAMPLES) tally.failures.push(failure);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, index) => loop(index)));
  return {
    tally,
    seconds: (performance.now() - started) / 1000,
    warmupFailures: warmup.filter((failure) => failure !== undefined),
  };
}

async function measure(
  way: UploadWay,
  bytes: number,
  connections: number,
  durationSeconds: number,
  attempt: Attempt,
  problems: string[],
): Promise<UploadMeasurement> {
  const { tally, seconds, warmupFailures } = await repeat(connections, durationSeconds, attempt);
  const label = `${way} ${bytes / 1e6} MB x${connections}`;
  if (warmupFailures.length > 0) problems.push(`${label} (warm-up): FAILED: ${warmupFailures.join('; ')}`);
  if (tally.failed > 0)
    problems.push(
      `${label}: ${tally.failed} of ${tally.ok + tally.failed} FAILED: ${tally.failures.join('; ')}`,
    );
  if (tally.ok === 0) problems.push(`${label}: no successful upload at all`);
  const sorted = Float64Array.from(tally.latencies).sort();
  const measured: UploadMeasurement = {
    way,
    bytes,
    connections,
    ok: tally.ok,
    failed: tally.failed,
    megabytesPerSecond: (tally.ok * bytes) / 1e6 / seconds,
    uploadsPerSecond: tally.ok / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
  console.error(
    `  uploads: ${label}: ${measured.megabytesPerSecond.toFixed(1)} MB/s, p50 ${measured.p50Ms.toFixed(1)} ms`,
  );
  return measured;
}

/** Posts `bodies[connection]` as multipart and reads the JSON answer; `judge` says what is wrong with it. */
function poster(
  origin: string,
  path: string,
  headers: Record<string, string>,
  bodies: UploadBody[],
  judge: (json: Record<string, any>, body: UploadBody, connection: number) => string | undefined,
): { attempt: Attempt; close(): Promise<void> } {
  const connections = bodies.map((body) => ({ body, client: openClient(origin) }));
  return {
    async attempt(connection) {
      const { body, client } = connections[connection] as (typeof connections)[number];
      body.stamp();
      try {
        const response = await client.request({
          method: 'POST',
          path,
          headers: {
            ...headers,
            'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
            'content-length': String(body.body.length),
          },
          body: body.body,
        });
        const text = await response.body.text();
        if (response.statusCode !== 201) return `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
        return judge(JSON.parse(text), body, connection);
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    },
    close: async () => {
      await Promise.all(connections.map(({ client }) => client.close().catch(() => undefined)));
    },
  };
}

const bodiesFor = (bytes: number, connections: number) => {
  const document = documentText(bytes);
  return Array.from({ length: connections }, () => new UploadBody(document));
};

/**
 * The two ceilings, for every size and number of connections: the copy on disk (in a temporary
 * directory beside the benchmark's DATA_DIRs) and the HTTP POST to the discarding server.
 */
export async function measureUploadCeilings(durationSeconds: number): Promise<{
  ceilings: UploadMeasurement[];
  problems: string[];
}> {
  const problems: string[] = [];
  const ceilings: UploadMeasurement[] = [];
  const directory = await mkdtemp(join(tmpdir(), 'agentry-bench-uploads-'));
  const discard = await startDiscardProcess();
  try {
    for (const bytes of UPLOAD_SIZES) {
      const source = join(directory, 'source.txt');
      await writeFile(source, documentText(bytes));
      for (const connections of UPLOAD_CONNECTIONS) {
        const copies = join(directory, 'copies');
        await mkdir(copies);
        let copy = 0;
        const copyOnce: Attempt = async () => {
          const target = join(copies, `copy-${copy++}`);
          await copyFile(source, target);
          const handle = await open(target, 'r+');
          try {
            await handle.datasync();
          } finally {
            await handle.close();
          }
          return undefined;
        };
        ceilings.push(await measure('disk', bytes, connections, durationSeconds, copyOnce, problems));
        await rm(copies, { recursive: true, force: true });

        const posted = poster(discard.url, '/', {}, bodiesFor(bytes, connections), (json, body) =>
          json.size === body.body.length ? undefined : `the server read ${json.size} bytes`,
        );
        try {
          ceilings.push(
            await measure('discard', bytes, connections, durationSeconds, posted.attempt, problems),
          );
        } finally {
          await posted.close();
        }
      }
    }
  } finally {
    await discard.stop();
    await rm(directory, { recursive: true, force: true });
  }
  return { ceilings, problems };
}

/**
 * `POST /api/v1/files` for every size and number of connections, as a new user. Each answer must
 * report the document's size and a SHA-256 seen for no earlier upload; after each scenario the
 * organization must list one file per 201, and the last upload of the first connection must
 * download as the bytes sent.
 */
export async function measureAgentryUploads(
  api: Api,
  origin: string,
  durationSeconds: number,
): Promise<Pick<UploadRun, 'results' | 'problems' | 'notes'>> {
  const token = await api.register('Bench uploads');
  const problems: string[] = [];
  const notes: string[] = [];
  const results: UploadMeasurement[] = [];
  const hashes = new Set<string>();
  let created = 0;
  for (const bytes of UPLOAD_SIZES) {
    for (const connections of UPLOAD_CONNECTIONS) {
      const lastFile: string[] = [];
      const bodies = bodiesFor(bytes, connections);
      const posted = poster(
        origin,
        '/api/v1/files',
        { authorization: `Bearer ${token}` },
        bodies,
        (json, _body, connection) => {
          created += 1;
          if (json.size_bytes !== bytes) return `size_bytes ${json.size_bytes}, not ${bytes}`;
          if (hashes.has(json.sha256)) return `sha256 ${json.sha256} was answered before`;
          hashes.add(json.sha256);
          lastFile[connection] = json.id;
          return undefined;
        },
      );
      try {
        results.push(await measure('agentry', bytes, connections, durationSeconds, posted.attempt, problems));
        const label = `${bytes / 1e6} MB x${connections}`;
        const listed = (await api.read(token, '/api/v1/files?limit=1')).total;
        const stored = await storedAsSent(api, token, lastFile[0], bodies[0]);
        notes.push(
          `uploads ${label}: ${listed} files listed, ${created} created by a 201 so far; ` +
            `the last upload downloads as sent: ${stored ? 'yes' : 'NO'}`,
        );
        if (listed !== created) problems.push(`uploads ${label}: ${listed} files listed, not ${created}`);
        if (!stored) problems.push(`uploads ${label}: the last upload does not download as the bytes sent`);
      } finally {
        await posted.close();
      }
    }
  }
  return { results, problems, notes };
}

async function storedAsSent(
  api: Api,
  token: string,
  fileId: string | undefined,
  body: UploadBody | undefined,
): Promise<boolean> {
  if (!fileId || !body) return false;
  const downloaded = await api.bytes(token, `/api/v1/files/${fileId}/content`);
  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  return sha256(downloaded) === sha256(body.document());
}
