-- Up Migration
-- The buildpacks an app chose (`platform buildpacks:set`, PUT /apps/{app}/buildpack-installations): directory names
-- under the buildpacks dir, run in this order without detection. Empty: detection over the default order.
ALTER TABLE apps ADD COLUMN buildpacks text[] NOT NULL DEFAULT '{}';

-- Down Migration
ALTER TABLE apps DROP COLUMN buildpacks;
