import type { Logger } from 'pino';
import type { DomainRecord, Store } from '@platform/store-postgres';
import type { Router } from '@platform/types';
import { EXPIRY_WARNING_DAYS } from '../services/certificates.ts';
import { syncCertificates } from '../services/sni-endpoints.ts';
import type { AcmeIssuer, IssuedCertificate } from './issuer.ts';

export interface AcmManager {
  /** Runs a check soon (a domain was added, ACM enabled); checks already under way are followed by one more. */
  kick(): void;
  /** One check, awaited: every ACM domain without a valid certificate, or within 30 days of expiry, is issued. */
  runOnce(): Promise<void>;
  /** Periodic checks every `intervalMs` (renewals, retries of failing domains). */
  start(): void;
  close(): Promise<void>;
}

/**
 * One of the platform's own hostnames whose certificate the manager keeps issued (the API hostname): it has no
 * app, so its state goes to the platform's log only.
 */
export interface PlatformHostname {
  hostname: string;
  /** Expiry of the certificate in use, or null when there is none yet. */
  expiresAt(): Date | null;
  /** Keeps a newly issued certificate (stored, then served); called before the edge's set is replaced. */
  save(cert: IssuedCertificate): Promise<void>;
  /** After the edge has the new certificate (the first one: start serving the hostname). */
  afterIssued?(): Promise<void>;
}

export interface AcmManagerOptions {
  store: Pick<Store, 'apps' | 'domains' | 'sniEndpoints'>;
  edge: Pick<Router, 'setCertificates'>;
  issuer: AcmeIssuer;
  logger: Pick<Logger, 'info' | 'warn'>;
  intervalMs: number;
  /** Tells the app's log why (issued, renewed, failing). */
  onEvent?: (appId: string, message: string) => void;
  /** The platform's own hostnames to keep a certificate for, with the apps' domains. */
  platformHostnames?: PlatformHostname[];
  now?: () => number;
}

/** True when a domain of an ACM app needs a (new) certificate: none yet, or one expiring within 30 days. */
export function needsCertificate(domain: DomainRecord, now: number): boolean {
  const cert = domain.acmCertificate;
  return !cert || cert.expiresAt.getTime() - now < EXPIRY_WARNING_DAYS * 86_400_000;
}

/**
 * Automatic Certificate Management: for each app with ACM on, issues a certificate for every custom domain that has
 * none and renews one within 30 days of expiry (Let's Encrypt's advice), one domain at a time. A failure marks
 * the domain `failing` with the CA's reason and leaves it served over HTTP; the next check retries it.
 */
export function createAcmManager(options: AcmManagerOptions): AcmManager {
  const { store, issuer, logger } = options;
  const now = options.now ?? Date.now;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  async function check(): Promise<void> {
    const apps = (await store.apps.list()).filter((a) => a.acm);
    let changed = false;
    for (const app of apps) {
      for (const domain of await store.domains.list(app.id)) {
        if (closed) return;
        if (!needsCertificate(domain, now())) continue;
        const renewal = domain.acmCertificate !== null;
        try {
          const cert = await issuer.issue(domain.hostname);
          // ACM turned off (or the app destroyed) while the CA was validating: keep nothing.
          if (!(await store.apps.find(app.id))?.acm) continue;
          await store.domains.setAcm(domain.id, { status: 'cert issued', reason: null, certificate: cert });
          changed = true;
          logger.info({ app: app.name, hostname: domain.hostname, expiresAt: cert.expiresAt }, renewal ? 'certificate renewed' : 'certificate issued');
          options.onEvent?.(app.id, `${renewal ? 'Renewed' : 'Issued'} the certificate of ${domain.hostname} (expires ${cert.expiresAt.toISOString()})`);
        } catch (err) {
          const reason = (err as Error).message;
          // A renewal that fails keeps the current certificate (served until it expires): only the state changes.
          await store.domains.setAcm(domain.id, { status: 'failing', reason });
          logger.warn({ app: app.name, hostname: domain.hostname, reason }, 'automatic certificate failed');
          options.onEvent?.(app.id, `Automatic certificate for ${domain.hostname} failed: ${reason}`);
        }
      }
    }
    const issued = await checkPlatformHostnames();
    if (changed || issued.length > 0) await syncCertificates({ store, edge: options.edge });
    for (const hostname of issued) await hostname.afterIssued?.();
  }

  /** Issues or renews the platform's own hostnames' certificates; returns those that got a new one. */
  async function checkPlatformHostnames(): Promise<PlatformHostname[]> {
    const issued: PlatformHostname[] = [];
    for (const own of options.platformHostnames ?? []) {
      if (closed) break;
      const expiresAt = own.expiresAt();
      if (expiresAt && expiresAt.getTime() - now() >= EXPIRY_WARNING_DAYS * 86_400_000) continue;
      try {
        const cert = await issuer.issue(own.hostname);
        await own.save(cert);
        issued.push(own);
        logger.info({ hostname: own.hostname, expiresAt: cert.expiresAt }, expiresAt ? 'platform certificate renewed' : 'platform certificate issued');
      } catch (err) {
        // A renewal that fails keeps the certificate in use until it expires; the next check retries.
        logger.warn({ hostname: own.hostname, reason: (err as Error).message }, 'automatic certificate of a platform hostname failed');
      }
    }
    return issued;
  }

  function runOnce(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await check();
        } while (again && !closed);
      } catch (err) {
        logger.warn({ err }, 'automatic certificate check failed');
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    kick: () => void runOnce(),
    runOnce,
    start() {
      timer = setInterval(() => void runOnce(), options.intervalMs);
      timer.unref();
      void runOnce();
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
