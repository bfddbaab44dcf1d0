export { ADDON_LABELS, createDockerRedisProvider, type DockerRedisOptions } from './provider.ts';
