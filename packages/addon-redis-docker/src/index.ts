export { createDockerRedisProvider, type AddonLogger, type DockerRedisOptions, type DockerRedisProvider } from './provider.ts';
export { ADDON_LABEL, addonObjects, containerOptions, inspectContainer, type AddonObjects, type ContainerSpec, type ContainerState } from './container.ts';
export { reachableUrl } from './reach.ts';
