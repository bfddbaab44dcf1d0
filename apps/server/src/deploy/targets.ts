import path from 'node:path';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { BuildRecord, ReleaseRecord, Store } from '@platform/store-postgres';
import type { AppTarget, ReleaseTarget } from '@platform/process-manager';
import { slugHealthcheck } from './healthcheck.ts';
import { DEFAULT_DYNO_SIZE, dynoSizeNamed } from '../services/dyno-sizes.ts';

/**
 * What the process manager needs to run a release: commands, artifact, config, health check. `build` is the
 * release's build when the caller has it already (else it is read).
 *
 * A Dockerfile build's release runs its image (`artifact.kind: 'dockerfile'`, no slug), or, where heroku.yml built one
 * per process type, each type its own (`artifact.images`).
 *
 * @throws PLT_NO_RELEASE for a release without a build, or a build with neither slug nor image; PLT_BUILD_NOT_FOUND.
 */
export async function releaseTarget(store: Store, slugsDir: string, release: ReleaseRecord, build?: BuildRecord | null): Promise<ReleaseTarget> {
  if (!release.buildId) throw new PlatformError(ErrorCodes.noRelease, 'This release has no build to run.');
  const b = build?.id === release.buildId ? build : await store.builds.get(release.appId, release.buildId);
  const env = await store.releases.config(release.id);
  // A Dockerfile build: its image is the whole artifact (no slug, so no app.json health check either).
  if (!b.slugChecksum && b.image) {
    const artifact = { image: b.image, kind: 'dockerfile' as const, ...(b.images ? { images: b.images } : {}) };
    return { id: release.id, version: release.version, commands: b.processTypes, artifact, env };
  }
  if (!b.slugChecksum) throw new PlatformError(ErrorCodes.noRelease, 'This release has no slug to run.');
  const slugPath = path.join(slugsDir, `${b.slugChecksum}.tgz`);
  const healthcheck = await slugHealthcheck(slugPath, b.slugChecksum);
  return {
    id: release.id,
    version: release.version,
    commands: b.processTypes,
    ...(healthcheck ? { healthcheck } : {}),
    artifact: {
      slugPath,
      slugChecksum: b.slugChecksum,
      image: b.image ?? undefined,
    },
    env,
  };
}

/** The app's desired state: its current release and formation. Null when the app is gone. */
export async function appTarget(store: Store, slugsDir: string, appId: string): Promise<AppTarget | null> {
  const app = await store.apps.find(appId);
  if (!app) return null;
  const current = await store.releases.currentWithBuild(appId);
  const formations = await store.formations.list(appId);
  return {
    app: app.name,
    appId: app.id,
    release: current ? await releaseTarget(store, slugsDir, current.release, current.build) : null,
    quantities: Object.fromEntries(formations.map((f) => [f.type, f.quantity])),
    // The default size is left to the runtime (its own default is the same 512 MiB).
    sizes: Object.fromEntries(
      formations.flatMap((f) => {
        const size = f.size.toLowerCase() === DEFAULT_DYNO_SIZE ? undefined : dynoSizeNamed(f.size);
        return size ? [[f.type, size]] : [];
      }),
    ),
  };
}
