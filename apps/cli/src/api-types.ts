/** The Heroku Platform API v3 shapes the CLI reads (only the fields it uses; all optional where servers may omit them). */

export interface Account {
  id: string;
  email?: string | null;
}

export interface App {
  id: string;
  name: string;
  git_url?: string | null;
  web_url?: string | null;
  maintenance?: boolean;
  /** Automatic Certificate Management on. */
  acm?: boolean;
  owner?: { id?: string; email?: string | null } | null;
  region?: { name?: string } | null;
  stack?: { name?: string } | null;
  build_stack?: { name?: string } | null;
  released_at?: string | null;
  created_at?: string;
  updated_at?: string;
}

/** An app feature (Heroku Platform API "App Feature"). */
export interface AppFeature {
  name: string;
  description?: string | null;
  enabled: boolean;
}

export type ReleaseStatus = 'pending' | 'succeeded' | 'failed' | 'expired' | (string & {});

export interface Release {
  id: string;
  version: number;
  description?: string | null;
  status?: ReleaseStatus | null;
  /** platformd only (not Heroku): why a failed release failed. */
  failure?: { kind: 'release_command' | 'boot' | 'interrupted' | 'other' | (string & {}); message: string } | null;
  current?: boolean;
  eligible_for_rollback?: boolean;
  user?: { id?: string; email?: string | null } | null;
  addon_plan_names?: string[] | null;
  slug?: { id: string } | null;
  output_stream_url?: string | null;
  created_at?: string;
  updated_at?: string;
}

export interface Formation {
  id?: string;
  type: string;
  command?: string | null;
  quantity: number;
  size?: string | null;
}

export interface Dyno {
  id?: string;
  name: string;
  type: string;
  command?: string | null;
  size?: string | null;
  state: string;
  release?: { id?: string; version?: number } | null;
  created_at?: string;
  updated_at?: string;
}

export type ConfigVars = Record<string, string>;

/** Heroku Platform API "Domain". */
export interface Domain {
  id: string;
  hostname: string;
  kind: 'heroku' | 'custom' | (string & {});
  cname?: string | null;
  status?: string | null;
  acm_status?: string | null;
  acm_status_reason?: string | null;
  sni_endpoint?: { id: string; name: string } | null;
  created_at?: string;
  updated_at?: string;
}

/** Heroku Platform API "SNI Endpoint" (`warnings` is platformd's). */
export interface SniEndpoint {
  id: string;
  name: string;
  certificate_chain?: string;
  domains?: string[];
  ssl_cert?: {
    'ca_signed?'?: boolean;
    'self_signed?'?: boolean;
    cert_domains?: string[];
    subject?: string;
    issuer?: string;
    starts_at?: string;
    expires_at?: string;
  };
  warnings?: string[];
  created_at?: string;
  updated_at?: string;
}

/** Heroku Platform API "Add-on". */
export interface Addon {
  id: string;
  name: string;
  addon_service: { id: string; name: string };
  plan: { id: string | null; name: string };
  app: { id: string; name: string };
  config_vars: string[];
  state: string;
  /** One add-on's GET only: `available`, `unavailable` or `missing`, as its provider sees it. */
  status?: string;
  created_at: string;
  updated_at: string;
}

/** Heroku Platform API "Add-on Attachment". */
export interface AddonAttachment {
  id: string;
  name: string;
  addon: { id: string; name: string; app: { id: string; name: string } };
  app: { id: string; name: string };
  created_at: string;
}
