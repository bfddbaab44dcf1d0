#!/usr/bin/env bash
# Deploys the platform itself on a Docker Swarm (docker-stack.yml): run it against a swarm manager (the local
# engine, or DOCKER_HOST) that holds the images scripts/prepare-docker-host.sh builds. It
#   1. checks the engine is a swarm manager and the settings below,
#   2. copies the images from another engine first with --images-from (e.g. when they were built elsewhere),
#   3. tags platform/server and platform/postgres by content (`<tag>-<image id>`: a rebuilt image gets a new
#      tag, so `docker stack deploy` updates the services) and pushes them to PLATFORM_REGISTRY,
#   4. labels this manager `platform.control=true` unless a node already has that label (the stack's
#      platformd, router and PostgreSQL run there, next to their local volumes),
#   5. runs `docker stack deploy` with the stack file.
#
#   PLATFORM_REGISTRY=registry.example.com:5000 PLATFORM_DB_PASSWORD_FILE=db-password \
#     bash scripts/swarm-deploy.sh [--images-from unix:///var/run/docker.sock] platform
#
# Env: PLATFORM_REGISTRY (required: host[:port] every node pulls from; this engine pushes there),
#      PLATFORM_DB_PASSWORD_FILE (required: a file holding the database password, made a Docker secret),
#      PLATFORM_SERVER_IMAGE (default platform/server:<version>), PLATFORM_POSTGRES_IMAGE (default
#      platform/postgres:15-bookworm-1), PLATFORM_STACK_IMAGE (default platform/stack:bookworm-4, where builds
#      run: it must be on the manager), and what docker-stack.yml reads (ports, PLATFORM_DOMAIN, …).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "swarm-deploy: $*" >&2; }
fail() {
  say "$*"
  exit 1
}

images_from=""
if [ "${1:-}" = "--images-from" ]; then
  images_from="${2:-}"
  [ -n "$images_from" ] || fail "--images-from needs an engine, e.g. unix:///var/run/docker.sock"
  shift 2
fi
[ "$#" -eq 1 ] || fail "usage: $0 [--images-from ENGINE] STACK"
stack="$1"
[[ "$stack" =~ ^[a-z0-9][a-z0-9-]{0,39}$ ]] || fail "the stack name must be lower-case letters, digits and dashes (got '${stack}')"

registry="${PLATFORM_REGISTRY:-}"
[[ "$registry" =~ ^[A-Za-z0-9.-]+(:[0-9]{1,5})?$ ]] \
  || fail "set PLATFORM_REGISTRY to host[:port] of the registry every node pulls from, e.g. 127.0.0.1:5000"
password_file="${PLATFORM_DB_PASSWORD_FILE:-}"
[ -n "$password_file" ] && [ -s "$password_file" ] \
  || fail "set PLATFORM_DB_PASSWORD_FILE to a file holding the database password (openssl rand -hex 24 > db-password)"

version="$(node -p 'require("./package.json").version')"
server_image="${PLATFORM_SERVER_IMAGE:-platform/server:${version}}"
postgres_image="${PLATFORM_POSTGRES_IMAGE:-platform/postgres:15-bookworm-1}"
stack_image="${PLATFORM_STACK_IMAGE:-platform/stack:bookworm-4}"
# Add-on servers run on the manager from its engine's images (addon-swarm): the Redis one is shipped too.
redis_image="${PLATFORM_ADDON_REDIS_IMAGE:-platform/redis:7-bookworm-1}"

[ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = "true" ] \
  || fail "the engine at ${DOCKER_HOST:-unix:///var/run/docker.sock} is not a swarm manager (docker swarm init, or set DOCKER_HOST)"

# image_id IMAGE [docker options…]: the image's id on the manager, or on the engine the options name.
image_id() {
  local image="$1"
  shift
  docker "$@" image inspect --format '{{.Id}}' "$image" 2>/dev/null
}

# The images this engine lacks (or holds in another version), from the other engine, in one stream.
if [ -n "$images_from" ]; then
  missing=()
  for image in "$server_image" "$postgres_image" "$stack_image" "$redis_image"; do
    from_id="$(image_id "$image" --host "$images_from")" || fail "$image is missing at $images_from (run: bash scripts/prepare-docker-host.sh)"
    [ "$(image_id "$image" || true)" = "$from_id" ] || missing+=("$image")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "copying ${missing[*]} from $images_from"
    docker --host "$images_from" save "${missing[@]}" | docker load -q >/dev/null
  fi
fi
for image in "$server_image" "$postgres_image" "$stack_image" "$redis_image"; do
  image_id "$image" >/dev/null || fail "$image is missing on the manager (run: bash scripts/prepare-docker-host.sh there, or use --images-from)"
done

# platform/<name>:<tag>-<12 hex of the image id>, pushed; prints the tag.
push() {
  local image="$1" name="$2" id tag
  [[ "$image" =~ :[A-Za-z0-9_.-]+$ ]] || fail "$image: name the image with its tag"
  id="$(image_id "$image")"
  id="${id#sha256:}"
  tag="${image##*:}-${id:0:12}"
  docker tag "$image" "${registry}/platform/${name}:${tag}"
  docker push -q "${registry}/platform/${name}:${tag}" >/dev/null || fail "pushing ${registry}/platform/${name}:${tag} failed"
  echo "$tag"
}
server_tag="$(push "$server_image" server)"
postgres_tag="$(push "$postgres_image" postgres)"
say "pushed ${registry}/platform/server:${server_tag} and ${registry}/platform/postgres:${postgres_tag}"

if [ -z "$(docker node ls -q --filter node.label=platform.control=true)" ]; then
  self="$(docker info --format '{{.Swarm.NodeID}}')"
  docker node update --label-add platform.control=true "$self" >/dev/null
  say "labelled this manager (${self}) platform.control=true: the platform runs there"
fi

# Tags are content-addressed, so the registry need not be asked for digests (nor reachable from this client).
PLATFORM_SERVER_TAG="$server_tag" PLATFORM_POSTGRES_TAG="$postgres_tag" \
  docker stack deploy --resolve-image never --compose-file docker-stack.yml "$stack"
say "deployed stack ${stack}; follow it with: docker stack ps ${stack}"
