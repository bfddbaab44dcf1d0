export { createDockerBuilder } from './docker-builder.ts';
export type { DockerBuilderOptions } from './docker-builder.ts';
export { cacheVolumeName, sweepBuildContainers } from './build-container.ts';
export { createReleaseImage, type CreateReleaseImageOptions } from './release-image.ts';
export { pruneImages, type PruneImagesOptions } from './prune-images.ts';
export { buildDockerfileImage, type DockerfileBuildInput, type DockerfileBuildResult } from './dockerfile-build.ts';
export { pushReleaseImage, type PushReleaseImageOptions } from './push-image.ts';
