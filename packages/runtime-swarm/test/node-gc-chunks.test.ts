/** The kept map of a node collection split into Swarm configs: every app once, each config under Swarm's limit. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkKept } from '../src/node-image-gc.ts';

describe('chunkKept', () => {
  it('gives one `{}` for no apps and one config for a few', () => {
    expect(chunkKept(new Map())).toEqual(['{}']);
    expect(chunkKept(new Map([['a', ['b1', 'b2']]]))).toEqual(['{"a":["b1","b2"]}']);
  });

  it('splits 5,000 apps with 10 kept builds each into configs of at most 400 KB that hold every app once', () => {
    const kept = new Map(Array.from({ length: 5_000 }, () => [randomUUID(), Array.from({ length: 10 }, () => randomUUID())] as const));
    const chunks = chunkKept(kept);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(400_000);
    const merged = Object.assign({}, ...chunks.map((c) => JSON.parse(c) as Record<string, string[]>)) as Record<string, string[]>;
    expect(Object.keys(merged)).toHaveLength(5_000);
    for (const [app, builds] of kept) expect(merged[app]).toEqual(builds);
  });
});
