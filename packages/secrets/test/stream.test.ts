import { randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createCipher, STREAM_SEGMENT_BYTES } from '../src/index.ts';

const key = randomBytes(32);
const cipher = createCipher(key);

/** Pushes `input` through a transform in chunks of `chunk` bytes; resolves with what came out. */
async function through(transform: Transform, input: Buffer, chunk = 1000): Promise<Buffer> {
  const parts: Buffer[] = [];
  const chunks = function* () {
    for (let i = 0; i < input.length; i += chunk) yield input.subarray(i, i + chunk);
  };
  await pipeline(Readable.from(chunks()), transform, async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) parts.push(part);
  });
  return Buffer.concat(parts);
}

describe('sealStream / openStream', () => {
  it.each([0, 1, STREAM_SEGMENT_BYTES - 1, STREAM_SEGMENT_BYTES, STREAM_SEGMENT_BYTES + 1, 3 * STREAM_SEGMENT_BYTES + 17])(
    'round-trips %i bytes, whatever the chunking, and hides the plaintext',
    async (size) => {
      const plain = Buffer.alloc(size, 'secret-row ');
      for (const chunk of [1 + (size % 7), 4096, 200_000]) {
        const sealed = await through(cipher.sealStream('b001'), plain, chunk);
        if (size >= 10) expect(sealed.includes(Buffer.from('secret-row'))).toBe(false);
        expect((await through(cipher.openStream('b001'), sealed, chunk)).equals(plain)).toBe(true);
      }
    },
  );

  it('refuses another key, another context, an altered byte, a cut-off or a dropped segment', async () => {
    const plain = randomBytes(2 * STREAM_SEGMENT_BYTES + 5);
    const sealed = await through(cipher.sealStream('b001'), plain);
    const refused = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: 'PLT_DECRYPT_FAILED' });
    await refused(through(createCipher(randomBytes(32)).openStream('b001'), sealed));
    await refused(through(cipher.openStream('b002'), sealed));
    const altered = Buffer.from(sealed);
    altered[altered.length - 100]! ^= 1;
    await refused(through(cipher.openStream('b001'), altered));
    const segment = STREAM_SEGMENT_BYTES + 16;
    // Cut at a segment boundary: what remains looks whole, but its last segment is not marked last.
    await refused(through(cipher.openStream('b001'), sealed.subarray(0, 12 + segment)));
    await refused(through(cipher.openStream('b001'), Buffer.concat([sealed.subarray(0, 12), sealed.subarray(12 + segment)])));
    await refused(through(cipher.openStream('b001'), sealed.subarray(0, 5)));
    await refused(through(cipher.openStream('b001'), Buffer.from('not a sealed stream at all')));
  });
});
