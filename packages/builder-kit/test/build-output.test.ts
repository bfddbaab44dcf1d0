import { describe, expect, it } from 'vitest';
import { BUILD_LINE_MAX_CHARS, createBuildOutput } from '../src/index.ts';

function collect(limitBytes = 1 << 20) {
  const lines: string[] = [];
  return { lines, output: createBuildOutput((line) => lines.push(line), limitBytes) };
}

describe('createBuildOutput', () => {
  it('keeps multi-byte characters whole wherever the chunks are cut', () => {
    const text = 'café ✓ 日本語 🚀\r\nnaïve\nlast without newline';
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (let second = cut; second <= bytes.length; second++) {
        const { lines, output } = collect();
        const stream = output.stream();
        stream.push(bytes.subarray(0, cut));
        stream.push(bytes.subarray(cut, second));
        stream.push(bytes.subarray(second));
        output.flush();
        expect(lines, `cut at ${cut} and ${second}`).toEqual(['café ✓ 日本語 🚀', 'naïve', 'last without newline']);
      }
    }
  });

  it('keeps each stream’s partial line and UTF-8 state apart', () => {
    const { lines, output } = collect();
    const out = output.stream();
    const err = output.stream();
    const e = Buffer.from('é');
    out.push(Buffer.from([0x6f, e[0]!]));
    err.push(Buffer.from('err line\n'));
    out.push(Buffer.from([e[1]!, 0x0a]));
    expect(lines).toEqual(['err line', 'oé']);
  });

  it('passes a long line on in pieces', () => {
    const { lines, output } = collect();
    output.stream().push(Buffer.from(`${'x'.repeat(BUILD_LINE_MAX_CHARS + 5)}\n`));
    expect(lines).toEqual(['x'.repeat(BUILD_LINE_MAX_CHARS), 'xxxxx']);
  });

  it('prints one notice past the byte cap shared by all streams, then drops the rest', () => {
    const { lines, output } = collect(12);
    output.stream().push(Buffer.from('12345\n'));
    output.stream().push(Buffer.from('abcde\nmore\n'));
    output.stream().push(Buffer.from('again\n'));
    expect(lines).toEqual(['12345', 'abcde', ' !     Build output exceeded 12 bytes; the rest is not shown.']);
  });

  it('flushes the last line when its writable ends', async () => {
    const { lines, output } = collect();
    const writable = output.writable();
    await new Promise<void>((resolve) => writable.end(Buffer.from('tail'), resolve));
    expect(lines).toEqual(['tail']);
  });
});
