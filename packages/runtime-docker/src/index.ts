export { createDockerRuntime, type DockerRuntimeOptions } from './docker-runtime.ts';
export { LABEL } from './dyno-container.ts';
export type { RuntimeLogger } from './docker-errors.ts';
