export { createDockerBuilder } from './docker-builder.ts';
export type { DockerBuilderOptions } from './docker-builder.ts';
export { cacheVolumeName, sweepBuildContainers } from './build-container.ts';
