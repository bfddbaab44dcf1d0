-- Up Migration
-- Log drains (reference §5 "Drains"). The URL may carry credentials (https://user:pass@…), so it is
-- sealed like config vars; uniqueness per app is checked under the app's row lock (a plain hash of the
-- URL would let a low-entropy password be guessed offline).
CREATE TABLE log_drains (
  id uuid PRIMARY KEY,
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  -- `d.<uuid v4>`, stable for the drain's lifetime; it is the syslog HOSTNAME, not a secret.
  token text NOT NULL UNIQUE,
  url_enc bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX log_drains_app ON log_drains (app_id, created_at);

-- Down Migration
DROP TABLE log_drains;
