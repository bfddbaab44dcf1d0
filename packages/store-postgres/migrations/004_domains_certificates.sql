-- Up Migration
-- Custom domains, TLS certificates (uploaded SNI endpoints and automatic ACME ones) and the ACME account
-- (issue 15). Private keys are sealed like config vars (packages/secrets); certificates are public and kept as PEM.

-- Automatic Certificate Management (certs:auto:enable) per app.
ALTER TABLE apps ADD COLUMN acm boolean NOT NULL DEFAULT false;

-- Uploaded certificates (Heroku's SNI endpoints). What the API shows is parsed once, at upload.
CREATE TABLE sni_endpoints (
  id uuid PRIMARY KEY,
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  name text NOT NULL UNIQUE,
  -- Leaf first, then intermediates, PEM.
  certificate_chain text NOT NULL,
  private_key_enc bytea NOT NULL,
  -- The SAN DNS names (lower-case, `*.example.com` for a wildcard).
  cert_domains text[] NOT NULL,
  subject text NOT NULL,
  issuer text NOT NULL,
  self_signed boolean NOT NULL,
  starts_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sni_endpoints_app ON sni_endpoints (app_id, created_at);

-- An app's custom domains (its default <app>.<domain> is not stored). A hostname belongs to one app: the unique
-- index decides races. Hostnames are stored lower-case, punycode, without a trailing dot (`*.` for a wildcard).
CREATE TABLE domains (
  id uuid PRIMARY KEY,
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  hostname text NOT NULL UNIQUE CHECK (hostname = lower(hostname) AND length(hostname) <= 253),
  -- ACM state of this hostname: NULL when the app's ACM is off.
  acm_status text CHECK (acm_status IN ('pending', 'cert issued', 'failing')),
  acm_status_reason text,
  acm_certificate_chain text,
  acm_private_key_enc bytea,
  acm_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_app ON domains (app_id, created_at);

-- The one ACME account of this platform, per directory URL; its key sealed.
CREATE TABLE acme_accounts (
  directory_url text PRIMARY KEY,
  key_enc bytea NOT NULL,
  account_url text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE acme_accounts;
DROP TABLE domains;
DROP TABLE sni_endpoints;
ALTER TABLE apps DROP COLUMN acm;
