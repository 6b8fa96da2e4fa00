#!/usr/bin/env python3
"""Webhook latency while strangers try to lock Sentry out (issue 17, points 1 and 5).

Starts the relay, measures signed webhooks (sequential, each on a fresh connection from
127.0.0.250) with no attack, then while 100 uploads of 4 MiB - 1 bytes (half unsigned, half
with a wrong signature, from 127.0.0.2..101) fill the 64 MiB body budget, then while 2,000
connections stall their bodies on /ui/login, /dingtalk/card-callback and
/sentry/alert-rule/validate (from 200 addresses). Loopback only; every loop is bounded.

    cargo build --release
    python3 bench/lockout.py target/release/sentry-dingtalk [webhooks-per-phase]
"""

import asyncio
import hashlib
import hmac
import os
import statistics
import subprocess
import sys
import tempfile
import time

SECRET = "bench-client-secret"
MIB = 1024 * 1024
PORT = 18517
BODY = open(os.path.join(os.path.dirname(__file__), "..", "examples", "payloads", "issue-created.json"), "rb").read()


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


async def stalled(src, head, declared, send):
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", PORT, local_addr=(src, 0)), 5)
        writer.write((head + f"Host: 127.0.0.1:{PORT}\r\nContent-Length: {declared}\r\n\r\n").encode())
        chunk = b"x" * (64 * 1024)
        sent = 0
        while sent < send:
            n = min(len(chunk), send - sent)
            writer.write(chunk[:n])
            await asyncio.wait_for(writer.drain(), 1)
            sent += n
        return writer
    except (OSError, asyncio.TimeoutError):
        return None


async def webhook():
    sig = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    head = (f"POST /webhooks/sentry HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nContent-Type: application/json\r\n"
            f"Sentry-Hook-Resource: issue\r\nSentry-Hook-Signature: {sig}\r\nConnection: close\r\n"
            f"Content-Length: {len(BODY)}\r\n\r\n").encode()
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT, local_addr=("127.0.0.250", 0))
    writer.write(head + BODY)
    await writer.drain()
    status = (await asyncio.wait_for(reader.readline(), 5)).split()[1].decode()
    elapsed = time.perf_counter() - started
    writer.close()
    return status, elapsed


async def measure(label, n, pid):
    """Sequential webhooks; stops early after 3 unanswered ones (a locked-out relay)."""
    times, statuses = [], {}
    for _ in range(n):
        try:
            status, elapsed = await asyncio.wait_for(webhook(), 5)
        except (OSError, asyncio.TimeoutError):
            status, elapsed = "no answer in 5 s", 5.0
        statuses[status] = statuses.get(status, 0) + 1
        times.append(elapsed * 1000)
        if statuses.get("no answer in 5 s", 0) >= 3:
            break
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{label:<44} n={len(times)} statuses={statuses} p50={p(0.5):.1f} ms p99={p(0.99):.1f} ms "
          f"max={times[-1]:.1f} ms; relay RSS {rss_mib(pid)} MiB", flush=True)


async def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    data = tempfile.mkdtemp()
    env = {"SENTRY_CLIENT_SECRET": SECRET, "LISTEN_ADDR": f"127.0.0.1:{PORT}", "DATA_DIR": data,
           "BODY_READ_TIMEOUT": "120", "ADMIN_TOKEN": "bench-admin-token-0123456", "RUST_LOG": "warn",
           "PATH": os.environ.get("PATH", "")}
    relay = subprocess.Popen([binary, "serve"], env=env, stderr=open(os.path.join(data, "relay.log"), "w"))
    try:
        for _ in range(100):
            try:
                r, w = await asyncio.open_connection("127.0.0.1", PORT)
                w.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        await measure("no attack", n, relay.pid)
        wrong = ("POST /webhooks/sentry HTTP/1.1\r\nContent-Type: application/json\r\n"
                 f"Sentry-Hook-Resource: issue\r\nSentry-Hook-Signature: {'0' * 64}\r\n")
        unsigned = "POST /webhooks/sentry HTTP/1.1\r\nContent-Type: application/json\r\nSentry-Hook-Resource: issue\r\n"
        held = await asyncio.gather(*[
            stalled(f"127.0.0.{2 + i}", unsigned if i % 2 == 0 else wrong, 4 * MIB, 4 * MIB - 1)
            for i in range(100)])
        await asyncio.sleep(2)
        await measure("64 MiB budget full (100 addresses)", n, relay.pid)
        for w in held:
            if w:
                w.close()
        await asyncio.sleep(1)
        heads = ["POST /ui/login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n",
                 "POST /dingtalk/card-callback HTTP/1.1\r\nContent-Type: application/json\r\n",
                 f"POST /sentry/alert-rule/validate HTTP/1.1\r\nSentry-App-Signature: {'0' * 64}\r\n"]
        held = []
        for start in range(0, 2000, 250):
            held += await asyncio.gather(*[
                stalled(f"127.0.0.{2 + i % 200}", heads[i % 3], 1000, 20) for i in range(start, start + 250)])
        print(f"stalled connections open: {sum(1 for w in held if w)}", flush=True)
        await measure("2,000 stalled bodies on other endpoints", n, relay.pid)
        for w in held:
            if w:
                w.close()
    finally:
        relay.kill()
        relay.wait(10)


asyncio.run(main())
