import type { FastifyInstance } from 'fastify';
import { PlatformError, isValidProcessType } from '@platform/types';
import type { ApiContext } from '../context.ts';
import { appFor } from '../auth.ts';
import { formationJson } from '../serialize.ts';

type Update = { type: string; quantity: number | string };

/** Resolves `3`, `"3"`, `"+1"`, `"-2"` against the current quantity; refuses anything else. */
export function resolveQuantity(type: string, raw: unknown, current: number, max: number): number {
  // Numbers are absolute; strings may be relative (`+1`, `-2`), as the Heroku API allows.
  if (typeof raw === 'number' && (!Number.isInteger(raw) || raw < 0)) {
    throw new PlatformError('PLT_INVALID_PARAMS', `Invalid quantity for ${type}: ${raw}. Use a whole number from 0.`);
  }
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const m = /^([+-]?)([0-9]{1,6})$/.exec(text);
  if (!m) throw new PlatformError('PLT_INVALID_PARAMS', `Invalid quantity for ${type}: ${JSON.stringify(raw)}. Use a whole number, or +N / -N.`);
  const n = Number(m[2]);
  const quantity = m[1] === '+' ? current + n : m[1] === '-' ? current - n : n;
  if (quantity < 0) throw new PlatformError('PLT_INVALID_PARAMS', `${type} cannot be scaled below 0 (it runs ${current}).`);
  if (quantity > max) throw new PlatformError('PLT_INVALID_PARAMS', `${type} cannot be scaled above ${max} dynos (the per-app limit).`);
  return quantity;
}

export function registerFormationRoutes(api: FastifyInstance, ctx: ApiContext): void {
  const commandsOf = async (appId: string) => {
    const current = await ctx.store.releases.current(appId);
    if (!current?.buildId) return {} as Record<string, string>;
    return (await ctx.store.builds.get(appId, current.buildId)).processTypes;
  };

  api.get<{ Params: { app: string } }>('/apps/:app/formation', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    const commands = await commandsOf(app.id);
    const rows = await ctx.store.formations.list(app.id);
    return rows.filter((f) => commands[f.type] !== undefined).map((f) => formationJson(app, f, commands[f.type]!));
  });

  api.get<{ Params: { app: string; type: string } }>('/apps/:app/formation/:type', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    const commands = await commandsOf(app.id);
    const row = (await ctx.store.formations.list(app.id)).find((f) => f.type === request.params.type);
    if (!row || commands[row.type] === undefined) throw new PlatformError('PLT_NOT_FOUND', `No ${request.params.type} process type.`);
    return formationJson(app, row, commands[row.type]!);
  });

  const scale = async (appName: string, request: Parameters<typeof appFor>[1], updates: Update[]) => {
    const app = await appFor(ctx, request, appName);
    const commands = await commandsOf(app.id);
    if (Object.keys(commands).length === 0) throw new PlatformError('PLT_NO_RELEASE', `${app.name} has no release yet: push code first.`);
    const rows = await ctx.store.formations.list(app.id);
    const quantities = Object.fromEntries(rows.map((f) => [f.type, f.quantity]));
    const resolved: Array<{ type: string; quantity: number }> = [];
    for (const u of updates) {
      if (!isValidProcessType(u.type) || commands[u.type] === undefined || u.type === 'release' || u.type === 'run') {
        const known = Object.keys(commands).filter((t) => t !== 'release').join(', ');
        throw new PlatformError('PLT_INVALID_PARAMS', `No such process type ${JSON.stringify(u.type)} for ${app.name}. Types: ${known}.`);
      }
      resolved.push({ type: u.type, quantity: resolveQuantity(u.type, u.quantity, quantities[u.type] ?? 0, ctx.config.maxDynosPerApp) });
    }
    const total = Object.values({ ...quantities, ...Object.fromEntries(resolved.map((r) => [r.type, r.quantity])) }).reduce((a, b) => a + b, 0);
    if (total > ctx.config.maxDynosPerApp) {
      throw new PlatformError('PLT_INVALID_PARAMS', `That would run ${total} dynos; the per-app limit is ${ctx.config.maxDynosPerApp}.`);
    }
    const after = await ctx.store.formations.setQuantities(app.id, resolved);
    ctx.deployer.event(app.id, `Scaled to ${after.filter((f) => commands[f.type] !== undefined).map((f) => `${f.type}@${f.quantity}:${f.size}`).join(' ')} by user ${request.user.email}`);
    await ctx.manager.reconcile(app.id);
    return after.filter((f) => resolved.some((r) => r.type === f.type)).map((f) => formationJson(app, f, commands[f.type]!));
  };

  api.patch<{ Params: { app: string } }>('/apps/:app/formation', async (request) => {
    const body = (request.body ?? {}) as { updates?: unknown };
    if (!Array.isArray(body.updates) || body.updates.length === 0) {
      throw new PlatformError('PLT_INVALID_PARAMS', 'Send {"updates": [{"type": "web", "quantity": 2}]}.');
    }
    const updates = body.updates.map((u) => {
      const x = u as Partial<Update>;
      if (typeof x?.type !== 'string') throw new PlatformError('PLT_INVALID_PARAMS', 'Each update needs a "type".');
      return { type: x.type, quantity: x.quantity as number | string };
    });
    return scale(request.params.app, request, updates);
  });

  api.patch<{ Params: { app: string; type: string } }>('/apps/:app/formation/:type', async (request) => {
    const body = (request.body ?? {}) as { quantity?: unknown };
    const [row] = await scale(request.params.app, request, [{ type: request.params.type, quantity: body.quantity as number | string }]);
    return row;
  });
}
