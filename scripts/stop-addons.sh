#!/usr/bin/env bash
# Stops for good the PostgreSQL server of add-ons a platformd started (it outlives platformd's own stop by design,
# so add-on databases keep serving while platformd restarts). Stop platformd first: a running one restarts it.
#
#   bash scripts/stop-addons.sh [DATA_DIR]     default: $PLATFORM_DATA_DIR, else /var/lib/platform as root,
#                                              else ~/.local/share/platform
set -euo pipefail
if [ "$(id -u)" = 0 ]; then default=/var/lib/platform; else default="$HOME/.local/share/platform"; fi
dir="${1:-${PLATFORM_DATA_DIR:-$default}}/addons/postgres"
pidfile="$dir/postmaster.pid"
[ -f "$pidfile" ] || { echo "stop-addons: no $pidfile: no add-on server to stop"; exit 0; }
pid="$(head -n1 "$pidfile")"
case "$pid" in '' | *[!0-9]*) echo "stop-addons: $pidfile holds no pid" >&2; exit 1 ;; esac
if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != postgres ]; then
  echo "stop-addons: pid $pid is not running PostgreSQL any more"
  exit 0
fi
kill -INT "$pid" # fast shutdown: sessions end, data is safe
for _ in $(seq 1 600); do
  kill -0 "$pid" 2>/dev/null || { echo "stop-addons: stopped the add-on PostgreSQL (pid $pid)"; exit 0; }
  sleep 0.05
done
echo "stop-addons: the add-on PostgreSQL (pid $pid) did not stop within 30 s" >&2
exit 1
