import { describe, expect, it } from 'vitest';
import { createBacklog, type BacklogTicket } from '../src/backlog.ts';

describe('node router backlog (H11)', () => {
  it('admits dynoConcurrency × dynos, queues backlogPerDyno × dynos in order, and refuses the rest', () => {
    const backlog = createBacklog({ dynoConcurrency: 1, backlogPerDyno: 1, queueTimeoutMs: 60_000 });
    const went: string[] = [];
    const refused: string[] = [];
    const tickets = new Map<string, BacklogTicket>();
    const ask = (id: string) => backlog.admit('shop', 2, (t) => (went.push(id), tickets.set(id, t)), () => refused.push(id), () => undefined);
    for (const id of ['a', 'b', 'c', 'd', 'e']) ask(id);
    expect({ went, refused, depth: backlog.depth('shop') }).toEqual({ went: ['a', 'b'], refused: ['e'], depth: { active: 2, waiting: 2 } });
    tickets.get('a')!.release();
    tickets.get('a')!.release(); // twice is once
    expect(went).toEqual(['a', 'b', 'c']);
    for (const id of ['b', 'c']) tickets.get(id)!.release();
    expect(went).toEqual(['a', 'b', 'c', 'd']);
    tickets.get('d')!.release();
    expect(backlog.depth('shop')).toEqual({ active: 0, waiting: 0 });
  });

  it('refuses a request that waited longer than queueTimeoutMs, and forgets one whose client left', async () => {
    const backlog = createBacklog({ dynoConcurrency: 1, backlogPerDyno: 2, queueTimeoutMs: 50 });
    let cancel = () => {};
    const refused: string[] = [];
    backlog.admit('shop', 1, () => undefined, () => refused.push('first'), () => undefined);
    backlog.admit('shop', 1, () => undefined, () => refused.push('left'), (c) => (cancel = c));
    const timedOut = new Promise<void>((resolve) => backlog.admit('shop', 1, () => undefined, () => (refused.push('waited'), resolve()), () => undefined));
    cancel();
    expect(backlog.depth('shop').waiting).toBe(1);
    await timedOut;
    expect(refused).toEqual(['waited']);
    expect(backlog.depth('shop')).toEqual({ active: 1, waiting: 0 });
  });
});
