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
