#!/usr/bin/env bash
# Three `serve` replicas on one PostgreSQL (issue 11.6). Builds nothing: pass the release binary.
# Usage: bench/replicas.sh BINARY ingest [seconds] [connections]
#          signed ~8 KB webhooks through `wrk -t3` (one thread per replica, bench/replicas.lua),
#          then the same load on one SQLite relay in the same run; synchronous_commit as the
#          server has it (on by default), printed.
#        bench/replicas.sh BINARY takeover [rounds]
#          the replica holding the robot's lease SIGKILLed, alerts waiting at the others: seconds
#          from the kill to the next message at the fake robot; the killed one is restarted.
#        bench/replicas.sh BINARY storm [alerts] [max-seconds]
#          a storm posted round-robin over the three, drained at 20/min with the default 30 s group
#          window: messages, most in any 60 s, bytes, alerts left, peak RSS per replica.
#          env STORM_THRESHOLD=0 configures the robot through a file with storm mode off (the
#          "before" of issue 21: one digest after another).
#   env PGURL      server URL without database (default postgres://postgres@127.0.0.1:5432)
#   env FAKE_ROBOT the strict fake robot (default ../shared/tools/fake_dingtalk.py)
# Run it alone on the machine: flock -o /tmp/cargo.lock bash bench/replicas.sh target/release/sentry-dingtalk ingest
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "$1"); mode=$2
pg=${PGURL:-postgres://postgres@127.0.0.1:5432}
fake=${FAKE_ROBOT:-../shared/tools/fake_dingtalk.py}
db=bench_replicas_$$
ports=(8101 8102 8103); robot_port=8105
tmp=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
psql -q "$pg/postgres" -c "CREATE DATABASE $db" >/dev/null
url="$pg/$db"
declare -A pids

# start INDEX [ENV=VALUE...]: replica INDEX on its port, sharing the database
start() {
  local i=$1; shift
  env SENTRY_CLIENT_SECRET=bench-secret DATA_DIR="$tmp/d$i" LISTEN_ADDR=127.0.0.1:${ports[$i]} \
    RUST_LOG=warn DATABASE_URL="$url" "$@" "$bin" serve 2>>"$tmp/relay$i.log" &
  pids[$i]=$!
  until curl -fs -o /dev/null http://127.0.0.1:${ports[$i]}/readyz; do sleep 0.1; done
}
holder_pid() {
  psql -qtA "$url" -c "SELECT split_part(owner, ':', 2) FROM leases WHERE owner <> ''"
}
robot_lines() { [ -f "$tmp/robot.jsonl" ] && wc -l < "$tmp/robot.jsonl" || echo 0; }
start_robot() {
  [ -f "$fake" ] || { echo "no fake robot at $fake (set FAKE_ROBOT)" >&2; exit 1; }
  python3 "$fake" "$robot_port" "$tmp/robot.jsonl" "bench:SECbench::20" >/dev/null &
  until curl -s -o /dev/null -X POST http://127.0.0.1:$robot_port/robot/send; do sleep 0.1; done
}
robot_env=(DINGTALK_WEBHOOK="http://127.0.0.1:$robot_port/robot/send?access_token=bench"
           DINGTALK_SECRET=SECbench DINGTALK_RATE_PER_MINUTE=20)
echo "binary: $bin; PostgreSQL $(psql -qtA "$url" -c 'SHOW server_version'), synchronous_commit=$(psql -qtA "$url" -c 'SHOW synchronous_commit')"

case "$mode" in
ingest)
  secs=${3:-10}; conns=${4:-48}
  python3 bench/gen_bodies.py 60000 bench-secret "$tmp/bodies.tsv"
  for i in 0 1 2; do start $i DINGTALK_GROUP_WINDOW=30; done
  echo "== 3 replicas on one PostgreSQL: wrk -t3 -c$conns -d${secs}s, one thread per replica =="
  PORTS=8101,8102,8103 NTHREADS=3 BODIES="$tmp/bodies.tsv" \
    wrk -t3 -c"$conns" -d"${secs}s" -s bench/replicas.lua http://127.0.0.1:8101 | tail -1
  echo "alerts durably in PostgreSQL: $(psql -qtA "$url" -c 'SELECT count(*) FROM alerts')"
  for i in 0 1 2; do echo "replica $i peak RSS: $(grep VmHWM /proc/${pids[$i]}/status | awk '{print $2, $3}')"; done
  for i in 0 1 2; do kill ${pids[$i]}; wait ${pids[$i]} 2>/dev/null || true; done
  echo "== 1 relay on SQLite (same bodies, same wrk) =="
  SENTRY_CLIENT_SECRET=bench-secret DATA_DIR="$tmp/sqlite" LISTEN_ADDR=127.0.0.1:8104 RUST_LOG=warn \
    DINGTALK_GROUP_WINDOW=30 "$bin" serve & sq=$!
  until curl -fs -o /dev/null http://127.0.0.1:8104/readyz; do sleep 0.1; done
  PORTS=8104 NTHREADS=3 BODIES="$tmp/bodies.tsv" \
    wrk -t3 -c"$conns" -d"${secs}s" -s bench/replicas.lua http://127.0.0.1:8104 | tail -1
  echo "relay peak RSS: $(grep VmHWM /proc/$sq/status | awk '{print $2, $3}')"
  ;;
takeover)
  rounds=${3:-3}
  python3 bench/gen_bodies.py 100 bench-secret "$tmp/bodies.tsv" 1 0
  start_robot
  for i in 0 1 2; do start $i "${robot_env[@]}" DINGTALK_GROUP_WINDOW=0; done
  k=1
  post_one() { sed -n "${k}p" "$tmp/bodies.tsv" > "$tmp/one.tsv"; k=$((k + 1))
               python3 bench/post_bodies.py "$tmp/one.tsv" "http://127.0.0.1:$1/webhooks/sentry"; }
  for r in $(seq "$rounds"); do
    before=$(robot_lines); post_one 8101
    until [ "$(robot_lines)" -gt "$before" ]; do sleep 0.05; done
    hp=$(holder_pid)
    for i in 0 1 2; do [ "${pids[$i]}" = "$hp" ] && victim=$i; done
    before=$(robot_lines)
    kill -9 "$hp"; t_kill=$(date +%s.%N); wait "$hp" 2>/dev/null || true
    for i in 0 1 2; do [ "$i" != "$victim" ] && post_one "${ports[$i]}"; done
    until [ "$(robot_lines)" -gt "$before" ]; do sleep 0.05; done
    t_next=$(tail -1 "$tmp/robot.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["t"])')
    echo "round $r: SIGKILL of replica $victim (the sender) → next message $(echo "$t_next - $t_kill" | bc) s later, from replica pid $(holder_pid)"
    start "$victim" "${robot_env[@]}" DINGTALK_GROUP_WINDOW=0
  done
  echo "throttled by the robot (130101): $(python3 -c 'import json,sys; print(sum(json.loads(l)["errcode"] == 130101 for l in open(sys.argv[1])))' "$tmp/robot.jsonl")"
  ;;
storm)
  n=${3:-10000}; max=${4:-150}
  python3 bench/gen_bodies.py "$n" bench-secret "$tmp/storm.tsv" 1 0
  for i in 0 1 2; do awk -v i=$i 'NR % 3 == i' "$tmp/storm.tsv" > "$tmp/storm$i.tsv"; done
  start_robot
  storm_env=("${robot_env[@]}")
  if [ -n "${STORM_THRESHOLD:-}" ]; then
    printf '[[robots]]\nname = "bench"\nwebhook = "http://127.0.0.1:%s/robot/send?access_token=bench"\nsecret = "SECbench"\nrate_per_minute = 20\nstorm_threshold = %s\n\n[[routes]]\nname = "all"\nrobots = ["bench"]\n' \
      "$robot_port" "$STORM_THRESHOLD" > "$tmp/storm.toml"
    storm_env=(CONFIG_FILE="$tmp/storm.toml")
  fi
  for i in 0 1 2; do start $i "${storm_env[@]}"; done
  t0=$(date +%s.%N)
  for i in 0 1 2; do python3 bench/post_bodies.py "$tmp/storm$i.tsv" "http://127.0.0.1:${ports[$i]}/webhooks/sentry" & posters[$i]=$!; done
  for i in 0 1 2; do wait "${posters[$i]}"; done
  echo "storm: $n alerts posted over 3 replicas in $(echo "$(date +%s.%N) - $t0" | bc) s, all 202"
  end=$(echo "$t0 + $max" | bc)
  while [ "$(psql -qtA "$url" -c "SELECT count(*) FROM alerts a LEFT JOIN messages m ON m.id = a.message_id WHERE m.state IS DISTINCT FROM 'sent'")" != 0 ] \
        && [ "$(echo "$(date +%s.%N) < $end" | bc)" = 1 ]; do sleep 1; done
  # With storm mode the end message follows storm_quiet after the last summary: wait for it too.
  while [ "$(psql -qtA "$url" -c "SELECT count(*) FROM storms WHERE ended_at IS NULL")" != 0 ] \
        && [ "$(echo "$(date +%s.%N) < $end" | bc)" = 1 ]; do sleep 1; done
  echo "storms: $(psql -qtA "$url" -c "SELECT count(*) FROM storms"), ended: $(psql -qtA "$url" -c "SELECT count(*) FROM storms WHERE ended_at IS NOT NULL")"
  echo "after $(echo "$(date +%s.%N) - $t0" | bc) s: $(psql -qtA "$url" -c "SELECT count(*) FROM alerts a JOIN messages m ON m.id = a.message_id WHERE m.state = 'sent'") alerts delivered, $(psql -qtA "$url" -c "SELECT count(*) FROM alerts a LEFT JOIN messages m ON m.id = a.message_id WHERE m.state IS DISTINCT FROM 'sent'") not yet"
  python3 - "$tmp/robot.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = sorted(r["t"] for r in recs if r["errcode"] == 0)
most = max((sum(1 for u in ok if t <= u < t + 60) for t in ok), default=0)
print(f"messages accepted by the robot: {len(ok)}, throttled (130101): {sum(r['errcode'] == 130101 for r in recs)}, most in any 60 s: {most}")
sizes = [len(r["body"].encode()) for r in recs if r["errcode"] == 0]
if ok:
    print(f"bytes sent: {sum(sizes)} in all, largest message {max(sizes)}, {ok[-1] - ok[0]:.1f} s from the first message to the last")
for r in recs:
    if r["errcode"] == 0:
        text = json.loads(r["body"]).get("markdown", {}).get("title", "")
        print(f"  +{r['t'] - ok[0]:6.1f} s  {len(r['body'].encode()):6} B  {text}")

PY
  for i in 0 1 2; do echo "replica $i peak RSS: $(grep VmHWM /proc/${pids[$i]}/status | awk '{print $2, $3}')"; done
  ;;
*) echo "unknown mode $mode" >&2; exit 2 ;;
esac
