import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import type { FastifyReply } from 'fastify';
import { Tail } from './git-spawn.ts';
import { killGroup, sendError } from './http-util.ts';
import type { GitHttpLogger } from './types.ts';

/** What the request side tells the response side about git's input. */
export interface GitInputState {
  /** The body passed the cap. */
  readonly tooLarge: boolean;
  /** Once git has exited without output: reads the rest of the body (see `BodyPipe.settle`). */
  settle?: () => Promise<void>;
  /** For a body over the cap: git's protocol refusal to send instead of a 413, or null. */
  refusal?: () => Buffer | null;
}

/** 200 with git's content type and no caching. */
export function sendResult(reply: FastifyReply, contentType: string, body: Buffer | NodeJS.ReadableStream): FastifyReply {
  return reply.code(200).header('content-type', contentType).header('cache-control', 'no-cache, max-age=0, must-revalidate').send(body);
}

/**
 * Streams git's stdout as the response (`prefix` first). Headers wait for git's first byte, so a body over the cap
 * or a git failure before any output still gets a proper status: a refusal in git's protocol or 413 for a body over
 * the cap, 200 for git's empty answer to a probe, 400 with git's reason for input it refused, 500 otherwise.
 * Resolves once the response has started (or been sent); kills git when the client goes away.
 */
export function respondWithGit(
  deps: { children: Set<ChildProcess>; logger: GitHttpLogger; sendTooLarge(reply: FastifyReply): unknown },
  reply: FastifyReply,
  child: ChildProcess,
  contentType: string,
  state: GitInputState,
  prefix?: Buffer,
): Promise<void> {
  const { children, logger, sendTooLarge } = deps;
  children.add(child);
  const stderr = new Tail();
  child.stderr!.on('data', (c: Buffer) => stderr.push(c));
  // Client gone mid-request: kill git (and the hook) rather than finish a push nobody sees.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) killGroup(child);
  });
  return new Promise((resolve) => {
    let started = false;
    child.stdout!.once('data', (first: Buffer) => {
      if (state.tooLarge) {
        child.stdout!.resume(); // git's own report of the truncated pack: ours replaces it
        return;
      }
      child.stdout!.pause();
      started = true;
      const body = new PassThrough();
      if (prefix) body.write(prefix);
      body.write(first);
      child.stdout!.pipe(body);
      sendResult(reply, contentType, body);
      resolve();
    });
    child.on('error', (err) => logger.error({ err }, 'git spawn failed'));
    child.on('close', async (code, signal) => {
      children.delete(child);
      if (code !== 0) logger.warn({ argv: child.spawnargs, code, signal, stderr: stderr.toString() }, 'git exited non-zero');
      if (started) return;
      // git gave up before the input ended: read the rest (bounded by the cap) to tell "too large" from bad input.
      await state.settle?.();
      const refusal = state.tooLarge ? (state.refusal?.() ?? null) : null;
      if (refusal) sendResult(reply, contentType, refusal);
      else if (state.tooLarge) sendTooLarge(reply);
      else if (code === 0) {
        // Nothing to say is a valid answer: git's probe before a pack over its http.postBuffer (1 MiB) is a
        // bare flush packet, which receive-pack reads and exits 0 on without output. git-http-backend sends 200.
        sendResult(reply, contentType, Buffer.alloc(0));
      } else if (signal === null) {
        // git refused the input (a malformed request or pack): the client's fault, in git's own words.
        sendError(reply, 400, 'bad_request', `git: ${gitReason(stderr.toString())}`);
      } else sendError(reply, 500, 'internal_server_error', 'git failed.');
      resolve();
    });
  });
}

/** git's last message line, without server paths (they would tell a client where the data lives). */
function gitReason(stderr: string): string {
  const line = stderr.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? 'the request was not understood';
  return line.replace(/(^|[\s'"`(])\/[^\s'"`)]*/g, '$1<path>').slice(0, 300);
}
