# Written by the Node.js buildpack into .profile.d/: Heroku's memory and concurrency hints for clustered web
# servers. MEMORY_AVAILABLE is the dyno's memory limit (cgroup) in MB, else 512; WEB_MEMORY the expected MB per
# process (512, or 2048 above 16 GB); WEB_CONCURRENCY how many processes fit (1–200). Config vars win.
__nodejs_memory_limit() {
  local bytes=""
  if [ -r /sys/fs/cgroup/memory.max ]; then bytes=$(cat /sys/fs/cgroup/memory.max 2>/dev/null)
  elif [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then bytes=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null); fi
  case "$bytes" in
    '' | max | *[!0-9]*) echo 512 ;;
    *) if [ "$bytes" -ge 137438953472 ]; then echo 512; else echo $((bytes / 1048576)); fi ;; # no real limit set
  esac
}
export MEMORY_AVAILABLE="${MEMORY_AVAILABLE:-$(__nodejs_memory_limit)}"
if [ "$MEMORY_AVAILABLE" -gt 16384 ] 2>/dev/null; then __nodejs_web_memory=2048; else __nodejs_web_memory=512; fi
export WEB_MEMORY="${WEB_MEMORY:-$__nodejs_web_memory}"
if [ -z "${WEB_CONCURRENCY:-}" ]; then
  __nodejs_concurrency=$((MEMORY_AVAILABLE / (WEB_MEMORY > 0 ? WEB_MEMORY : 512)))
  if [ "$__nodejs_concurrency" -lt 1 ]; then __nodejs_concurrency=1; elif [ "$__nodejs_concurrency" -gt 200 ]; then __nodejs_concurrency=1; fi
  export WEB_CONCURRENCY="$__nodejs_concurrency"
  export WEB_CONCURRENCY_SET_BY="heroku/nodejs"
fi
unset -f __nodejs_memory_limit
unset __nodejs_web_memory __nodejs_concurrency
