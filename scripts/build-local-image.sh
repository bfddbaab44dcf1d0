#!/usr/bin/env bash
# Builds one of the platform's service images from Debian's packages on the stack image (no registry):
#   postgres  platform/postgres:15-bookworm-1  docker-compose.yml's database, and every PostgreSQL add-on container
#                                              on the docker runtime (packages/addon-postgres-docker)
#   redis     platform/redis:7-bookworm-1      every Redis add-on container on the docker runtime (packages/addon-redis-docker)
# Idempotent and cached: rebuilt only when missing, built on another stack image (e.g. after
# build-stack-image.sh --force) or from another build context (its Dockerfile changed).
#
#   bash scripts/build-local-image.sh postgres|redis
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  postgres) image="platform/postgres:15-bookworm-1"; context=scripts/postgres ;;
  redis) image="platform/redis:7-bookworm-1"; context=scripts/redis ;;
  *) echo "usage: bash scripts/build-local-image.sh postgres|redis" >&2; exit 2 ;;
esac
stack_image="platform/stack:bookworm-4"

fail() {
  echo "build-local-image: $*" >&2
  exit 1
}

bash scripts/install-docker.sh
bash scripts/build-stack-image.sh >/dev/null

stack_id="$(docker image inspect --format '{{.Id}}' "$stack_image")"
# What the image is built from: the stack image and the build context (its Dockerfile and files).
context_id="$(tar -C "$context" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | sha256sum | cut -c1-16)"
built_on="$(docker image inspect --format '{{index .Config.Labels "platform.stack-id"}} {{index .Config.Labels "platform.context-id"}}' "$image" 2>/dev/null || true)"
if [ "$built_on" = "$stack_id $context_id" ]; then
  echo "build-local-image: $image is up to date"
  exit 0
fi
build_log="$(mktemp)"
trap 'rm -f "$build_log"' EXIT
docker build --build-arg "STACK_IMAGE=${stack_image}" --label "platform.stack-id=${stack_id}" --label "platform.context-id=${context_id}" -t "$image" "$context" >"$build_log" 2>&1 || {
  tail -n 30 "$build_log" >&2
  fail "docker build of $image failed"
}
echo "build-local-image: built $image"
