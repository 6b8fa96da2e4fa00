#!/usr/bin/env bash
# Start-up: wall time from exec of `serve` to the first 200 from /readyz, on a fresh DATA_DIR,
# five runs. Needs curl.
# Usage: bench/startup.sh BIN   (e.g. target/release/sentry-dingtalk)
set -u
BIN=$1
for i in 1 2 3 4 5; do
  d=$(mktemp -d)
  port=$((19000 + i))
  start=$(date +%s%N)
  SENTRY_CLIENT_SECRET=x DATA_DIR=$d LISTEN_ADDR=127.0.0.1:$port "$BIN" serve >/dev/null 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.001; done
  end=$(date +%s%N)
  echo "$(((end - start) / 1000000)) ms"
  kill "$pid"
  wait "$pid" 2>/dev/null
  rm -rf "$d"
done
