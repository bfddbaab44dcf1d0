import { createHash } from 'node:crypto';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { AcmStatus, AppRecord, DomainRecord, User } from '@platform/store-postgres';
import { findApp } from './apps.ts';
import { isUnderDomain, normalizeHostname } from './hostnames.ts';
import { coveringEndpoint } from './sni-endpoints.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * One of an app's domains as the API shows it (Heroku Platform API "Domain"): its default `<app>.<domain>`
 * (kind `heroku`) or a custom one (kind `custom`, reached by a CNAME to `cname`).
 */
export interface DomainView {
  id: string;
  app: AppRecord;
  hostname: string;
  kind: 'heroku' | 'custom';
  /** The DNS target a custom domain's CNAME (or ALIAS) record points at: `<app>.<PLATFORM_DOMAIN>`; null for the default. */
  cname: string | null;
  /** `succeeded` once the edge routes it (at once here: no DNS check is made before routing). */
  status: 'succeeded';
  acmStatus: AcmStatus | null;
  acmStatusReason: string | null;
  /** The uploaded certificate that covers it (first by creation), if any. */
  sniEndpoint: { id: string; name: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Heroku's limit of custom domains per app (Dev Center, "Custom Domain Names for Apps"). */
export const MAX_DOMAINS_PER_APP = 1000;

type DomainDeps = Pick<ServiceDeps, 'store' | 'edge' | 'config' | 'logger' | 'acm'>;

/** The default domain's id: stable, derived from the app's (it has no row). */
function defaultDomainId(app: AppRecord): string {
  const h = createHash('sha256').update(`default-domain:${app.id}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function defaultDomain(deps: Pick<ServiceDeps, 'config'>, app: AppRecord): DomainView {
  return {
    id: defaultDomainId(app),
    app,
    hostname: `${app.name}.${deps.config.domain}`,
    kind: 'heroku',
    cname: null,
    status: 'succeeded',
    acmStatus: null,
    acmStatusReason: null,
    sniEndpoint: null,
    createdAt: app.createdAt,
    updatedAt: app.createdAt,
  };
}

/** A stored domain as the API shows it; `covering` finds the SNI endpoint that covers a hostname. */
export function customDomain(
  deps: Pick<ServiceDeps, 'config'>,
  app: AppRecord,
  d: DomainRecord,
  covering: (hostname: string) => { id: string; name: string } | null = () => null,
): DomainView {
  return {
    id: d.id,
    app,
    hostname: d.hostname,
    kind: 'custom',
    cname: `${app.name}.${deps.config.domain}`,
    status: 'succeeded',
    acmStatus: d.acmStatus,
    acmStatusReason: d.acmStatusReason,
    sniEndpoint: covering(d.hostname),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** Tells the edge the app's custom domains, as stored. */
export async function syncDomains(deps: Pick<ServiceDeps, 'store' | 'edge'>, app: AppRecord): Promise<void> {
  await deps.edge.setDomains(app.name, (await deps.store.domains.list(app.id)).map((d) => d.hostname));
}

/**
 * The app's domains: its default `<app>.<domain>` first, then its custom ones by creation.
 *
 * @throws PLT_APP_NOT_FOUND
 */
export async function listDomains(deps: DomainDeps, user: User, appName: string): Promise<DomainView[]> {
  const app = await findApp(deps.store, user, appName);
  const custom = await deps.store.domains.list(app.id);
  const covering = coveringEndpoint(await deps.store.sniEndpoints.list(app.id));
  return [defaultDomain(deps, app), ...custom.map((d) => customDomain(deps, app, d, covering))];
}

/**
 * One domain of the app by hostname (any case, IDN allowed) or id.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_DOMAIN_NOT_FOUND
 */
export async function getDomain(deps: DomainDeps, user: User, appName: string, hostnameOrId: string): Promise<DomainView> {
  const all = await listDomains(deps, user, appName);
  let hostname: string | null = null;
  try {
    hostname = normalizeHostname(hostnameOrId);
  } catch {
    /* an id, or no valid name: matched by id only */
  }
  const found = all.find((d) => d.id === hostnameOrId || d.hostname === hostname);
  if (!found) throw new PlatformError(ErrorCodes.domainNotFound, `Couldn't find the domain ${hostnameOrId} on this app. List them with platform domains.`);
  return found;
}

/**
 * Adds a custom domain (`*.example.com` for a wildcard) and routes it at once. The app's default domain, and any
 * other name under the platform's own domain, cannot be added; a hostname belongs to one app at a time. With the
 * app's ACM on, the domain starts `acm_status: pending` (the ACME issuer picks it up).
 *
 * @throws PLT_APP_NOT_FOUND; PLT_DOMAIN_INVALID (malformed, the platform's domain); PLT_DOMAIN_TAKEN (this app
 *   already has it, or another app does); PLT_INVALID_PARAMS past MAX_DOMAINS_PER_APP.
 */
export async function addDomain(deps: DomainDeps, user: User, appName: string, input: { hostname?: unknown }): Promise<DomainView> {
  const app = await findApp(deps.store, user, appName, 'manage');
  const hostname = normalizeHostname(input.hostname);
  const platformDomain = deps.config.domain;
  if (hostname === `${app.name}.${platformDomain}`) {
    throw new PlatformError(ErrorCodes.domainTaken, `${hostname} is this app's default domain; it is always routed.`, { details: { field: 'hostname' } });
  }
  if (hostname === deps.config.apiEdge?.hostname) {
    throw new PlatformError(ErrorCodes.domainTaken, `${hostname} is the platform's own API hostname.`, { details: { field: 'hostname' } });
  }
  if (isUnderDomain(hostname, platformDomain)) {
    throw new PlatformError(ErrorCodes.domainInvalid, `${hostname} is under the platform's own domain ${platformDomain}; add a domain you own.`, {
      details: { field: 'hostname' },
    });
  }
  const existing = await deps.store.domains.byHostname(hostname);
  if (existing) {
    const message = existing.appId === app.id ? `${hostname} is already a domain of this app.` : `${hostname} is currently in use by another app.`;
    throw new PlatformError(ErrorCodes.domainTaken, message, { details: { field: 'hostname' } });
  }
  if ((await deps.store.domains.list(app.id)).length >= MAX_DOMAINS_PER_APP) {
    throw new PlatformError(ErrorCodes.invalidParams, `An app can have at most ${MAX_DOMAINS_PER_APP} custom domains. Remove one with domains:remove, or use a wildcard.`);
  }
  const added = await deps.store.domains.add(app.id, hostname, app.acm ? 'pending' : null);
  await syncDomains(deps, app);
  if (app.acm) deps.acm?.kick();
  deps.logger.info({ app: app.name, user: user.email, hostname }, 'domain added');
  return customDomain(deps, app, added, coveringEndpoint(await deps.store.sniEndpoints.list(app.id)));
}

/**
 * Removes a custom domain (by hostname or id); the edge stops routing it at once.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_DOMAIN_INVALID for the default domain; PLT_DOMAIN_NOT_FOUND
 */
export async function removeDomain(deps: DomainDeps, user: User, appName: string, hostnameOrId: string): Promise<DomainView> {
  const view = await getDomain(deps, user, appName, hostnameOrId);
  if (view.kind === 'heroku') {
    throw new PlatformError(ErrorCodes.domainInvalid, `${view.hostname} is the app's default domain and cannot be removed.`, { details: { field: 'hostname' } });
  }
  const removed = await deps.store.domains.remove(view.app.id, view.id);
  if (!removed) throw new PlatformError(ErrorCodes.domainNotFound, `Couldn't find the domain ${hostnameOrId} on this app.`);
  await syncDomains(deps, view.app);
  deps.logger.info({ app: view.app.name, user: user.email, hostname: view.hostname }, 'domain removed');
  return view;
}
