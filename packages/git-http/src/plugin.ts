import type { ChildProcess } from 'node:child_process';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_GIT_PATH, gitEnv, spawnGit } from './git-spawn.ts';
import { respondWithGit, sendResult, type GitInputState } from './git-response.ts';
import { registerHookRoute } from './hook-route.ts';
import { basicPassword, gitProtocol, killGroup, sendAuthError, sendError } from './http-util.ts';
import { captureHead, drainBody, parseCommands, refusalResponse, tooLargeLines, tooLargeMessage } from './push-refusal.ts';
import { createPushQueue } from './push-queue.ts';
import { createPushSessions } from './push-sessions.ts';
import { parseRepoParam, repoDirFor } from './repo-path.ts';
import { createRepoManager } from './repos.ts';
import { pipeBody } from './request-body.ts';
import type { GitHttpLogger, GitHttpOptions, GitService } from './types.ts';

const GiB = 1024 ** 3;
const SERVICES: readonly GitService[] = ['git-receive-pack', 'git-upload-pack'];
const NOT_FOUND = "Couldn't find that app.";

function pktLine(text: string): Buffer {
  return Buffer.from((text.length + 4).toString(16).padStart(4, '0') + text);
}

/**
 * Git smart-HTTP (push and clone/fetch) as a fastify plugin. Register it (encapsulated, so its content
 * type parsers stay local): `await app.register(gitHttpPlugin, options)`. Calling it directly on an
 * instance also works. Routes do their own auth (Basic, token as password) and error replies
 * (`{"id","message"}`): keep API-only hooks (Bearer auth, Accept checks) off them.
 */
export async function gitHttpPlugin(fastify: FastifyInstance, options: GitHttpOptions): Promise<void> {
  const logger: GitHttpLogger = options.logger ?? fastify.log;
  const gitPath = options.gitPath ?? DEFAULT_GIT_PATH;
  const maxPackBytes = options.maxPackBytes ?? GiB;
  const repos = createRepoManager({ gitPath, nodePath: options.nodePath ?? process.execPath });
  const sessions = createPushSessions();
  const queue = createPushQueue();
  const children = new Set<ChildProcess>();

  fastify.addHook('onClose', async () => {
    sessions.abortAll();
    for (const child of children) killGroup(child);
  });

  // Leave request bodies unread: the handler streams them into git after auth.
  fastify.addContentTypeParser(
    ['application/x-git-receive-pack-request', 'application/x-git-upload-pack-request'],
    (_request, _payload, done) => done(null, undefined),
  );

  registerHookRoute(fastify, { sessions, queue, onPush: options.onPush, gitPath, logger });

  /** Validates the repo name and authorises; on failure the reply is already sent. */
  async function admit(request: FastifyRequest, reply: FastifyReply, service: GitService) {
    const app = parseRepoParam((request.params as { repo?: unknown }).repo);
    if (!app) {
      sendError(reply, 404, 'not_found', NOT_FOUND);
      return null;
    }
    let principal: unknown;
    try {
      principal = await options.authorize({ app, token: basicPassword(request.headers.authorization), service, address: request.ip });
    } catch (err) {
      sendAuthError(reply, err, logger);
      return null;
    }
    const dir = repoDirFor(options.reposDir, app);
    await repos.ensure(dir);
    return { app, principal, dir };
  }

  const sendTooLarge = (reply: FastifyReply) =>
    sendError(reply.header('connection', 'close'), 413, 'payload_too_large', tooLargeMessage(maxPackBytes, options.maxPackBytesSetting));
  /** git's answer to a push over the cap: the reason on the pusher's terminal, every ref rejected. */
  const refuseTooLarge = (app: string, head: Buffer) =>
    refusalResponse(parseCommands(head), tooLargeLines(app, maxPackBytes, options.maxPackBytesSetting), 'push too large');
  const respond = (reply: FastifyReply, child: ChildProcess, contentType: string, state: GitInputState, prefix?: Buffer) =>
    respondWithGit({ children, logger, sendTooLarge }, reply, child, contentType, state, prefix);

  fastify.get('/:repo/info/refs', async (request, reply) => {
    const service = (request.query as { service?: unknown }).service;
    if (typeof service !== 'string' || !SERVICES.includes(service as GitService)) {
      if (!parseRepoParam((request.params as { repo?: unknown }).repo)) return sendError(reply, 404, 'not_found', NOT_FOUND);
      return sendError(reply, 400, 'bad_request', 'Only the smart HTTP protocol is supported (use git ≥ 1.6.6).');
    }
    const svc = service as GitService;
    const admitted = await admit(request, reply, svc);
    if (!admitted) return reply;
    const protocol = gitProtocol(request.headers['git-protocol']);
    const args =
      svc === 'git-upload-pack'
        ? ['upload-pack', '--strict', '--stateless-rpc', '--advertise-refs', admitted.dir]
        : ['receive-pack', '--stateless-rpc', '--advertise-refs', admitted.dir];
    const child = spawnGit(args, { env: gitEnv(gitPath, protocol), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // Protocol v2 (clone/fetch only) starts with its capability advertisement, without the service line.
    const v2 = svc === 'git-upload-pack' && /(^|:)version=2(:|$)/.test(protocol.GIT_PROTOCOL ?? '');
    const prefix = v2 ? undefined : Buffer.concat([pktLine(`# service=${svc}\n`), Buffer.from('0000')]);
    await respond(reply, child, `application/x-${svc}-advertisement`, { tooLarge: false }, prefix);
    return reply;
  });

  for (const svc of SERVICES) {
    fastify.post(`/:repo/${svc}`, async (request, reply) => {
      const admitted = await admit(request, reply, svc);
      if (!admitted) return reply;
      if (request.headers['content-type'] !== `application/x-${svc}-request`) {
        return sendError(reply, 415, 'unsupported_media_type', `Expected application/x-${svc}-request.`);
      }
      const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (!['identity', 'gzip', 'x-gzip'].includes(encoding)) {
        return sendError(reply, 415, 'unsupported_media_type', `Unsupported content encoding ${encoding}.`);
      }
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > maxPackBytes) {
        // Over the cap before git starts: a plain push body is read (bounded) and refused in git's protocol.
        if (svc !== 'git-receive-pack' || encoding !== 'identity' || declared > 2 * maxPackBytes) return sendTooLarge(reply);
        const head = captureHead(request.raw);
        if (!(await drainBody(request.raw, declared))) return sendTooLarge(reply);
        return sendResult(reply, `application/x-${svc}-result`, refuseTooLarge(admitted.app, head()));
      }

      const extra: Record<string, string> = gitProtocol(request.headers['git-protocol']);
      let session: ReturnType<typeof sessions.open> | undefined;
      let args: string[];
      if (svc === 'git-receive-pack') {
        // Asked by the hook, which runs once the whole request (commands and pack) has been read.
        const shallow = () => parseCommands(body.head()).shallow;
        session = sessions.open({ app: admitted.app, principal: admitted.principal, repoDir: admitted.dir, shallow });
        // The hook finds the server and proves itself with these; env only, never argv or logs.
        extra.PLATFORM_GIT_HOOK_URL = options.internalUrl();
        extra.PLATFORM_GIT_HOOK_NONCE = session.nonce;
        args = ['receive-pack', '--stateless-rpc', admitted.dir];
      } else {
        args = ['upload-pack', '--strict', '--stateless-rpc', admitted.dir];
      }
      const child = spawnGit(args, { env: gitEnv(gitPath, extra), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      child.once('close', (code) => {
        if (!session) return;
        sessions.close(session.nonce, session.session);
        session.session.controller.abort();
        if (code === 0) repos.fixHead(admitted.dir).catch((err) => logger.warn({ err }, 'fixing HEAD failed'));
      });
      // The request itself is only unpiped on failure, never destroyed, so a refusal can still be written.
      const body = pipeBody(request.raw, encoding, maxPackBytes, child.stdin!, () => killGroup(child));
      const state = {
        get tooLarge() {
          return body.tooLarge;
        },
        settle: () => body.settle(),
        refusal: () => (svc === 'git-receive-pack' && body.drained ? refuseTooLarge(admitted.app, body.head()) : null),
      };
      await respond(reply, child, `application/x-${svc}-result`, state);
      return reply;
    });
  }
}
