#!/usr/bin/env bash
# Installs what platformd needs on a fresh Debian machine with Node and git, saying what it does:
#   1. the build tools node-gyp needs for the one native module (node-pty), via scripts/prerequisites.sh
#   2. the npm dependencies, exactly as package-lock.json pins them (`npm ci`; embedded PostgreSQL included)
#   3. the compiled server and CLI (scripts/build.mjs)
# Idempotent: a step whose result is up to date is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }
fail() {
  say "$*"
  exit 1
}

command -v node >/dev/null 2>&1 || fail "Node.js is required: install Node.js 20.19 or newer (https://nodejs.org, or apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || fail "npm is required: it comes with Node.js (apt-get install npm)"
command -v git >/dev/null 2>&1 || fail "git is required: apt-get install git"
# Matches package.json's engines (vitest's and vite's floor for development; the server itself runs on it too).
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' \
  || fail "Node.js ^20.19 or >=22.12 is required (found $(node --version))"

stamp=node_modules/.platform-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  bash scripts/prerequisites.sh native
  started=$SECONDS
  say "installing npm dependencies with npm ci (about a minute: ~340 packages, node-pty compiles, PostgreSQL binaries unpack)..."
  log="$(mktemp)"
  trap 'rm -f "$log"' EXIT
  if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    if grep -q 'gyp ERR' "$log"; then
      fail "a native module failed to compile (above); check that make, g++ and python3 work: bash scripts/prerequisites.sh native"
    fi
    fail "npm ci failed (above); retry with: npm ci"
  fi
  touch "$stamp"
  say "npm dependencies installed in $((SECONDS - started)) s"
fi

# As root, process-mode dynos run in PID namespaces under an init (tini); without root there is no sandbox.
# HAProxy is the data path that keeps serving while platformd restarts (PLATFORM_ROUTER=auto picks it).
if [ "$(id -u)" -eq 0 ]; then bash scripts/prerequisites.sh server router; fi

node scripts/build.mjs || fail "compiling the server and CLI failed (above); retry with: node scripts/build.mjs --force"
