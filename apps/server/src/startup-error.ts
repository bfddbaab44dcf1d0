import { POSTGRES_DIR_NOT_EMPTY, POSTGRES_DIR_NOT_TRAVERSABLE } from '@platform/store-postgres';

/** Causes followed at most (a chain longer than this is cut; a cycle ends it). */
const MAX_DEPTH = 10;

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
  details?: unknown;
  syscall?: unknown;
  address?: unknown;
  port?: unknown;
}

/** An error and its causes, outermost first (at most 10; a cycle ends the chain). Non-objects end it too. */
export function causeChain(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (let e = err; typeof e === 'object' && e !== null && chain.length < MAX_DEPTH; e = (e as ErrorLike).cause) {
    if (chain.includes(e)) break;
    chain.push(e);
  }
  return chain;
}

/** One error's own message: its text, or (an AggregateError from a dual-stack connect has none) its parts or code. */
function ownMessage(e: ErrorLike): string {
  const text = typeof e.message === 'string' ? e.message.trim() : '';
  if (text !== '') return text;
  if (Array.isArray(e.errors)) {
    const parts = e.errors.map((x: ErrorLike) => (typeof x?.message === 'string' ? x.message : '')).filter(Boolean);
    if (parts.length > 0) return parts.join(', ');
  }
  return typeof e.code === 'string' ? e.code : 'unknown error';
}

/**
 * The messages of an error and its causes, outermost first, each on one line without a trailing period. A cause
 * whose message the previous one already contains is left out (wrappers often repeat it).
 */
export function causeMessages(err: unknown): string[] {
  if (typeof err !== 'object' || err === null) return [String(err)];
  const messages: string[] = [];
  for (const e of causeChain(err)) {
    const message = ownMessage(e).replace(/\s*\n\s*/g, ' ').replace(/\.$/, '');
    const previous = messages[messages.length - 1];
    if (previous === undefined || !previous.includes(message)) messages.push(message);
  }
  return messages;
}

/** The codes met along the chain (and in an AggregateError's parts), innermost first. */
function codesOf(err: unknown): Array<{ code: string; error: ErrorLike }> {
  const found: Array<{ code: string; error: ErrorLike }> = [];
  for (const e of causeChain(err).reverse()) {
    const parts = Array.isArray(e.errors) ? (e.errors as ErrorLike[]) : [];
    for (const x of [e, ...parts]) if (typeof x?.code === 'string') found.push({ code: x.code, error: x });
  }
  return found;
}

function detail(e: ErrorLike, key: string): string | undefined {
  const value = typeof e.details === 'object' && e.details !== null ? (e.details as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * What to do next about a start-up failure, for the causes we recognise (the innermost one wins), or null.
 *
 *   startupHint(new PlatformError('PLT_DATABASE_UNAVAILABLE', '…', { cause: listenError }))  // for EADDRINUSE:
 *   // 'stop what listens there, or choose another PLATFORM_PORT / PLATFORM_ROUTER_PORT'
 */
export function startupHint(err: unknown): string | null {
  for (const { code, error } of codesOf(err)) {
    switch (code) {
      case POSTGRES_DIR_NOT_TRAVERSABLE: {
        const dir = detail(error, 'path') ?? 'DIR';
        return detail(error, 'purpose') === 'programs'
          ? `Install the platform where the postgres user can reach it (e.g. under /opt), make each parent directory searchable (chmod o+x ${dir}), or set DATABASE_URL to use an external PostgreSQL`
          : `Choose a PLATFORM_DATA_DIR the postgres user can traverse (e.g. /var/lib/platform), make each parent directory searchable (chmod o+x ${dir}), or set DATABASE_URL to use an external PostgreSQL`;
      }
      case POSTGRES_DIR_NOT_EMPTY:
        return `Move the contents of ${detail(error, 'path') ?? 'that directory'} away (an interrupted first start can leave them; remove them if they hold nothing you need), or choose another PLATFORM_DATA_DIR`;
      case 'EADDRINUSE':
        return 'Stop what listens there, or choose another PLATFORM_PORT / PLATFORM_ROUTER_PORT';
      case 'EACCES':
        if (error.syscall === 'listen') return 'Ports below 1024 need root or CAP_NET_BIND_SERVICE: choose a higher PLATFORM_PORT / PLATFORM_ROUTER_PORT';
        break;
      case 'EADDRNOTAVAIL':
        if (error.syscall === 'listen') return 'PLATFORM_HOST and PLATFORM_ROUTER_HOST must be addresses of this machine (or 0.0.0.0)';
        break;
      case '28P01':
      case '28000':
        return 'Check the user name and password in DATABASE_URL';
      case '3D000':
        return 'Create that database, or correct its name in DATABASE_URL';
      case 'PLT_DATABASE_UNAVAILABLE':
        return 'Set PLATFORM_LOG_LEVEL=debug to see all of PostgreSQL\'s output, or set DATABASE_URL to use an external PostgreSQL';
    }
  }
  return null;
}

/**
 * The one line platformd prints on stderr when it cannot start (no trailing newline):
 * `platformd: could not start: <message>: <cause>: <cause's cause>. <what to do next>`.
 */
export function formatStartupFailure(err: unknown): string {
  const hint = startupHint(err);
  return `platformd: could not start: ${causeMessages(err).join(': ')}${hint ? `. ${hint}` : ''}`;
}
