#!/usr/bin/env bash
# Ingest benchmark: signed ~8 KB event_alert webhooks against the release relay, then the same
# load against a bare actix 202 handler (bench/baseline_202.rs). Needs `wrk` (apt-get install wrk).
# Usage: bench/ingest.sh [seconds] [connections]
#   env SKIP_BUILD=1    use the binaries as they are (e.g. when cargo is serialised by a lock
#                       this script runs under)
#   env RELAY_BIN       the relay to measure (default target/release/sentry-dingtalk)
#   env COMPARE_BIN     another relay binary (e.g. an older version) measured in the same run,
#                       with its own fresh DATA_DIR, between the relay and the baseline
#   env RESOURCE=issue  issue.assigned webhooks (500 issues in turn) instead of event alerts
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}; conns=${2:-32}
relay_bin=${RELAY_BIN:-target/release/sentry-dingtalk}
tmp=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$tmp"' EXIT
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --bins --example baseline_202 >/dev/null
python3 bench/gen_bodies.py 120000 bench-secret "$tmp/bodies.tsv"

# measure NAME BINARY PORT DATA_DIR
measure() {
  SENTRY_CLIENT_SECRET=bench-secret DATA_DIR="$4" LISTEN_ADDR=127.0.0.1:$3 RUST_LOG=warn \
    DINGTALK_GROUP_WINDOW=30 "$2" serve & local relay=$!
  until curl -fs -o /dev/null http://127.0.0.1:$3/healthz; do sleep 0.2; done
  echo "== $1: $2 (verify + parse + route + durable insert) =="
  BODIES="$tmp/bodies.tsv" wrk -t2 -c"$conns" -d"${secs}s" -s bench/ingest.lua http://127.0.0.1:$3
  echo "alerts durably in the outbox: $(sqlite3 "$4/outbox.sqlite3" 'SELECT COUNT(*) FROM alerts' 2>/dev/null \
    || DATA_DIR="$4" "$2" outbox stats)"
  echo "relay peak RSS: $(grep VmHWM /proc/$relay/status | awk '{print $2, $3}')"
  kill $relay; wait $relay 2>/dev/null || true
}
measure relay "$relay_bin" 8090 "${BENCH_DATA:-$tmp/data}"
[ -z "${COMPARE_BIN:-}" ] || measure compare "$COMPARE_BIN" 8097 "$tmp/data-compare"

target/release/examples/baseline_202 127.0.0.1:8091 & base=$!
until curl -s -o /dev/null -X POST -d '{}' http://127.0.0.1:8091/webhooks/sentry; do sleep 0.2; done
echo "== baseline (actix handler answering 202) =="
BODIES="$tmp/bodies.tsv" wrk -t2 -c"$conns" -d"${secs}s" -s bench/ingest.lua http://127.0.0.1:8091
