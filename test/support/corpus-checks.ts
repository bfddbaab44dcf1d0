import { request } from 'node:http';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import { getViaRouter, type HttpResult } from './apps.ts';
import { platform } from './cli.ts';
import type { BuildExpectation, HttpCheck, RunCheck, StreamCheck, WebSocketCheck } from './corpus-manifest.ts';

/**
 * The checks a corpus manifest names, each as a user would make it: the push output, curl through the router,
 * `platform run`, `platform logs`. Each throws an Error that says what was expected and shows what came instead.
 */

const pattern = (p: string) => new RegExp(p, 'im');
const tail = (text: string, lines = 60) => text.split('\n').slice(-lines).join('\n');

/** Polls `fn` until it returns null (all good) or the deadline passes; then throws its last complaint. */
async function until(fn: () => Promise<string | null>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let complaint: string | null = 'not tried';
  while (Date.now() < deadline) {
    complaint = await fn().catch((err: unknown) => String(err));
    if (complaint === null) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(complaint);
}

/** The build's verdict against the manifest: success or failure as expected, output patterns present/absent. */
export function checkBuild(expectation: BuildExpectation | undefined, code: number | null, output: string): void {
  const fails = expectation?.fails ?? false;
  if (fails && code === 0) throw new Error(`the push should have been rejected, but it succeeded:\n${tail(output)}`);
  if (!fails && code !== 0) throw new Error(`the push failed (exit ${code}):\n${tail(output, 120)}`);
  if (fails) expect(output, 'a rejected push says so').toMatch(/pre-receive hook declined/);
  const missing = (expectation?.output ?? []).filter((p) => !pattern(p).test(output));
  const present = (expectation?.outputAbsent ?? []).filter((p) => pattern(p).test(output));
  if (missing.length || present.length) {
    throw new Error(
      `push output ${missing.length ? `lacks ${missing.map((p) => `/${p}/`).join(', ')}` : ''}` +
        `${present.length ? ` has ${present.map((p) => `/${p}/`).join(', ')}` : ''}:\n${tail(output, 120)}`,
    );
  }
}

function httpComplaint(check: HttpCheck, res: HttpResult): string | null {
  const want = check.status ?? 200;
  const problems: string[] = [];
  if (res.status !== want) problems.push(`status ${res.status}, expected ${want}`);
  for (const s of check.body ?? []) if (!res.body.includes(s)) problems.push(`body lacks ${JSON.stringify(s)}`);
  for (const p of check.bodyMatches ?? []) if (!pattern(p).test(res.body)) problems.push(`body does not match /${p}/`);
  for (const s of check.bodyAbsent ?? []) if (res.body.includes(s)) problems.push(`body contains ${JSON.stringify(s)}`);
  if (check.json) {
    try {
      expect(JSON.parse(res.body)).toMatchObject(check.json);
    } catch (err) {
      problems.push(`JSON fields differ: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return problems.length ? `GET ${check.path}: ${problems.join('; ')}\nbody: ${res.body.slice(0, 2000)}` : null;
}

/** GET through the router until the answer is as expected (a dyno may still be taking over), at most `timeoutMs`. */
export async function checkHttp(routerUrl: string, app: string, check: HttpCheck, timeoutMs = 20_000): Promise<void> {
  await until(async () => httpComplaint(check, await getViaRouter(routerUrl, app, check.path)), timeoutMs);
}

/** Opens a long-lived response through the router and waits for every expected piece while it stays open. */
export function checkStream(routerUrl: string, app: string, check: StreamCheck, timeoutMs = 20_000): Promise<void> {
  const url = new URL(check.path, routerUrl);
  return new Promise((resolve, reject) => {
    let body = '';
    const missing = () => check.receive.filter((s) => !body.includes(s));
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { host: `${app}.localhost:${url.port}` }, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (missing().length === 0) {
          clearTimeout(timer);
          req.destroy();
          resolve();
        }
      });
      res.on('end', () => fail(`the response ended (status ${res.statusCode}) before it carried ${JSON.stringify(missing())}`));
    });
    const fail = (why: string) => {
      clearTimeout(timer);
      req.destroy();
      reject(new Error(`stream ${check.path}: ${why}\nreceived: ${body.slice(0, 2000)}`));
    };
    const timer = setTimeout(() => fail(`still waiting for ${JSON.stringify(missing())} after ${timeoutMs} ms (buffered by the router?)`), timeoutMs);
    req.on('error', (err) => fail(String(err)));
    req.end();
  });
}

/** Connects a WebSocket through the router, sends after the server's first message, waits for every expected piece. */
export function checkWebSocket(routerUrl: string, app: string, check: WebSocketCheck, timeoutMs = 20_000): Promise<void> {
  const url = new URL(check.path, routerUrl.replace(/^http/, 'ws'));
  return new Promise((resolve, reject) => {
    const received: string[] = [];
    const ws = new WebSocket(url, { headers: { host: `${app}.localhost:${url.port}` } });
    const missing = () => check.receive.filter((s) => !received.some((m) => m.includes(s)));
    const done = (err?: Error) => {
      clearTimeout(timer);
      ws.terminate();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`websocket ${check.path}: missing ${JSON.stringify(missing())}; received ${JSON.stringify(received)}`)), timeoutMs);
    ws.on('message', (data: Buffer) => {
      if (received.length === 0) for (const m of check.send) ws.send(m);
      received.push(data.toString());
      if (missing().length === 0) done();
    });
    ws.on('unexpected-response', (_req, res) => done(new Error(`websocket ${check.path}: upgrade refused with status ${res.statusCode}`)));
    ws.on('error', (err) => done(new Error(`websocket ${check.path}: ${String(err)}`)));
  });
}

/** `platform run <command>` in the app's repo; its exit code and output. */
export async function checkRun(repo: string, env: Record<string, string>, check: RunCheck): Promise<void> {
  const r = await platform(['run', check.command], { cwd: repo, env });
  const output = r.stdout + r.stderr;
  const problems: string[] = [];
  if (r.code !== (check.code ?? 0)) problems.push(`exit ${r.code}, expected ${check.code ?? 0}`);
  for (const s of check.output ?? []) if (!output.includes(s)) problems.push(`output lacks ${JSON.stringify(s)}`);
  for (const p of check.outputMatches ?? []) if (!pattern(p).test(output)) problems.push(`output does not match /${p}/`);
  if (problems.length) throw new Error(`platform run ${JSON.stringify(check.command)}: ${problems.join('; ')}\n${tail(output)}`);
}

/** `platform logs -n 1500` until every pattern appears (and, once they do, none of the absent ones). */
export async function checkLogs(repo: string, env: Record<string, string>, present: string[], absent: string[], timeoutMs = 20_000): Promise<void> {
  await until(async () => {
    const r = await platform(['logs', '-n', '1500'], { cwd: repo, env });
    if (r.code !== 0) return `platform logs failed (${r.code}): ${r.stderr}`;
    const missing = present.filter((p) => !pattern(p).test(r.stdout));
    const found = absent.filter((p) => pattern(p).test(r.stdout));
    if (!missing.length && !found.length) return null;
    return `logs ${missing.length ? `lack ${missing.map((p) => `/${p}/`).join(', ')}` : ''}${found.length ? ` show ${found.map((p) => `/${p}/`).join(', ')}` : ''}:\n${tail(r.stdout, 80)}`;
  }, timeoutMs);
}
