import { ErrorCodes, PlatformError, type RouterCertificate } from '@platform/types';
import type { AppRecord, SniEndpointRecord, Store, User } from '@platform/store-postgres';
import { randomAppName } from '../names.ts';
import { findApp } from './apps.ts';
import { EXPIRY_WARNING_DAYS, parseCertificateBundle } from './certificates.ts';
import { certificateCovers } from './hostnames.ts';
import type { ServiceDeps } from './deps.ts';

/** An SNI endpoint as the API shows it: the record, its app, the ids of the custom domains it covers, warnings. */
export interface SniEndpointView {
  endpoint: SniEndpointRecord;
  app: AppRecord;
  domainIds: string[];
  /** E.g. an expiry within 30 days. */
  warnings: string[];
}

type SniDeps = Pick<ServiceDeps, 'store' | 'edge' | 'logger'>;

/** The first endpoint (by creation) whose certificate covers `hostname`, as `{id, name}`. */
export function coveringEndpoint(endpoints: readonly SniEndpointRecord[]) {
  return (hostname: string): { id: string; name: string } | null => {
    const found = endpoints.find((e) => e.domains.some((name) => certificateCovers(name, hostname)));
    return found ? { id: found.id, name: found.name } : null;
  };
}

function expiryWarnings(e: SniEndpointRecord, now = Date.now()): string[] {
  const days = Math.floor((e.expiresAt.getTime() - now) / 86_400_000);
  if (days < 0) return [`The certificate expired on ${e.expiresAt.toISOString()}.`];
  return days < EXPIRY_WARNING_DAYS ? [`The certificate expires in ${days} days (${e.expiresAt.toISOString()}).`] : [];
}

async function viewOf(deps: Pick<ServiceDeps, 'store'>, app: AppRecord, endpoint: SniEndpointRecord): Promise<SniEndpointView> {
  const domains = await deps.store.domains.list(app.id);
  return {
    endpoint,
    app,
    domainIds: domains.filter((d) => endpoint.domains.some((name) => certificateCovers(name, d.hostname))).map((d) => d.id),
    warnings: expiryWarnings(endpoint),
  };
}

/** The sync under way per edge: syncs run one after another, so the last one started reads the latest state. */
const syncs = new WeakMap<object, Promise<void>>();

type SyncDeps = { store: Pick<Store, 'apps' | 'domains' | 'sniEndpoints'>; edge: Pick<ServiceDeps['edge'], 'setCertificates'> };

/**
 * Tells the edge every certificate it serves: each app's SNI endpoints and the automatic certificates of its
 * domains, keys decrypted in memory only. Called after each change and at start; calls are serialised per edge,
 * so two changes racing cannot leave the older set in place.
 */
export function syncCertificates(deps: SyncDeps): Promise<void> {
  const next = (syncs.get(deps.edge) ?? Promise.resolve()).catch(() => undefined).then(() => pushCertificates(deps));
  syncs.set(deps.edge, next);
  return next;
}

async function pushCertificates(deps: SyncDeps): Promise<void> {
  const names = new Map((await deps.store.apps.list()).map((a) => [a.id, a.name]));
  const certificates: RouterCertificate[] = [];
  for (const e of await deps.store.sniEndpoints.all()) {
    const app = names.get(e.appId);
    if (app) certificates.push({ id: e.id, app, chainPem: e.chainPem, keyPem: e.keyPem, hostnames: e.domains });
  }
  for (const d of await deps.store.domains.all()) {
    const app = names.get(d.appId);
    if (app && d.acmCertificate) {
      certificates.push({ id: d.id, app, chainPem: d.acmCertificate.chainPem, keyPem: d.acmCertificate.keyPem, hostnames: [d.hostname] });
    }
  }
  await deps.edge.setCertificates(certificates);
}

/** @throws PLT_APP_NOT_FOUND */
export async function listSniEndpoints(deps: SniDeps, user: User, appName: string): Promise<SniEndpointView[]> {
  const app = await findApp(deps.store, user, appName);
  return Promise.all((await deps.store.sniEndpoints.list(app.id)).map((e) => viewOf(deps, app, e)));
}

async function findEndpoint(deps: SniDeps, user: User, appName: string, idOrName: string) {
  const app = await findApp(deps.store, user, appName);
  const endpoint = await deps.store.sniEndpoints.find(app.id, idOrName);
  if (!endpoint) throw new PlatformError(ErrorCodes.sniEndpointNotFound, `Couldn't find the certificate ${idOrName} on this app. List them with platform certs.`);
  return { app, endpoint };
}

/** @throws PLT_APP_NOT_FOUND; PLT_SNI_ENDPOINT_NOT_FOUND */
export async function getSniEndpoint(deps: SniDeps, user: User, appName: string, idOrName: string): Promise<SniEndpointView> {
  const { app, endpoint } = await findEndpoint(deps, user, appName, idOrName);
  return viewOf(deps, app, endpoint);
}

/**
 * Uploads a certificate (`certificate_chain`: leaf then intermediates, `private_key`), checked by
 * parseCertificateBundle; the key is sealed before it is stored; the edge serves it at once for the hostnames it covers.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_CERTIFICATE_INVALID (nothing stored)
 */
export async function createSniEndpoint(deps: SniDeps, user: User, appName: string, input: { certificate_chain?: unknown; private_key?: unknown }): Promise<SniEndpointView> {
  const app = await findApp(deps.store, user, appName, 'manage');
  const parsed = parseCertificateBundle(input.certificate_chain, input.private_key);
  let endpoint: SniEndpointRecord | undefined;
  for (let attempt = 0; !endpoint; attempt++) {
    try {
      endpoint = await deps.store.sniEndpoints.create(app.id, randomAppName(), parsed);
    } catch (err) {
      if ((err as { code?: string }).code !== ErrorCodes.conflict || attempt > 5) throw err;
    }
  }
  await syncCertificates(deps);
  deps.logger.info({ app: app.name, user: user.email, endpoint: endpoint.name, domains: endpoint.domains }, 'certificate added');
  return { ...(await viewOf(deps, app, endpoint)), warnings: parsed.warnings };
}

/**
 * Replaces an endpoint's certificate and key (`certs:update`), with the same checks as an upload.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_SNI_ENDPOINT_NOT_FOUND; PLT_CERTIFICATE_INVALID (nothing changed)
 */
export async function updateSniEndpoint(
  deps: SniDeps,
  user: User,
  appName: string,
  idOrName: string,
  input: { certificate_chain?: unknown; private_key?: unknown },
): Promise<SniEndpointView> {
  const { app, endpoint } = await findEndpoint(deps, user, appName, idOrName);
  const parsed = parseCertificateBundle(input.certificate_chain, input.private_key);
  const replaced = await deps.store.sniEndpoints.replace(endpoint.id, parsed);
  if (!replaced) throw new PlatformError(ErrorCodes.sniEndpointNotFound, `Couldn't find the certificate ${idOrName} on this app.`);
  await syncCertificates(deps);
  deps.logger.info({ app: app.name, user: user.email, endpoint: replaced.name }, 'certificate replaced');
  return { ...(await viewOf(deps, app, replaced)), warnings: parsed.warnings };
}

/** @throws PLT_APP_NOT_FOUND; PLT_SNI_ENDPOINT_NOT_FOUND */
export async function removeSniEndpoint(deps: SniDeps, user: User, appName: string, idOrName: string): Promise<SniEndpointView> {
  const { app, endpoint } = await findEndpoint(deps, user, appName, idOrName);
  const view = await viewOf(deps, app, endpoint);
  await deps.store.sniEndpoints.remove(endpoint.id);
  await syncCertificates(deps);
  deps.logger.info({ app: app.name, user: user.email, endpoint: endpoint.name }, 'certificate removed');
  return view;
}
