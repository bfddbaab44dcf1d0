#!/usr/bin/env bash
# Makes a Docker engine reachable on this machine: installs docker.io when dockerd is missing,
# starts dockerd in the background when none runs, and waits until `docker version` answers.
# Idempotent, non-interactive, quiet unless something fails.
#
#   bash scripts/install-docker.sh
#
# Env (optional): PLATFORM_DOCKERD_LOG (default /var/log/platform-dockerd.log),
#                 PLATFORM_DOCKERD_WAIT_SECONDS (default 60).
set -euo pipefail

log_file="${PLATFORM_DOCKERD_LOG:-/var/log/platform-dockerd.log}"
wait_seconds="${PLATFORM_DOCKERD_WAIT_SECONDS:-60}"

fail() {
  echo "install-docker: $*" >&2
  exit 1
}

engine_up() {
  docker version >/dev/null 2>&1
}

if command -v docker >/dev/null 2>&1 && engine_up; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  fail "no Docker engine is reachable and installing/starting one needs root (run: sudo bash $0)"
fi

# 1. Install the engine (and a client, if none) from Debian's packages.
bash "$(dirname "$0")/prerequisites.sh" docker
command -v dockerd >/dev/null 2>&1 || fail "dockerd is not on PATH after installing docker.io"

# 2. Start dockerd unless one is already running (e.g. still starting up, or started by init).
if ! pgrep -x dockerd >/dev/null 2>&1; then
  mkdir -p "$(dirname "$log_file")"
  # setsid + nohup: the daemon must outlive this script and the shell/test that called it.
  setsid nohup dockerd >>"$log_file" 2>&1 </dev/null &
fi

# 3. Wait (bounded) for the engine to answer.
deadline=$((SECONDS + wait_seconds))
until engine_up; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "install-docker: last lines of $log_file:" >&2
    tail -n 20 "$log_file" >&2 2>/dev/null || true
    fail "the Docker engine did not answer within ${wait_seconds}s (see $log_file)"
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    echo "install-docker: last lines of $log_file:" >&2
    tail -n 20 "$log_file" >&2 2>/dev/null || true
    fail "dockerd exited during start-up (see $log_file)"
  fi
  sleep 0.2
done
