import type { DynoAddress } from './runtime.ts';

/** One web dyno an app's requests may go to. */
export interface RouteTarget {
  /** Dyno name, e.g. `web.1`. */
  dyno: string;
  address: DynoAddress;
}

/**
 * A TLS certificate the edge serves (an SNI endpoint or an automatic certificate). PEM text; the key never
 * leaves platformd and the router's own private files (0600).
 */
export interface RouterCertificate {
  /** Stable id (the SNI endpoint's or the automatic certificate's), used to replace or remove it. */
  id: string;
  /** The app it belongs to. */
  app: string;
  /** Leaf certificate first, then the intermediates. */
  chainPem: string;
  keyPem: string;
  /** Hostnames it covers (from its SAN list), lower-case; `*.example.com` for a wildcard. */
  hostnames: readonly string[];
}

/** What the router is told besides an app's web dynos (`Router.setRoutes`). */
export interface RouteState {
  /**
   * The app's formation has web dynos and every one of them crashed (none up): requests get 503 H10 "App crashed"
   * instead of H14 "No web processes running". Ignored while any target is given.
   */
  crashed?: boolean;
}

/** Per-app switches of the edge. */
export interface AppEdgeSettings {
  /** Answer every request with 503, code H80 and the maintenance page, while dynos keep running. */
  maintenance: boolean;
  /** Redirect plain-HTTP requests to HTTPS (308 for non-GET/HEAD, 301 otherwise) where a certificate covers the host. */
  redirectHttps: boolean;
}

/**
 * The data path: Host → an app's web dynos, with Heroku's headers, H-codes and one log line per request.
 * Drivers (packages/router-*) pass `test/contracts/router.contract.ts`. Every change takes effect for the next
 * request once its promise resolves (the process manager waits for it before retiring a dyno it replaced).
 *
 * Hostnames of an app: `<app>.<domain>` always, plus its custom domains (exact `www.example.com` or wildcard
 * `*.example.com`; an exact name wins over a wildcard). A hostname belongs to one app at a time: the caller
 * (the domains service) guarantees it.
 */
export interface Router {
  /** Sets an app's web dynos. `[]` = a known app with no web dyno up (503 H14, or H10 when `state.crashed`). */
  setRoutes(app: string, targets: readonly RouteTarget[], state?: RouteState): Promise<void>;
  /** Sets an app's custom domains (lower-case, punycode), replacing the previous list. */
  setDomains(app: string, hostnames: readonly string[]): Promise<void>;
  /** Sets an app's edge switches (maintenance, HTTPS redirect). */
  setSettings(app: string, settings: AppEdgeSettings): Promise<void>;
  /** Replaces the whole set of certificates the edge serves. */
  setCertificates(certificates: readonly RouterCertificate[]): Promise<void>;
  /**
   * Sets (or, with null, removes) an ACME http-01 challenge (RFC 8555 §8.3): `GET|HEAD
   * /.well-known/acme-challenge/<token>` on any host, known or not, answers 200 text/plain with the key
   * authorization; an unknown token goes on to the app. The data path itself answers, so a challenge keeps
   * being answered while platformd restarts under a router that outlives it. Token: `[A-Za-z0-9_-]{1,256}`;
   * key authorization: `<token>.<thumbprint>` (base64url and `.`); anything else is refused (PLT_INVALID_PARAMS).
   *
   *   await router.setChallenge(token, keyAuthorization); // before the CA is told to validate
   *   await router.setChallenge(token, null);             // once it has
   */
  setChallenge(token: string, keyAuthorization: string | null): Promise<void>;
  /** Forgets an app: its hosts answer 404. */
  removeApp(app: string): Promise<void>;
  close(): Promise<void>;
}
