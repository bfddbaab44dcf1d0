import type { AppRecord, BuildRecord, CollaboratorRecord, FormationRecord, ReleaseRecord, TokenRecord, User, UserRecord } from '@platform/store-postgres';
import type { DynoStatus } from '@platform/process-manager';
import type { ApiContext } from './context.ts';
import { isEligibleForRollback } from '../services/releases.ts';
import type { DomainView } from '../services/domains.ts';
import type { AppFeature } from '../services/features.ts';
import type { SniEndpointView } from '../services/sni-endpoints.ts';
import type { AddonView, AttachmentView } from '../services/addons.ts';
import type { AddonStatus } from '@platform/types';
import type { AddonPlan, AddonService } from '../services/addon-catalog.ts';

const STACK = { id: '00000000-0000-4000-8000-000000000001', name: 'bookworm' };

export function appJson(ctx: Pick<ApiContext, 'urls'>, app: AppRecord, owner: Pick<User, 'id' | 'email'> | null, extra: { releasedAt?: Date | null; buildpack?: string | null; slugSize?: number | null } = {}) {
  return {
    id: app.id,
    name: app.name,
    git_url: ctx.urls.git(app.name),
    web_url: ctx.urls.web(app.name),
    maintenance: app.maintenance,
    stack: STACK,
    build_stack: STACK,
    region: { id: '00000000-0000-4000-8000-000000000002', name: 'local' },
    owner: owner ? { id: owner.id, email: owner.email } : { id: app.ownerId, email: null },
    team: null,
    organization: null,
    space: null,
    buildpack_provided_description: extra.buildpack ?? null,
    released_at: extra.releasedAt?.toISOString() ?? null,
    repo_size: null,
    slug_size: extra.slugSize ?? null,
    acm: app.acm,
    internal_routing: null,
    archived_at: null,
    created_at: app.createdAt.toISOString(),
    updated_at: app.updatedAt.toISOString(),
  };
}

export function releaseJson(app: AppRecord, r: ReleaseRecord, currentId: string | null) {
  return {
    id: r.id,
    version: r.version,
    description: r.description,
    status: r.status,
    // Beyond Heroku's shape: why a failed release failed ({kind, message}; kind release_command, boot, interrupted
    // or other), so `platform releases` can say "release command failed" only when that is what happened.
    failure: r.failure,
    current: r.id === currentId,
    eligible_for_rollback: isEligibleForRollback(r),
    slug: r.buildId ? { id: r.buildId } : null,
    artifacts: r.buildId ? [{ type: 'slug', id: r.buildId }] : [],
    app: { id: app.id, name: app.name },
    user: { id: r.userId, email: r.userEmail },
    addon_plan_names: [],
    output_stream_url: null,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

export function buildJson(app: AppRecord, b: BuildRecord, releaseId: string | null) {
  return {
    id: b.id,
    status: b.status,
    output_stream_url: null,
    source_blob: { version: b.sourceVersion, url: null, checksum: null },
    buildpacks: b.buildpack ? [{ name: b.buildpack, url: null }] : [],
    buildpack_provided_description: b.buildpack,
    process_types: b.processTypes,
    slug: b.slugChecksum ? { id: b.id, checksum: `SHA256:${b.slugChecksum}`, size: b.slugSize } : null,
    release: releaseId ? { id: releaseId } : null,
    stack: STACK.name,
    failure: b.failure,
    app: { id: app.id, name: app.name },
    user: { id: b.userId },
    created_at: b.createdAt.toISOString(),
    updated_at: b.updatedAt.toISOString(),
  };
}

export function formationJson(app: AppRecord, f: FormationRecord, command: string | null) {
  return {
    id: `${app.id}:${f.type}`,
    type: f.type,
    quantity: f.quantity,
    size: f.size,
    command: command ?? '',
    app: { id: app.id, name: app.name },
    created_at: f.createdAt.toISOString(),
    updated_at: f.updatedAt.toISOString(),
  };
}

/** A dyno; `size` is its formation's (formation dynos) or the one it was started with (one-offs). */
export function dynoJson(app: AppRecord, d: DynoStatus, size: string) {
  return {
    id: d.id,
    name: d.name,
    type: d.type,
    command: d.command,
    state: d.state,
    size,
    attach_url: null,
    release: { id: d.releaseId, version: d.releaseVersion },
    app: { id: app.id, name: app.name },
    created_at: d.since.toISOString(),
    updated_at: d.since.toISOString(),
  };
}

/** Heroku Platform API "App Feature" (`state` is `general`: every feature here is supported, none is beta). */
export function featureJson(f: AppFeature) {
  return {
    id: f.id,
    name: f.name,
    display_name: f.name,
    description: f.description,
    doc_url: f.docUrl,
    enabled: f.enabled,
    state: 'general',
    feedback_email: null,
    created_at: f.app.createdAt.toISOString(),
    updated_at: f.app.updatedAt.toISOString(),
  };
}

/** Heroku Platform API "Domain". */
export function domainJson(d: DomainView) {
  return {
    id: d.id,
    hostname: d.hostname,
    kind: d.kind,
    cname: d.cname,
    status: d.status,
    acm_status: d.acmStatus,
    acm_status_reason: d.acmStatusReason,
    sni_endpoint: d.sniEndpoint,
    app: { id: d.app.id, name: d.app.name },
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}

/** A user as the admin lists it (`/users`); `invite_expires_at` is set while an invitation waits. */
export function userJson(u: UserRecord) {
  return {
    id: u.id,
    email: u.email,
    admin: u.isAdmin,
    state: u.disabledAt ? 'disabled' : u.hasPassword ? 'active' : 'invited',
    invite_expires_at: u.inviteExpiresAt?.toISOString() ?? null,
    disabled_at: u.disabledAt?.toISOString() ?? null,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

/**
 * Heroku Platform API "SNI Endpoint" (`domains` are the ids of the app's custom domains it covers), plus
 * `warnings` (platformd only: e.g. an expiry within 30 days). The private key is never shown.
 */
export function sniEndpointJson(v: SniEndpointView) {
  const e = v.endpoint;
  return {
    id: e.id,
    name: e.name,
    display_name: null,
    certificate_chain: e.chainPem,
    domains: v.domainIds,
    app: { id: v.app.id, name: v.app.name },
    ssl_cert: {
      id: e.id,
      'ca_signed?': !e.selfSigned,
      'self_signed?': e.selfSigned,
      cert_domains: e.domains,
      subject: e.subject,
      issuer: e.issuer,
      starts_at: e.startsAt.toISOString(),
      expires_at: e.expiresAt.toISOString(),
    },
    warnings: v.warnings,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

/**
 * Heroku's OAuth authorization shape. `token` is the secret, given only when the token is created (null in lists);
 * `expires_in` is the seconds left (null: never expires).
 */
export function authorizationJson(t: TokenRecord, user: Pick<User, 'id' | 'email'>, token: string | null = null, now = Date.now()) {
  const expiresIn = t.expiresAt ? Math.max(0, Math.round((t.expiresAt.getTime() - now) / 1000)) : null;
  return {
    id: t.id,
    description: t.description,
    scope: ['global'],
    access_token: { id: t.id, token, expires_in: expiresIn },
    client: null,
    grant: null,
    refresh_token: null,
    session: null,
    user: { id: user.id, email: user.email, full_name: null },
    last_used_at: t.lastUsedAt?.toISOString() ?? null,
    created_at: t.createdAt.toISOString(),
    updated_at: t.createdAt.toISOString(),
  };
}

const PERMISSION_TEXT: Record<string, string> = {
  view: 'Can view the app, its releases, formation, dynos and logs.',
  deploy: 'Can push code, change config vars, roll back and run one-off dynos.',
  operate: 'Can scale, restart and stop dynos.',
  manage: 'Can manage collaborators and log drains.',
};

/** Heroku's collaborator shape (`role` is `collaborator`; the owner is not listed as one). */
export function collaboratorJson(app: AppRecord, c: CollaboratorRecord) {
  return {
    id: `${app.id}:${c.userId}`,
    app: { id: app.id, name: app.name },
    permissions: c.permissions.map((name) => ({ name, description: PERMISSION_TEXT[name] ?? '' })),
    role: 'collaborator',
    user: { id: c.userId, email: c.email, federated: false },
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

/** Heroku Platform API "Add-on Service". */
export function addonServiceJson(s: AddonService) {
  return {
    id: s.id,
    name: s.name,
    human_name: s.humanName,
    state: 'ga',
    cli_plugin_name: null,
    supports_multiple_installations: true,
    supports_sharing: true,
    created_at: s.createdAt.toISOString(),
    updated_at: s.createdAt.toISOString(),
  };
}

/** Heroku Platform API "Plan" (of an add-on service). */
export function addonPlanJson(s: AddonService, p: AddonPlan) {
  return {
    id: p.id,
    name: `${s.name}:${p.name}`,
    human_name: p.name,
    description: p.description,
    default: p.default,
    state: 'public',
    price: { cents: 0, unit: 'month', contract: false, metered: false },
    addon_service: { id: s.id, name: s.name },
    created_at: s.createdAt.toISOString(),
    updated_at: s.createdAt.toISOString(),
  };
}

/** Heroku Platform API "Add-on". The credentials never appear: they reach the app as config vars only. */
export function addonJson(v: AddonView) {
  const plan = v.service.plans.find((p) => p.name === v.addon.plan);
  return {
    id: v.addon.id,
    name: v.addon.name,
    addon_service: { id: v.service.id, name: v.service.name },
    plan: { id: plan?.id ?? null, name: `${v.service.name}:${v.addon.plan}` },
    app: { id: v.app.id, name: v.app.name },
    config_vars: v.configVars,
    state: v.addon.state,
    provider_id: v.addon.provider,
    billing_entity: { id: v.app.id, name: v.app.name, type: 'app' },
    billed_price: { cents: 0, contract: false, unit: 'month' },
    actions: [],
    web_url: null,
    created_at: v.addon.createdAt.toISOString(),
    updated_at: v.addon.updatedAt.toISOString(),
  };
}

/** One add-on, as `GET /addons/{id}` shows it: Heroku's shape, plus (beyond it) `status` as its provider sees it. */
export function addonDetailJson(v: AddonView & { status: AddonStatus }) {
  return { ...addonJson(v), status: v.status };
}

/** Heroku Platform API "Add-on Attachment". */
export function addonAttachmentJson(v: AttachmentView) {
  return {
    id: v.attachment.id,
    name: v.attachment.name,
    addon: { id: v.addon.id, name: v.addon.name, app: { id: v.addonApp.id, name: v.addonApp.name } },
    app: { id: v.app.id, name: v.app.name },
    namespace: null,
    web_url: null,
    log_input_url: null,
    created_at: v.attachment.createdAt.toISOString(),
    updated_at: v.attachment.updatedAt.toISOString(),
  };
}
