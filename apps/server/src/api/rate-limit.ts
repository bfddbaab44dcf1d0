import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { ErrorCodes, PlatformError } from '@platform/types';

/**
 * Per-token request limits (@fastify/rate-limit, in memory): each token — or, without one, each source address —
 * gets `max` requests a minute, so one client flooding the API is answered 429 at once while everyone else keeps
 * being served. The key is a hash of the Authorization header (never the token itself). Heroku answers the same:
 * 429 `rate_limit` (reference §9), here with `Retry-After`. Routes registered on `scope` after this call are limited.
 */
export async function registerRateLimit(scope: FastifyInstance, max: number): Promise<void> {
  await scope.register(rateLimit, {
    max,
    timeWindow: 60_000,
    cache: 10_000,
    keyGenerator: (request: FastifyRequest) => {
      const auth = request.headers.authorization;
      return auth ? `t:${createHash('sha256').update(auth).digest('base64url')}` : `a:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => {
      const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000));
      return new PlatformError(ErrorCodes.rateLimited, `Your token reached the API rate limit (${context.max} requests a minute); try again in ${retryAfter} seconds.`, {
        details: { retryAfter },
      });
    },
  });
}
