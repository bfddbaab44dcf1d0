import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PlatformError } from '@platform/types';

/**
 * Streaming encryption for large data at rest (database dumps), without holding it in memory: the plaintext is
 * cut into segments of 64 KiB, each sealed with AES-256-GCM on its own (the STREAM construction of Hoang, Reyhanitabar,
 * Rogaway and Vizár, as in age and Tink): the nonce is a random 7-byte prefix, a 4-byte big-endian segment counter
 * and a last-segment flag byte, so segments cannot be reordered, dropped, or the stream cut short without the
 * reader noticing, and no plaintext of a segment is passed on before its tag was checked.
 *
 * Layout: header `PLTS` | version 1 | nonce prefix (7) | segments, each `ciphertext (≤ 64 KiB) | tag (16)`; every
 * segment but the last holds exactly 64 KiB; the last may hold 0 bytes. A `context` string (e.g. a backup's id) is
 * authenticated with every segment: a file moved under another name does not open.
 */
export const STREAM_SEGMENT_BYTES = 64 * 1024;

const MAGIC = Buffer.from('PLTS');
const STREAM_VERSION = 1;
const PREFIX_BYTES = 7;
const HEADER_BYTES = MAGIC.length + 1 + PREFIX_BYTES;
const TAG_BYTES = 16;
const MAX_SEGMENTS = 2 ** 32 - 1;

/** Bytes received but not yet sealed or opened, kept as a list so small writes cost no repeated copying. */
function createPending() {
  let parts: Buffer[] = [];
  let length = 0;
  return {
    get length() {
      return length;
    },
    push(chunk: Buffer) {
      parts.push(chunk);
      length += chunk.length;
    },
    /** Removes and returns the first `n` bytes (n ≤ length). */
    take(n: number): Buffer {
      const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
      parts = n < all.length ? [all.subarray(n)] : [];
      length -= n;
      return all.subarray(0, n);
    },
  };
}

function nonceFor(prefix: Buffer, counter: number, last: boolean): Buffer {
  if (counter >= MAX_SEGMENTS) throw new PlatformError('PLT_DECRYPT_FAILED', 'Encrypted stream is too long.');
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(counter, PREFIX_BYTES);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** A Transform that seals what is written to it (see the layout above). */
export function createSealStream(key: Buffer, context = ''): Transform {
  const prefix = randomBytes(PREFIX_BYTES);
  const aad = Buffer.from(context, 'utf8');
  const pending = createPending();
  let counter = 0;
  let headerSent = false;
  const sealSegment = (plain: Buffer, last: boolean): Buffer => {
    const c = createCipheriv('aes-256-gcm', key, nonceFor(prefix, counter++, last));
    c.setAAD(aad);
    return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  };
  const header = () => {
    if (headerSent) return [];
    headerSent = true;
    return [Buffer.concat([MAGIC, Buffer.from([STREAM_VERSION]), prefix])];
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      pending.push(chunk);
      const out: Buffer[] = header();
      // Keep at least one byte back: only flush() knows which segment is the last.
      while (pending.length > STREAM_SEGMENT_BYTES) out.push(sealSegment(pending.take(STREAM_SEGMENT_BYTES), false));
      done(null, out.length ? Buffer.concat(out) : undefined);
    },
    flush(done: TransformCallback) {
      done(null, Buffer.concat([...header(), sealSegment(pending.take(pending.length), true)]));
    },
  });
}

/**
 * A Transform that opens what `createSealStream` made with the same key and context. It fails with
 * `PLT_DECRYPT_FAILED` (and passes on nothing of the failing segment) for another key or context, an altered
 * segment, or a stream that was cut short.
 */
export function createOpenStream(key: Buffer, context = ''): Transform {
  const aad = Buffer.from(context, 'utf8');
  const sealedSegment = STREAM_SEGMENT_BYTES + TAG_BYTES;
  const pending = createPending();
  let prefix: Buffer | null = null;
  let counter = 0;
  const openSegment = (sealed: Buffer, last: boolean): Buffer => {
    if (!prefix) throw new PlatformError('PLT_DECRYPT_FAILED', 'Encrypted stream has no header.');
    if (sealed.length < TAG_BYTES) throw new PlatformError('PLT_DECRYPT_FAILED', 'Encrypted stream was cut short.');
    try {
      const d = createDecipheriv('aes-256-gcm', key, nonceFor(prefix, counter++, last));
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
    } catch (err) {
      throw new PlatformError('PLT_DECRYPT_FAILED', 'Encrypted stream cannot be decrypted with this key (or was altered or cut short).', { cause: err });
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        pending.push(chunk);
        if (!prefix) {
          if (pending.length < HEADER_BYTES) return done();
          const header = pending.take(HEADER_BYTES);
          if (!header.subarray(0, MAGIC.length).equals(MAGIC) || header[MAGIC.length] !== STREAM_VERSION) {
            throw new PlatformError('PLT_DECRYPT_FAILED', 'Encrypted stream has an unknown format.');
          }
          prefix = Buffer.from(header.subarray(MAGIC.length + 1));
        }
        const out: Buffer[] = [];
        // A full segment followed by more bytes is not the last one.
        while (pending.length > sealedSegment) out.push(openSegment(pending.take(sealedSegment), false));
        done(null, out.length ? Buffer.concat(out) : undefined);
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (!prefix) throw new PlatformError('PLT_DECRYPT_FAILED', 'Encrypted stream was cut short.');
        done(null, openSegment(pending.take(pending.length), true));
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
