#!/usr/bin/env bash
# Stops for good the HAProxy a platformd started, and its access-log keeper (the data plane outlives platformd's
# own stop by design).
#
#   bash scripts/stop-router.sh [DATA_DIR]     default: $PLATFORM_DATA_DIR, else /var/lib/platform as root,
#                                              else ~/.local/share/platform
set -euo pipefail
if [ "$(id -u)" = 0 ]; then default=/var/lib/platform; else default="$HOME/.local/share/platform"; fi
dir="${1:-${PLATFORM_DATA_DIR:-$default}}/router"

# stop_pid NAME PID: TERM, up to 5 s, then KILL.
stop_pid() {
  kill -TERM "$2"
  for _ in $(seq 1 100); do
    kill -0 "$2" 2>/dev/null || { echo "stop-router: stopped $1 (pid $2)"; return 0; }
    sleep 0.05
  done
  kill -KILL "$2"
  echo "stop-router: $1 (pid $2) did not stop within 5 s: killed"
}

pidfile="$dir/haproxy.pid"
if [ -f "$pidfile" ]; then
  pid="$(head -n1 "$pidfile")"
  case "$pid" in '' | *[!0-9]*) echo "stop-router: $pidfile holds no pid" >&2; exit 1 ;; esac
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = haproxy ]; then stop_pid HAProxy "$pid"; else
    echo "stop-router: pid $pid is not running HAProxy any more"; fi
else
  echo "stop-router: no $pidfile: no proxy to stop"
fi
# The keeper would exit by itself 10 s after the proxy; stopped here at once.
keeper="$(head -n1 "$dir/log-keeper.pid" 2>/dev/null || true)"
case "$keeper" in '' | *[!0-9]*) exit 0 ;; esac
if tr '\0' '\n' <"/proc/$keeper/cmdline" 2>/dev/null | grep -q 'log-keeper\.mjs$'; then stop_pid "the access-log keeper" "$keeper"; fi
