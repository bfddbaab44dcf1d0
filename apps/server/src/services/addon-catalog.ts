import { ErrorCodes, PlatformError } from '@platform/types';

/** A plan of an add-on service. */
export interface AddonPlan {
  id: string;
  /** Short name, e.g. `dev`; the full name is `<service>:<plan>`. */
  name: string;
  description: string;
  default: boolean;
}

/** An add-on service the platform can provision (Heroku's "Add-on Service"). */
export interface AddonService {
  id: string;
  /** e.g. `postgresql` */
  name: string;
  humanName: string;
  /** Names Heroku users type for the same thing (`heroku-postgresql`). */
  aliases: readonly string[];
  /** The attachment name of an app's first one (`DATABASE` → `DATABASE_URL`). */
  defaultAttachment: string;
  /** Prefix of the colour names given to the next ones (`HEROKU_POSTGRESQL` → `HEROKU_POSTGRESQL_RED_URL`). */
  colourPrefix: string;
  plans: readonly AddonPlan[];
  createdAt: Date;
}

const CATALOG_DATE = new Date('2026-11-30T00:00:00Z');

/** The services this platform knows, whether or not a provider for them runs here. */
export const ADDON_SERVICES: readonly AddonService[] = [
  {
    id: '6b0ae179-9d5b-4b4b-9d4c-4e0a3c3e3a01',
    name: 'postgresql',
    humanName: 'PostgreSQL',
    aliases: ['heroku-postgresql', 'postgres', 'pg'],
    defaultAttachment: 'DATABASE',
    colourPrefix: 'HEROKU_POSTGRESQL',
    plans: [{ id: '6b0ae179-9d5b-4b4b-9d4c-4e0a3c3e3a02', name: 'dev', description: 'A database of its own on a PostgreSQL server the platform runs', default: true }],
    createdAt: CATALOG_DATE,
  },
  {
    id: '6b0ae179-9d5b-4b4b-9d4c-4e0a3c3e3a11',
    name: 'redis',
    humanName: 'Redis',
    aliases: ['heroku-redis'],
    defaultAttachment: 'REDIS',
    colourPrefix: 'HEROKU_REDIS',
    plans: [{ id: '6b0ae179-9d5b-4b4b-9d4c-4e0a3c3e3a12', name: 'dev', description: 'A Redis server of its own: 64 MB, AOF persistence, noeviction', default: true }],
    createdAt: CATALOG_DATE,
  },
];

/** Heroku's colour names for a service's attachments after the first. */
export const ATTACHMENT_COLOURS = ['AMBER', 'BLUE', 'BRONZE', 'CHARCOAL', 'COBALT', 'CRIMSON', 'GOLD', 'GRAY', 'GREEN', 'IVORY', 'JADE', 'MAROON', 'NAVY', 'OLIVE', 'ONYX', 'ORANGE', 'PINK', 'PURPLE', 'RED', 'SILVER', 'TEAL', 'VIOLET', 'WHITE', 'YELLOW'] as const;

/**
 * Resolves `postgresql`, `heroku-postgresql`, `postgresql:dev` (a service by name or alias, optionally a plan)
 * to a service and plan of the catalogue.
 *
 * @throws PLT_ADDON_SERVICE_NOT_FOUND for an unknown service or plan, naming what exists.
 */
export function resolvePlan(input: unknown): { service: AddonService; plan: AddonPlan } {
  if (typeof input !== 'string' || input.trim() === '') {
    throw new PlatformError(ErrorCodes.invalidParams, 'Say which add-on to create: {"plan": "postgresql"} (or "postgresql:dev").');
  }
  const [serviceName = '', planName, ...rest] = input.trim().toLowerCase().split(':');
  const service = ADDON_SERVICES.find((s) => s.name === serviceName || s.aliases.includes(serviceName));
  if (!service || rest.length > 0) {
    const known = ADDON_SERVICES.map((s) => s.name).join(', ');
    throw new PlatformError(ErrorCodes.addonServiceNotFound, `Couldn't find either the add-on service or the add-on plan of ${JSON.stringify(input)}. Services: ${known}.`);
  }
  const plan = planName === undefined ? service.plans.find((p) => p.default) : service.plans.find((p) => p.name === planName);
  if (!plan) {
    throw new PlatformError(
      ErrorCodes.addonServiceNotFound,
      `${service.name} has no plan ${JSON.stringify(planName)}. Plans: ${service.plans.map((p) => `${service.name}:${p.name}`).join(', ')}.`,
    );
  }
  return { service, plan };
}

/** The catalogue's service of this name, or null. */
export function findService(name: string): AddonService | null {
  return ADDON_SERVICES.find((s) => s.name === name) ?? null;
}

/** An attachment name as users give it (`--as reporting` → `REPORTING`): letters, digits, `_`, starting with a letter. */
export function normalizeAttachmentName(input: unknown): string {
  if (typeof input !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(input) || /_URL$/i.test(input)) {
    throw new PlatformError(
      ErrorCodes.invalidParams,
      `${JSON.stringify(input)} is not a valid attachment name: use letters, digits and underscores, starting with a letter, without _URL (it is added).`,
    );
  }
  return input.toUpperCase();
}

/** The first free name for a new attachment of `service` in an app that has `taken` (the default, then colours). */
export function nextAttachmentName(service: AddonService, taken: ReadonlySet<string>): string {
  if (!taken.has(service.defaultAttachment)) return service.defaultAttachment;
  for (const colour of ATTACHMENT_COLOURS) {
    const name = `${service.colourPrefix}_${colour}`;
    if (!taken.has(name)) return name;
  }
  throw new PlatformError(ErrorCodes.invalidParams, `This app has no free ${service.name} attachment name left; give one with --as NAME.`);
}
