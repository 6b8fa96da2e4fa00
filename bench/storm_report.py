#!/usr/bin/env python3
"""Follows the fake robot's log until every storm alert arrived (or a deadline), tracking the relay's RSS."""
import json, re, sys, time

log, n, max_secs, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
peak, start = 0, time.time()

def rss_kb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0

def read():
    try:
        return [json.loads(l) for l in open(log) if l.strip()]
    except (OSError, ValueError):
        return []

while True:
    peak = max(peak, rss_kb())
    recs = read()
    ok = [r for r in recs if r["errcode"] == 0]
    seen = {}
    for r in ok:
        for m in re.findall(r"/events/([0-9a-f]{32})/", r["body"]):
            seen[m] = seen.get(m, 0) + 1
    if len(seen) >= n or time.time() - start > max_secs:
        break
    time.sleep(1)

times = sorted(r["t"] for r in ok)
worst = max((sum(1 for u in times if t <= u < t + 60) for t in times), default=0)
print(f"alerts delivered: {len(seen)} of {n}; delivered twice: {sum(1 for c in seen.values() if c > 1)}")
print(f"messages accepted: {len(ok)}; refused: {[r['errcode'] for r in recs if r['errcode'] != 0][:5]}")
print(f"most messages in any rolling 60 s: {worst} (budget 18, DingTalk limit 20)")
print(f"relay peak RSS while draining: {peak / 1024:.1f} MiB; elapsed {time.time() - start:.0f} s")
sys.exit(0 if len(seen) >= n and worst <= 18 else 1)
