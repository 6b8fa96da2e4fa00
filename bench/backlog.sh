#!/usr/bin/env bash
# Webhook latency with a large backlog waiting (issue 9.10). Starts the relay once so it makes
# DATA_DIR/outbox.sqlite3 and stores one real alert, stops it, bulk-inserts WAITING copies of that
# alert's stored payload (one transaction, python's sqlite3) for the `default` robot, whose webhook
# points at a closed port (every send fails with a network error and is retried later, so the
# backlog stays waiting and the worker keeps trying), starts the relay again (timing how long it
# takes to answer /healthz and /readyz), times /readyz and /metrics with the backlog, then
# `wrk -t2 -c8` posts signed webhooks (bench/ingest.lua) and reports accepted/s, p50, p99, max.
# Builds nothing: pass the release binary.
# Usage: bench/backlog.sh BINARY [waiting-alerts] [wrk-seconds]
#   env BACKLOG_DATA  keep the filled DATA_DIR here and reuse it on the next run (same binary
#                     version): the insert is skipped when the file already holds the backlog
# Run it alone on the machine: flock -o /tmp/cargo.lock bash bench/backlog.sh target/release/sentry-dingtalk 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "$1"); n=${2:-1000000}; secs=${3:-20}
port=8096
tmp=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$tmp"' EXIT
data=${BACKLOG_DATA:-$tmp/data}; mkdir -p "$data"
db="$data/outbox.sqlite3"
serve() {
  SENTRY_CLIENT_SECRET=bench-secret DATA_DIR="$data" LISTEN_ADDR=127.0.0.1:$port RUST_LOG=error \
    DINGTALK_WEBHOOK='http://127.0.0.1:9/robot/send?access_token=down' DINGTALK_SECRET=SECdown \
    DINGTALK_GROUP_WINDOW=1 "$bin" serve & relay=$!
}
ms() { echo "($(date +%s%N) - $1) / 1000000" | bc; }
python3 bench/gen_bodies.py 200000 bench-secret "$tmp/bodies.tsv" 1 5000000

have=$( [ -f "$db" ] && sqlite3 "$db" "SELECT COUNT(*) FROM alerts WHERE message_id IS NULL" 2>/dev/null || echo 0)
if [ "$have" -lt "$n" ]; then
  serve
  until curl -fs -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.1; done
  head -1 "$tmp/bodies.tsv" > "$tmp/one.tsv"
  python3 bench/post_bodies.py "$tmp/one.tsv" http://127.0.0.1:$port/webhooks/sentry
  sleep 1; kill -TERM $relay; wait $relay || true
  start=$(date +%s%N)
  python3 - "$db" "$((n - have))" <<'PY'
import sqlite3, sys
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db, isolation_level=None)
payload, level, received = c.execute("SELECT payload, level, received_at FROM alerts ORDER BY id LIMIT 1").fetchone()
c.execute("BEGIN")
c.executemany("INSERT INTO alerts (robot, payload, level, received_at, message_id) VALUES ('default', ?, ?, ?, NULL)",
              ((payload, level, received) for _ in range(n)))
c.execute("COMMIT")
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(f"inserted {n} waiting alerts of {len(payload)} bytes (payload of a stored alert)")
PY
  echo "insert took $(ms $start) ms; outbox file $(du -h "$db" | cut -f1)"
fi
echo "binary: $bin"
echo "alerts waiting: $(sqlite3 "$db" 'SELECT COUNT(*) FROM alerts WHERE message_id IS NULL')"

start=$(date +%s%N); serve
until curl -fs -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.01; done; echo "start to /healthz 200: $(ms $start) ms"
until curl -fs -o /dev/null http://127.0.0.1:$port/readyz; do sleep 0.01; done; echo "start to /readyz 200: $(ms $start) ms"
sleep 2
for i in 1 2 3; do
  curl -s -o /dev/null -w "/readyz %{http_code} %{time_total}s   " http://127.0.0.1:$port/readyz
  curl -s -o "$tmp/metrics" -w "/metrics %{http_code} %{time_total}s\n" http://127.0.0.1:$port/metrics
done
grep -E '^sentry_dingtalk_outbox_(messages|alerts)[^_]' "$tmp/metrics" | head -5 || true
echo "== signed webhooks with the backlog waiting (wrk -t2 -c8 -d${secs}s) =="
BODIES="$tmp/bodies.tsv" wrk -t2 -c8 -d"${secs}s" --latency -s bench/ingest.lua http://127.0.0.1:$port \
  | grep -E 'Latency |50%|99%|Requests/sec|requests .*p99|Non-2xx'
for i in 1 2; do
  curl -s -o /dev/null -w "/readyz %{http_code} %{time_total}s   " http://127.0.0.1:$port/readyz
  curl -s -o /dev/null -w "/metrics %{http_code} %{time_total}s\n" http://127.0.0.1:$port/metrics
done
echo "alerts waiting after the run: $(sqlite3 "$db" 'SELECT COUNT(*) FROM alerts WHERE message_id IS NULL')"
echo "relay peak RSS: $(grep VmHWM /proc/$relay/status | awk '{print $2, $3}')"
