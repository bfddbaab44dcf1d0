import path from 'node:path';
import { PlatformError } from '@platform/types';
import type { ReleaseRecord, Store } from '@platform/store-postgres';
import type { AppTarget, ReleaseTarget } from '@platform/process-manager';
import { slugHealthcheck } from './healthcheck.ts';

/** What the process manager needs to run a release: commands, artifact, config. */
export async function releaseTarget(store: Store, slugsDir: string, release: ReleaseRecord): Promise<ReleaseTarget> {
  if (!release.buildId) throw new PlatformError('PLT_NO_RELEASE', 'This release has no build to run.');
  const build = await store.builds.get(release.appId, release.buildId);
  if (!build.slugChecksum) throw new PlatformError('PLT_NO_RELEASE', 'This release has no slug to run.');
  const slugPath = path.join(slugsDir, `${build.slugChecksum}.tgz`);
  const healthcheck = await slugHealthcheck(slugPath, build.slugChecksum);
  return {
    id: release.id,
    version: release.version,
    commands: build.processTypes,
    ...(healthcheck ? { healthcheck } : {}),
    artifact: {
      slugPath,
      slugChecksum: build.slugChecksum,
      image: build.image ?? undefined,
    },
    env: await store.releases.config(release.id),
  };
}

/** The app's desired state: its current release and formation. Null when the app is gone. */
export async function appTarget(store: Store, slugsDir: string, appId: string): Promise<AppTarget | null> {
  const app = await store.apps.find(appId);
  if (!app) return null;
  const current = await store.releases.current(appId);
  const formations = await store.formations.list(appId);
  return {
    app: app.name,
    appId: app.id,
    release: current ? await releaseTarget(store, slugsDir, current) : null,
    quantities: Object.fromEntries(formations.map((f) => [f.type, f.quantity])),
  };
}
