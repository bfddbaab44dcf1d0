export { createDockerBuilder, cacheVolumeName, sweepBuildContainers } from './docker-builder.ts';
export type { DockerBuilderOptions } from './docker-builder.ts';
