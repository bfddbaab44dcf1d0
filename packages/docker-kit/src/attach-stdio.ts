import { PassThrough, Writable, type Readable } from 'node:stream';

/** A hijacked attach stream of a container, as the caller's stdio. */
export interface AttachedStdio {
  stdin: Writable;
  stdout: Readable;
  /** null with a TTY (merged into stdout). */
  stderr: Readable | null;
  /** Resolves once the attach stream has ended (stdout and stderr are ended then). */
  ended: Promise<void>;
}

/** Splits the engine's multiplexed stream into two (dockerode's `docker.modem.demuxStream`). */
export type Demux = (
  stream: NodeJS.ReadableStream,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
) => void;

/**
 * The caller's stdio over a container's hijacked attach stream (`container.attach({ stream, stdin, stdout,
 * stderr, hijack: true })`, made before the container starts so no output is lost). Without a TTY the
 * multiplexed stream is split by `demux` into stdout/stderr and `stdin.end()` half-closes it (EOF); with one,
 * stdout is the terminal and `stdin.end()` types the terminal's EOF character (Ctrl-D).
 *
 *   const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
 *   const stdio = attachedStdio(stream, false, docker.modem.demuxStream.bind(docker.modem));
 */
export function attachedStdio(stream: NodeJS.ReadWriteStream, tty: boolean, demux: Demux): AttachedStdio {
  const stdout = new PassThrough();
  const stderr = tty ? null : new PassThrough();
  const ended = new Promise<void>((resolve) => {
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      stdout.end();
      stderr?.end();
      resolve();
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', end);
  });
  if (tty) stream.on('data', (chunk: Buffer) => stdout.write(chunk));
  else demux(stream, stdout, stderr!);
  const stdin = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stream.write(chunk);
      done();
    },
    // Without a TTY, EOF is the half-close of the attach stream; with one, the terminal's EOF character.
    final(done) {
      if (tty) stream.write('\x04');
      else stream.end();
      done();
    },
  });
  return { stdin, stdout, stderr, ended };
}
