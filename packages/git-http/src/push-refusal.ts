import type { Readable } from 'node:stream';

const FLUSH = '0000';
/** The command section of a push is a few pkt-lines; a refusal needs only its refs and capabilities. */
const HEAD_MAX = 64 * 1024;

/** What a receive-pack request's command section says: the refs it updates, side-band, a shallow client. */
export interface PushCommands {
  refs: string[];
  sideband: boolean;
  /** The client is a shallow clone (`shallow <sha>` lines precede the commands). */
  shallow: boolean;
}

/**
 * Keeps the first bytes of a (decoded) receive-pack request body, up to `max` bytes (the command section comes
 * first: `shallow` lines, ref updates with capabilities, a flush, then the pack). Listens without consuming.
 */
export function captureHead(stream: Readable, max = HEAD_MAX): () => Buffer {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    chunks.push(chunk.subarray(0, max - size));
    size += Math.min(chunk.length, max - size);
    if (size >= max) stream.off('data', onData);
  };
  stream.on('data', onData);
  return () => Buffer.concat(chunks);
}

/** Parses the ref updates (`<old> <new> <ref>\0<caps>`) of a receive-pack request's first pkt-lines. */
export function parseCommands(head: Buffer): PushCommands {
  const refs: string[] = [];
  let sideband = false;
  let shallow = false;
  let at = 0;
  while (at + 4 <= head.length) {
    const hex = head.subarray(at, at + 4).toString('latin1');
    if (hex === FLUSH || !/^[0-9a-f]{4}$/.test(hex)) break;
    const len = parseInt(hex, 16);
    if (len < 4 || at + len > head.length) break;
    const line = head.subarray(at + 4, at + len).toString('utf8').replace(/\n$/, '');
    at += len;
    const [command, caps] = line.split('\0');
    if (caps !== undefined) sideband = /(^| )side-band(-64k)?( |$)/.test(caps);
    const ref = /^[0-9a-f]{40,64} [0-9a-f]{40,64} (refs\/[^\x00-\x20\x7f]{1,1000})$/.exec(command ?? '')?.[1];
    if (ref) refs.push(ref);
    else if (/^shallow [0-9a-f]{40,64}$/.test(command ?? '')) shallow = true; // they come first, from shallow clones
  }
  return { refs, sideband, shallow };
}

function pkt(payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0')), data]);
}

/**
 * A receive-pack response that refuses the whole push, as git itself would answer one it cannot take: `lines`
 * on side-band 2 (the client prints them as `remote: …`), then a report with `unpack <reason>` and
 * `ng <ref> <reason>` for each ref (`! [remote rejected] main -> main (<reason>)`).
 */
export function refusalResponse(commands: PushCommands, lines: readonly string[], reason: string): Buffer {
  const report = Buffer.concat([
    pkt(`unpack ${reason}\n`),
    ...commands.refs.map((ref) => pkt(`ng ${ref} ${reason}\n`)),
    Buffer.from(FLUSH),
  ]);
  if (!commands.sideband) return report; // no side channel: the reason in the report is all the client shows
  const band = (n: number, data: Buffer) => pkt(Buffer.concat([Buffer.from([n]), data]));
  const message = lines.map((line) => band(2, Buffer.from(`${line}\n`)));
  const chunks: Buffer[] = [];
  for (let i = 0; i < report.length; i += 65_000) chunks.push(band(1, report.subarray(i, i + 65_000)));
  return Buffer.concat([...message, ...chunks, Buffer.from(FLUSH)]);
}

/** `1 GiB`, `50 MiB`, `64 KiB`, `900 bytes`: binary units, at most one decimal. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  }
  return `${n} bytes`;
}

/** `Push rejected: it is larger than 1 GiB (1073741824 bytes), the platform's <setting> setting.` */
export function tooLargeMessage(limit: number, setting: string | undefined): string {
  const knob = setting ? `the platform's ${setting} setting` : "the platform's push size limit";
  return `Push rejected: it is larger than ${formatBytes(limit)} (${limit} bytes), ${knob}.`;
}

/** The lines that tell a pusher their push is over `limit` bytes, and what to do (`setting` names the knob). */
export function tooLargeLines(app: string, limit: number, setting: string | undefined): string[] {
  return [
    ` !     ${tooLargeMessage(limit, setting)}`,
    ' !     Remove large files from the history (e.g. `git filter-repo --strip-blobs-bigger-than 10M`),',
    ` !     or ask the operator to raise ${setting ?? 'the limit'}.`,
    ` !     Push rejected to ${app}.`,
  ];
}

/**
 * Reads and drops the rest of `stream`, up to `maxBytes`. Resolves true once it ended within that, false when
 * there was more (or it failed): the caller then answers 413 and closes the connection.
 */
export function drainBody(stream: Readable, maxBytes: number): Promise<boolean> {
  if (stream.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const done = (ok: boolean) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (!ok) stream.pause();
      resolve(ok);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done(false);
    };
    const onEnd = () => done(true);
    const onError = () => done(false);
    const onClose = () => done(stream.readableEnded);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
    stream.resume();
  });
}
