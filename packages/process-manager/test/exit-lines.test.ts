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
});
