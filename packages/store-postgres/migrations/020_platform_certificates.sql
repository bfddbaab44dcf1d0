-- Up Migration
-- Certificates of the platform's own hostnames (issue 15): the API hostname's certificate when an ACME CA issues
-- it (PLATFORM_API_HOSTNAME with PLATFORM_ACME_DIRECTORY_URL and no PLATFORM_API_TLS_CERT). Kept across
-- restarts so a start does not ask the CA again; the private key sealed like config vars.
CREATE TABLE platform_certificates (
  hostname text PRIMARY KEY,
  certificate_chain text NOT NULL,
  private_key_enc bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE platform_certificates;
