-- Up Migration
-- PostgreSQL backups of add-ons (issue 17 item 4): `pg:backups:capture` and the daily schedule. The dump itself is a
-- file under the data dir, sealed with the platform's key; a row says what it is. Both go with their add-on.

CREATE TABLE addon_backups (
  id uuid PRIMARY KEY,
  -- The add-on dumped, and the app that owns it (the backup's number is counted per app, as Heroku's b001).
  addon_id uuid NOT NULL REFERENCES addons (id) ON DELETE CASCADE,
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  num integer NOT NULL CHECK (num > 0),
  -- `manual` (pg:backups:capture, named b…) or `scheduled` (the daily schedule, named a…).
  kind text NOT NULL CHECK (kind IN ('manual', 'scheduled')),
  -- The attachment name it was taken through, e.g. DATABASE (what `pg:backups` shows as the database).
  database text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  -- Why a failed backup failed (pg_dump's last lines, without credentials).
  error text,
  -- The dump's size in bytes (pg_dump's custom format, before encryption).
  size_bytes bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (app_id, num)
);
CREATE INDEX addon_backups_addon ON addon_backups (addon_id, created_at);

-- The last backup number given per app: numbers are never reused, even after the newest backup was deleted.
CREATE TABLE addon_backup_counters (
  app_id uuid PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
  last_num integer NOT NULL
);

-- One daily schedule per add-on: a backup at `hour`:00 UTC, the last 7 scheduled ones kept.
CREATE TABLE addon_backup_schedules (
  addon_id uuid PRIMARY KEY REFERENCES addons (id) ON DELETE CASCADE,
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  database text NOT NULL,
  hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- When the scheduler last started this schedule's backup; null: never.
  last_run_at timestamptz
);
CREATE INDEX addon_backup_schedules_app ON addon_backup_schedules (app_id);

-- Down Migration
DROP TABLE addon_backup_schedules;
DROP TABLE addon_backup_counters;
DROP TABLE addon_backups;
