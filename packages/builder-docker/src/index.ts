export { createDockerBuilder, cacheVolumeName } from './docker-builder.ts';
export type { DockerBuilderOptions } from './docker-builder.ts';
