import { describe, expect, it } from 'vitest';
import { exitLines } from '../src/manager.ts';

describe('exitLines', () => {
  const exit = { id: 'x', app: 'a', name: 'web.1', requested: false };
  it("words exits as Heroku's logs do, with R15 first for a memory kill", () => {
    expect(exitLines({ ...exit, code: 1, signal: null })).toEqual(['Process exited with status 1']);
    expect(exitLines({ ...exit, code: null, signal: 'SIGKILL', outOfMemory: { limitMb: 512 } })).toEqual([
      'Error R15 (Memory quota vastly exceeded) -> the process used more than its 512 MB and was killed',
      'Process exited on SIGKILL',
    ]);
  });
  it('says a dyno whose node went down is lost, with no exit status', () => {
    expect(exitLines({ ...exit, code: null, signal: null, lost: { node: 'node-2' } })).toEqual([
      'Dyno lost: its node node-2 is down',
    ]);
  });
});
