#!/usr/bin/env bash
# A throw-away, single-node Docker Swarm for tests, beside (never instead of) the machine's own Docker engine:
# a network namespace of its own, a second dockerd in it (own data root, exec root, pid file, socket and config
# file, so the machine's engine and its daemon.json are never touched), `docker swarm init` on a documentation
# address, Debian's docker-registry in the same namespace, and the stack image loaded into the second engine and
# pushed to the registry.
#
#   sudo bash scripts/sandbox-swarm.sh up     # idempotent; prints the env lines below when ready
#   sudo bash scripts/sandbox-swarm.sh env    # KEY=value lines for a running sandbox; exit 1 when it is down
#   sudo bash scripts/sandbox-swarm.sh down   # removes everything `up` made (idempotent)
#
# Layout (addresses from the documentation ranges of RFC 5737; 192.0.2.0/24 is left alone, since some
# machines, this one included, use it for their own link; `up` refuses to start if one of its ranges is in use):
#   namespace `platform-swarm`, veth pswarm0 (here, 198.51.100.6/29) <-> pswarm1 (in it, 198.51.100.1/29)
#   dockerd   -H unix:///run/platform-swarm/docker.sock, data /var/lib/platform-swarm/docker,
#             exec root /run/platform-swarm/exec, docker0 198.51.100.64/26, other bridges (docker_gwbridge,
#             the builds') /27s of 198.51.100.128/25, overlays /27s of 203.0.113.0/24
#   registry  docker-registry on :5000 in the namespace (the node pulls 127.0.0.1:5000/…; from here
#             198.51.100.1:5000), storage /var/lib/platform-swarm/registry
# A service port published in host mode is reachable from here at 198.51.100.1:<port>; overlay addresses are
# reachable only from containers on the overlay.
set -euo pipefail
cd "$(dirname "$0")/.."

ns=platform-swarm
run_dir=/run/platform-swarm
data_dir=/var/lib/platform-swarm
socket="unix://${run_dir}/docker.sock"
host_if=pswarm0
ns_if=pswarm1
host_addr=198.51.100.6
node_addr=198.51.100.1
registry_port=5000
stack_image="${PLATFORM_STACK_IMAGE:-platform/stack:bookworm-4}"
wait_seconds="${PLATFORM_SWARM_WAIT_SECONDS:-90}"

say() { echo "sandbox-swarm: $*" >&2; }
fail() {
  say "$*"
  exit 1
}
in_ns() { nsenter --net="/run/netns/${ns}" -- "$@"; }
sandbox_docker() { docker --host "$socket" "$@"; }
engine_up() { sandbox_docker version >/dev/null 2>&1; }
registry_up() { curl -fsS --max-time 2 -o /dev/null "http://${node_addr}:${registry_port}/v2/" 2>/dev/null; }
swarm_active() { [ "$(sandbox_docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ]; }

print_env() {
  echo "PLATFORM_SWARM_DOCKER_HOST=${socket}"
  echo "PLATFORM_SWARM_REGISTRY=127.0.0.1:${registry_port}"
  echo "PLATFORM_SWARM_NODE_ADDRESS=${node_addr}"
  echo "PLATFORM_SWARM_REGISTRY_URL=http://${node_addr}:${registry_port}"
}

# Waits (bounded) for a condition; names the log to read when it never holds.
wait_for() {
  local what="$1" log="$2" deadline=$((SECONDS + wait_seconds))
  shift 2
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$log" >&2 2>/dev/null || true
      fail "$what did not come up within ${wait_seconds}s (see $log)"
    fi
    sleep 0.2
  done
}

# A pid file's process, if it still runs.
live_pid() {
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

up_network() {
  [ -e "/run/netns/${ns}" ] || ip netns add "$ns"
  in_ns ip link set lo up
  if ! ip link show "$host_if" >/dev/null 2>&1; then
    # Never shadow a network this machine uses.
    if ip -o addr show | grep -E ' inet (198\.51\.100|203\.0\.113)\.' >&2; then
      fail "this machine already uses an address of 198.51.100.0/24 or 203.0.113.0/24 (above); the sandbox needs both"
    fi
    ip link add "$host_if" type veth peer name "$ns_if"
    ip link set "$ns_if" netns "$ns"
    ip addr add "${host_addr}/29" dev "$host_if"
    in_ns ip addr add "${node_addr}/29" dev "$ns_if"
  fi
  ip link set "$host_if" up
  in_ns ip link set "$ns_if" up
}

up_engine() {
  engine_up && return 0
  mkdir -p "$run_dir" "$data_dir"
  # An empty config file of its own: the machine's /etc/docker/daemon.json is not this engine's.
  echo '{}' >"${run_dir}/daemon.json"
  # nsenter, not `ip netns exec`: that remounts /sys, and runc then finds no cgroup mount.
  setsid nohup nsenter --net="/run/netns/${ns}" -- dockerd \
    --config-file "${run_dir}/daemon.json" \
    --data-root "${data_dir}/docker" --exec-root "${run_dir}/exec" --pidfile "${run_dir}/docker.pid" \
    -H "$socket" --cgroup-parent /platform-swarm \
    --bip 198.51.100.65/26 --default-address-pool base=198.51.100.128/25,size=27 \
    >>"${data_dir}/dockerd.log" 2>&1 </dev/null 9>&- &
  wait_for "the sandbox dockerd" "${data_dir}/dockerd.log" engine_up
}

up_swarm() {
  swarm_active && return 0
  sandbox_docker swarm init --advertise-addr "$node_addr" --listen-addr "${node_addr}:2377" \
    --default-addr-pool 203.0.113.0/24 --default-addr-pool-mask-length 27 >/dev/null
}

up_registry() {
  registry_up && return 0
  mkdir -p "${data_dir}/registry"
  cat >"${data_dir}/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${data_dir}/registry
  delete:
    enabled: true
http:
  addr: :${registry_port}
EOF
  setsid nohup nsenter --net="/run/netns/${ns}" -- docker-registry serve "${data_dir}/registry.yml" \
    >>"${data_dir}/registry.log" 2>&1 </dev/null 9>&- &
  echo $! >"${run_dir}/registry.pid"
  wait_for "the sandbox registry" "${data_dir}/registry.log" registry_up
}

registry_has_stack() {
  curl -fsS --max-time 5 -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://${node_addr}:${registry_port}/v2/${stack_image%%:*}/manifests/${stack_image##*:}" 2>/dev/null
}

# The stack image in the second engine (release images are built on it) and in the registry: every release
# image pushed later shares its big layer, so a push sends only the slug's.
up_images() {
  if ! sandbox_docker image inspect "$stack_image" >/dev/null 2>&1; then
    docker image inspect "$stack_image" >/dev/null 2>&1 ||
      fail "the stack image ${stack_image} is missing on this machine's engine (run: bash scripts/build-stack-image.sh)"
    docker save "$stack_image" | sandbox_docker load -q >/dev/null
    sandbox_docker tag "$stack_image" platform/stack:latest
  fi
  registry_has_stack && return 0
  sandbox_docker tag "$stack_image" "127.0.0.1:${registry_port}/${stack_image}"
  sandbox_docker push -q "127.0.0.1:${registry_port}/${stack_image}" >/dev/null
}

up() {
  [ "$(id -u)" -eq 0 ] || fail "creating a network namespace and a second dockerd needs root (run: sudo bash $0 up)"
  if engine_up && swarm_active && registry_up && registry_has_stack && sandbox_docker image inspect "$stack_image" >/dev/null 2>&1; then
    say "already up"
    print_env
    return 0
  fi
  bash scripts/prerequisites.sh swarm
  docker version >/dev/null 2>&1 || fail "this machine's Docker engine does not answer (run: bash scripts/install-docker.sh)"
  local started=$SECONDS
  up_network
  up_engine
  up_swarm
  up_registry
  up_images
  say "up in $((SECONDS - started)) s"
  print_env
}

stop_pid_file() {
  local pid
  pid="$(live_pid "$1")" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

down() {
  [ "$(id -u)" -eq 0 ] || fail "removing the sandbox needs root (run: sudo bash $0 down)"
  stop_pid_file "${run_dir}/registry.pid"
  stop_pid_file "${run_dir}/docker.pid"
  # Whatever still runs in the namespace (containers' shims, their processes) was started by the sandbox.
  if [ -e "/run/netns/${ns}" ]; then
    local pids
    pids="$(ip netns pids "$ns" 2>/dev/null || true)"
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  fi
  # The engine's mounts (overlay layers, network namespaces) under its own directories only, deepest first.
  local target
  for target in $(findmnt -rn -o TARGET | { grep -E "^(${run_dir}|${data_dir})/" || true; } | sort -r); do
    umount -l "$target" 2>/dev/null || true
  done
  ip link del "$host_if" 2>/dev/null || true
  [ ! -e "/run/netns/${ns}" ] || ip netns del "$ns"
  rm -rf "$run_dir" "$data_dir"
}

# One `up` or `down` at a time (two test files may find the sandbox missing at once).
lock() {
  [ "$(id -u)" -eq 0 ] || fail "the sandbox swarm needs root: a network namespace, a second dockerd (run: sudo bash $0 $1)"
  exec 9>/run/platform-swarm.lock
  # The daemons started below do not inherit this descriptor (9>&-): the lock ends with this script.
  flock -w 300 9 || fail "another sandbox-swarm.sh has held /run/platform-swarm.lock for 5 minutes"
}

case "${1:-}" in
  up) lock up && up ;;
  down) lock down && down ;;
  env)
    engine_up && swarm_active && registry_up || fail "the sandbox swarm is not up (run: sudo bash $0 up)"
    print_env
    ;;
  *) fail "usage: $0 up|down|env" ;;
esac
