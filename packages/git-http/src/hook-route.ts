import fs from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { PlatformError, ErrorCodes, isPlatformError } from '@platform/types';
import { gitEnv, spawnGit, subprocessError, Tail } from './git-spawn.ts';
import { readRef, repoGit } from './repo-git.ts';
import { isInside } from './repo-path.ts';
import type { PushQueue } from './push-queue.ts';
import type { PushSession, PushSessions } from './push-sessions.ts';
import type { GitHttpLogger, GitPush, GitPushUpdate } from './types.ts';

export const HOOK_ROUTE = '/internal/git/pre-receive';
const SHA_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ZERO_RE = /^0+$/;
// git has validated ref names already; this only keeps control characters out of our output.
const REF_RE = /^refs\/[^\x00-\x20\x7f]{1,1000}$/;
const DEPLOY_REFS = { 'refs/heads/main': 'main', 'refs/heads/master': 'master' } as const;
/** Said to a push from a shallow clone: it deploys, but the next one from another shallow clone needs a hand. */
const SHALLOW_NOTE = [
  ' !     Warning: this push comes from a shallow clone. It deploys as usual, but git cannot tell whether a later',
  ' !     push from another shallow clone is a fast-forward ("rejected (fetch first)"): push those with --force,',
  ' !     or fetch the full history first (`git fetch --unshallow`; in CI, a checkout with fetch-depth: 0).',
];

/** Quarantine env for git; empty when the push carried no objects (e.g. only deletions). */
type Quarantine = Partial<Record<'GIT_OBJECT_DIRECTORY' | 'GIT_ALTERNATE_OBJECT_DIRECTORIES' | 'GIT_QUARANTINE_PATH', string>>;

function bad(message: string): PlatformError {
  return new PlatformError(ErrorCodes.invalidParams, message);
}

function parseUpdates(value: unknown): GitPushUpdate[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 10_000) throw bad('updates must be a non-empty array');
  return value.map((u: unknown) => {
    const { ref, oldSha, newSha } = (u ?? {}) as Record<string, unknown>;
    if (typeof ref !== 'string' || !REF_RE.test(ref)) throw bad('invalid ref');
    if (typeof oldSha !== 'string' || !SHA_RE.test(oldSha)) throw bad('invalid old sha');
    if (typeof newSha !== 'string' || !SHA_RE.test(newSha)) throw bad('invalid new sha');
    return { ref, oldSha, newSha };
  });
}

/** The quarantine paths git gave the hook, each checked (after realpath) to lie inside the repo. */
async function parseQuarantine(value: unknown, repoDir: string): Promise<Quarantine> {
  const q = (value ?? {}) as Record<string, unknown>;
  const { objectDirectory, alternateObjectDirectories, quarantinePath } = q;
  if (objectDirectory === null && alternateObjectDirectories === null && quarantinePath === null) return {};
  if (typeof objectDirectory !== 'string' || typeof quarantinePath !== 'string' || typeof alternateObjectDirectories !== 'string') {
    throw bad('quarantine paths missing');
  }
  // git quotes alternates containing ':' or '"'; our repo paths never need that, so refuse quoting.
  const alternates = alternateObjectDirectories.split(':').filter(Boolean);
  const root = await fs.realpath(repoDir);
  for (const p of [objectDirectory, quarantinePath, ...alternates]) {
    if (p.startsWith('"') || !p.startsWith('/')) throw bad('unexpected quarantine path');
    const real = await fs.realpath(p).catch(() => null);
    if (real === null || !isInside(root, real)) throw bad('quarantine path outside the repository');
  }
  return {
    GIT_OBJECT_DIRECTORY: objectDirectory,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: alternateObjectDirectories,
    GIT_QUARANTINE_PATH: quarantinePath,
  };
}

/** `git archive --format=tar` of sha, reading this push's quarantined objects. Errors carry argv/exit/stderr. */
function archiveStream(repoDir: string, quarantine: Quarantine, gitPath: string, sha: string): Readable {
  if (!SHA_RE.test(sha)) throw bad('archive() needs a full commit sha');
  const args = ['archive', '--format=tar', '--end-of-options', sha];
  const child = spawnGit(args, {
    env: gitEnv(gitPath, { GIT_DIR: repoDir, ...quarantine }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Piped at once, before the caller gets the stream: Node resumes a child's stdout nobody reads when the child
  // exits (child_process's flushStdio), so a small tree read late would come out as 0 bytes. The PassThrough keeps
  // git's bytes until the builder reads them, however late (backpressure holds git back while it is full).
  const out = new PassThrough();
  const stderr = new Tail();
  child.stderr!.on('data', (c: Buffer) => stderr.push(c));
  child.stdout!.pipe(out, { end: false });
  child.on('error', (err) => out.destroy(err));
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else out.destroy(subprocessError(args, code, signal, stderr.toString()));
  });
  // A consumer that stops reading early must not leave git running.
  out.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  return out;
}

/** The commit `ref` (one of the two fixed deploy refs, never user text) points at, or null. */
function currentSha(repoDir: string, ref: string, gitPath: string): Promise<string | null> {
  return readRef(repoGit(repoDir, gitPath), ref);
}

export interface HookRouteDeps {
  sessions: PushSessions;
  queue: PushQueue;
  onPush(push: GitPush): Promise<void>;
  gitPath: string;
  logger: GitHttpLogger;
}

export function registerHookRoute(fastify: FastifyInstance, deps: HookRouteDeps): void {
  fastify.post(HOOK_ROUTE, async (request, reply) => {
    const nonce = request.headers['x-platform-hook-nonce'];
    const session = typeof nonce === 'string' ? deps.sessions.take(nonce) : undefined;
    if (!session) return reply.code(403).send({ id: 'forbidden', message: 'Unknown or already used hook nonce.' });

    let updates: GitPushUpdate[];
    let quarantine: Quarantine;
    try {
      const body = (request.body ?? {}) as Record<string, unknown>;
      updates = parseUpdates(body.updates);
      quarantine = await parseQuarantine(body.quarantine, session.repoDir);
    } catch (err) {
      deps.logger.warn({ err, app: session.app }, 'git hook callback refused');
      return reply.code(400).send({ id: 'bad_request', message: (err as Error).message });
    }

    const stream = new PassThrough();
    const send = (msg: object) => {
      if (!stream.writableEnded) stream.write(`${JSON.stringify(msg)}\n`);
    };
    // The hook went away (receive-pack killed, client gone): the push cannot be accepted any more.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) session.controller.abort();
    });
    reply.code(200).header('content-type', 'application/x-ndjson').header('cache-control', 'no-cache').send(stream);

    runPreReceive(session, updates, quarantine, deps, (line) => send({ line })).then(
      (ok) => {
        send({ ok });
        stream.end();
      },
      (err: unknown) => {
        deps.logger.error({ err, app: session.app }, 'pre-receive failed');
        send({ line: ' !     Internal error while processing the push.' });
        send({ ok: false });
        stream.end();
      },
    );
    return reply;
  });
}

/** Applies the branch rules and runs onPush for the deploy branch. Resolves true to accept the push. */
export async function runPreReceive(
  session: PushSession,
  updates: GitPushUpdate[],
  quarantine: Quarantine,
  deps: Pick<HookRouteDeps, 'queue' | 'onPush' | 'gitPath' | 'logger'>,
  print: (line: string) => void,
): Promise<boolean> {
  const { app } = session;
  const rejectWith = (message: string | null) => {
    for (const line of message?.split('\n') ?? []) print(` !     ${line}`);
    print(` !     Push rejected to ${app}.`);
    return false;
  };

  const deletion = updates.find((u) => u.ref in DEPLOY_REFS && ZERO_RE.test(u.newSha));
  if (deletion) {
    const branch = DEPLOY_REFS[deletion.ref as keyof typeof DEPLOY_REFS];
    return rejectWith(`Deleting the ${branch} branch is not allowed: it is the branch that deploys ${app}.`);
  }
  const deploy = updates.find((u) => u.ref === 'refs/heads/main') ?? updates.find((u) => u.ref === 'refs/heads/master');
  for (const u of updates) {
    if (u === deploy) continue;
    print(`${u.ref}: accepted without deploying (only pushes to main or master deploy).`);
  }
  if (!deploy) return true;
  const branch = DEPLOY_REFS[deploy.ref as keyof typeof DEPLOY_REFS];

  const signal = session.controller.signal;
  // The lock is held until receive-pack has exited, i.e. until this push's ref update is done:
  // the next push's stale check below must see it.
  const release = await deps.queue.acquire(app, () => print('Waiting for another push to finish...'));
  void session.ended.then(release);
  try {
    signal.throwIfAborted();
    // While this push waited, another one may have moved the branch; deploying now would
    // build a commit whose ref update git is about to refuse.
    const current = await currentSha(session.repoDir, deploy.ref, deps.gitPath);
    const expected = ZERO_RE.test(deploy.oldSha) ? null : deploy.oldSha;
    if (current !== expected) {
      throw new Error(`${branch} was updated by another push meanwhile. Fetch, merge and push again.`);
    }
    if (session.shallow()) for (const line of SHALLOW_NOTE) print(line);
    let open = true;
    try {
      await deps.onPush({
        app,
        principal: session.principal,
        branch,
        update: deploy,
        archive: (sha) => archiveStream(session.repoDir, quarantine, deps.gitPath, sha),
        output: (text) => {
          if (open) for (const line of String(text).split('\n')) print(line);
        },
        signal,
      });
    } finally {
      open = false;
    }
    return true;
  } catch (err) {
    deps.logger.info({ app, err }, 'push rejected');
    if (isPlatformError(err) && err.details?.shown === true) return rejectWith(null); // its reason is on screen already
    const message = err instanceof Error && err.message ? err.message : 'The push was rejected.';
    return rejectWith(message);
  }
}
