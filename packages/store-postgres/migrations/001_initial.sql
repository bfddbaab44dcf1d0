-- Up Migration
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL UNIQUE,
  is_admin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- sha256 of the token; tokens are 256-bit random, so a plain hash is enough and lookups stay indexable.
  token_hash bytea NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);

CREATE TABLE apps (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  owner_id uuid NOT NULL REFERENCES users (id),
  maintenance boolean NOT NULL DEFAULT false,
  -- The app's current config vars, encrypted (AES-256-GCM) as one JSON object.
  config_enc bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE builds (
  id uuid PRIMARY KEY,
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id),
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  source_version text,
  buildpack text,
  process_types jsonb NOT NULL DEFAULT '{}'::jsonb,
  slug_checksum text,
  slug_size bigint,
  image text,
  failure text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX builds_app_created ON builds (app_id, created_at);

CREATE TABLE releases (
  id uuid PRIMARY KEY,
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version > 0),
  build_id uuid REFERENCES builds (id),
  -- Snapshot of the config vars this release runs with, encrypted like apps.config_enc.
  config_enc bytea,
  description text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'expired')),
  user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, version)
);

CREATE TABLE formations (
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  type text NOT NULL,
  quantity integer NOT NULL CHECK (quantity >= 0),
  size text NOT NULL DEFAULT 'standard',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, type)
);

-- A known value encrypted with the server's key: lets the server refuse to start with the wrong key.
CREATE TABLE key_check (
  id integer PRIMARY KEY CHECK (id = 1),
  sample_enc bytea NOT NULL
);

-- Down Migration
DROP TABLE key_check;
DROP TABLE formations;
DROP TABLE releases;
DROP TABLE builds;
DROP TABLE apps;
DROP TABLE api_tokens;
DROP TABLE users;
