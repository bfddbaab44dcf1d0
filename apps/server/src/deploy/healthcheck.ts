import { readTarEntry } from '@platform/archive';
import { PlatformError } from '@platform/types';
import type { WebHealthcheck } from '@platform/process-manager';

/**
 * The web health check an app declares in its `app.json`, in Dokku's format (the one self-hosted PaaS users
 * already write):
 *
 *   { "healthchecks": { "web": [{ "type": "startup", "path": "/health", "attempts": 5, "timeout": 5, "wait": 1 }] } }
 *
 * The first `startup` check of `web` (a check without `type` is one) with a `path` counts; `timeout` and `wait` are
 * seconds. Defaults: 3 attempts, 5 s timeout, 1 s between attempts. Returns null when the app declares none.
 * Throws PLT_INVALID_PARAMS naming the field when the declaration is malformed (the deploy then fails with it).
 */
export function parseWebHealthcheck(appJson: string): WebHealthcheck | null {
  let doc: unknown;
  try {
    doc = JSON.parse(appJson);
  } catch {
    return null; // app.json serves other tools too; one that is not JSON declares no check of ours
  }
  const checks = (doc as { healthchecks?: { web?: unknown } } | null)?.healthchecks?.web;
  if (checks === undefined) return null;
  const bad = (what: string) => new PlatformError('PLT_INVALID_PARAMS', `app.json: healthchecks.web ${what}.`);
  if (!Array.isArray(checks)) throw bad('must be a list of checks');
  const check = checks.find((c) => typeof c === 'object' && c !== null && ((c as { type?: unknown }).type ?? 'startup') === 'startup') as
    | { path?: unknown; attempts?: unknown; timeout?: unknown; wait?: unknown }
    | undefined;
  if (!check) return null;
  if (typeof check.path !== 'string' || !/^\/[\x21-\x7e]*$/.test(check.path) || check.path.length > 2048) throw bad('path must start with / and hold no spaces');
  const number = (value: unknown, name: string, fallback: number, min: number, max: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw bad(`${name} must be a number from ${min} to ${max}`);
    return value;
  };
  return {
    path: check.path,
    attempts: Math.round(number(check.attempts, 'attempts', 3, 1, 60)),
    timeoutMs: number(check.timeout, 'timeout', 5, 1, 120) * 1000,
    intervalMs: number(check.wait, 'wait', 1, 0, 60) * 1000,
  };
}

const cache = new Map<string, WebHealthcheck | null>();

/** The health check of the app in this slug (its `app.json`), read once per slug (slugs are content-addressed). */
export async function slugHealthcheck(slugPath: string, checksum: string): Promise<WebHealthcheck | null> {
  if (cache.has(checksum)) return cache.get(checksum)!;
  const text = await readTarEntry(slugPath, ['app.json', 'app/app.json']).catch(() => null);
  const check = text === null ? null : parseWebHealthcheck(text);
  if (cache.size > 1000) cache.clear();
  cache.set(checksum, check);
  return check;
}
