import { cliError, CliErrorCodes } from './errors.ts';
import { VERSION } from './version.ts';

export const ACCEPT = 'application/vnd.heroku+json; version=3';

export interface RequestOptions {
  body?: unknown;
  /** Sent as the `Range` header, e.g. `version ..; max=15, order=desc`. */
  range?: string;
  /** Do not follow `Next-Range` (take only the first page). */
  partial?: boolean;
}

export interface ApiClient {
  readonly server: string;
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T>;
  get<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  post<T = unknown>(path: string, body?: unknown): Promise<T>;
  patch<T = unknown>(path: string, body?: unknown): Promise<T>;
  delete<T = unknown>(path: string): Promise<T>;
  /** A GET whose body is not JSON (a backup download): the response, its body unread; an error answer throws as usual. */
  stream(path: string): Promise<Response>;
}

export interface ApiClientOptions {
  /** Base URL of the platform server, e.g. `http://127.0.0.1:5000`. */
  server: string;
  token?: string | undefined;
  /** A whole `Authorization` header instead of the token's Bearer one (`platform login`'s Basic e-mail:password). */
  authorization?: string;
  fetch?: typeof fetch;
  userAgent?: string;
}

/** Most pages we follow for one array GET (a server that always sends Next-Range must not loop us forever). */
const MAX_PAGES = 1000;

/**
 * A small Heroku Platform API v3 client over global fetch.
 *
 *   const api = createApiClient({ server: 'http://127.0.0.1:5000', token });
 *   const releases = await api.get('/apps/my-app/releases', { range: 'version ..; max=15, order=desc', partial: true });
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const server = options.server.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const userAgent = options.userAgent ?? `platform-cli/${VERSION} node-${process.version}`;

  async function send(method: string, path: string, body: unknown, range: string | undefined) {
    const url = server + path;
    const headers: Record<string, string> = { Accept: ACCEPT, 'User-Agent': userAgent };
    if (options.authorization) headers.Authorization = options.authorization;
    else if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (range) headers.Range = range;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const reason = (err as { cause?: { code?: string; message?: string } }).cause;
      throw cliError(
        CliErrorCodes.unreachable,
        `Could not reach ${server}: ${reason?.code ?? reason?.message ?? (err as Error).message}`,
        'Check that the server is running and the URL is right (platform login --server URL, or PLATFORM_SERVER).',
        { method, url },
        err,
      );
    }
    return { res, url };
  }

  async function once(method: string, path: string, body: unknown, range: string | undefined) {
    const { res, url } = await send(method, path, body, range);
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!res.ok) throw apiError(res, method, url, parsed, text);
    if (text.length > 0 && parsed === undefined) {
      throw cliError(CliErrorCodes.api, `Invalid JSON from ${method} ${url}`, undefined, {
        status: res.status,
      });
    }
    return { res, data: parsed };
  }

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    let { res, data } = await once(method, path, opts.body, opts.range);
    if (method !== 'GET' || opts.partial || !Array.isArray(data)) return data as T;
    const all: unknown[] = [...data];
    const seen = new Set<string>();
    for (let page = 1; page < MAX_PAGES; page++) {
      const next = res.headers.get('next-range');
      if (!next || seen.has(next)) break;
      seen.add(next);
      ({ res, data } = await once('GET', path, undefined, next));
      if (!Array.isArray(data)) break;
      all.push(...data);
    }
    return all as T;
  }

  return {
    server,
    request,
    get: (path, opts) => request('GET', path, opts),
    post: (path, body) => request('POST', path, { body: body ?? {} }),
    patch: (path, body) => request('PATCH', path, { body: body ?? {} }),
    delete: (path) => request('DELETE', path),
    async stream(path) {
      const { res, url } = await send('GET', path, undefined, undefined);
      if (res.ok) return res;
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      throw apiError(res, 'GET', url, parsed, text);
    },
  };
}

function apiError(res: Response, method: string, url: string, body: unknown, text: string) {
  const b = (body ?? {}) as { id?: unknown; message?: unknown };
  const id = typeof b.id === 'string' ? b.id : undefined;
  const details = {
    status: res.status,
    id,
    method,
    url,
    requestId: res.headers.get('request-id') ?? undefined,
  };
  if (typeof b.message !== 'string') {
    // Not a platform error body: say what failed, like Heroku's http-call does.
    const tail = text.trim().slice(0, 200);
    return cliError(
      CliErrorCodes.api,
      `HTTP Error ${res.status} for ${method} ${url}${tail ? `\n${tail}` : ''}`,
      undefined,
      details,
    );
  }
  let hint: string | undefined;
  if (res.status === 401) hint = 'Run platform login to log in again, or check PLATFORM_API_KEY.';
  return cliError(CliErrorCodes.api, b.message, hint, details);
}
