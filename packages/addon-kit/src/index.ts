export { addonResourceName, generatePassword } from './names.ts';
export { createKeptPasswords, type KeptPasswords } from './kept-passwords.ts';
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
export { serverPid as redisServerPid, setAppPassword as setRedisAppPassword, withAdmin as withRedisAdmin, type AdminTarget as RedisAdminTarget } from './redis-admin.ts';
