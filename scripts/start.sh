#!/usr/bin/env bash
# Quick start: installs what is missing and runs platformd in the foreground on embedded defaults
# (embedded PostgreSQL in the data dir; the Docker runtime where a Docker engine and the stack image are
# present, plain processes otherwise). Configure with PLATFORM_* variables (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node apps/server/bin/platformd.js
