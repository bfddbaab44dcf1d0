-- Up Migration
-- The audit trail (issue 16 §5): every change with who, when, from where and the request id. Rows outlive their
-- app (no foreign key: a destroyed app's history stays for the admin) and never hold a config value or a secret.
CREATE TABLE audit_events (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  user_id uuid REFERENCES users (id),
  user_email text,
  source_address text,
  request_id text,
  action text NOT NULL,
  -- The app acted on, as it was then (the id tells a re-created app of the same name apart).
  app_id uuid,
  app_name text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_created ON audit_events (created_at DESC);
CREATE INDEX audit_events_app ON audit_events (app_id, created_at DESC);

-- Down Migration
DROP TABLE audit_events;
