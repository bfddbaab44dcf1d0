import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { AddonBackupScheduleRecord, User } from '@platform/store-postgres';
import { startDebianPostgres, DEBIAN_POSTGRES_BIN, type DebianPostgres } from '../../../../test/support/debian-postgres.ts';
import { serviceDeps, someUser } from '../support/services.ts';
import { createAddon } from '../../src/services/addons.ts';
import { RETENTION, backupName, type PgBackupsDeps } from '../../src/services/addon-backups.ts';
import { dueSchedules, lastDueAt, listSchedules, parseScheduleAt, runDueSchedules, scheduleBackups, unscheduleBackups } from '../../src/services/addon-backup-schedules.ts';
import { openPgBackups } from '../../src/start/addon-backups.ts';
import { createCleanupStack } from '../../src/start/cleanup-stack.ts';

const at = (iso: string) => new Date(iso);

describe('the schedule rule (pure)', () => {
  it('parses --at as Heroku writes it, UTC only, by the hour', () => {
    expect(parseScheduleAt('02:00 UTC')).toBe(2);
    expect(parseScheduleAt('2')).toBe(2);
    expect(parseScheduleAt('23:00 Etc/UTC')).toBe(23);
    expect(parseScheduleAt('00:00')).toBe(0);
    for (const bad of ['24:00 UTC', '02:30 UTC', '02:00 America/Los_Angeles', 'noon', '', 2, null]) {
      expect(() => parseScheduleAt(bad)).toThrow(expect.objectContaining({ code: 'PLT_INVALID_PARAMS' }));
    }
  });

  it('falls due once a day at the hour; a platformd down over several due times runs it once', () => {
    expect(lastDueAt(2, at('2026-11-30T02:00:00Z'))).toEqual(at('2026-11-30T02:00:00Z'));
    expect(lastDueAt(2, at('2026-11-30T01:59:59Z'))).toEqual(at('2026-11-29T02:00:00Z'));
    expect(lastDueAt(23, at('2026-12-01T00:10:00Z'))).toEqual(at('2026-11-30T23:00:00Z'));
    const s = (created: string, lastRun: string | null) => ({ hour: 2, createdAt: at(created), lastRunAt: lastRun === null ? null : at(lastRun) });
    const cases: Array<[ReturnType<typeof s>, string, boolean]> = [
      [s('2026-11-29T10:00:00Z', null), '2026-11-30T01:59:00Z', false], // created after yesterday's 02:00
      [s('2026-11-29T10:00:00Z', null), '2026-11-30T02:00:00Z', true],
      [s('2026-11-30T03:00:00Z', null), '2026-11-30T04:00:00Z', false], // created after today's: tomorrow
      [s('2026-11-01T00:00:00Z', '2026-11-30T02:00:05Z'), '2026-11-30T23:00:00Z', false], // ran today
      [s('2026-11-01T00:00:00Z', '2026-11-25T02:00:05Z'), '2026-11-30T09:00:00Z', true], // down for days: due (once)
    ];
    for (const [schedule, now, due] of cases) expect(dueSchedules([schedule], at(now))).toHaveLength(due ? 1 : 0);
  });
});

describe('scheduled backups', () => {
  let db: TestDatabase;
  let pg15: DebianPostgres;
  let env: Awaited<ReturnType<typeof serviceDeps>>;
  let root: string;
  let user: User;
  let pgBackups: PgBackupsDeps;
  const appLog: string[] = [];

  beforeAll(async () => {
    db = await startTestDatabase();
    pg15 = await startDebianPostgres();
    root = await mkdtemp(path.join(tmpdir(), 'pg-backup-schedules-'));
    env = await serviceDeps(db.store, { addonProviders: [pg15.provider] });
    pgBackups = { dir: path.join(root, 'backups'), cipher: db.cipher, pgBinDir: DEBIAN_POSTGRES_BIN, appLog: (_id, m) => appLog.push(m) };
    env.deps.pgBackups = pgBackups;
    user = await someUser(db.store);
  });

  afterAll(async () => {
    await env?.cleanup();
    await pg15?.stop();
    await db?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('schedules, lists and unschedules a database; the schedule lives in the store', async () => {
    await db.store.apps.create({ name: 'sched-list', ownerId: user.id });
    const { addon } = await createAddon(env.deps, user, 'sched-list', { plan: 'postgresql' });
    const view = await scheduleBackups(env.deps, user, 'sched-list', 'DATABASE_URL', '04:00 UTC');
    expect(view.schedule).toMatchObject({ addonId: addon.id, database: 'DATABASE', hour: 4, lastRunAt: null });
    await scheduleBackups(env.deps, user, 'sched-list', undefined, '5');
    expect((await listSchedules(env.deps, user, 'sched-list')).map((v) => v.schedule.hour)).toEqual([5]);
    await unscheduleBackups(env.deps, user, 'sched-list', 'DATABASE');
    expect(await listSchedules(env.deps, user, 'sched-list')).toEqual([]);
  });

  it(`keeps the newest ${RETENTION.scheduled} scheduled backups of a database`, async () => {
    await db.store.apps.create({ name: 'sched-keep', ownerId: user.id });
    const { addon } = await createAddon(env.deps, user, 'sched-keep', { plan: 'postgresql' });
    await scheduleBackups(env.deps, user, 'sched-keep', undefined, '02:00 UTC');
    const byAddon = (s: AddonBackupScheduleRecord) => s.addonId === addon.id;
    // Nine days of the scheduler; other apps' schedules may run too (they are due the same way).
    const created = (await db.store.addonBackups.allSchedules()).find(byAddon)!.createdAt;
    for (let day = 1; day <= RETENTION.scheduled + 2; day++) {
      await runDueSchedules(env.deps, new Date(created.getTime() + day * 86_400_000));
    }
    const kept = await db.store.addonBackups.listOf(addon.id);
    expect(kept.map((b) => [backupName(b), b.status])).toEqual(
      Array.from({ length: RETENTION.scheduled }, (_, i) => [backupName({ kind: 'scheduled', num: RETENTION.scheduled + 2 - i }), 'succeeded']),
    );
    expect(await readdir(path.join(pgBackups.dir, addon.id))).toHaveLength(RETENTION.scheduled);
    // The same day again: nothing is due.
    const last = new Date(created.getTime() + (RETENTION.scheduled + 2) * 86_400_000);
    await runDueSchedules(env.deps, last);
    expect(await db.store.addonBackups.listOf(addon.id)).toHaveLength(RETENTION.scheduled);
  });

  it('at platformd start: a schedule missed while it was down runs once; a backup cut short is failed and its file removed', async () => {
    await db.store.apps.create({ name: 'sched-restart', ownerId: user.id });
    const { addon } = await createAddon(env.deps, user, 'sched-restart', { plan: 'postgresql' });
    await scheduleBackups(env.deps, user, 'sched-restart', undefined, '02:00 UTC');
    // The previous platformd ran it a week ago, then stopped in the middle of a capture.
    await db.store.addonBackups.markScheduleRun(addon.id, new Date(Date.now() - 7 * 86_400_000));
    const cut = await db.store.addonBackups.create({ addonId: addon.id, appId: addon.appId, kind: 'manual', database: 'DATABASE' });
    await mkdir(path.join(pgBackups.dir, addon.id), { recursive: true });
    await writeFile(path.join(pgBackups.dir, addon.id, `${cut.id}.partial`), 'half a dump');

    const logs = { byId: (_appId: string, input: { message: string }) => void appLog.push(input.message) };
    const start = async () => {
      const cleanups = createCleanupStack(pino({ level: 'silent' }));
      await openPgBackups({ dataDir: root, pgBinDir: DEBIAN_POSTGRES_BIN }, { store: db.store, cipher: db.cipher, logger: pino({ level: 'silent' }), cleanups, logs, addonProviders: [] });
      return cleanups;
    };
    const scheduledOf = async () => (await db.store.addonBackups.listOf(addon.id)).filter((b) => b.kind === 'scheduled');
    const first = await start();
    expect(await db.store.addonBackups.find(cut.id)).toMatchObject({ status: 'failed', error: 'platform restarted during the backup' });
    expect(appLog).toContainEqual(`Backup ${backupName(cut)} of DATABASE FAILED: platform restarted during the backup`);
    await expect.poll(async () => (await scheduledOf()).map((b) => b.status), { timeout: 60_000 }).toEqual(['succeeded']);
    await first.run();
    expect((await readdir(path.join(pgBackups.dir, addon.id))).filter((f) => f.endsWith('.partial'))).toEqual([]);

    // A second start the same day: the schedule is still there, and nothing more is due.
    const second = await start();
    expect(await db.store.addonBackups.allSchedules()).toContainEqual(expect.objectContaining({ addonId: addon.id, hour: 2 }));
    await new Promise((r) => setTimeout(r, 1000));
    await second.run();
    expect(await scheduledOf()).toHaveLength(1);
  });
});
