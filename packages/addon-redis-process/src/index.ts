export {
  createProcessRedisProvider,
  type ProcessRedisOptions,
  type ProcessRedisProvider,
} from './provider.ts';
export type { AddonLogger } from './supervisor.ts';
export { REDIS_PLANS, type RedisPlanSettings } from './redis-config.ts';
export type { RunAs } from './server.ts';
