#!/usr/bin/env bash
# Builds platform/postgres:15-bookworm-1, PostgreSQL 15 from Debian's packages on the stack image (no
# registry): the image docker-compose.yml runs for the platform's own database, and the one every PostgreSQL
# add-on container runs on the docker runtime (packages/addon-postgres-docker). Idempotent and cached: rebuilt
# only when missing or built on another stack image (e.g. after build-stack-image.sh --force).
#
#   bash scripts/build-postgres-image.sh
set -euo pipefail
cd "$(dirname "$0")/.."

postgres_image="platform/postgres:15-bookworm-1"
stack_image="platform/stack:bookworm-3"

fail() {
  echo "build-postgres-image: $*" >&2
  exit 1
}

bash scripts/install-docker.sh
bash scripts/build-stack-image.sh >/dev/null

stack_id="$(docker image inspect --format '{{.Id}}' "$stack_image")"
built_on="$(docker image inspect --format '{{index .Config.Labels "platform.stack-id"}}' "$postgres_image" 2>/dev/null || true)"
if [ "$built_on" = "$stack_id" ]; then
  echo "build-postgres-image: $postgres_image is up to date"
  exit 0
fi
build_log="$(mktemp)"
trap 'rm -f "$build_log"' EXIT
docker build --build-arg "STACK_IMAGE=${stack_image}" --label "platform.stack-id=${stack_id}" -t "$postgres_image" scripts/postgres >"$build_log" 2>&1 || {
  tail -n 30 "$build_log" >&2
  fail "docker build of $postgres_image failed"
}
echo "build-postgres-image: built $postgres_image"
