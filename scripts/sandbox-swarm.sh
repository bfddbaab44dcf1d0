#!/usr/bin/env bash
# A throw-away, two-node Docker Swarm for tests, beside (never instead of) the machine's own Docker engine:
# a network namespace of its own, a second dockerd in it (own data root, exec root, pid file, socket and config
# file, so the machine's engine and its daemon.json are never touched), `docker swarm init` on a documentation
# address, Debian's docker-registry in the same namespace, and the stack image loaded into the second engine and
# pushed to the registry. Then a worker node: a third dockerd in a namespace of its own that joins with Swarm's
# own `docker swarm join` and its worker token.
#
#   sudo bash scripts/sandbox-swarm.sh up            # idempotent; prints the env lines below when ready
#   sudo bash scripts/sandbox-swarm.sh env           # KEY=value lines for a running sandbox; exit 1 when it is down
#   sudo bash scripts/sandbox-swarm.sh down          # removes everything `up` made (idempotent)
#   sudo bash scripts/sandbox-swarm.sh worker-stop   # stops the worker's dockerd (the node-lost drill)
#   sudo bash scripts/sandbox-swarm.sh worker-start  # starts it again; it rejoins with its kept swarm state
#   sudo bash scripts/sandbox-swarm.sh registry-stop / registry-start   # the registry-down drill
#   sudo bash scripts/sandbox-swarm.sh manager-restart                  # the manager's dockerd stopped and started
#   sudo bash scripts/sandbox-swarm.sh worker-down   # removes the worker only (`up` makes a fresh one; the old
#                                                    # node, listed `down`, is removed from the swarm then)
#
# Layout (addresses from the documentation ranges of RFC 5737; 192.0.2.0/24 is left alone, since some
# machines, this one included, use it for their own link; `up` refuses to start if one of its ranges is in use):
#   namespace `platform-swarm`, veth pswarm0 (here, 198.51.100.6/29) <-> pswarm1 (in it, 198.51.100.1/29)
#   dockerd   -H unix:///run/platform-swarm/docker.sock, data /var/lib/platform-swarm/docker,
#             exec root /run/platform-swarm/exec, docker0 198.51.100.64/26, other bridges (docker_gwbridge,
#             the builds') /27s of 198.51.100.128/25, overlays /27s of 203.0.113.0/24
#   registry  docker-registry on :5000 in the namespace (the node pulls 127.0.0.1:5000/…; from here
#             198.51.100.1:5000), storage /var/lib/platform-swarm/registry
#   worker    namespace `platform-swarm-worker`, hostname `platform-swarm-worker` (a UTS namespace of its own,
#             so `docker node ls` tells the nodes apart); veth pswarmw0 (here, 198.51.100.14/29) <->
#             pswarmw1 (in it, 198.51.100.9/29, the node's address), and a link to the manager's namespace,
#             pswarmx0 (there, 198.51.100.17/29) <-> pswarmx1 (in the worker's, 198.51.100.18/29), with a /32
#             route each way between 198.51.100.1 and 198.51.100.9, from those addresses (VXLAN drops a packet
#             whose source is not the peer address it knows; Swarm's control, gossip and VXLAN go there; this
#             machine forwards nothing);
#             dockerd -H unix:///run/platform-swarm-worker/docker.sock, data /var/lib/platform-swarm-worker/docker,
#             exec root /run/platform-swarm-worker/exec, docker0 198.51.100.32/28, other bridges (docker_gwbridge)
#             from the pool 198.51.100.32/27 in /28s (docker0's included: a restarted dockerd that finds no docker0
#             looks for a free network in its pool before it applies --bip); the registry is reached as 127.0.0.1:5000 there too (socat forwards it to the
#             manager's, as Swarm's routing mesh does in Docker's own registry recipe), so image references are
#             the same on both nodes; it joins drained and is made active once it reaches the registry
# A service port published in host mode is reachable from here at its node's address (198.51.100.1 or
# 198.51.100.9):<port>; overlay addresses are reachable only from containers on the overlay.
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
worker_ns=platform-swarm-worker
worker_run_dir=/run/platform-swarm-worker
worker_data_dir=/var/lib/platform-swarm-worker
worker_socket="unix://${worker_run_dir}/docker.sock"
worker_host_if=pswarmw0
worker_ns_if=pswarmw1
worker_host_addr=198.51.100.14
worker_addr=198.51.100.9
link_manager_if=pswarmx0
link_worker_if=pswarmx1
link_manager_addr=198.51.100.17
link_worker_addr=198.51.100.18
worker_hostname=platform-swarm-worker

say() { echo "sandbox-swarm: $*" >&2; }
fail() {
  say "$*"
  exit 1
}
in_ns() { nsenter --net="/run/netns/${ns}" -- "$@"; }
# The sandbox's daemons outlive whoever started them (a test run, a drill), so they get a clean environment of their
# own: a dockerd started from a test run inherited its TMPDIR, a directory the run removes when it ends, and runc
# (which keeps exec state there) then failed every later `docker exec` and health check.
daemon_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)
sandbox_docker() { docker --host "$socket" "$@"; }
engine_up() { sandbox_docker version >/dev/null 2>&1; }
registry_up() { curl -fsS --max-time 2 -o /dev/null "http://${node_addr}:${registry_port}/v2/" 2>/dev/null; }
swarm_active() { [ "$(sandbox_docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ]; }
in_worker_ns() { nsenter --net="/run/netns/${worker_ns}" -- "$@"; }
worker_docker() { docker --host "$worker_socket" "$@"; }
worker_engine_up() { worker_docker version >/dev/null 2>&1; }
worker_joined() { [ "$(worker_docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ]; }
worker_reaches_registry() {
  in_worker_ns curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:${registry_port}/v2/" 2>/dev/null
}
worker_node_id() { worker_docker info --format '{{.Swarm.NodeID}}' 2>/dev/null; }

print_env() {
  echo "PLATFORM_SWARM_DOCKER_HOST=${socket}"
  echo "PLATFORM_SWARM_REGISTRY=127.0.0.1:${registry_port}"
  echo "PLATFORM_SWARM_NODE_ADDRESS=${node_addr}"
  echo "PLATFORM_SWARM_REGISTRY_URL=http://${node_addr}:${registry_port}"
  echo "PLATFORM_SWARM_WORKER_DOCKER_HOST=${worker_socket}"
  echo "PLATFORM_SWARM_WORKER_ADDRESS=${worker_addr}"
  echo "PLATFORM_SWARM_WORKER_HOSTNAME=${worker_hostname}"
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
  setsid nohup "${daemon_env[@]}" nsenter --net="/run/netns/${ns}" -- dockerd \
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
  setsid nohup "${daemon_env[@]}" nsenter --net="/run/netns/${ns}" -- docker-registry serve "${data_dir}/registry.yml" \
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

# The worker's links: one to this machine (the router reaches its published ports), one to the manager's
# namespace (Swarm's traffic and the registry). Created in the manager's namespace without touching what is there.
up_worker_network() {
  [ -e "/run/netns/${worker_ns}" ] || ip netns add "$worker_ns"
  in_worker_ns ip link set lo up
  if ! ip link show "$worker_host_if" >/dev/null 2>&1; then
    if ip -o addr show | grep -E ' inet 198\.51\.100\.([89]|1[0-9]|2[0-3])/' >&2; then
      fail "this machine already uses an address of 198.51.100.8/29 or 198.51.100.16/29 (above); the worker needs them"
    fi
    ip link add "$worker_host_if" type veth peer name "$worker_ns_if"
    ip link set "$worker_ns_if" netns "$worker_ns"
    ip addr add "${worker_host_addr}/29" dev "$worker_host_if"
    in_worker_ns ip addr add "${worker_addr}/29" dev "$worker_ns_if"
  fi
  ip link set "$worker_host_if" up
  in_worker_ns ip link set "$worker_ns_if" up
  if ! in_ns ip link show "$link_manager_if" >/dev/null 2>&1; then
    in_ns ip link add "$link_manager_if" type veth peer name "$link_worker_if"
    in_ns ip link set "$link_worker_if" netns "$worker_ns"
    in_ns ip addr add "${link_manager_addr}/29" dev "$link_manager_if"
    in_worker_ns ip addr add "${link_worker_addr}/29" dev "$link_worker_if"
  fi
  in_ns ip link set "$link_manager_if" up
  in_worker_ns ip link set "$link_worker_if" up
  in_ns ip route replace "${worker_addr}/32" via "$link_worker_addr" dev "$link_manager_if" src "$node_addr"
  in_worker_ns ip route replace "${node_addr}/32" via "$link_manager_addr" dev "$link_worker_if" src "$worker_addr"
}

up_worker_engine() {
  worker_engine_up && return 0
  mkdir -p "$worker_run_dir" "$worker_data_dir"
  echo '{}' >"${worker_run_dir}/daemon.json"
  # A UTS namespace of its own: Swarm names a node by its engine's hostname.
  setsid nohup "${daemon_env[@]}" nsenter --net="/run/netns/${worker_ns}" -- unshare --uts -- \
    sh -c 'hostname "$0" && exec "$@"' "$worker_hostname" dockerd \
    --config-file "${worker_run_dir}/daemon.json" \
    --data-root "${worker_data_dir}/docker" --exec-root "${worker_run_dir}/exec" \
    --pidfile "${worker_run_dir}/docker.pid" -H "$worker_socket" --cgroup-parent /platform-swarm-worker \
    --bip 198.51.100.33/28 --default-address-pool base=198.51.100.32/27,size=28 \
    >>"${worker_data_dir}/dockerd.log" 2>&1 </dev/null 9>&- &
  wait_for "the sandbox worker's dockerd" "${worker_data_dir}/dockerd.log" worker_engine_up
}

# 127.0.0.1:5000 in the worker's namespace is the manager's registry, so one image reference serves both nodes.
up_worker_registry_link() {
  if [ -z "$(live_pid "${worker_run_dir}/registry-link.pid")" ]; then
    mkdir -p "$worker_run_dir" "$worker_data_dir"
    setsid nohup "${daemon_env[@]}" nsenter --net="/run/netns/${worker_ns}" -- socat \
      "TCP-LISTEN:${registry_port},bind=127.0.0.1,reuseaddr,fork" "TCP:${node_addr}:${registry_port}" \
      >>"${worker_data_dir}/registry-link.log" 2>&1 </dev/null 9>&- &
    echo $! >"${worker_run_dir}/registry-link.pid"
  fi
  wait_for "the registry from the worker" "${worker_data_dir}/registry-link.log" worker_reaches_registry
}

worker_ready() {
  [ "$(sandbox_docker node inspect "$(worker_node_id)" --format '{{.Status.State}}' 2>/dev/null)" = ready ]
}

# Swarm's own join, as an operator adds a node: drained until it reaches the registry, then active.
up_worker_join() {
  local joined=0 stale token
  if ! worker_joined; then
    # A node still listed under the worker's name whose engine state is gone (e.g. its data dir was removed).
    for stale in $(sandbox_docker node ls --format '{{.ID}} {{.Hostname}} {{.Status}}' |
      awk -v h="$worker_hostname" '$2 == h && $3 != "Ready" { print $1 }'); do
      sandbox_docker node rm --force "$stale" >/dev/null || true
    done
    token="$(sandbox_docker swarm join-token -q worker)"
    worker_docker swarm join --token "$token" --advertise-addr "$worker_addr" \
      --listen-addr "${worker_addr}:2377" --availability drain "${node_addr}:2377" >/dev/null
    joined=1
  fi
  wait_for "the worker node" "${worker_data_dir}/dockerd.log" worker_ready
  [ "$joined" -eq 0 ] || sandbox_docker node update --availability active "$(worker_node_id)" >/dev/null
}

worker_routed() { in_ns ip route show "${worker_addr}/32" 2>/dev/null | grep -q "src ${node_addr}"; }
# The stack image's layers on the worker too (pulled from the registry once): every release image shares them, so
# a dyno's first start there pulls only its slug's layer, as on the manager.
worker_has_stack() { worker_docker image inspect "127.0.0.1:${registry_port}/${stack_image}" >/dev/null 2>&1; }
up_worker_stack() {
  worker_has_stack || worker_docker pull -q "127.0.0.1:${registry_port}/${stack_image}" >/dev/null
}

worker_up() {
  worker_routed && worker_engine_up && worker_joined && worker_reaches_registry && worker_ready && worker_has_stack
}

up_worker() {
  up_worker_network
  up_worker_engine
  up_worker_registry_link
  up_worker_stack
  up_worker_join
}

up() {
  [ "$(id -u)" -eq 0 ] || fail "creating a network namespace and a second dockerd needs root (run: sudo bash $0 up)"
  if engine_up && swarm_active && registry_up && registry_has_stack && worker_up &&
    sandbox_docker image inspect "$stack_image" >/dev/null 2>&1; then
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
  up_worker
  say "up in $((SECONDS - started)) s"
  print_env
}

stop_pid_file() {
  local pid
  pid="$(live_pid "$1")" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  # Gone for good before anything starts again (a new dockerd refuses a pid file whose process still runs).
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
}

# Stops a namespace's daemons and whatever else runs there, unmounts its engine's directories, removes its link.
down_node() {
  local netns="$1" link="$2" runs="$3" data="$4" pids target
  shift 4
  local pid_file
  for pid_file in "$@"; do stop_pid_file "$pid_file"; done
  # Whatever still runs in the namespace (containers' shims, their processes) was started by the sandbox.
  if [ -e "/run/netns/${netns}" ]; then
    pids="$(ip netns pids "$netns" 2>/dev/null || true)"
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  fi
  # The engine's mounts (overlay layers, network namespaces) under its own directories only, deepest first.
  for target in $(findmnt -rn -o TARGET | { grep -E "^(${runs}|${data})/" || true; } | sort -r); do
    umount -l "$target" 2>/dev/null || true
  done
  ip link del "$link" 2>/dev/null || true
  [ ! -e "/run/netns/${netns}" ] || ip netns del "$netns"
  rm -rf "$runs" "$data"
}

down() {
  [ "$(id -u)" -eq 0 ] || fail "removing the sandbox needs root (run: sudo bash $0 down)"
  down_node "$worker_ns" "$worker_host_if" "$worker_run_dir" "$worker_data_dir" \
    "${worker_run_dir}/registry-link.pid" "${worker_run_dir}/docker.pid"
  down_node "$ns" "$host_if" "$run_dir" "$data_dir" "${run_dir}/registry.pid" "${run_dir}/docker.pid"
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
    # The worker's lines only while it runs: a caller that needs it runs `up`, which adds what is missing.
    if worker_up; then print_env; else print_env | grep -v '^PLATFORM_SWARM_WORKER_'; fi
    ;;
  worker-stop) lock worker-stop && stop_pid_file "${worker_run_dir}/docker.pid" ;;
  worker-start) lock worker-start && up_worker_engine && up_worker_registry_link && up_worker_join ;;
  registry-stop) lock registry-stop && stop_pid_file "${run_dir}/registry.pid" ;;
  worker-down)
    lock worker-down && down_node "$worker_ns" "$worker_host_if" "$worker_run_dir" "$worker_data_dir" \
      "${worker_run_dir}/registry-link.pid" "${worker_run_dir}/docker.pid"
    ;;
  manager-restart)
    lock manager-restart && stop_pid_file "${run_dir}/docker.pid" && up_engine
    wait_for "the swarm on the restarted manager" "${data_dir}/dockerd.log" swarm_active
    ;;
  registry-start) lock registry-start && up_registry ;;
  *) fail "usage: $0 up|down|env|worker-stop|worker-start|registry-stop|registry-start|manager-restart|worker-down" ;;
esac
