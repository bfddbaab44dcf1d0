-- Up Migration
-- Why a failed release failed: its release command, its web dynos' boot (R10, an exit, a failed health check),
-- platformd stopping mid-deploy, or anything else in the rollout. `platform releases` shows it instead of always
-- saying "release command failed". NULL for releases that did not fail (and those failed before this migration).
ALTER TABLE releases
  ADD COLUMN failure_kind text CHECK (failure_kind IN ('release_command', 'boot', 'interrupted', 'other')),
  ADD COLUMN failure_message text;

-- Down Migration
ALTER TABLE releases DROP COLUMN failure_kind, DROP COLUMN failure_message;
