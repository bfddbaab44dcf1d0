import { describe, expect, it } from 'vitest';
import type { Dyno, Formation, Release } from '../src/api-types.ts';
import { formatAppInfo, formatApps } from '../src/format/apps.ts';
import { formatConfig, formatConfigVars } from '../src/format/config.ts';
import { compareDynoNames, formatDynos, formatFormation, formatScaled } from '../src/format/ps.ts';
import { formatReleaseInfo, formatReleases, releaseStatusLabel } from '../src/format/releases.ts';
import { formatShellVars, shellQuote } from '../src/format/shell.ts';
import { createStyle, plain, styledObject, table, visibleLength } from '../src/format/style.ts';
import { formatAgo, formatTimestamp } from '../src/format/time.ts';

const now = new Date('2024-01-01T12:30:00Z');
const time = { now, offsetMinutes: 0 };

describe('time', () => {
  it.each([
    ['2024-01-01T12:30:00Z', '2024/01/01 12:30:00 +0000 (~ 0s ago)'],
    ['2024-01-01T12:29:00Z', '2024/01/01 12:29:00 +0000 (~ 60s ago)'],
    ['2024-01-01T12:28:59Z', '2024/01/01 12:28:59 +0000 (~ 1m ago)'],
    ['2024-01-01T11:30:00Z', '2024/01/01 11:30:00 +0000 (~ 60m ago)'],
    ['2024-01-01T11:29:00Z', '2024/01/01 11:29:00 +0000 (~ 1h ago)'],
    ['2023-12-31T11:30:00Z', '2023/12/31 11:30:00 +0000 (~ 25h ago)'],
    ['2023-12-31T11:29:59Z', '2023/12/31 11:29:59 +0000'],
    ['2024-01-01T12:31:00Z', '2024/01/01 12:31:00 +0000 (~ 0s ago)'], // clock skew
  ])('formatAgo(%s)', (at, expected) => {
    expect(formatAgo(new Date(at), now, 0)).toBe(expected);
  });

  it.each([
    [-300, '2024/01/01 07:30:00 -0500'],
    [330, '2024/01/01 18:00:00 +0530'],
  ])('formatTimestamp with offset %i', (offset, expected) => {
    expect(formatTimestamp(now, offset)).toBe(expected);
  });

  it('is empty for an invalid date', () => {
    expect(formatAgo(new Date('nope'), now, 0)).toBe('');
  });
});

describe('style', () => {
  it('pads keys to the longest key + 1 and indents continuation lines', () => {
    expect(
      styledObject([
        ['DATABASE_URL', 'postgres://x'],
        ['RACK_ENV', 'production'],
        ['MULTI', 'a\nb'],
      ]),
    ).toEqual([
      'DATABASE_URL: postgres://x',
      'RACK_ENV:     production',
      'MULTI:        a',
      '              b',
    ]);
  });

  it('pads table columns by visible width, not counting colour codes', () => {
    const c = createStyle(true);
    expect(
      table([
        [c.green('v10'), 'a', 'x'],
        ['v9', 'longer', 'y'],
      ]).map((l) => l.replace(/\x1b\[\d+m/g, '')),
    ).toEqual(['v10  a       x', 'v9   longer  y']);
    expect(visibleLength(c.green('abc'))).toBe(3);
  });

  it('shows the ⬢ prefix only with colour', () => {
    expect(plain.app('my-app')).toBe('my-app');
    expect(createStyle(true).app('my-app')).toContain('⬢ my-app');
  });
});

const release = (version: number, extra: Partial<Release> = {}): Release => ({
  id: `id-${version}`,
  version,
  description: `Deploy ${version}`,
  status: 'succeeded',
  current: false,
  eligible_for_rollback: true,
  user: { email: 'u@x.com' },
  created_at: '2024-01-01T12:29:00Z',
  ...extra,
});

describe('releases', () => {
  it.each([
    ['pending', 'release command executing'],
    ['failed', 'release command failed'],
    ['expired', 'release expired'],
    ['succeeded', undefined],
    [undefined, undefined],
  ])('status %s → %s', (status, label) => {
    expect(releaseStatusLabel(status, plain)).toBe(label);
  });

  it.each([
    [{ kind: 'release_command', message: 'release command exited with status 7' }, 'release command failed'],
    [{ kind: 'boot', message: 'web.1 exited during boot (status 3)' }, 'deploy failed: web.1 exited during boot (status 3)'],
    [
      { kind: 'boot', message: 'Error R10 (Boot timeout) -> web.1 failed to bind to $PORT within 60 seconds of launch' },
      'deploy failed: Error R10 (Boot timeout) -> web.1 failed to bind to $PORT within 60 seconds of launch',
    ],
    [{ kind: 'interrupted', message: 'platform restarted' }, 'deploy interrupted: platform restarted'],
    [{ kind: 'other', message: 'image gone' }, 'deploy failed: image gone'],
    [null, 'release command failed'], // Heroku, or a release failed before failures were recorded
  ] as const)('a failed release says why it failed (case %#)', (failure, label) => {
    expect(releaseStatusLabel('failed', plain, failure)).toBe(label);
  });

  it('lists releases with the current marker and status suffixes', () => {
    const lines = formatReleases(
      'my-app',
      [
        release(12, { status: 'pending', description: 'Deploy abc', created_at: '2024-01-01T12:29:30Z' }),
        release(11, { status: 'failed', description: 'Set A config vars' }),
        release(10, {
          current: true,
          description: 'Rollback to v2',
          user: { email: 'someone@example.com' },
          created_at: '2023-12-01T00:00:00Z',
        }),
      ],
      plain,
      time,
    );
    expect(lines).toEqual([
      '=== my-app Releases - Current: v10',
      'v12  Deploy abc release command executing      u@x.com              2024/01/01 12:29:30 +0000 (~ 30s ago)',
      'v11  Set A config vars release command failed  u@x.com              2024/01/01 12:29:00 +0000 (~ 60s ago)',
      'v10  Rollback to v2                            someone@example.com  2023/12/01 00:00:00 +0000',
    ]);
  });

  it('lists a deploy whose web dyno did not boot as a failed deploy with the reason, not as a failed release command', () => {
    const failure = { kind: 'boot', message: 'web.1 exited during boot (status 3)' } as const;
    const lines = formatReleases('my-app', [release(2, { status: 'failed', description: 'Deploy 1234abcd', failure })], plain, time);
    expect(lines[1]).toBe('v2  Deploy 1234abcd deploy failed: web.1 exited during boot (status 3)  u@x.com  2024/01/01 12:29:00 +0000 (~ 60s ago)');
  });

  it('has no header marker without a current release, and a message when empty', () => {
    expect(formatReleases('a', [release(1)], plain, time)[0]).toBe('=== a Releases');
    expect(formatReleases('a', [], plain, time)).toEqual(['No releases on a']);
  });

  it('formats releases:info', () => {
    const r = release(24, {
      description: 'Deploy 575bfa8',
      user: { email: 'jim@example.com' },
      created_at: '2024-01-01T12:00:00Z',
      addon_plan_names: ['pg:dev'],
      slug: { id: 'b1d5e0a2-0000-4000-8000-000000000001' },
    });
    expect(formatReleaseInfo(r, formatConfigVars({ RACK_ENV: 'production' }), plain)).toEqual([
      '=== Release v24',
      'Add-ons:                pg:dev',
      'Build:                  b1d5e0a2-0000-4000-8000-000000000001',
      'By:                     jim@example.com',
      'Change:                 Deploy 575bfa8',
      'Eligible for Rollback?: Yes',
      'When:                   2024-01-01T12:00:00Z',
      '',
      '=== v24 Config vars',
      'RACK_ENV: production',
    ]);
    const failed = formatReleaseInfo(
      release(3, { status: 'failed', eligible_for_rollback: false, addon_plan_names: [] }),
      [],
      plain,
    );
    expect(failed).toContain('Change:                 Deploy 3 release command failed');
    expect(failed).toContain('Eligible for Rollback?: No');
    expect(failed.some((l) => l.startsWith('Add-ons'))).toBe(false);
  });
});

describe('config', () => {
  it('sorts and pads keys', () => {
    expect(
      formatConfig('my-app', { RACK_ENV: 'production', DATABASE_URL: 'postgres://x', EMPTY: '' }, plain),
    ).toEqual(['=== my-app Config Vars', 'DATABASE_URL: postgres://x', 'EMPTY:', 'RACK_ENV:     production']);
    expect(formatConfig('a', {}, plain)).toEqual(['=== a Config Vars']);
  });

  it.each([
    ['simple', 'simple'],
    ['postgres://u:p@h:5432/db', 'postgres://u:p@h:5432/db'],
    ['', "''"],
    ['two words', "'two words'"],
    ["it's", "'it'\\''s'"],
    ['$HOME `x` "q"', `'$HOME \`x\` "q"'`],
    ['a\nb', "'a\nb'"],
  ])('shellQuote(%j)', (value, expected) => {
    expect(shellQuote(value)).toBe(expected);
  });

  it('prints shell lines sorted by key', () => {
    expect(formatShellVars({ B: 'x y', A: '1' })).toEqual(['A=1', "B='x y'"]);
  });
});

const dyno = (name: string, extra: Partial<Dyno> = {}): Dyno => ({
  name,
  type: name.split('.')[0]!,
  command: 'npm start',
  size: 'Standard-1X',
  state: 'up',
  updated_at: '2024-01-01T12:00:00Z',
  ...extra,
});

describe('ps', () => {
  it('groups dynos by command, one-off dynos first, in natural name order', () => {
    const lines = formatDynos(
      'my-app',
      [
        dyno('web.10'),
        dyno('worker.1', { command: 'node worker.js', size: null }),
        dyno('web.2', { state: 'starting', updated_at: '2024-01-01T12:29:55Z' }),
        dyno('run.1', { command: 'bash', updated_at: '2024-01-01T12:25:00Z' }),
      ],
      plain,
      time,
    );
    expect(lines).toEqual([
      '=== run: one-off processes (1)',
      'run.1 (Standard-1X): up 2024/01/01 12:25:00 +0000 (~ 5m ago): bash',
      '',
      '=== web (Standard-1X): npm start (2)',
      'web.2: starting 2024/01/01 12:29:55 +0000 (~ 5s ago)',
      'web.10: up 2024/01/01 12:00:00 +0000 (~ 30m ago)',
      '',
      '=== worker: node worker.js (1)',
      'worker.1: up 2024/01/01 12:00:00 +0000 (~ 30m ago)',
    ]);
    expect(formatDynos('my-app', [], plain, time)).toEqual(['No dynos on my-app']);
  });

  it('compares dyno names naturally', () => {
    expect(['web.10', 'web.9', 'web.1'].sort(compareDynoNames)).toEqual(['web.1', 'web.9', 'web.10']);
  });

  it('formats the formation and the scale result', () => {
    const formation: Formation[] = [
      { type: 'worker', quantity: 1 },
      { type: 'web', quantity: 3, size: 'Standard-2X' },
    ];
    expect(formatFormation(formation)).toBe('web=3:Standard-2X worker=1');
    expect(formatScaled(formation)).toBe('web at 3:Standard-2X, worker at 1');
  });
});

describe('apps', () => {
  it('lists names, or says there are none', () => {
    expect(
      formatApps([
        { id: '2', name: 'b' },
        { id: '1', name: 'a' },
      ]),
    ).toEqual(['=== Apps', 'a', 'b']);
    expect(formatApps([])).toEqual(['You have no apps.']);
  });

  it('formats apps:info, leaving out empty fields', () => {
    const lines = formatAppInfo(
      {
        id: '1',
        name: 'my-app',
        git_url: 'http://h/my-app.git',
        web_url: 'http://my-app.h/',
        owner: { email: 'u@x.com' },
        region: null,
      },
      [dyno('web.1'), dyno('web.2'), dyno('worker.1')],
      plain,
    );
    expect(lines).toEqual([
      '=== my-app',
      'Dynos:   web: 2, worker: 1',
      'Git URL: http://h/my-app.git',
      'Owner:   u@x.com',
      'Web URL: http://my-app.h/',
    ]);
  });

  it('shows the add-ons, collaborators and custom domains sections of apps:info', () => {
    const lines = formatAppInfo({ id: '1', name: 'my-app', web_url: 'http://my-app.h/' }, undefined, plain, {
      addons: ['postgresql-a-1 (postgresql:dev)'],
      collaborators: ['b@x.com', 'a@x.com'],
      domains: [],
    });
    expect(lines).toEqual([
      '=== my-app',
      'Addons:        postgresql-a-1 (postgresql:dev)',
      'Collaborators: a@x.com, b@x.com',
      'Web URL:       http://my-app.h/',
    ]);
  });
});
