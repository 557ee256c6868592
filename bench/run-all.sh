#!/usr/bin/env bash
# The national suite, in order, each scenario appending its block to docs/benchmarks.md:
#   bench/run-all.sh [DATABASE_URL]     (default postgres://postgres@127.0.0.1:5432/nb_national)
# Generates the database first when it has no clients (GENERATE=0 skips that), starts
# PostGraphile for the commune page, runs graphile-worker after the burst. The sweeps change
# the database (they plan and mark missed like the worker would), so they run last.
# Knobs: SECONDS_PER_RUN (10), CONNECTIONS (16), RATE (200), MESSAGES (300000), PEERS=0.
set -euo pipefail
cd "$(dirname "$0")/.."
url="${1:-postgres://postgres@127.0.0.1:5432/nb_national}"
secs="${SECONDS_PER_RUN:-10}" conns="${CONNECTIONS:-16}" rate="${RATE:-200}"
messages="${MESSAGES:-300000}" peers="${PEERS:-1}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
cargo build --release -p api -p worker -p bench
bench=target/release/bench

db="${url##*/}"
server="${url%/*}"
if [ "${GENERATE:-1}" = 1 ]; then
  psql "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
    || psql "$server/postgres" -qc "CREATE DATABASE $db"
  if ! psql "$url" -tAc "SELECT count(*) FROM clients" 2>/dev/null | grep -qv '^0$'; then
    "$bench" generate --scale national --database-url "$url"
  fi
fi

pg_args=()
pgl_pid=""
if [ "$peers" = 1 ]; then
  PORT=5678 bench/peers/postgraphile/run.sh "$url" > /tmp/bench-postgraphile.log 2>&1 &
  pgl_pid=$!
  for _ in $(seq 1 60); do
    curl -fs -o /dev/null -H 'content-type: application/json' \
      -d '{"query":"{ __typename }"}' http://127.0.0.1:5678/graphql && break
    sleep 1
  done
  pg_args=(--postgraphile http://127.0.0.1:5678/graphql)
fi
stop_peer() { [ -n "$pgl_pid" ] && kill "$pgl_pid" 2>/dev/null || true; }
trap stop_peer EXIT

common=(--database-url "$url" --seconds "$secs" --connections "$conns")
"$bench" cold-start
"$bench" commune-page "${common[@]}" --rate "$rate" "${pg_args[@]}"
"$bench" client-record "${common[@]}" --rate "$rate"
"$bench" agenda "${common[@]}" --rate "$rate"
"$bench" escalation-queue "${common[@]}" --rate "$rate"
"$bench" write-mix "${common[@]}"
stop_peer
"$bench" rss "${common[@]}"
gw_args=()
[ "$peers" = 1 ] && gw_args=(--graphile-worker 30000)
"$bench" monday-burst --database-url "$url" --messages "$messages" "${gw_args[@]}"
"$bench" sweeps --database-url "$url"
