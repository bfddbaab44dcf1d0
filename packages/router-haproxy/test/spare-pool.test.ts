import { describe, expect, it } from 'vitest';
import { createSparePool } from '../src/spare-pool.ts';

describe('spare pool', () => {
  it('gives only spares the live proxy has, never the same name twice, and asks for a refill at half', () => {
    const pool = createSparePool(4);
    expect(pool.take()).toBeNull(); // nothing declared yet
    pool.topUp();
    expect(pool.declared()).toEqual(['spare-1', 'spare-2', 'spare-3', 'spare-4']);
    expect(pool.take()).toBeNull(); // declared in the files, not yet live
    pool.reloaded();
    expect([pool.take(), pool.low(), pool.take(), pool.low()]).toEqual(['spare-1', false, 'spare-2', true]);
    expect(pool.topUp()).toBe(true); // the files get new numbers; the taken ones are gone from them
    expect(pool.declared()).toEqual(['spare-3', 'spare-4', 'spare-5', 'spare-6']);
    expect([pool.take(), pool.take(), pool.take()]).toEqual(['spare-3', 'spare-4', null]); // 5 and 6 wait for a reload
    pool.reloaded();
    expect(pool.take()).toBe('spare-5');
  });

  it('adopts the free spares of a running proxy and numbers new ones above every backend it has', () => {
    const pool = createSparePool(3);
    pool.adopt(['spare-7'], ['app-shop', 'spare-2', 'spare-7', 'spare-9', 'no-such-app']);
    expect(pool.low()).toBe(true);
    expect(pool.take()).toBe('spare-7');
    pool.topUp();
    expect(pool.declared()).toEqual(['spare-10', 'spare-11', 'spare-12']);
  });

  it('is off with size 0: nothing to take, never low', () => {
    const pool = createSparePool(0);
    expect(pool.topUp()).toBe(false);
    pool.reloaded();
    expect([pool.take(), pool.low()]).toEqual([null, false]);
  });
});
