import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { BuildRecord } from '@platform/store-postgres';
import type { RegistryClient } from '@platform/runtime-swarm';

/** A release image's place in the registry: `platform/<app>:<build>` → repository `platform/<app>`, tag `<build>`. */
export function registryPlace(image: string): { repository: string; tag: string } | null {
  const m = /^(platform\/[a-z][a-z0-9-]{1,28}[a-z0-9]):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(image);
  return m ? { repository: m[1]!, tag: m[2]! } : null;
}

/**
 * The manifest digests and `repository:tag` pairs the swarm's services run (`<registry>/platform/<app>:<build>`,
 * with the `@sha256:…` Swarm pins at create): never deleted while a dyno of any release still runs them.
 */
export async function imagesInUse(docker: Docker, registry: string): Promise<Set<string>> {
  const used = new Set<string>();
  const services = await docker.listServices({ filters: { label: ['platform.managed'] } });
  for (const s of services) {
    const image = (s.Spec?.TaskTemplate as { ContainerSpec?: { Image?: string } } | undefined)?.ContainerSpec?.Image ?? '';
    const [ref, digest] = image.split('@') as [string, string | undefined];
    if (digest) used.add(digest);
    const local = ref.startsWith(`${registry}/`) ? ref.slice(registry.length + 1) : ref;
    used.add(local);
  }
  return used;
}

export interface RegistryCollection {
  registry: RegistryClient;
  /** One app's builds, and those whose images may go (the image GC's keep-N rule). */
  apps: Array<{ builds: readonly BuildRecord[]; removable: ReadonlySet<string> }>;
  /** What `imagesInUse` returned: digests and `platform/<app>:<build>` references. */
  inUse: ReadonlySet<string>;
  logger: Logger;
}

/**
 * Deletes from the registry the release images the keep-N rule lets go (swarm mode): per repository one tag
 * listing, then for each removable build still tagged there a HEAD for its digest and a DELETE of that manifest
 * — unless a kept build's tag or a running service points at the same digest (a DELETE by digest takes every
 * tag with it). Tags the store does not know as this app's builds are left alone. Returns the deleted
 * references (`platform/<app>:<build>`). Blob space comes back only when the operator runs the registry's
 * `garbage-collect` (see the README).
 */
export async function collectRegistry(options: RegistryCollection): Promise<string[]> {
  const { registry, inUse, logger } = options;
  const deleted: string[] = [];
  for (const app of options.apps) {
    const byRepository = new Map<string, Array<{ build: BuildRecord; tag: string }>>();
    for (const build of app.builds) {
      // A heroku.yml build may have made an image per process type (`images`): each one is a tag of its own.
      for (const image of new Set([build.image, ...Object.values(build.images ?? {})])) {
        const place = image ? registryPlace(image) : null;
        if (!place) continue;
        byRepository.set(place.repository, [...(byRepository.get(place.repository) ?? []), { build, tag: place.tag }]);
      }
    }
    for (const [repository, builds] of byRepository) {
      const tags = new Set(await registry.listTags(repository));
      const doomed = builds.filter((b) => tags.has(b.tag) && app.removable.has(b.build.id));
      if (doomed.length === 0) continue;
      const keptDigests = new Set<string>();
      for (const b of builds.filter((x) => tags.has(x.tag) && !app.removable.has(x.build.id))) {
        const digest = await registry.digestOf(repository, b.tag);
        if (digest) keptDigests.add(digest);
      }
      for (const { tag } of doomed) {
        const ref = `${repository}:${tag}`;
        if (inUse.has(ref)) continue;
        const digest = await registry.digestOf(repository, tag);
        if (!digest || keptDigests.has(digest) || inUse.has(digest)) continue;
        if (await registry.deleteManifest(repository, digest)) {
          deleted.push(ref);
          logger.info({ image: ref, digest }, 'release image deleted from the registry');
        }
      }
    }
  }
  return deleted;
}

/**
 * A destroyed app's repositories go from the registry: every tag of each `platform/<name>` it pushed under
 * (its name, and earlier names from before a rename as the engine's tags show them). Failures are logged.
 */
export async function forgetAppInRegistry(registry: RegistryClient, repositories: Iterable<string>, logger: Logger): Promise<void> {
  for (const repository of new Set(repositories)) {
    try {
      for (const tag of await registry.listTags(repository)) {
        const digest = await registry.digestOf(repository, tag);
        if (digest) await registry.deleteManifest(repository, digest);
      }
    } catch (err) {
      logger.warn({ err, repository }, 'could not delete a destroyed app\'s images from the registry');
    }
  }
}
