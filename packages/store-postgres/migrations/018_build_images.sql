-- Up Migration
-- A Dockerfile build with one image per process type (issue 18: heroku.yml `build.docker: { web: Dockerfile,
-- worker: worker/Dockerfile }`): process type → image, for the types that do not run `image`. NULL for every other
-- build (one image, or a slug).
ALTER TABLE builds ADD COLUMN images jsonb;

-- Down Migration
ALTER TABLE builds DROP COLUMN images;
