import { Agent, request } from 'node:http';

/** What a steady load saw: requests sent, those that failed (an error, a timeout or a status ≥ 500), and why. */
export interface LoadResult {
  sent: number;
  failed: number;
  /** The first few failures: `status 502`, `ECONNRESET`, … */
  failures: string[];
}

/**
 * GET `path` through the router with the app's Host header at a steady `rps` (one request every 1000/rps ms,
 * whatever the previous one is doing; keep-alive connections, as a browser or a load balancer keeps them) until
 * `stop()`, which waits for the requests in flight and resolves the counts. Used by the node-drain test and the
 * node-drain benchmark: a drain must fail none.
 *
 *   const load = startSteadyLoad({ routerUrl, host: 'app.localhost', rps: 100 });
 *   …; const { sent, failed } = await load.stop();
 */
export function startSteadyLoad(o: { routerUrl: string; host: string; rps: number; path?: string; timeoutMs?: number }): {
  stop(): Promise<LoadResult>;
  sent(): number;
} {
  const url = new URL(o.path ?? '/', o.routerUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const result: LoadResult = { sent: 0, failed: 0, failures: [] };
  const inFlight = new Set<Promise<void>>();
  const fail = (why: string) => {
    result.failed++;
    if (result.failures.length < 10) result.failures.push(why);
  };
  const fire = () => {
    result.sent++;
    const done = new Promise<void>((resolve) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { host: o.host }, agent },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 500) fail(`status ${res.statusCode}`);
            resolve();
          });
          res.on('error', (err) => (fail(err.message), resolve()));
        },
      );
      req.setTimeout(o.timeoutMs ?? 10_000, () => req.destroy(new Error('timed out')));
      req.on('error', (err: NodeJS.ErrnoException) => (fail(err.code ?? err.message), resolve()));
      req.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  const timer = setInterval(fire, 1000 / o.rps);
  return {
    sent: () => result.sent,
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      agent.destroy();
      return result;
    },
  };
}
