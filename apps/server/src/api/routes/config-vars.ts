import type { FastifyInstance } from 'fastify';
import { PlatformError, isValidConfigKey } from '@platform/types';
import { isPlatformVariable } from '@platform/runtime-kit';
import type { ApiContext } from '../context.ts';
import { appFor } from '../auth.ts';

/** Heroku's cap on the total size of an app's config vars. */
export const MAX_CONFIG_BYTES = 32 * 1024;

export function describeConfigChange(changes: Record<string, string | null>): string {
  const set = Object.keys(changes).filter((k) => changes[k] !== null);
  const removed = Object.keys(changes).filter((k) => changes[k] === null);
  if (removed.length === 0) return `Set ${set.join(', ')} config vars`;
  if (set.length === 0) return `Remove ${removed.join(', ')} config vars`;
  return `Set ${set.join(', ')} and remove ${removed.join(', ')} config vars`;
}

/** Validates a PATCH body; throws before anything changes. */
export function validateConfigChanges(body: unknown): Record<string, string | null> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PlatformError('PLT_INVALID_PARAMS', 'Send a JSON object of config vars: {"KEY": "value", "OLD": null}.');
  }
  const changes: Record<string, string | null> = {};
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length === 0) throw new PlatformError('PLT_INVALID_PARAMS', 'No config vars given.');
  for (const [key, value] of entries) {
    if (!isValidConfigKey(key)) {
      throw new PlatformError('PLT_INVALID_PARAMS', `${JSON.stringify(key)} is not a valid config var name: use letters, digits and underscores, not starting with a digit.`);
    }
    if (isPlatformVariable(key)) {
      throw new PlatformError('PLT_INVALID_PARAMS', `${key} is set by the platform in every dyno and cannot be changed.`);
    }
    if (value !== null && typeof value !== 'string') {
      throw new PlatformError('PLT_INVALID_PARAMS', `The value of ${key} must be a string (or null to remove it).`);
    }
    // A process environment is a list of NUL-terminated strings: a NUL byte cannot reach a dyno.
    if (value !== null && value.includes('\0')) {
      throw new PlatformError('PLT_INVALID_PARAMS', `The value of ${key} contains a NUL byte, which a process environment cannot carry.`);
    }
    changes[key] = value;
  }
  return changes;
}

export function registerConfigRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/config-vars', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    return ctx.store.config.get(app.id);
  });

  api.patch<{ Params: { app: string } }>('/apps/:app/config-vars', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    const changes = validateConfigChanges(request.body);
    const merged = { ...(await ctx.store.config.get(app.id)) };
    for (const [k, v] of Object.entries(changes)) if (v === null) delete merged[k];
    else merged[k] = v;
    const size = Object.entries(merged).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (size > MAX_CONFIG_BYTES) {
      throw new PlatformError('PLT_INVALID_PARAMS', `Config vars would total ${size} bytes; the limit is ${MAX_CONFIG_BYTES} bytes (32 kB).`);
    }
    const { config, release } = await ctx.store.releases.updateConfig({
      appId: app.id,
      changes,
      userId: request.user.id,
      description: describeConfigChange(changes),
    });
    if (release) {
      // Restart onto the new release (rolling, health-gated). A failed rollout marks the release failed;
      // the config change itself stands, as on Heroku.
      await ctx.deployer.deployRelease(app, release).catch((err) => request.log.warn({ err }, 'config release failed'));
    }
    return config;
  });
}
