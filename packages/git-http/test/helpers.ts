import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { PlatformError, ErrorCodes } from '@platform/types';
import { gitHttpPlugin, type GitPush, type GitHttpOptions } from '../src/index.ts';

export const TOKEN = 'secret-token';

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `git-http-${prefix}-`));
}

export interface TestServer {
  app: FastifyInstance;
  base: string;
  reposDir: string;
  authorizeCalls: number;
  close(): Promise<void>;
}

/** A real fastify on 127.0.0.1:0 with the plugin; authorize accepts TOKEN for any app except `missing-app`. */
export async function startServer(
  onPush: (push: GitPush) => Promise<void>,
  extra: Partial<GitHttpOptions> = {},
): Promise<TestServer> {
  const reposDir = await tempDir('repos');
  const app = Fastify({ logger: false });
  let base = '';
  const server: TestServer = {
    app,
    base: '',
    reposDir,
    authorizeCalls: 0,
    async close() {
      await app.close();
      await fs.rm(reposDir, { recursive: true, force: true });
    },
  };
  await app.register(gitHttpPlugin, {
    reposDir,
    internalUrl: () => base,
    async authorize({ app: name, token }) {
      server.authorizeCalls++;
      if (token !== TOKEN) throw new PlatformError(ErrorCodes.unauthorized, 'Invalid credentials provided.');
      if (name === 'missing-app') throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.");
      return { user: 'me' };
    },
    onPush,
    ...extra,
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  server.base = base;
  return server;
}

export function remoteUrl(server: TestServer, app: string, token: string | null = TOKEN): string {
  const u = new URL(`${server.base}/${app}.git`);
  if (token !== null) {
    u.username = 'heroku';
    u.password = token;
  }
  return u.toString();
}

export interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real git client with an isolated HOME and config. onStderr sees output as it arrives. */
export function git(
  args: string[],
  options: { cwd: string; home: string; onStderr?: (soFar: string) => void; onSpawn?: (kill: () => void) => void },
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: options.home,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_TERMINAL_PROMPT: '0',
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so a test can kill git together with git-remote-http
    });
    options.onSpawn?.(() => process.kill(-child.pid!, 'SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      options.onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A work tree with one commit containing `files`. */
export async function workTree(home: string, files: Record<string, string>, branch = 'main'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(home, 'work-'));
  await git(['init', '--quiet', `--initial-branch=${branch}`], { cwd: dir, home });
  await commitFiles(dir, home, files);
  return dir;
}

export async function commitFiles(dir: string, home: string, files: Record<string, string>, message = 'commit'): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
  await git(['add', '-A'], { cwd: dir, home });
  const r = await git(['commit', '--quiet', '-m', message], { cwd: dir, home });
  if (r.code !== 0) throw new Error(r.stderr);
}

export async function revParse(dir: string, home: string, ref: string, bare = false): Promise<string | null> {
  const args = bare ? ['--git-dir', dir, 'rev-parse', '--verify', '--quiet', ref] : ['rev-parse', '--verify', '--quiet', ref];
  const r = await git(args, { cwd: bare ? home : dir, home });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Extracts a tar stream with the system tar into a new temp dir. */
export async function extractTar(stream: Readable, parent: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(parent, 'tree-'));
  await new Promise<void>((resolve, reject) => {
    const tar = spawn('tar', ['-x', '-f', '-', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    tar.stderr.on('data', (c: Buffer) => (err += c.toString()));
    stream.on('error', reject);
    stream.pipe(tar.stdin);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exit ${code}: ${err}`))));
  });
  return dir;
}

/** A raw HTTP request (node:http, so the path reaches the server exactly as written). */
export async function rawRequest(
  base: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const http = await import('node:http');
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: rawPath, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function basic(token: string): string {
  return `Basic ${Buffer.from(`heroku:${token}`).toString('base64')}`;
}
