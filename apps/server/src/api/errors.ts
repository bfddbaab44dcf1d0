import type { FastifyError, FastifyInstance } from 'fastify';
import { isPlatformError } from '@platform/types';
import { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable } from './database-errors.ts';

/** The one table from domain error codes to HTTP status and Heroku-style error id. */
const TABLE: Record<string, { status: number; id: string }> = {
  PLT_INVALID_PARAMS: { status: 422, id: 'invalid_params' },
  PLT_BAD_REQUEST: { status: 400, id: 'bad_request' },
  PLT_APP_NOT_FOUND: { status: 404, id: 'not_found' },
  PLT_APP_EXISTS: { status: 422, id: 'invalid_params' },
  PLT_RELEASE_NOT_FOUND: { status: 404, id: 'not_found' },
  PLT_BUILD_NOT_FOUND: { status: 404, id: 'not_found' },
  PLT_DYNO_NOT_FOUND: { status: 404, id: 'not_found' },
  PLT_NOT_FOUND: { status: 404, id: 'not_found' },
  PLT_UNAUTHORIZED: { status: 401, id: 'unauthorized' },
  PLT_FORBIDDEN: { status: 403, id: 'forbidden' },
  PLT_PROCFILE_INVALID: { status: 422, id: 'invalid_params' },
  PLT_RANGE_INVALID: { status: 416, id: 'requested_range_not_satisfiable' },
  PLT_CONFLICT: { status: 409, id: 'conflict' },
  PLT_NO_RELEASE: { status: 422, id: 'invalid_params' },
  PLT_ROLLBACK_INVALID: { status: 422, id: 'invalid_params' },
  PLT_RUNTIME_UNAVAILABLE: { status: 503, id: 'unavailable' },
};

const RESOURCE: Record<string, string> = {
  PLT_APP_NOT_FOUND: 'app',
  PLT_RELEASE_NOT_FOUND: 'release',
  PLT_BUILD_NOT_FOUND: 'build',
  PLT_DYNO_NOT_FOUND: 'dyno',
};

export function httpErrorFor(code: string): { status: number; id: string } | undefined {
  return TABLE[code];
}

/** Every error leaves as `{"id", "message"}`; 5xx answers say little, the log (with the request id) says all. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (isPlatformError(err)) {
      const mapped = TABLE[err.code];
      if (mapped) {
        const resource = RESOURCE[err.code];
        return reply.status(mapped.status).send({ id: mapped.id, message: err.message, ...(resource ? { resource } : {}) });
      }
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.status(422).send({ id: 'invalid_params', message: fe.message });
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const id = fe.statusCode === 413 ? 'payload_too_large' : fe.statusCode === 415 ? 'unsupported_media_type' : 'bad_request';
      return reply.status(fe.statusCode).send({ id, message: fe.message });
    }
    // PostgreSQL refuses text it cannot store (a NUL byte, 22021; an untranslatable character, 22P05): the
    // request carried it (a path parameter, a field), so it is the request that is wrong.
    const sqlState = (err as { code?: unknown }).code;
    if (sqlState === '22021' || sqlState === '22P05') {
      return reply.status(400).send({ id: 'bad_request', message: 'The request contains characters that cannot be stored (such as a NUL byte).' });
    }
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ err }, 'database unavailable');
      return reply
        .status(503)
        .header('retry-after', String(DATABASE_RETRY_AFTER_S))
        .send({ id: 'database_unavailable', message: `The platform's database is unreachable; retry in ${DATABASE_RETRY_AFTER_S} seconds. Running apps are not affected.` });
    }
    request.log.error({ err }, 'request failed');
    return reply.status(500).send({ id: 'internal_error', message: `Internal server error (request ${request.id}).` });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ id: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` });
  });
}
