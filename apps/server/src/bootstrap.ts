import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { hashToken } from '@platform/secrets';
import type { Store } from '@platform/store-postgres';
import type { ServerConfig } from './config.ts';

/**
 * No default credentials. The admin user exists from the first start; its token either comes from
 * PLATFORM_ADMIN_TOKEN(_FILE) or, when no token exists yet, is generated once and written to
 * `<data dir>/admin-token` (0600). Only the token's hash is stored; the token never reaches a log.
 */
export async function bootstrapAdmin(config: Readonly<ServerConfig>, store: Store, logger: Logger, apiUrl: string): Promise<void> {
  const admin = await store.accounts.ensureUser(config.adminEmail, { admin: true });
  if (config.adminToken) {
    await store.accounts.addTokenHash(admin.id, hashToken(config.adminToken), 'configured admin token');
    return;
  }
  if ((await store.accounts.countTokens()) > 0) return;
  const token = await store.accounts.createToken(admin.id, 'initial admin token');
  const file = path.join(config.dataDir, 'admin-token');
  await writeFile(file, token + '\n', { mode: 0o600 });
  logger.info({ tokenFile: file }, 'created the admin API token');
  process.stderr.write(
    `\n  The admin API token was written to ${file} (readable by this user only).\n` +
      `  Log in with:  platform login --server ${apiUrl} --token-file ${file}\n\n`,
  );
}
