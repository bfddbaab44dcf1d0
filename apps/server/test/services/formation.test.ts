import { describe, expect, it } from 'vitest';
import { getFormation, listFormation, resolveQuantity, scaleFormation } from '../../src/services/formation.ts';
import { deployedApp, someUser, useServiceTests } from '../support/services.ts';

const t = useServiceTests({ maxDynosPerApp: 5 });

describe('resolveQuantity', () => {
  it.each([
    [3, 1, 3],
    ['3', 1, 3],
    [' +2 ', 1, 3],
    ['-1', 1, 0],
    [0, 4, 0],
  ])('%j from %i is %i', (raw, current, expected) => {
    expect(resolveQuantity('web', raw, current, 5)).toBe(expected);
  });

  it.each([
    [-1, 0, /Use a whole number from 0/],
    [1.5, 0, /Use a whole number from 0/],
    ['two', 0, /Use a whole number, or \+N/],
    [null, 0, /Use a whole number, or \+N/],
    ['-2', 1, /cannot be scaled below 0 \(it runs 1\)/],
    ['+5', 1, /cannot be scaled above 5 dynos/],
  ])('refuses %j from %i', (raw, current, message) => {
    expect(() => resolveQuantity('web', raw, current, 5)).toThrow(message);
  });
});

describe('formation', () => {
  it('lists the process types of the current release, nothing before the first deploy', async () => {
    const user = await someUser(t.store);
    await t.store.apps.create({ name: 'form-new', ownerId: user.id });
    expect((await listFormation(t.env.deps, user, 'form-new')).formation).toEqual([]);
    await expect(scaleFormation(t.env.deps, user, 'form-new', [{ type: 'web', quantity: 1 }])).rejects.toMatchObject({ code: 'PLT_NO_RELEASE' });
    await deployedApp(t.store, t.env.slugsDir, user, 'form-list');
    const { formation } = await listFormation(t.env.deps, user, 'form-list');
    expect(formation.map((e) => [e.formation.type, e.formation.quantity, e.command])).toEqual([['web', 1, 'npm start'], ['worker', 0, 'node worker.js']]);
    expect((await getFormation(t.env.deps, user, 'form-list', 'worker')).entry.command).toBe('node worker.js');
    await expect(getFormation(t.env.deps, user, 'form-list', 'clock')).rejects.toMatchObject({ code: 'PLT_NOT_FOUND' });
  });

  it('scales relative and absolute quantities at once, records the event and converges', async () => {
    const user = await someUser(t.store);
    const { app } = await deployedApp(t.store, t.env.slugsDir, user, 'form-scale');
    const { formation } = await scaleFormation(t.env.deps, user, app.name, [{ type: 'web', quantity: '+1' }, { type: 'worker', quantity: 2 }]);
    expect(formation.map((e) => [e.formation.type, e.formation.quantity])).toEqual([['web', 2], ['worker', 2]]);
    expect(t.env.recorded.events).toContain(`Scaled to web@2:standard worker@2:standard by user ${user.email}`);
    expect(t.env.recorded.reconciled).toContain(app.id);
  });

  it('refuses unknown and unmanaged types and totals over the per-app limit, changing nothing', async () => {
    const user = await someUser(t.store);
    const { app } = await deployedApp(t.store, t.env.slugsDir, user, 'form-refuse', { web: 'npm start', worker: 'node w.js', release: 'node migrate.js' });
    for (const type of ['clock', 'release', 'run', 'bad type']) {
      await expect(scaleFormation(t.env.deps, user, app.name, [{ type, quantity: 1 }])).rejects.toMatchObject({
        code: 'PLT_INVALID_PARAMS',
        message: `No such process type ${JSON.stringify(type)} for form-refuse. Types: web, worker.`,
      });
    }
    await expect(scaleFormation(t.env.deps, user, app.name, [{ type: 'web', quantity: 3 }, { type: 'worker', quantity: 3 }])).rejects.toThrow(
      'That would run 6 dynos; the per-app limit is 5.',
    );
    const after = await t.store.formations.list(app.id);
    expect(after.map((f) => [f.type, f.quantity])).toEqual([['web', 1], ['worker', 0]]);
  });

  it('sets a dyno size, replaces the running dynos of that type, and refuses an unknown size changing nothing', async () => {
    const user = await someUser(t.store);
    const { app } = await deployedApp(t.store, t.env.slugsDir, user, 'form-size');
    const { formation } = await scaleFormation(t.env.deps, user, app.name, [{ type: 'web', quantity: undefined, size: 'Standard-2X' }]);
    expect(formation.map((e) => [e.formation.type, e.formation.quantity, e.formation.size])).toEqual([['web', 1, 'standard-2x']]);
    expect(t.env.recorded.restarted).toContainEqual({ appId: app.id, filter: { type: 'web' } });
    await expect(scaleFormation(t.env.deps, user, app.name, [{ type: 'worker', quantity: 1, size: 'huge' }])).rejects.toMatchObject({
      code: 'PLT_INVALID_PARAMS',
      message: expect.stringContaining('Unknown dyno size "huge" for worker. Sizes: standard, standard-1x'),
    });
    const after = await t.store.formations.list(app.id);
    expect(after.map((f) => [f.type, f.quantity, f.size])).toEqual([['web', 1, 'standard-2x'], ['worker', 0, 'standard']]);
  });
});
