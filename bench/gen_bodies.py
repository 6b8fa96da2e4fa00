#!/usr/bin/env python3
"""Writes N signed ~8 KB event_alert webhooks, one `signature<TAB>body` per line, for wrk.
usage: gen_bodies.py N SECRET OUT [PROJECTS [FIRST]]
With RESOURCE=issue in the environment: ~1 KB issue.assigned webhooks instead, 500 issues in
turn, each body with its own assignee (news, not a re-delivery): the load on the per-issue
dedup row.
Without PROJECTS: project `bench`, 500 issues repeating (the ingest benchmark's bodies).
With PROJECTS: project slugs proj-0 .. proj-(PROJECTS-1) round-robin and one issue per body (so no
route's repeat_interval folds them); FIRST offsets the event and issue ids, so two files made with
different FIRST values hold no duplicates of each other."""
import hashlib, hmac, json, sys

n, secret, out = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
projects = int(sys.argv[4]) if len(sys.argv) > 4 else 0
first = int(sys.argv[5]) if len(sys.argv) > 5 else 0
frames = [{"filename": f"app/module_{i}.py", "abs_path": f"/srv/app/module_{i}.py", "function": f"handler_{i}",
           "lineno": 40 + i, "in_app": i % 2 == 0, "context_line": "    result = compute(order, amount, terms)  # " + "x" * 60,
           "pre_context": ["    # setup", "    order = load(order_id)"], "post_context": ["    return result"]}
          for i in range(24)]
import os
resource = os.environ.get("RESOURCE", "event_alert")

def issue_body(i):
    issue = str(5_100_000 + i % 500)
    return {"action": "assigned", "installation": {"uuid": "bench"},
            "actor": {"type": "user", "id": "7", "name": "Bench"},
            "data": {"assignee": {"type": "user", "name": f"user {i}", "id": i},
                     "issue": {"id": issue, "shortId": f"BENCH-{issue}", "title": f"BenchError: issue {issue}",
                               "culprit": "app.handler", "level": "error", "status": "unresolved",
                               "project": {"id": "1", "name": "bench", "slug": "bench"},
                               "count": "1", "userCount": 1, "lastSeen": "2026-12-07T06:00:00Z",
                               "assignedTo": {"type": "user", "id": str(i), "name": f"user {i}"},
                               "web_url": f"https://sentry.io/organizations/acme/issues/{issue}/"}}}

with open(out, "w") as f:
    for i in range(first, first + n):
        if resource == "issue":
            raw = json.dumps(issue_body(i), separators=(",", ":"))
            sig = hmac.new(secret, raw.encode(), hashlib.sha256).hexdigest()
            f.write(f"{sig}\t{raw}\n")
            continue
        project = f"proj-{i % projects}" if projects else "bench"
        issue = str(900000 + i) if projects else str(900000 + i % 500)
        body = {"action": "triggered", "installation": {"uuid": "bench"}, "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
                "data": {"triggered_rule": "bench", "event": {
                    "event_id": f"{i:032x}", "issue_id": issue, "title": f"BenchError: load test {i}",
                    "level": "error", "environment": "production", "release": "bench@1.0.0",
                    "tags": [["environment", "production"], ["region", "cn-hangzhou"]],
                    "url": f"https://sentry.io/api/0/projects/acme/{project}/events/x/",
                    "web_url": f"https://sentry.io/organizations/acme/issues/{issue}/events/{i:032x}/",
                    "exception": {"values": [{"type": "BenchError", "value": f"load test {i}", "stacktrace": {"frames": frames}}]}}}}
        raw = json.dumps(body, separators=(",", ":"))
        sig = hmac.new(secret, raw.encode(), hashlib.sha256).hexdigest()
        f.write(f"{sig}\t{raw}\n")
print(f"{n} bodies, {len(raw)} bytes each", file=sys.stderr)
