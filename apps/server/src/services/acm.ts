import { ErrorCodes, PlatformError } from '@platform/types';
import type { AppRecord, User } from '@platform/store-postgres';
import { findApp } from './apps.ts';
import { syncCertificates } from './sni-endpoints.ts';
import type { ServiceDeps } from './deps.ts';

type AcmDeps = Pick<ServiceDeps, 'store' | 'edge' | 'acm' | 'logger'>;

/**
 * `certs:auto:enable` (`POST /apps/{app}/acm`): turns Automatic Certificate Management on; each custom domain
 * without a certificate becomes `acm_status: pending` and the ACME issuer is asked to check at once.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_INVALID_PARAMS when the platform has no ACME directory configured.
 */
export async function enableAcm(deps: AcmDeps, user: User, appName: string): Promise<AppRecord> {
  const app = await findApp(deps.store, user, appName, 'manage');
  if (!deps.acm) {
    throw new PlatformError(
      ErrorCodes.invalidParams,
      'Automatic certificates are not configured on this platform: its admin sets PLATFORM_ACME_DIRECTORY_URL (and PLATFORM_ACME_EMAIL). Upload a certificate with certs:add instead.',
    );
  }
  const updated = await deps.store.apps.setAcm(app.id, true);
  for (const d of await deps.store.domains.list(app.id)) {
    if (!d.acmCertificate) await deps.store.domains.setAcm(d.id, { status: 'pending', reason: null });
  }
  deps.acm.kick();
  deps.logger.info({ app: app.name, user: user.email }, 'automatic certificates enabled');
  return updated;
}

/**
 * `certs:auto:disable` (`DELETE /apps/{app}/acm`): turns ACM off and stops serving the automatic certificates;
 * uploaded ones stay.
 *
 * @throws PLT_APP_NOT_FOUND
 */
export async function disableAcm(deps: AcmDeps, user: User, appName: string): Promise<AppRecord> {
  const app = await findApp(deps.store, user, appName, 'manage');
  const updated = await deps.store.apps.setAcm(app.id, false);
  for (const d of await deps.store.domains.list(app.id)) await deps.store.domains.setAcm(d.id, { status: null, reason: null, certificate: null });
  await syncCertificates(deps);
  deps.logger.info({ app: app.name, user: user.email }, 'automatic certificates disabled');
  return updated;
}

/**
 * `certs:auto:refresh` (`PATCH /apps/{app}/acm`): retries at once every domain that is failing or pending, and
 * renews a certificate due within 30 days (the periodic check would do it later).
 *
 * @throws PLT_APP_NOT_FOUND; PLT_INVALID_PARAMS when ACM is off for the app or not configured.
 */
export async function refreshAcm(deps: AcmDeps, user: User, appName: string): Promise<AppRecord> {
  const app = await findApp(deps.store, user, appName, 'manage');
  if (!app.acm || !deps.acm) throw new PlatformError(ErrorCodes.invalidParams, 'Automatic Certificate Management is not enabled on this app: run certs:auto:enable.');
  for (const d of await deps.store.domains.list(app.id)) {
    if (d.acmStatus === 'failing' && !d.acmCertificate) await deps.store.domains.setAcm(d.id, { status: 'pending', reason: null });
  }
  deps.acm.kick();
  return app;
}
