import { ErrorCodes, PlatformError } from '@platform/types';

/** What the registry client needs to know. */
export interface RegistryClientOptions {
  /** Where this process reaches the registry's HTTP API, e.g. `http://127.0.0.1:5000` (no path, no credentials). */
  url: string;
  /** Per request (default 10 000 ms). */
  timeoutMs?: number;
}

/** The few calls of the Registry HTTP API v2 the platform's image collection uses. */
export interface RegistryClient {
  /** The registry's base URL, as configured. */
  readonly url: string;
  /** The tags of a repository (`platform/<app>`); a repository the registry does not know has none. */
  listTags(repository: string): Promise<string[]>;
  /** The manifest digest (`sha256:…`) a tag points at, or null when the registry has no such tag. */
  digestOf(repository: string, tag: string): Promise<string | null>;
  /**
   * Deletes a manifest by digest — every tag pointing at it goes with it. Resolves false when it was already gone.
   * The blobs stay on disk until the registry's own `garbage-collect` runs.
   */
  deleteManifest(repository: string, digest: string): Promise<boolean>;
}

// Release images are `platform/<app>:<build>`: the allow-lists of builder-docker's push, and nothing else.
const REPOSITORY_RE = /^platform\/[a-z][a-z0-9-]{1,28}[a-z0-9]$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
/** Engine 20.10 pushes Docker's v2 schema; newer engines may push OCI. Naming both keeps the stored digest. */
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

function check(value: string, re: RegExp, what: string): string {
  if (!re.test(value)) throw new PlatformError(ErrorCodes.invalidParams, `Invalid ${what}: ${JSON.stringify(value)}.`);
  return value;
}

/**
 * A client of a registry's HTTP API v2 (https://distribution.github.io/distribution/spec/api/): list a
 * repository's tags, resolve a tag to its manifest digest (HEAD with the v2 manifest `Accept`, header
 * `Docker-Content-Digest`), delete a manifest by digest. Only release-image repositories (`platform/<app>`) and
 * build tags pass its allow-lists (PLT_INVALID_PARAMS otherwise). A registry that does not answer, or answers
 * other than expected, rejects with PLT_RUNTIME_UNAVAILABLE naming the call and the status; a deletion refused
 * with 405 says the registry needs `storage.delete.enabled: true`.
 *
 *   const registry = createRegistryClient({ url: 'http://127.0.0.1:5000' });
 *   const digest = await registry.digestOf('platform/shop', 'b1');
 *   if (digest) await registry.deleteManifest('platform/shop', digest);
 */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const base = new URL(options.url);
  if ((base.protocol !== 'http:' && base.protocol !== 'https:') || base.username || base.password)
    throw new PlatformError(ErrorCodes.invalidParams, 'The registry URL must be http(s)://host[:port], without credentials.');
  const origin = base.origin;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(method: string, path: string, accept?: string): Promise<Response> {
    try {
      return await fetch(`${origin}${path}`, {
        method,
        headers: accept ? { accept } : {},
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new PlatformError(ErrorCodes.runtimeUnavailable, `The registry at ${origin} did not answer ${method} ${path}.`, { cause: err });
    }
  }

  function unexpected(method: string, path: string, res: Response): PlatformError {
    const hint = res.status === 405 && method === 'DELETE' ? ' (deletion needs storage.delete.enabled: true in its config)' : '';
    return new PlatformError(ErrorCodes.runtimeUnavailable, `The registry at ${origin} answered ${method} ${path} with ${res.status}${hint}.`);
  }

  return {
    url: origin,
    async listTags(repository) {
      const path = `/v2/${check(repository, REPOSITORY_RE, 'repository')}/tags/list`;
      const res = await call('GET', path);
      if (res.status === 404) return [];
      if (!res.ok) throw unexpected('GET', path, res);
      const body = (await res.json()) as { tags?: string[] | null };
      return (body.tags ?? []).filter((t) => TAG_RE.test(t));
    },
    async digestOf(repository, tag) {
      const path = `/v2/${check(repository, REPOSITORY_RE, 'repository')}/manifests/${check(tag, TAG_RE, 'tag')}`;
      const res = await call('HEAD', path, MANIFEST_TYPES);
      if (res.status === 404) return null;
      const digest = res.headers.get('docker-content-digest');
      if (!res.ok || !digest || !DIGEST_RE.test(digest)) throw unexpected('HEAD', path, res);
      return digest;
    },
    async deleteManifest(repository, digest) {
      const path = `/v2/${check(repository, REPOSITORY_RE, 'repository')}/manifests/${check(digest, DIGEST_RE, 'digest')}`;
      const res = await call('DELETE', path);
      await res.body?.cancel();
      if (res.status === 404) return false;
      if (res.status !== 202 && !res.ok) throw unexpected('DELETE', path, res);
      return true;
    },
  };
}
