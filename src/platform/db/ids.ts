import { randomFillSync } from 'node:crypto';

/** Random bytes drawn in bulk: one system call for many ids. */
const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let pooled = POOL_IDS;

let lastMs = 0;
let sequence = 0;

/**
 * A time-ordered UUID (RFC 9562 version 7): index-friendly primary keys that sort by creation.
 * Monotonic within the process (RFC 9562 method 1): ids made in the same millisecond carry an
 * increasing 12-bit sequence, so that ids made one after the other sort in that order (a turn's
 * question before its answer, a batch's rows in order), even when written by one statement.
 */
export function uuidv7(): string {
  if (pooled === POOL_IDS) {
    randomFillSync(pool);
    pooled = 0;
  }
  const bytes = pool.subarray(pooled * 16, ++pooled * 16);
  let now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    // A random start keeps ids unguessable while leaving room to count up.
    sequence = (((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0)) & 0x7ff;
  } else if (++sequence > 0xfff) {
    // More than the sequence holds in one millisecond: borrow the next one.
    lastMs += 1;
    sequence = 0;
  }
  now = lastMs;
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a reference (an id, or a name, slug or type given in its place) has the shape of a UUID. */
export const isUuid = (reference: string): boolean => uuidShape.test(reference);
