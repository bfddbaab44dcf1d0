-- Up Migration
-- Add-ons (issue 17): backing services the platform provisions for an app, and their attachments, each of which
-- puts one `<NAME>_URL` config var into an app. The credentials (the URL, which carries the password) are
-- sealed like config vars (packages/secrets).

CREATE TABLE addons (
  id uuid PRIMARY KEY,
  -- Globally unique, Heroku style: `postgresql-<adjective>-<number>`.
  name text NOT NULL UNIQUE,
  -- The app that owns (and is billed for) the add-on. Destroying the app deprovisions its add-ons first, so a
  -- row here keeps the app's row from going while its database still exists.
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE RESTRICT,
  -- The service (`postgresql`) and its plan (`dev`).
  service text NOT NULL,
  plan text NOT NULL,
  -- Which provider runs it (`process`, `docker`, …): an add-on stays with the provider that made it.
  provider text NOT NULL,
  state text NOT NULL CHECK (state IN ('provisioning', 'provisioned', 'deprovisioning')),
  credentials_enc bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX addons_app ON addons (app_id, created_at);

-- An add-on attached to an app under a name (`DATABASE`): the app's config var `<name>_URL` is the add-on's URL.
CREATE TABLE addon_attachments (
  id uuid PRIMARY KEY,
  addon_id uuid NOT NULL REFERENCES addons (id) ON DELETE CASCADE,
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (name ~ '^[A-Z][A-Z0-9_]*$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, name)
);
CREATE INDEX addon_attachments_addon ON addon_attachments (addon_id);

-- Down Migration
DROP TABLE addon_attachments;
DROP TABLE addons;
