#!/usr/bin/env bash
# Builds platform/postgres:15-bookworm-1 (see scripts/build-local-image.sh): docker-compose.yml's database and
# the image of PostgreSQL add-on containers. Idempotent and cached.
set -euo pipefail
exec bash "$(dirname "$0")/build-local-image.sh" postgres
