/**
 * Add-ons: backing services (a PostgreSQL database, later Redis) the platform provisions for an app and
 * attaches as a `*_URL` config var (twelve-factor IV). A provider is one way of running a service (a database
 * on a server the platform supervises, a container per add-on, an external managed server); every provider of
 * a service passes the one contract suite `test/contracts/addon-provider.contract.ts`.
 */

/** What a provider is asked to provision: the add-on's stable id (its resources are named after it). */
export interface AddonRequest {
  /** The add-on's id (a UUID); the same id always names the same resources, so calls are idempotent. */
  addonId: string;
  /** The plan, e.g. `dev`. */
  plan: string;
  /**
   * The id of the app that owns the add-on. A provider that places the add-on beside the app's dynos (the docker
   * one: on the app's network) needs it to provision; the others may ignore it.
   */
  appId?: string | undefined;
}

/**
 * How an app reaches a provisioned add-on. The URL carries a secret (the password): the store keeps it sealed
 * and it reaches dynos only as a config var, never logs or argv.
 */
export interface AddonCredentials {
  /** e.g. `postgres://addon_…:<password>@127.0.0.1:5433/addon_…` */
  url: string;
}

/** A provisioned add-on's health as its provider sees it. */
export type AddonStatus = 'available' | 'unavailable' | 'missing';

/**
 * One way of running one add-on service.
 *
 *   const { url } = await provider.provision({ addonId, plan: 'dev' });
 *   await provider.deprovision({ addonId, plan: 'dev' }); // database and role gone
 */
export interface AddonProvider {
  /** The service it provides, e.g. `postgresql`. */
  readonly service: string;
  /** The provider's name as stored with each add-on, e.g. `process`. */
  readonly name: string;
  /** Creates the add-on's resources with fresh random credentials; provisioning an existing one replaces its password. */
  provision(request: AddonRequest): Promise<AddonCredentials>;
  /** Removes every resource of the add-on (data included). Removing one that is gone succeeds. */
  deprovision(request: AddonRequest): Promise<void>;
  /** New random credentials; the old ones stop working (open sessions are ended). */
  rotateCredentials(request: AddonRequest): Promise<AddonCredentials>;
  /** Whether the add-on's resources exist and answer. */
  status(request: AddonRequest): Promise<AddonStatus>;
  /**
   * Lets another app's dynos reach the add-on, for an attachment to that app (the docker provider joins the add-on's
   * container to that app's network; a provider reachable from every dyno has none). Idempotent.
   */
  connectApp?(request: AddonRequest, appId: string): Promise<void>;
  /** Undoes `connectApp` when the attachment goes (never for the owning app). Idempotent. */
  disconnectApp?(request: AddonRequest, appId: string): Promise<void>;
  /**
   * The add-on's URL as platformd itself reaches it (for `pg:backups`' pg_dump and pg_restore), where that differs
   * from the URL dynos use: the docker providers' URLs name a container that only the app's network resolves, so
   * this gives its address instead. Without it, platformd uses the URL as it is.
   * @throws PLT_ADDON_NOT_FOUND when the add-on's server is not running
   */
  platformUrl?(request: AddonRequest, url: string): Promise<string>;
  /** Releases what the provider holds open (connections; a server it supervises is stopped). */
  close(): Promise<void>;
}
