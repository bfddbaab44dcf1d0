import type { FastifyError, FastifyInstance } from 'fastify';
import { isPlatformError, type ServerErrorCode } from '@platform/types';
import { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable } from './database-errors.ts';

/** How the API answers one error code: HTTP status, Heroku-style `id`, and the resource named in a 404. */
interface HttpError {
  status: number;
  id: string;
  resource?: string;
}

const INTERNAL: HttpError = { status: 500, id: 'internal_error' };

/**
 * The one table from domain error codes to HTTP status and Heroku-style error id. Typed over every server-side
 * code, so adding a code to packages/types without deciding its answer here fails to compile. Codes that only
 * start-up or storage throw are 500s: 5xx answers say little, the log says all.
 */
const TABLE: { readonly [C in ServerErrorCode]: HttpError } = {
  PLT_INVALID_PARAMS: { status: 422, id: 'invalid_params' },
  PLT_BAD_REQUEST: { status: 400, id: 'bad_request' },
  PLT_RANGE_INVALID: { status: 416, id: 'requested_range_not_satisfiable' },
  PLT_NOT_FOUND: { status: 404, id: 'not_found' },
  PLT_CONFLICT: { status: 409, id: 'conflict' },
  PLT_UNAUTHORIZED: { status: 401, id: 'unauthorized' },
  PLT_FORBIDDEN: { status: 403, id: 'forbidden' },
  PLT_RATE_LIMITED: { status: 429, id: 'rate_limit' },
  PLT_USER_EXISTS: { status: 422, id: 'invalid_params' },
  PLT_USER_NOT_FOUND: { status: 404, id: 'not_found', resource: 'user' },
  PLT_TOKEN_NOT_FOUND: { status: 404, id: 'not_found', resource: 'oauth-authorization' },
  PLT_COLLABORATOR_EXISTS: { status: 422, id: 'invalid_params' },
  PLT_COLLABORATOR_NOT_FOUND: { status: 404, id: 'not_found', resource: 'collaborator' },
  PLT_APP_NOT_FOUND: { status: 404, id: 'not_found', resource: 'app' },
  PLT_APP_EXISTS: { status: 422, id: 'invalid_params' },
  PLT_RELEASE_NOT_FOUND: { status: 404, id: 'not_found', resource: 'release' },
  PLT_RELEASE_FAILED: { status: 422, id: 'invalid_params' },
  PLT_NO_RELEASE: { status: 422, id: 'invalid_params' },
  PLT_ROLLBACK_INVALID: { status: 422, id: 'invalid_params' },
  PLT_BUILD_NOT_FOUND: { status: 404, id: 'not_found', resource: 'build' },
  PLT_BUILD_FAILED: { status: 422, id: 'invalid_params' },
  PLT_PROCFILE_INVALID: { status: 422, id: 'invalid_params' },
  PLT_DYNO_NOT_FOUND: { status: 404, id: 'not_found', resource: 'dyno' },
  PLT_BOOT_TIMEOUT: INTERNAL,
  PLT_RUNTIME_UNAVAILABLE: { status: 503, id: 'unavailable' },
  PLT_DOMAIN_INVALID: { status: 422, id: 'invalid_params' },
  PLT_DOMAIN_TAKEN: { status: 422, id: 'invalid_params' },
  PLT_DOMAIN_NOT_FOUND: { status: 404, id: 'not_found', resource: 'domain' },
  PLT_CERTIFICATE_INVALID: { status: 422, id: 'invalid_params' },
  PLT_SNI_ENDPOINT_NOT_FOUND: { status: 404, id: 'not_found', resource: 'sni-endpoint' },
  PLT_ACME_FAILED: { status: 422, id: 'invalid_params' },
  PLT_ROUTER_UNAVAILABLE: { status: 503, id: 'unavailable' },
  PLT_ADDON_NOT_FOUND: { status: 404, id: 'not_found', resource: 'add-on' },
  PLT_ADDON_SERVICE_NOT_FOUND: { status: 422, id: 'invalid_params' },
  PLT_ADDON_PROVISION_FAILED: { status: 503, id: 'unavailable' },
  PLT_ADDON_CONFIG_OWNED: { status: 422, id: 'invalid_params' },
  PLT_BACKUP_NOT_FOUND: { status: 404, id: 'not_found', resource: 'backup' },
  PLT_BACKUP_FAILED: { status: 422, id: 'invalid_params' },
  PLT_RESTORE_FAILED: { status: 422, id: 'invalid_params' },
  PLT_ADDON_ATTACHMENT_NOT_FOUND: { status: 404, id: 'not_found', resource: 'add-on attachment' },
  // Heroku's id: its CLI asks for the app's name and retries with `confirm` (trapConfirmationRequired).
  PLT_CONFIRMATION_REQUIRED: { status: 422, id: 'confirmation_required' },
  PLT_UNSAFE_PATH: { status: 422, id: 'invalid_params' },
  PLT_UNSAFE_ARCHIVE: { status: 422, id: 'invalid_params' },
  PLT_INVALID_ARCHIVE: { status: 422, id: 'invalid_params' },
  PLT_SUBPROCESS_FAILED: INTERNAL,
  PLT_DATABASE_UNAVAILABLE: { status: 503, id: 'database_unavailable' },
  PLT_DATA_DIR_LOCKED: INTERNAL,
  PLT_POSTGRES_DIR_NOT_EMPTY: INTERNAL,
  PLT_POSTGRES_DIR_NOT_TRAVERSABLE: INTERNAL,
  PLT_INVALID_SECRET_KEY: INTERNAL,
  PLT_SECRET_KEY_MISMATCH: INTERNAL,
  PLT_DECRYPT_FAILED: INTERNAL,
};

/** The answer for a code, or undefined for one the server does not throw (a CLI code, an unknown string). */
export function httpErrorFor(code: string): HttpError | undefined {
  return Object.hasOwn(TABLE, code) ? TABLE[code as ServerErrorCode] : undefined;
}

/** Every error leaves as `{"id", "message"}`; 5xx answers say little, the log (with the request id) says all. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    const mapped = isPlatformError(err) ? httpErrorFor(err.code) : undefined;
    // Internal codes fall through to the logged 500 below; the database's own 503 carries Retry-After below.
    if (mapped && mapped !== INTERNAL && mapped.id !== 'database_unavailable') {
      const { resource } = mapped;
      const retryAfter = (err as { details?: { retryAfter?: unknown } }).details?.retryAfter;
      if (mapped.status === 429 && typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply.status(mapped.status).send({ id: mapped.id, message: err.message, ...(resource ? { resource } : {}) });
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
