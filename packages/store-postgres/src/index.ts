import type pg from 'pg';
import type { Cipher } from '@platform/secrets';
import { PlatformError } from '@platform/types';
import { createAccounts } from './accounts.ts';
import { createApps } from './apps.ts';
import { createBuilds } from './builds.ts';
import { createConfig, createReleases } from './releases.ts';
import { createFormations } from './formations.ts';
import { createDrains } from './drains.ts';
import { createDomains } from './domains.ts';
import { createSniEndpoints } from './sni-endpoints.ts';
import { createAcmeAccounts } from './acme-accounts.ts';
import { createPlatformCertificates } from './platform-certificates.ts';
import { createCollaborators } from './collaborators.ts';
import { createAudit } from './audit.ts';
import { createAddons } from './addons.ts';
import { createAddonBackups } from './addon-backups.ts';

export * from './records.ts';
export { POSTGRES_DIR_NOT_EMPTY, embeddedPostgresProgram, postgresRestartDelayMs, startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded.ts';
export { POSTGRES_DIR_NOT_TRAVERSABLE } from './traversal.ts';
export { migrate } from './migrate.ts';
export type { StoreLogger } from './logger.ts';
export { RELEASE_CONFIG_CACHE_SIZE, type ReleaseListOptions } from './releases.ts';
export { MAX_DRAINS_PER_APP, type DrainRecord, type Drains } from './drains.ts';
export type { AcmStatus, DomainRecord, Domains } from './domains.ts';
export type { AcmeAccountRecord } from './acme-accounts.ts';
export type { PlatformCertificateRecord } from './platform-certificates.ts';
export type { AddonAttachmentRecord, AddonRecord, AddonState, Addons } from './addons.ts';
export type { AddonBackupKind, AddonBackupRecord, AddonBackupScheduleRecord, AddonBackupStatus, AddonBackups } from './addon-backups.ts';
export type { SniEndpointInput, SniEndpointRecord, SniEndpoints } from './sni-endpoints.ts';
export type { AuditEvent, NewAuditEvent } from './audit.ts';

/**
 * The platform's state, in Postgres. Takes a pool the app created (nothing connects on import).
 *
 *   const store = createStore({ pool, cipher });
 *   const app = await store.apps.create({ name: 'myapp', ownerId: user.id });
 */
export function createStore(options: { pool: pg.Pool; cipher: Cipher; releaseConfigCacheSize?: number }) {
  const { pool, cipher } = options;
  return {
    pool,
    accounts: createAccounts(pool),
    apps: createApps(pool),
    builds: createBuilds(pool),
    releases: createReleases(pool, cipher, { configCacheSize: options.releaseConfigCacheSize }),
    config: createConfig(pool, cipher),
    formations: createFormations(pool),
    drains: createDrains(pool, cipher),
    domains: createDomains(pool, cipher),
    sniEndpoints: createSniEndpoints(pool, cipher),
    acmeAccounts: createAcmeAccounts(pool, cipher),
    platformCertificates: createPlatformCertificates(pool, cipher),
    collaborators: createCollaborators(pool),
    audit: createAudit(pool),
    addons: createAddons(pool, cipher),
    addonBackups: createAddonBackups(pool),

    /**
     * Refuses a key that cannot read what is already stored: on first start, seals a sample with it;
     * afterwards, checks the sample opens.
     */
    async verifyKey(): Promise<void> {
      const r = await pool.query('SELECT sample_enc FROM key_check WHERE id = 1');
      if (!r.rows[0]) {
        await pool.query('INSERT INTO key_check (id, sample_enc) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [
          cipher.seal(Buffer.from('platform key check')),
        ]);
        return;
      }
      try {
        cipher.open(r.rows[0].sample_enc as Buffer);
      } catch (err) {
        throw new PlatformError(
          'PLT_SECRET_KEY_MISMATCH',
          'The configured secret key cannot decrypt the data in this database. Restore the original PLATFORM_SECRET_KEY (or <data dir>/secret.key).',
          { cause: err },
        );
      }
    },
  };
}

export type Store = ReturnType<typeof createStore>;
