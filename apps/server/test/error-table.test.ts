import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, PlatformError, isErrorCode } from '@platform/types';
import { httpErrorFor, installErrorHandler } from '../src/api/errors.ts';

describe('the API error table', () => {
  it('answers every server-side code, and no CLI code', () => {
    for (const code of Object.values(ErrorCodes)) {
      expect(isErrorCode(code)).toBe(true);
      if (code.startsWith('PLT_CLI_')) expect(httpErrorFor(code), code).toBeUndefined();
      else expect(httpErrorFor(code)?.status, code).toBeGreaterThanOrEqual(400);
    }
    expect(httpErrorFor('PLT_NOT_A_CODE')).toBeUndefined();
    expect(httpErrorFor('toString')).toBeUndefined();
    expect(isErrorCode('PLT_NOT_A_CODE')).toBe(false);
  });

  it('sends a 4xx with its message and resource, and hides an internal code behind a 500', async () => {
    const app = Fastify({ logger: false });
    installErrorHandler(app);
    app.get('/missing', async () => {
      throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.");
    });
    app.get('/internal', async () => {
      throw new PlatformError(ErrorCodes.decryptFailed, 'key 3f… could not open config of app x');
    });
    app.get('/runtime', async () => {
      throw new PlatformError(ErrorCodes.runtimeUnavailable, 'The Docker engine is not reachable.');
    });
    const missing = await app.inject({ url: '/missing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ id: 'not_found', message: "Couldn't find that app.", resource: 'app' });
    const internal = await app.inject({ url: '/internal' });
    expect(internal.statusCode).toBe(500);
    expect(internal.json().id).toBe('internal_error');
    expect(internal.body).not.toContain('could not open');
    const runtime = await app.inject({ url: '/runtime' });
    expect(runtime.statusCode).toBe(503);
    expect(runtime.json()).toEqual({ id: 'unavailable', message: 'The Docker engine is not reachable.' });
    await app.close();
  });
});
