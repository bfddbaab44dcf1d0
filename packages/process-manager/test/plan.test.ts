import { describe, expect, it } from 'vitest';
import { nextCrashCount, planFormation, restartDelayMs, type DesiredState, type ObservedDyno } from '../src/plan.ts';

const desired = (quantities: Record<string, number>, releaseId = 'r2'): DesiredState => ({
  releaseId,
  commands: { web: 'node web.js', worker: 'node worker.js', release: 'node migrate.js' },
  quantities,
});
const dyno = (name: string, releaseId = 'r2', running = true): ObservedDyno => ({
  id: `${name}@${releaseId}`,
  name,
  type: name.split('.')[0]!,
  releaseId,
  running,
});

describe('planFormation', () => {
  const cases: Array<{ title: string; desired: DesiredState | null; observed: ObservedDyno[]; expected: unknown[] }> = [
    {
      title: 'first deploy starts web.1 only',
      desired: desired({ web: 1, worker: 0 }),
      observed: [],
      expected: [{ kind: 'start', type: 'web', name: 'web.1' }],
    },
    {
      title: 'converged: nothing to do',
      desired: desired({ web: 2, worker: 1 }),
      observed: [dyno('web.1'), dyno('web.2'), dyno('worker.1')],
      expected: [],
    },
    {
      title: 'scale up starts the missing indices, web first',
      desired: desired({ web: 3, worker: 2 }),
      observed: [dyno('web.1')],
      expected: [
        { kind: 'start', type: 'web', name: 'web.2' },
        { kind: 'start', type: 'web', name: 'web.3' },
        { kind: 'start', type: 'worker', name: 'worker.1' },
        { kind: 'start', type: 'worker', name: 'worker.2' },
      ],
    },
    {
      title: 'scale down stops the highest indices',
      desired: desired({ web: 1, worker: 0 }),
      observed: [dyno('web.1'), dyno('web.3'), dyno('web.2'), dyno('worker.1')],
      expected: [
        { kind: 'stop', id: 'web.2@r2', name: 'web.2' },
        { kind: 'stop', id: 'web.3@r2', name: 'web.3' },
        { kind: 'stop', id: 'worker.1@r2', name: 'worker.1' },
      ],
    },
    {
      title: 'new release replaces each dyno in place (rolling)',
      desired: desired({ web: 2, worker: 1 }),
      observed: [dyno('web.1', 'r1'), dyno('web.2', 'r1'), dyno('worker.1', 'r1')],
      expected: [
        { kind: 'replace', type: 'web', name: 'web.1', oldId: 'web.1@r1' },
        { kind: 'replace', type: 'web', name: 'web.2', oldId: 'web.2@r1' },
        { kind: 'replace', type: 'worker', name: 'worker.1', oldId: 'worker.1@r1' },
      ],
    },
    {
      title: 'a new release with fewer dynos replaces some and stops the rest',
      desired: desired({ web: 1 }),
      observed: [dyno('web.1', 'r1'), dyno('web.2', 'r1')],
      expected: [
        { kind: 'replace', type: 'web', name: 'web.1', oldId: 'web.1@r1' },
        { kind: 'stop', id: 'web.2@r1', name: 'web.2' },
      ],
    },
    {
      title: 'a crashed dyno (not running) is started again',
      desired: desired({ web: 2 }),
      observed: [dyno('web.1'), dyno('web.2', 'r2', false)],
      expected: [{ kind: 'start', type: 'web', name: 'web.2' }],
    },
    {
      title: 'adoption: dynos found running after a restart are kept as they are',
      desired: desired({ web: 1, worker: 1 }),
      observed: [dyno('worker.1'), dyno('web.1')],
      expected: [],
    },
    {
      title: 'drift: a duplicate of a name is stopped',
      desired: desired({ web: 1 }),
      observed: [dyno('web.1'), { ...dyno('web.1'), id: 'stray' }],
      expected: [{ kind: 'stop', id: 'stray', name: 'web.1' }],
    },
    {
      title: 'one-off and release dynos are never touched',
      desired: desired({ web: 0 }),
      observed: [dyno('run.1'), dyno('release.1')],
      expected: [],
    },
    {
      title: 'types without a command in the release are ignored, and their dynos stopped',
      desired: { releaseId: 'r2', commands: { web: 'x' }, quantities: { web: 1, clock: 1 } },
      observed: [dyno('web.1'), dyno('clock.1', 'r1')],
      expected: [{ kind: 'stop', id: 'clock.1@r1', name: 'clock.1' }],
    },
    {
      title: 'no desired state stops everything managed',
      desired: null,
      observed: [dyno('web.1'), dyno('run.1')],
      expected: [{ kind: 'stop', id: 'web.1@r2', name: 'web.1' }],
    },
  ];
  for (const c of cases) {
    it(c.title, () => expect(planFormation(c.desired, c.observed)).toEqual(c.expected));
  }
});

describe('restartDelayMs', () => {
  it('restarts at once, then backs off exponentially to a cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => restartDelayMs(n))).toEqual([0, 1000, 2000, 4000, 8000]);
    expect(restartDelayMs(30)).toBe(300_000);
    expect(restartDelayMs(4, 3000)).toBe(3000);
  });
});

describe('nextCrashCount', () => {
  it('counts consecutive crashes, and starts over after a long enough healthy run', () => {
    const cases: Array<[previous: number, upForMs: number, expected: number]> = [
      [0, 0, 1], // first crash, during boot
      [3, 5_000, 4], // crash-looping: the delay keeps growing
      [3, 599_999, 4], // just short of the window
      [7, 600_000, 1], // up for 10 min: a fresh start, restarted at once
      [7, 86_400_000, 1],
    ];
    for (const [previous, upForMs, expected] of cases) expect(nextCrashCount(previous, upForMs), `${previous}, ${upForMs} ms`).toBe(expected);
    expect(nextCrashCount(2, 2_000, 1_000)).toBe(1);
    expect(restartDelayMs(nextCrashCount(9, 600_000))).toBe(0);
  });
});
