#!/usr/bin/env python3
"""Posts every `signature<TAB>body` line of a file to the relay, 8 connections, and checks 202s."""
import http.client, sys, threading, urllib.parse

path, url = sys.argv[1], urllib.parse.urlsplit(sys.argv[2])
lines = open(path).read().splitlines()
bad = []

def worker(chunk):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    for line in chunk:
        sig, body = line.split("\t", 1)
        conn.request("POST", url.path, body=body.encode(), headers={
            "Content-Type": "application/json", "Sentry-Hook-Resource": "event_alert", "Sentry-Hook-Signature": sig})
        r = conn.getresponse(); r.read()
        if r.status != 202:
            bad.append(r.status)

threads = [threading.Thread(target=worker, args=(lines[i::8],)) for i in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
if bad:
    sys.exit(f"{len(bad)} requests not accepted: {bad[:5]}")
