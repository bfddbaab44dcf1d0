-- Up Migration
-- Teams (issue 16): users with passwords, invitations and a disabled state; personal tokens that expire; per-app
-- collaborators with Heroku's permission names.

-- A removed user's row stays (releases and builds name their author), its e-mail freed for a new user.
ALTER TABLE users
  -- scrypt, `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`; null until a password is set.
  ADD COLUMN password_hash text,
  -- sha256 of a one-time invitation code, and when it stops working.
  ADD COLUMN invite_hash bytea UNIQUE,
  ADD COLUMN invite_expires_at timestamptz,
  ADD COLUMN disabled_at timestamptz,
  ADD COLUMN removed_at timestamptz,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE users DROP CONSTRAINT users_email_key;
CREATE UNIQUE INDEX users_email_live ON users (email) WHERE removed_at IS NULL;

ALTER TABLE api_tokens
  ADD COLUMN expires_at timestamptz;
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

CREATE TABLE collaborators (
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- A subset of view, deploy, operate, manage; always holds view.
  permissions text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, user_id)
);
CREATE INDEX collaborators_user ON collaborators (user_id);

-- Down Migration
DROP TABLE collaborators;
DROP INDEX api_tokens_user;
ALTER TABLE api_tokens DROP COLUMN expires_at;
DROP INDEX users_email_live;
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE users DROP COLUMN password_hash, DROP COLUMN invite_hash, DROP COLUMN invite_expires_at,
  DROP COLUMN disabled_at, DROP COLUMN removed_at, DROP COLUMN updated_at;
