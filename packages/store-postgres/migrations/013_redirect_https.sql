-- Up Migration
-- The per-app HTTP → HTTPS redirect switch (issue 15; the app feature `redirect-https`, `platform
-- features:enable redirect-https`): while on, the edge redirects plain-HTTP requests for a hostname a certificate
-- covers to HTTPS. No existing column fits (maintenance and acm are switches of their own).
ALTER TABLE apps ADD COLUMN redirect_https boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE apps DROP COLUMN redirect_https;
