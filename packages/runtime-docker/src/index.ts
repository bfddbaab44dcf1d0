export { createDockerRuntime, type DockerRuntimeOptions } from './docker-runtime.ts';
export { createReleaseImage, type CreateReleaseImageOptions } from './release-image.ts';
export { pruneImages, type PruneImagesOptions } from './prune-images.ts';
export { LABEL } from './dyno-container.ts';
export type { RuntimeLogger } from './docker-errors.ts';
