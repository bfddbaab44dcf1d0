export { createDockerRuntime, type DockerRuntimeOptions } from './docker-runtime.ts';
export { LABEL } from './dyno-container.ts';
export type { RuntimeLogger } from '@platform/runtime-kit';
export { createDynoNetworks, sweepAppNetworks, appNetworkNames, APP_BRIDGE_PREFIX, type DynoNetworking, type DynoNetworks } from './network.ts';
export { DEFAULT_DYNO_SUBNETS } from './docker-runtime.ts';
