/** Heroku's router concurrency rule, as numbers (ms for the wait). */
export interface BacklogLimits {
  /** Requests in flight per web dyno up (Heroku: 50). */
  dynoConcurrency: number;
  /** Requests that may wait per web dyno up once every dyno is busy (Heroku: 50). */
  backlogPerDyno: number;
  /** A request waiting longer than this gets 503 H11 too. */
  queueTimeoutMs: number;
}

/** One request's place: `release` once it ends (whatever the outcome), so a waiting one may go. */
export interface BacklogTicket {
  release(): void;
}

/**
 * Per-app admission, Heroku's rule (Dev Center "HTTP Routing", 2015 text; reference/heroku-behaviour.md §7): an app
 * with n web dynos up serves `dynoConcurrency` × n requests at once; more wait, first come first served, in a
 * backlog of `backlogPerDyno` × n; a request that finds the backlog full, or waits longer than `queueTimeoutMs`,
 * gets 503 H11 "Backlog too deep". Counted per app, not per dyno (the router balances at random; HAProxy counts
 * per dyno with `maxconn`, the same total).
 *
 *   backlog.admit('shop', 2, (ticket) => forward(…, ticket), () => fail('H11'), (cancel) => res.once('close', cancel));
 */
export function createBacklog(limits: BacklogLimits) {
  interface Waiter {
    go(): void;
    timer: NodeJS.Timeout;
  }
  const active = new Map<string, number>();
  const waiting = new Map<string, Waiter[]>();

  function ticketOf(app: string): BacklogTicket {
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        const queue = waiting.get(app);
        const next = queue?.shift();
        if (queue?.length === 0) waiting.delete(app);
        if (next) {
          // The slot passes to the longest-waiting request as it is.
          clearTimeout(next.timer);
          return next.go();
        }
        const n = (active.get(app) ?? 1) - 1;
        if (n <= 0) active.delete(app);
        else active.set(app, n);
      },
    };
  }

  return {
    /**
     * Lets a request for `app` (with `dynos` web dynos up) go now (`go`), later (once a slot frees), or never
     * (`refuse`: the backlog is full, or the wait ran out). `onCancel` gets the function that withdraws a waiting
     * request (its client left); calling it once the request went is harmless.
     */
    admit(app: string, dynos: number, go: (ticket: BacklogTicket) => void, refuse: () => void, onCancel: (cancel: () => void) => void): void {
      const inFlight = active.get(app) ?? 0;
      if (inFlight < limits.dynoConcurrency * dynos) {
        active.set(app, inFlight + 1);
        return go(ticketOf(app));
      }
      const queue = waiting.get(app) ?? [];
      if (queue.length >= limits.backlogPerDyno * dynos) return refuse();
      const withdraw = () => {
        clearTimeout(waiter.timer);
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        if (queue.length === 0 && waiting.get(app) === queue) waiting.delete(app);
      };
      const waiter: Waiter = {
        go: () => go(ticketOf(app)),
        timer: setTimeout(() => {
          withdraw();
          refuse();
        }, limits.queueTimeoutMs),
      };
      queue.push(waiter);
      waiting.set(app, queue);
      onCancel(withdraw);
    },
    /** Requests in flight and waiting for an app (for tests and figures). */
    depth: (app: string) => ({ active: active.get(app) ?? 0, waiting: waiting.get(app)?.length ?? 0 }),
  };
}

export type Backlog = ReturnType<typeof createBacklog>;
