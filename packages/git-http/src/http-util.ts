import { Transform, type TransformCallback } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import type { FastifyReply } from 'fastify';
import { isPlatformError } from '@platform/types';
import type { GitHttpLogger } from './types.ts';

export function sendError(reply: FastifyReply, status: number, id: string, message: string): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send({ id, message });
}

/** Maps what authorize() threw to the HTTP answer git understands (401 makes git ask for / use credentials). */
export function sendAuthError(reply: FastifyReply, err: unknown, logger: GitHttpLogger): FastifyReply {
  if (isPlatformError(err)) {
    switch (err.code) {
      case 'PLT_UNAUTHORIZED':
        reply.header('www-authenticate', 'Basic realm="platform"');
        return sendError(reply, 401, 'unauthorized', err.message);
      case 'PLT_FORBIDDEN':
        return sendError(reply, 403, 'forbidden', err.message);
      case 'PLT_APP_NOT_FOUND':
        return sendError(reply, 404, 'not_found', err.message);
      case 'PLT_INVALID_PARAMS':
        return sendError(reply, 400, 'bad_request', err.message);
      case 'PLT_RATE_LIMITED': {
        const retryAfter = (err.details as { retryAfter?: unknown } | undefined)?.retryAfter;
        if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
        return sendError(reply, 429, 'rate_limit', err.message);
      }
    }
  }
  logger.error({ err }, 'git authorize failed');
  return sendError(reply, 500, 'internal_server_error', 'Internal server error.');
}

/** The Basic auth password (any user name), or null. */
export function basicPassword(header: string | undefined): string | null {
  const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const password = decoded.slice(colon + 1);
  return password.length > 0 ? password : null;
}

/** GIT_PROTOCOL from the Git-Protocol header, only when it is the plain `key=value:…` form git sends. */
export function gitProtocol(header: string | string[] | undefined): Record<string, string> {
  return typeof header === 'string' && /^[A-Za-z0-9=:._-]{1,256}$/.test(header) ? { GIT_PROTOCOL: header } : {};
}

export class TooLargeError extends Error {}

/** Passes bytes through, failing with TooLargeError past `max`. */
export function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > max) callback(new TooLargeError(`request body over ${max} bytes`));
      else callback(null, chunk);
    },
  });
}

/** SIGTERM to the child's whole process group (receive-pack and its hook), SIGKILL after a grace period. */
export function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      child.kill(signal);
    }
  };
  send('SIGTERM');
  const timer = setTimeout(() => send('SIGKILL'), 5000);
  timer.unref();
  child.once('close', () => clearTimeout(timer));
}
