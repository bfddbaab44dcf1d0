import { describe, expect, it } from 'vitest';
import { getDyno, listDynos, restartDynos, stopDynos } from '../../src/services/dynos.ts';
import { startOneOff } from '../../src/services/one-offs.ts';
import { deployedApp, someUser, useServiceTests } from '../support/services.ts';

const t = useServiceTests();

const webDyno = (app: { id: string; name: string }, releaseId: string) => ({
  id: `web-1-${app.id}`, app: app.name, appId: app.id, name: 'web.1', type: 'web', command: 'npm start',
  releaseId, releaseVersion: 1, state: 'up' as const, since: new Date(), address: null,
});

describe('dynos', () => {
  it('reports each dyno at its real size: a one-off as requested, a formation dyno as its formation says', async () => {
    const user = await someUser(t.store);
    const { app, release } = await deployedApp(t.store, t.env.slugsDir, user, 'dyno-sizes');
    t.env.addDyno(webDyno(app, release.id));
    await t.db.pool.query(`UPDATE formations SET size = 'Performance-M' WHERE app_id = $1 AND type = 'web'`, [app.id]);
    const { oneOff } = await startOneOff(t.env.deps, user, app.name, { command: 'bash', size: 'Standard-2X' });
    const sizes = (await listDynos(t.env.deps, user, app.name)).dynos.map((d) => [d.status.name, d.size]);
    expect(sizes).toEqual([['web.1', 'Performance-M'], [oneOff.status.name, 'Standard-2X']]);
    expect((await getDyno(t.env.deps, user, app.name, oneOff.status.name)).dyno.size).toBe('Standard-2X');
    await expect(getDyno(t.env.deps, user, app.name, 'web.9')).rejects.toMatchObject({ code: 'PLT_DYNO_NOT_FOUND' });
  });

  it('restarts what exists and refuses a filter matching nothing', async () => {
    const user = await someUser(t.store);
    const { app, release } = await deployedApp(t.store, t.env.slugsDir, user, 'dyno-restart');
    t.env.addDyno(webDyno(app, release.id));
    await restartDynos(t.env.deps, user, app.name);
    await restartDynos(t.env.deps, user, app.name, { filter: { type: 'web' }, missing: 'none' });
    await expect(restartDynos(t.env.deps, user, app.name, { filter: { name: 'worker.1' }, missing: 'No dyno or process type worker.1.' })).rejects.toMatchObject({
      code: 'PLT_DYNO_NOT_FOUND',
      message: 'No dyno or process type worker.1.',
    });
    expect(t.env.recorded.restarted.filter((r) => r.appId === app.id)).toEqual([{ appId: app.id, filter: undefined }, { appId: app.id, filter: { type: 'web' } }]);
    await stopDynos(t.env.deps, user, app.name, { name: 'web.1' });
    await expect(stopDynos(t.env.deps, user, app.name, { type: 'clock' })).rejects.toThrow('No running dyno matches clock.');
  });
});
