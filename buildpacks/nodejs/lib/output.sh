#!/usr/bin/env bash
# Heroku-style output, failures and per-step timings for bin/compile (sourced).

# `-----> Title` for a step; starts its clock. The previous step's time is recorded when the next one starts.
_step_name=""
_step_started=0
_timings=()
now_ms() { echo $(($(date +%s%N) / 1000000)); }
step() {
  step_end
  _step_name=$1
  _step_started=$(now_ms)
  echo "-----> $1"
}
step_end() {
  if [ -n "$_step_name" ]; then
    _timings+=("$_step_name	$(($(now_ms) - _step_started))")
    _step_name=""
  fi
}
info() { printf '       %s\n' "$@"; }
warn() {
  local first=1 line
  while IFS= read -r line || [ -n "$line" ]; do
    if [ "$first" = 1 ]; then printf ' !     %s\n' "$line"; first=0; else printf '       %s\n' "$line"; fi
  done <<<"$*"
}
# Prints ` !     message` (further lines indented) and ends the build.
fail() {
  warn "$@"
  exit 1
}
# Indents a command's output: `cmd 2>&1 | indent`.
indent() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    # npm 11 warns about npm_config_nodedir, which is node-gyp's setting (headers for native addons), not npm's; it is
    # set only when the app's npm bundles a node-gyp older than 11.4 (bin/compile), whose npm may still warn.
    case "$line" in 'npm warn Unknown env config "nodedir"'*) continue ;; esac
    printf '       %s\n' "$line"
  done
}
# One line per step with its time, e.g. `       Installing dependencies   3.41s`. Parsed by `npm run bench`.
print_timings() {
  step_end
  echo "-----> Build step timings"
  local entry name ms total=0
  for entry in "${_timings[@]}"; do
    name=${entry%%	*}
    ms=${entry#*	}
    total=$((total + ms))
    printf '       %-28s %d.%02ds\n' "$name" $((ms / 1000)) $((ms % 1000 / 10))
  done
  printf '       %-28s %d.%02ds\n' "Total" $((total / 1000)) $((total % 1000 / 10))
}
# Runs a command with indented output; on failure ends the build with `message` (what to fix).
run_or_fail() {
  local message=$1
  shift
  if ! { "$@" 2>&1 | indent; }; then
    local status=${PIPESTATUS[0]}
    fail "$message
($* exited with status $status)"
  fi
}
