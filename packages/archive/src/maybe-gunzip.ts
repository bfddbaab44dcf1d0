import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

/**
 * A Transform that passes a plain tar through and gunzips a gzip'd one, decided by the
 * first two bytes (0x1f 0x8b). Lets callers hand us `git archive` output or a slug alike.
 */
export function createMaybeGunzip(): Transform {
  let head: Buffer | null = Buffer.alloc(0);
  let gunzip: zlib.Gunzip | null = null;

  const decide = (self: Transform): void => {
    if (head && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      gunzip = zlib.createGunzip();
      gunzip.on('data', (chunk: Buffer) => self.push(chunk));
      gunzip.on('error', (err) => self.destroy(err));
    }
  };

  return new Transform({
    transform(this: Transform, chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      if (head) {
        head = Buffer.concat([head, chunk]);
        if (head.length < 2) return cb();
        decide(this);
        chunk = head;
        head = null;
      }
      if (gunzip) gunzip.write(chunk, () => cb());
      else cb(null, chunk);
    },
    flush(this: Transform, cb: TransformCallback) {
      if (head) {
        // Fewer than two bytes in total: not gzip; let the tar parser judge it.
        this.push(head);
        head = null;
        return cb();
      }
      if (!gunzip) return cb();
      gunzip.once('end', () => cb());
      gunzip.end();
    },
  });
}
