export { createDockerPostgresProvider, type AddonLogger, type DockerPostgresOptions, type DockerPostgresProvider } from './provider.ts';
export { ADDON_LABEL, addonObjects, containerOptions, type AddonObjects, type ContainerSpec } from './container.ts';
export { inspectContainer, type ContainerState } from './engine.ts';
export { reachableUrl } from './reach.ts';
export { type NetworkChanges } from './networks.ts';
