import type { Artifact } from './runtime.ts';

/**
 * The artifact a dyno of `type` runs: a release's artifact with `image` set to that type's own image when the build
 * made one per process type (`Artifact.images`), else unchanged. Every `DynoSpec` is made with it.
 *
 *   artifactForType({ image: 'platform/a:b1', images: { worker: 'platform/a:b1-worker' }, kind: 'dockerfile' }, 'worker')
 *   // { image: 'platform/a:b1-worker', kind: 'dockerfile' }
 */
export function artifactForType(artifact: Artifact, type: string): Artifact {
  const { images, ...rest } = artifact;
  if (!images || !Object.hasOwn(images, type)) return rest;
  return { ...rest, image: images[type] };
}
