import { describe, expect, it } from 'vitest';
import type { OneOff } from '@platform/process-manager';
import { createAttachSessions } from '../../src/api/routes/one-offs.ts';

/** A one-off as the attach sessions see it: only its exit and stop matter here. */
function oneOff() {
  const stops: string[] = [];
  const o = { exited: new Promise(() => undefined), stop: async (signal?: string) => void stops.push(signal ?? 'SIGTERM'), attached: null, status: {} } as unknown as OneOff;
  return { o, stops };
}

describe('attach sessions and revocation', () => {
  it('stops the unattached one-offs a revocation covers, and forgets their secrets', () => {
    const sessions = createAttachSessions();
    const mine = oneOff();
    const theirs = oneOff();
    const mineSecret = sessions.create(mine.o, { appId: 'app-1', userId: 'u-1', tokenId: 't-1' });
    const theirSecret = sessions.create(theirs.o, { appId: 'app-1', userId: 'u-2', tokenId: 't-2' });
    sessions.revoke({ tokenId: 't-1' });
    expect(mine.stops).toEqual(['SIGHUP']);
    expect(sessions.redeem(mineSecret)).toBeNull();
    expect(theirs.stops).toEqual([]);
    // The app destroyed: everyone's session on it ends.
    sessions.revoke({ appId: 'app-1' });
    expect(theirs.stops).toEqual(['SIGHUP']);
    expect(sessions.redeem(theirSecret)).toBeNull();
    sessions.closeAll();
  });
});
