#!/usr/bin/env bash
# Ingest benchmark: signed ~8 KB event_alert webhooks against the release relay, then the same
# load against a bare actix 202 handler (bench/baseline_202.rs). Needs `wrk` (apt-get install wrk).
# Usage: bench/ingest.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}; conns=${2:-32}
tmp=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
cargo build --release --bins --example baseline_202 >/dev/null
python3 bench/gen_bodies.py 120000 bench-secret "$tmp/bodies.tsv"

SENTRY_CLIENT_SECRET=bench-secret DATA_DIR="${BENCH_DATA:-$tmp/data}" LISTEN_ADDR=127.0.0.1:8090 RUST_LOG=warn \
  DINGTALK_GROUP_WINDOW=30 target/release/sentry-dingtalk serve & relay=$!
target/release/examples/baseline_202 127.0.0.1:8091 & base=$!
until curl -fs -o /dev/null http://127.0.0.1:8090/healthz; do sleep 0.2; done
until curl -s -o /dev/null -X POST -d '{}' http://127.0.0.1:8091/webhooks/sentry; do sleep 0.2; done

echo "== relay (verify + parse + route + durable insert) =="
BODIES="$tmp/bodies.tsv" wrk -t2 -c"$conns" -d"${secs}s" -s bench/ingest.lua http://127.0.0.1:8090
echo "alerts durably in the outbox: $(sqlite3 "${BENCH_DATA:-$tmp/data}/outbox.sqlite3" 'SELECT COUNT(*) FROM alerts' 2>/dev/null \
  || DATA_DIR="$tmp/data" target/release/sentry-dingtalk outbox stats)"
echo "relay peak RSS: $(grep VmHWM /proc/$relay/status | awk '{print $2, $3}')"
echo "== baseline (actix handler answering 202) =="
BODIES="$tmp/bodies.tsv" wrk -t2 -c"$conns" -d"${secs}s" -s bench/ingest.lua http://127.0.0.1:8091
