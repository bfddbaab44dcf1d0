#!/usr/bin/env bash
# Stops for good the HAProxy a platformd started (the data plane outlives platformd's own stop by design).
#
#   bash scripts/stop-router.sh [DATA_DIR]     default: $PLATFORM_DATA_DIR, else /var/lib/platform as root,
#                                              else ~/.local/share/platform
set -euo pipefail
if [ "$(id -u)" = 0 ]; then default=/var/lib/platform; else default="$HOME/.local/share/platform"; fi
dir="${1:-${PLATFORM_DATA_DIR:-$default}}/router"
pidfile="$dir/haproxy.pid"
[ -f "$pidfile" ] || { echo "stop-router: no $pidfile: no proxy to stop"; exit 0; }
pid="$(head -n1 "$pidfile")"
case "$pid" in '' | *[!0-9]*) echo "stop-router: $pidfile holds no pid" >&2; exit 1 ;; esac
if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != haproxy ]; then
  echo "stop-router: pid $pid is not running HAProxy any more"
  exit 0
fi
kill -TERM "$pid"
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || { echo "stop-router: stopped HAProxy (pid $pid)"; exit 0; }
  sleep 0.05
done
kill -KILL "$pid"
echo "stop-router: HAProxy (pid $pid) did not stop within 5 s: killed"
