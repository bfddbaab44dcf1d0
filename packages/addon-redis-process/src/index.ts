export {
  createProcessRedisProvider,
  type ProcessRedisOptions,
  type ProcessRedisProvider,
} from './provider.ts';
export type { AddonLogger } from './supervisor.ts';
export { REDIS_PLANS, type RedisPlanSettings } from '@platform/addon-kit';
export type { RunAs } from './server.ts';
