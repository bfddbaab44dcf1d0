export { createSwarmPostgresProvider, type SwarmPostgresProvider } from './postgres.ts';
export { createSwarmRedisProvider, redisServerArgs, type SwarmRedisProvider } from './redis.ts';
export { type AddonLogger, type SwarmAddonOptions } from './addon-service.ts';
export { SWARM_ADDON_LABEL, registryImage, swarmAddonObjects, swarmAddonServiceSpec, type SwarmAddonObjects, type SwarmAddonPlacement } from './objects.ts';
export { openTunnel, type ServerTunnel } from './tunnel.ts';
