#!/usr/bin/env bash
# Storm benchmark: 10,000 alerts queued for one robot (the strict fake robot from
# ../shared/tools, 20/min with its 10-minute throttle); reports the relay's peak RSS, messages
# per rolling minute (must stay within the budget) and whether every alert arrived once.
# Usage: bench/storm.sh [alerts] [max-seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}; max=${2:-900}
tmp=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
cargo build --release --bins >/dev/null
python3 bench/gen_bodies.py "$n" bench-secret "$tmp/bodies.tsv"
python3 ../shared/tools/fake_dingtalk.py 8092 "$tmp/robot.jsonl" "storm:SECstorm0123:Sentry:20" >/dev/null & 
SENTRY_CLIENT_SECRET=bench-secret DATA_DIR="$tmp/data" LISTEN_ADDR=127.0.0.1:8093 RUST_LOG=warn \
  DINGTALK_WEBHOOK='http://127.0.0.1:8092/robot/send?access_token=storm' DINGTALK_SECRET=SECstorm0123 \
  DINGTALK_KEYWORD=Sentry target/release/sentry-dingtalk serve & relay=$!
until curl -fs -o /dev/null http://127.0.0.1:8093/healthz; do sleep 0.2; done
start=$(date +%s)
python3 bench/post_bodies.py "$tmp/bodies.tsv" http://127.0.0.1:8093/webhooks/sentry
echo "posted $n alerts in $(( $(date +%s) - start )) s; RSS now $(grep VmRSS /proc/$relay/status | awk '{print $2, $3}')"
python3 bench/storm_report.py "$tmp/robot.jsonl" "$n" "$max" "$relay"
