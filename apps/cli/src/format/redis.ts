import type { Addon } from '../api-types.ts';
import { header, styledObject } from './style.ts';

/** What each Redis plan gives (the process provider's `REDIS_PLANS`), for `redis:info`. */
const PLAN_DETAILS: Record<string, { maxmemory: string; policy: string; timeout: string }> = {
  'redis:dev': { maxmemory: '64 MB', policy: 'noeviction', timeout: '300' },
};

/** `platform redis:info`: Heroku's `=== <name> (REDIS_URL)` block for one Redis add-on. */
export function formatRedisInfo(addon: Addon): string[] {
  const status = addon.status === 'available' ? 'Available' : addon.status === 'missing' ? 'Missing (its server is gone)' : 'Unavailable';
  const plan = PLAN_DETAILS[addon.plan.name];
  return [
    header(`${addon.name} (${addon.config_vars.join(', ') || 'not attached'})`),
    ...styledObject([
      ['Plan', addon.plan.name],
      ['Status', status],
      ['Created', addon.created_at],
      ...(plan
        ? ([
            ['Timeout', plan.timeout],
            ['Maxmemory', `${plan.maxmemory}, ${plan.policy}`],
            ['Persistence', 'AOF'],
          ] as const)
        : []),
    ]),
  ];
}

/**
 * The one-off command `redis:cli` runs: redis-cli on the add-on's URL taken from the dyno's own env var, its
 * password handed over in `REDISCLI_AUTH` so that it never appears in an argv (`ps`). Only a checked config var
 * name reaches the script.
 *
 *   redisCliCommand('REDIS_URL') // u="${REDIS_URL#redis://}"; … exec redis-cli --user … -h … -p …
 */
export function redisCliCommand(configVar: string): string {
  if (!/^[A-Z][A-Z0-9_]*_URL$/.test(configVar)) throw new Error(`not a config var name: ${configVar}`);
  return [
    `u="\${${configVar}:?${configVar} is not set}"`,
    'u="${u#redis://}"',
    'c="${u%%@*}"',
    'h="${u#*@}"',
    'h="${h%%/*}"',
    'export REDISCLI_AUTH="${c#*:}"',
    'exec redis-cli --no-auth-warning --user "${c%%:*}" -h "${h%:*}" -p "${h##*:}"',
  ].join('; ');
}
