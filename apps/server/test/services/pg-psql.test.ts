import { describe, expect, it } from 'vitest';
import { libpqEnvironment, PSQL_COMMAND_VAR, startPsql } from '../../src/services/pg-psql.ts';
import { applyConfigChanges } from '../../src/services/config.ts';
import { deployedApp, someUser, useServiceTests } from '../support/services.ts';

const URL_A = 'postgres://addon_a:s3cr%2Ft@127.0.0.1:5433/addon_a';

describe('libpqEnvironment', () => {
  it.each([
    [URL_A, { PGHOST: '127.0.0.1', PGPORT: '5433', PGUSER: 'addon_a', PGPASSWORD: 's3cr/t', PGDATABASE: 'addon_a', PGAPPNAME: 'platform pg:psql' }],
    ['postgresql://u@db.internal/x?sslmode=require', { PGHOST: 'db.internal', PGUSER: 'u', PGDATABASE: 'x', PGSSLMODE: 'require', PGAPPNAME: 'platform pg:psql' }],
    ['redis://h:6379', null],
    ['not a url', null],
  ])('%s', (url, env) => {
    expect(libpqEnvironment(url)).toEqual(env);
  });
});

describe('startPsql', () => {
  const t = useServiceTests();

  it('runs psql with the attachment’s connection in the env, the SQL as one variable, nothing secret in the command', async () => {
    const user = await someUser(t.store);
    const { app } = await deployedApp(t.store, t.env.slugsDir, user, 'psql-app');
    const addon = (await t.store.addons.create({ name: 'postgresql-solid-11111', appId: app.id, service: 'postgresql', plan: 'dev', provider: 'process' }))!;
    await t.store.addons.setCredentials(addon.id, { url: URL_A });
    await t.store.addons.attach({ addonId: addon.id, appId: app.id, name: 'DATABASE' });
    await applyConfigChanges(t.env.deps, user, app, { DATABASE_URL: URL_A }, 'Attach DATABASE', { skipReleasePhase: true });

    const started = await startPsql(t.env.deps, user, 'psql-app', { attach: true, force_no_tty: true, command: "SELECT 'it''s'" });
    expect(started).toMatchObject({ addon: 'postgresql-solid-11111', configVar: 'DATABASE_URL' });
    const input = t.env.recorded.oneOffs.at(-1)!;
    expect(input.command).toBe(`exec psql -v ON_ERROR_STOP=1 -c "$${PSQL_COMMAND_VAR}"`);
    expect(input.command).not.toContain('s3cr');
    expect(input.env).toMatchObject({ PGPASSWORD: 's3cr/t', PGUSER: 'addon_a', PGDATABASE: 'addon_a', [PSQL_COMMAND_VAR]: "SELECT 'it''s'" });
    await startPsql(t.env.deps, user, 'psql-app', { attach: true, database: 'postgresql-solid-11111' });
    expect(t.env.recorded.oneOffs.at(-1)!.command).toBe('exec psql');

    await expect(startPsql(t.env.deps, user, 'psql-app', { attach: true, database: 'NOPE' })).rejects.toMatchObject({
      code: 'PLT_ADDON_ATTACHMENT_NOT_FOUND',
      message: expect.stringContaining('psql-app has no database NOPE; name one of: DATABASE'),
    });
    await expect(startPsql(t.env.deps, user, 'psql-app', { attach: true, command: '  ' })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    await expect(startPsql(t.env.deps, user, 'psql-app', { attach: true, database: 7 })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    const stranger = await someUser(t.store);
    await expect(startPsql(t.env.deps, stranger, 'psql-app', { attach: true })).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
    await deployedApp(t.store, t.env.slugsDir, user, 'psql-none');
    await expect(startPsql(t.env.deps, user, 'psql-none', { attach: true })).rejects.toMatchObject({ message: expect.stringContaining('has no PostgreSQL database attached') });
  });
});
