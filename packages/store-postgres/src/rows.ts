import type { AppRecord, BuildRecord, FormationRecord, ReleaseFailure, ReleaseRecord } from './records.ts';

type Row = Record<string, unknown>;

export function toApp(r: Row): AppRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    ownerId: r.owner_id as string,
    maintenance: r.maintenance as boolean,
    acm: r.acm as boolean,
    redirectHttps: r.redirect_https as boolean,
    buildpacks: (r.buildpacks as string[] | null) ?? [],
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

export function toBuild(r: Row): BuildRecord {
  return {
    id: r.id as string,
    appId: r.app_id as string,
    userId: r.user_id as string,
    status: r.status as BuildRecord['status'],
    sourceVersion: (r.source_version as string | null) ?? null,
    buildpack: (r.buildpack as string | null) ?? null,
    processTypes: (r.process_types as Record<string, string>) ?? {},
    slugChecksum: (r.slug_checksum as string | null) ?? null,
    slugSize: r.slug_size === null || r.slug_size === undefined ? null : Number(r.slug_size),
    image: (r.image as string | null) ?? null,
    images: (r.images as Record<string, string> | null) ?? null,
    failure: (r.failure as string | null) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

export function toRelease(r: Row): ReleaseRecord {
  return {
    id: r.id as string,
    appId: r.app_id as string,
    version: r.version as number,
    buildId: (r.build_id as string | null) ?? null,
    description: r.description as string,
    status: r.status as ReleaseRecord['status'],
    failure: r.failure_kind ? { kind: r.failure_kind as ReleaseFailure['kind'], message: (r.failure_message as string | null) ?? '' } : null,
    userId: r.user_id as string,
    userEmail: (r.user_email as string | undefined) ?? '',
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

export function toFormation(r: Row): FormationRecord {
  return {
    appId: r.app_id as string,
    type: r.type as string,
    quantity: r.quantity as number,
    size: r.size as string,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

export const RELEASE_COLUMNS =
  'r.id, r.app_id, r.version, r.build_id, r.description, r.status, r.failure_kind, r.failure_message, r.user_id, u.email AS user_email, ' +
  'r.created_at, r.updated_at';
