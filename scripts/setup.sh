#!/usr/bin/env bash
# Installs the platform's npm dependencies (embedded PostgreSQL included) on a fresh Debian machine
# with Node >= 20 and git. Idempotent: does nothing when node_modules matches package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: $1 is required ($2)" >&2; exit 1; }; }
need node "install Node.js 20 or newer"
need npm "it comes with Node.js"
need git "apt-get install git"
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then echo "setup: Node.js 20 or newer is required (found $(node --version))" >&2; exit 1; fi

stamp=node_modules/.platform-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "setup: installing npm dependencies..."
  # `npm install --no-save` installs what package-lock.json pins without rewriting it. (`npm ci` is not used:
  # npm 11 records only this platform's optional packages in the lock, then rejects that lock in `npm ci`.)
  npm install --no-save --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
