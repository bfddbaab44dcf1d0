export { addonResourceName, generatePassword } from './names.ts';
export {
  databaseExists,
  dropDatabase,
  ensureDatabase,
  lockSharedDatabases,
  postgresUrl,
  rotatePassword,
  scramVerifier,
  type SqlRunner,
} from './postgres.ts';
export {
  aclPasswordHash,
  ADMIN_USER,
  APP_PERMISSIONS,
  planSettings,
  REDIS_PLANS,
  redisUrl,
  renderAclFile,
  type RedisPlanSettings,
} from './redis.ts';
