#!/usr/bin/env bash
# Builds the platform's stack image (the base every app image and build runs on) from Debian
# packages, without any container registry: debootstrap bookworm → tar → `docker import`.
# Run once per Docker host. Idempotent: does nothing when the tag exists; `--force` rebuilds.
#
#   bash scripts/build-stack-image.sh [--force]
#
# The image: Debian bookworm (minbase) + bash, coreutils, tar, gzip, ca-certificates, git, the C++ runtime and
# libatomic that official Node.js binaries need (apps bring their own Node.js: the Node.js buildpack installs it into
# the slug), Debian's nodejs and npm as the buildpacks' bootstrap tools only, Debian's Python 3.11 with venv and pip
# (the Python buildpack builds virtualenvs on it; dynos run it), Debian's psql (postgresql-client: `platform pg:psql`
# runs it in a one-off), Debian's redis-cli (redis-tools: `platform redis:cli` runs it in a one-off; both new in
# bookworm-4), an unprivileged `dyno` user
# (uid/gid 1000) whose home is /app, WORKDIR /app, USER dyno.
# Env (optional): PLATFORM_DEBIAN_MIRROR overrides the mirror found in /etc/apt/sources.list*.
set -euo pipefail

STACK_VERSION="bookworm-4"
IMAGE="platform/stack:${STACK_VERSION}"
SUITE="bookworm"
DYNO_UID=1000
DYNO_GID=1000
# Installed with apt inside the chroot, without Recommends: this list plus its Depends is all.
# (debootstrap's own --include resolver cannot handle virtual packages, which npm's deps need.)
PACKAGES="bash coreutils tar gzip xz-utils ca-certificates git libstdc++6 libatomic1 nodejs npm netbase procps python3 python3-venv python3-pip postgresql-client redis-tools"

fail() {
  echo "build-stack-image: $*" >&2
  exit 1
}

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument: $arg (usage: $0 [--force])" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap creates device nodes and chowns files)"

bash "$(dirname "$0")/install-docker.sh"

if [ "$force" -eq 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "build-stack-image: $IMAGE already exists (use --force to rebuild)"
  exit 0
fi

# The Debian mirror this machine's apt already uses (deb822 .sources first, then one-line .list).
find_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")"
    if [ -n "$uri" ] && grep -q "^Suites:.*\b${SUITE}\b" "$f"; then echo "$uri"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri="$(awk -v s="$SUITE" '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/ && $(i+1) == s) { print $i; exit } }' "$f")"
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  echo "http://deb.debian.org/debian"
}
mirror="${PLATFORM_DEBIAN_MIRROR:-$(find_mirror)}"
security_mirror="${mirror%/debian}/debian-security"

started=$SECONDS
old_image="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
work="$(mktemp -d /var/tmp/platform-stack.XXXXXX)"
cleanup() { rm -rf --one-file-system "$work"; }
trap cleanup EXIT
root="$work/root"
quiet_log="$work/build.log"

run_quiet() {
  if ! "$@" >>"$quiet_log" 2>&1; then
    tail -n 30 "$quiet_log" >&2
    fail "failed: $*"
  fi
}

bash "$(dirname "$0")/prerequisites.sh" stack

echo "build-stack-image: debootstrap $SUITE from $mirror (a few minutes)…"
run_quiet debootstrap --variant=minbase "$SUITE" "$root" "$mirror"

# Security and point updates on top of the base suite; no docs in any later install.
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
deb $security_mirror $SUITE-security main
EOF
cat >"$root/etc/dpkg/dpkg.cfg.d/01-platform-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
cat >"$root/etc/apt/apt.conf.d/01-platform-minimal" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
run_quiet chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get update -q
# Some maintainer scripts want /proc; no service may start inside the chroot.
mount -t proc proc "$root/proc"
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$work"
}
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
run_quiet chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -q
# shellcheck disable=SC2086 # word splitting of the package list is intended
run_quiet chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES
rm -f "$root/usr/sbin/policy-rc.d"
umount "$root/proc"

# The unprivileged user every dyno runs as; /app is the slug root and $HOME, as on Heroku.
run_quiet chroot "$root" groupadd --gid "$DYNO_GID" dyno
run_quiet chroot "$root" useradd --uid "$DYNO_UID" --gid "$DYNO_GID" --home-dir /app --no-create-home \
  --shell /bin/bash dyno
rm -rf --one-file-system "$root/app" # package scripts may have left files (e.g. .npm) in it
mkdir -m 755 "$root/app"
chown "$DYNO_UID:$DYNO_GID" "$root/app"

# Slim down: package lists, caches, docs, logs.
run_quiet chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/var/tmp/* "$root"/root/.npm
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
: >"$root/etc/hostname"
rm -f "$root/etc/resolv.conf" # the engine provides one per container
chmod 1777 "$root/tmp" "$root/var/tmp"

# /dev, /proc, /sys are provided by the engine; device nodes in a layer are not wanted.
tar -C "$root" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV HOME=/app' \
    --change 'WORKDIR /app' \
    --change "USER ${DYNO_UID}:${DYNO_GID}" \
    --change 'CMD ["bash"]' \
    --change "LABEL platform.stack=${STACK_VERSION}" \
    --message "platform stack ${STACK_VERSION} (debootstrap ${SUITE})" \
    - "$IMAGE" >/dev/null
docker tag "$IMAGE" platform/stack:latest
# A --force rebuild leaves the previous image untagged: drop it unless a container still uses it.
new_image="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
if [ -n "$old_image" ] && [ "$old_image" != "$new_image" ]; then
  docker image rm "$old_image" >/dev/null 2>&1 || true
fi

size="$(docker image inspect --format '{{.Size}}' "$IMAGE")"
echo "build-stack-image: built $IMAGE (also platform/stack:latest) in $((SECONDS - started))s," \
  "size $((size / 1024 / 1024)) MiB"
