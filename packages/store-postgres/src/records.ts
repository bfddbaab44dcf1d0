/** Rows of the store as the rest of the platform sees them (camelCase, Dates). */

export interface User {
  id: string;
  email: string;
  isAdmin: boolean;
}

export interface AppRecord {
  id: string;
  name: string;
  ownerId: string;
  maintenance: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type BuildStatus = 'pending' | 'succeeded' | 'failed';

export interface BuildRecord {
  id: string;
  appId: string;
  userId: string;
  status: BuildStatus;
  sourceVersion: string | null;
  buildpack: string | null;
  processTypes: Record<string, string>;
  slugChecksum: string | null;
  slugSize: number | null;
  image: string | null;
  failure: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ReleaseStatus = 'pending' | 'succeeded' | 'failed' | 'expired';

export interface ReleaseRecord {
  id: string;
  appId: string;
  version: number;
  buildId: string | null;
  description: string;
  status: ReleaseStatus;
  userId: string;
  userEmail: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface FormationRecord {
  appId: string;
  type: string;
  quantity: number;
  size: string;
  createdAt: Date;
  updatedAt: Date;
}

export type ConfigVars = Record<string, string>;
