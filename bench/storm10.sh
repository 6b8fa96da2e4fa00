#!/usr/bin/env bash
# Webhook latency while ten robots drain a storm (issue 10.3). A relay with a config file of 10
# robots (one fake DingTalk serving 10 tokens, signing and keyword enforced, its rate set high so
# it never throttles) and 10 routes, one per project slug; a storm of signed event_alert webhooks
# spread over the 10 projects is queued first, then, while every robot drains at its budget,
# `wrk -t1 -c4` posts more signed webhooks (distinct from the storm's, also spread over the 10
# robots) and reports webhook p50/p99/max and req/s. Builds nothing: pass the release binary, so
# the same script measures two versions.
# Usage: bench/storm10.sh BINARY [storm-alerts] [wrk-seconds]
#   env RATE       each robot's rate_per_minute (default 120: a send every 0.5 s per robot, and
#                  wrk's inflow keeps every robot's backlog growing, so no sender idles)
#   env FAKE_ROBOT the strict fake robot (default ../shared/tools/fake_dingtalk.py)
# Run it alone on the machine: flock -o /tmp/cargo.lock bash bench/storm10.sh target/release/sentry-dingtalk
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "$1"); n=${2:-5000}; secs=${3:-20}; rate=${RATE:-120}
fake=${FAKE_ROBOT:-../shared/tools/fake_dingtalk.py}
relay_port=8095; robot_port=8094
tmp=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$tmp"' EXIT
python3 bench/gen_bodies.py "$n" bench-secret "$tmp/storm.tsv" 10 0
python3 bench/gen_bodies.py 150000 bench-secret "$tmp/wrk.tsv" 10 1000000

specs=(); { echo 'unmatched = "drop"'; for i in $(seq 0 9); do
  specs+=("r$i:SECbench$i:Sentry:100000")
  cat <<TOML

[[robots]]
name = "r$i"
webhook = "http://127.0.0.1:$robot_port/robot/send?access_token=r$i"
secret = "SECbench$i"
keyword = "Sentry"
rate_per_minute = $rate
group_window = "1s"

[[routes]]
projects = ["proj-$i"]
robots = ["r$i"]
TOML
done; } > "$tmp/robots.toml"

[ -f "$fake" ] || { echo "no fake robot at $fake (set FAKE_ROBOT)" >&2; exit 1; }
python3 "$fake" "$robot_port" "$tmp/robot.jsonl" "${specs[@]}" >/dev/null &
until curl -s -o /dev/null -X POST http://127.0.0.1:$robot_port/robot/send; do sleep 0.1; done
CONFIG_FILE="$tmp/robots.toml" SENTRY_CLIENT_SECRET=bench-secret DATA_DIR="$tmp/data" \
  LISTEN_ADDR=127.0.0.1:$relay_port RUST_LOG=warn DINGTALK_GROUP_WINDOW=1 "$bin" serve & relay=$!
until curl -fs -o /dev/null http://127.0.0.1:$relay_port/healthz; do sleep 0.2; done

start=$(date +%s.%N)
python3 bench/post_bodies.py "$tmp/storm.tsv" http://127.0.0.1:$relay_port/webhooks/sentry
echo "binary: $bin"
echo "storm: $n alerts over 10 robots posted in $(echo "$(date +%s.%N) - $start" | bc) s; robot budget $rate/min each"
sleep 3
t0=$(date +%s.%N)
echo "== webhooks while 10 robots drain (wrk -t1 -c4 -d${secs}s) =="
BODIES="$tmp/wrk.tsv" wrk -t1 -c4 -d"${secs}s" --latency -s bench/ingest.lua http://127.0.0.1:$relay_port \
  | grep -E 'Latency |50%|75%|90%|99%|Requests/sec|requests .*p99|Non-2xx'
t1=$(date +%s.%N)
python3 - "$tmp/robot.jsonl" "$t0" "$t1" <<'PY'
import json, sys, urllib.parse
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
inside = [r for r in recs if t0 <= r["t"] <= t1]
per = {}
for r in inside:
    tok = r["query"]["access_token"][0]
    per[tok] = per.get(tok, 0) + 1
print(f"robot sends during the wrk run: {len(inside)} "
      f"({', '.join(f'{k} {per[k]}' for k in sorted(per))}); refused: {sum(r['errcode'] != 0 for r in inside)}")
print(f"robots that sent during the run: {len(per)} of 10; sends before it: {sum(r['t'] < t0 for r in recs)}")
PY
echo "alerts still waiting after the run: $(sqlite3 "$tmp/data/outbox.sqlite3" 'SELECT COUNT(*) FROM alerts WHERE message_id IS NULL')"
echo "relay peak RSS: $(grep VmHWM /proc/$relay/status | awk '{print $2, $3}')"
