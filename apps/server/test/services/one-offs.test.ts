import { describe, expect, it } from 'vitest';
import { setConfigVars } from '../../src/services/config.ts';
import { parseRunRequest, startOneOff, substituteProcessType } from '../../src/services/one-offs.ts';
import { deployedApp, someUser, useServiceTests } from '../support/services.ts';

describe('substituteProcessType', () => {
  const commands = { migrate: 'node migrate.js', web: 'node server.js' };
  it('replaces a first word naming a process type and appends the rest', () => {
    expect(substituteProcessType('migrate', commands)).toBe('node migrate.js');
    expect(substituteProcessType('migrate --step  2', commands)).toBe('node migrate.js --step  2');
    expect(substituteProcessType('bash', commands)).toBe('bash');
    expect(substituteProcessType('migrated', commands)).toBe('migrated');
    expect(substituteProcessType('constructor x', commands)).toBe('constructor x');
  });
});

describe('parseRunRequest', () => {
  it('reads the Heroku fields with defaults', () => {
    expect(parseRunRequest({ command: ' bash ', attach: true, env: { TERM: 'xterm', COLUMNS: 120 }, time_to_live: 1800 })).toMatchObject({
      command: 'bash', attach: true, tty: true, env: { TERM: 'xterm', COLUMNS: '120' }, ttlMs: 1_800_000, size: undefined,
    });
    expect(parseRunRequest({ command: 'x', attach: true, force_no_tty: true }).tty).toBe(false);
    expect(parseRunRequest({ command: 'x' })).toMatchObject({ attach: false, tty: false, ttlMs: 86_400_000 });
    expect(parseRunRequest({ command: 'x', size: 'Standard-2X' }).size).toEqual({ memoryMb: 1024, pids: 512 });
  });
  it.each([
    [{}, /command is required/],
    [{ command: '  ' }, /command is required/],
    [{ command: 'a\0b' }, /NUL/],
    [{ command: 'x', attach: 'yes' }, /attach/],
    [{ command: 'x', env: { 'BAD-KEY': '1' } }, /Invalid env var name/],
    [{ command: 'x', env: { A: { nested: 1 } } }, /must be a string/],
    [{ command: 'x', size: 'huge' }, /Unknown dyno size/],
    [{ command: 'x', size: 'constructor' }, /Unknown dyno size/],
    [{ command: 'x', time_to_live: 0 }, /time_to_live/],
    [{ command: 'x', time_to_live: 86_401 }, /time_to_live/],
    [{ command: 'x', type: 'web' }, /type must be run/],
  ])('refuses %j', (body, message) => {
    expect(() => parseRunRequest(body)).toThrow(message);
  });
});

describe('startOneOff', () => {
  const t = useServiceTests();

  it('runs on the current release with its config, the Procfile substituted, the run env over the config', async () => {
    const user = await someUser(t.db.store);
    const { app, release } = await deployedApp(t.db.store, t.env.slugsDir, user, 'run-app', { web: 'npm start', migrate: 'node migrate.js' });
    await setConfigVars(t.env.deps, user, app.name, { A: 'config', B: 'config' });
    const { oneOff, run } = await startOneOff(t.env.deps, user, app.name, { command: 'migrate --step 2', env: { B: 'run' }, time_to_live: 60 });
    const input = t.env.recorded.oneOffs.at(-1)!;
    expect(input).toMatchObject({ command: 'node migrate.js --step 2', env: { A: 'config', B: 'run' }, ttlMs: 60_000, attach: null, by: user.email });
    expect(input.release.version).toBe(2);
    expect(release.version).toBe(1);
    expect(run.sizeName).toBe('standard');
    expect(oneOff.status.type).toBe('run');
  });

  it('refuses before the first deploy, and for an app the user may not see', async () => {
    const user = await someUser(t.db.store);
    await t.db.store.apps.create({ name: 'run-nodeploy', ownerId: user.id });
    await expect(startOneOff(t.env.deps, user, 'run-nodeploy', { command: 'bash' })).rejects.toMatchObject({ code: 'PLT_NO_RELEASE' });
    await expect(startOneOff(t.env.deps, await someUser(t.db.store), 'run-nodeploy', { command: 'bash' })).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
  });
});
