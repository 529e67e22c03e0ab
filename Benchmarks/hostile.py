"""Hostile load against a running Junction (see Benchmarks/hostile, which starts one).

Cases, each printed and written to the JSON result:
  connections   N idle connections held open, then /health probed on fresh connections:
                how many the server kept, and /health's latency (or that it timed out)
  slow_clients  N clients sending a request head one byte a second: how many are still
                open after the wait
  bad_ids       MCP requests with boolean ids: answered or not, open files and RSS before
                and after
  overload      invoke and webhook ingest at 100 and 1,000 keep-alive connections: accepted
                and refused answers, p50/p99 of each, refusal rate
  queue         webhook events sent as fast as possible for a while: queued runs at the end
                and how many events were refused
  soak          mixed traffic (invoke, MCP sessions and calls, ingest, bad input, slow and idle
                clients) for a while, RSS sampled every few seconds

A minimal HTTP/1.1 client on asyncio: each connection sends a request, reads the answer
(Content-Length bodies) and sends the next, timing each; no client library in the way.
"""

import argparse
import asyncio
import json
import os
import random
import socket
import sys
import time


def parse_url(url):
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    return host, int(port or 80), "/" + path


def request_bytes(method, path, host, headers=None, body=b""):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_answer(reader):
    """The status and body of one answer; raises on a closed connection."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, close, chunked = 0, False, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and "close" in value.lower():
            close = True
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readline()).strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                break
            body += await reader.readexactly(size + 2)
    else:
        body = await reader.readexactly(length) if length else b""
    return status, body, close


def percentile(values, share):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 1)


async def load(url, raw, connections, seconds, timeout=30):
    """`connections` keep-alive clients sending `raw` for `seconds`: answers by outcome."""
    host, port, _ = parse_url(url)
    accepted, refused, failed = [], [], 0
    statuses = {}
    end = time.perf_counter() + seconds

    async def client():
        nonlocal failed
        reader = writer = None
        while time.perf_counter() < end:
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
                writer.write(raw)
                status, _, close = await asyncio.wait_for(read_answer(reader), timeout)
            except (OSError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                failed += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.05)
                continue
            elapsed = time.perf_counter() - started
            statuses[status] = statuses.get(status, 0) + 1
            (accepted if 200 <= status < 300 else refused).append(elapsed)
            if close:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    took = time.perf_counter() - began
    answered = len(accepted) + len(refused)
    return {
        "connections": connections, "seconds": round(took, 1),
        "accepted": len(accepted), "refused": len(refused), "failed": failed,
        "accepted_per_s": round(len(accepted) / took), "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "refusal_rate": round(len(refused) / answered, 3) if answered else None,
        "accepted_p50_ms": percentile(accepted, 0.5), "accepted_p99_ms": percentile(accepted, 0.99),
        "accepted_max_ms": percentile(accepted, 1.0), "over_10s": sum(1 for t in accepted if t > 10),
        "refused_p50_ms": percentile(refused, 0.5), "refused_p99_ms": percentile(refused, 0.99),
    }


def process_figures(pid):
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    return {"rss_mb": round(rss / 1024, 1), "open_files": len(os.listdir(f"/proc/{pid}/fd"))}


async def health_latency(url, timeout=5.0):
    host, port, _ = parse_url(url)
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(request_bytes("GET", "/health", host, {"Connection": "close"}))
        status, _, _ = await asyncio.wait_for(read_answer(reader), timeout)
        writer.close()
        return {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    except (OSError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
        return {"status": None, "ms": None, "error": type(error).__name__}


def still_open(sockets):
    """How many of `sockets` the server has not closed."""
    count = 0
    for sock in sockets:
        try:
            data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            count += 1 if data else 0
        except BlockingIOError:
            count += 1
        except OSError:
            pass
    return count


async def held_connections(args, count):
    """`count` idle connections held while /health is probed on fresh ones."""
    sockets = open_sockets(args, count)
    await asyncio.sleep(2)
    before = process_figures(args.pid)
    probes = [await health_latency(args.base) for _ in range(5)]
    await asyncio.sleep(1)
    kept = still_open(sockets)
    for sock in sockets:
        sock.close()
    await asyncio.sleep(1)
    return {
        "opened": len(sockets), "kept_open_by_server": kept, "server_open_files": before["open_files"],
        "health": probes, "health_answered": sum(1 for p in probes if p["status"] == 200),
    }


def open_sockets(args, count):
    """`count` non-blocking connections to the server (those it refused left out)."""
    host, port, _ = parse_url(args.base)
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.connect((host, port))
        except BlockingIOError:
            pass
        except OSError:
            sock.close()
            continue
        sockets.append(sock)
    return sockets


async def slow_clients(args, count, wait):
    """`count` clients sending a request head a byte a second for `wait` seconds."""
    host, _, _ = parse_url(args.base)
    head = request_bytes("GET", "/health", host, {"X-Slow": "a" * 200})
    sockets = open_sockets(args, count)
    await asyncio.sleep(1)
    for second in range(wait):
        for sock in sockets:
            try:
                sock.send(head[second % (len(head) - 4):][:1])
            except OSError:
                pass
        await asyncio.sleep(1)
    kept = still_open(sockets)
    health = await health_latency(args.base)
    for sock in sockets:
        sock.close()
    await asyncio.sleep(1)
    return {"clients": len(sockets), "seconds": wait, "still_open": kept, "health": health}


def mcp_headers(args, session=None):
    headers = {
        "Authorization": f"Bearer {args.key}", "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18",
    }
    if session:
        headers["Mcp-Session-Id"] = session
    return headers


async def bad_ids(args, count):
    host, port, _ = parse_url(args.base)
    before = process_figures(args.pid)
    answered, unanswered = 0, 0

    async def one(index):
        nonlocal answered, unanswered
        body = json.dumps({"jsonrpc": "2.0", "id": index % 2 == 0, "method": "tools/list"}).encode()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(request_bytes("POST", "/mcp", host, mcp_headers(args, args.session), body))
            await asyncio.wait_for(read_answer(reader), 5)
            answered += 1
            writer.close()
        except (OSError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            unanswered += 1  # its connection is left to the server

    await asyncio.gather(*(one(i) for i in range(count)))
    await asyncio.sleep(5)
    after = process_figures(args.pid)
    return {"requests": count, "answered": answered, "unanswered": unanswered, "before": before, "after_5s": after}


async def queued_runs(args):
    host, port, _ = parse_url(args.base)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request_bytes("GET", "/metrics", host, {"Connection": "close"}))
    _, body, _ = await read_answer(reader)
    writer.close()
    refused = sum(float(line.split()[-1]) for line in body.decode().splitlines() if line.startswith("junction_events_refused_total"))
    return refused


def count_queued(args):
    import sqlite3
    database = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True, timeout=30)
    try:
        return database.execute("SELECT COUNT(*) FROM runs WHERE status = 'queued'").fetchone()[0]
    finally:
        database.close()


async def queue_case(args, seconds):
    host, _, path = parse_url(args.hook_url)
    raw = request_bytes("POST", path, host, {"Content-Type": "application/json", "X-Junction-Secret": args.hook_secret}, b'{"n":1}')
    result = await load(args.hook_url, raw, 100, seconds)
    result["queued_runs_after"] = count_queued(args)
    result["refused_in_metrics"] = await queued_runs(args)
    return result


async def soak(args, seconds, sample_every=15):
    host, port, _ = parse_url(args.base)
    invoke = request_bytes("POST", "/api/v1/connectors/crm/resources/get-customer/invoke", host,
                           {"Authorization": f"Bearer {args.key}", "Content-Type": "application/json"}, b'{"data":{"id":"c-42"}}')
    _, _, hook_path = parse_url(args.hook_url)
    ingest = request_bytes("POST", hook_path, host, {"Content-Type": "application/json", "X-Junction-Secret": args.hook_secret}, b'{"n":2}')
    samples = [dict(process_figures(args.pid), t=0)]
    end = time.perf_counter() + seconds
    counts = {"invoke": 0, "ingest": 0, "mcp_sessions": 0, "bad": 0, "idle": 0}

    async def steady(raw, name, pause):
        while time.perf_counter() < end:
            try:
                reader, writer = await asyncio.open_connection(host, port)
                for _ in range(50):
                    writer.write(raw)
                    await asyncio.wait_for(read_answer(reader), 10)
                    counts[name] += 1
                    await asyncio.sleep(pause)
                writer.close()
            except (OSError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.1)

    async def sessions():
        initialize = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "soak", "version": "1"}}}).encode()
        call = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                           "params": {"name": "crm__get-customer", "arguments": {"id": "c-42"}}}).encode()
        while time.perf_counter() < end:
            try:
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(request_bytes("POST", "/mcp", host, mcp_headers(args), initialize))
                status_line = await reader.readline()
                session = None
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    if line.lower().startswith(b"mcp-session-id:"):
                        session = line.split(b":", 1)[1].strip().decode()
                writer.close()
                counts["mcp_sessions"] += 1
                if session and status_line:
                    reader, writer = await asyncio.open_connection(host, port)
                    for _ in range(5):
                        writer.write(request_bytes("POST", "/mcp", host, mcp_headers(args, session), call))
                        await asyncio.wait_for(read_answer(reader), 10)
                    writer.close()
                await asyncio.sleep(0.05)
            except (OSError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                await asyncio.sleep(0.1)

    async def bad_input():
        bodies = [b"{", b'{"jsonrpc":"2.0","id":true,"method":"tools/list"}', b"[]" * 1000, bytes(random.getrandbits(8) for _ in range(512))]
        while time.perf_counter() < end:
            try:
                reader, writer = await asyncio.open_connection(host, port)
                body = random.choice(bodies)
                path = random.choice(["/mcp", "/api/v1/invoke", hook_path])
                writer.write(request_bytes("POST", path, host, mcp_headers(args, args.session), body))
                await asyncio.wait_for(read_answer(reader), 10)
                writer.close()
                counts["bad"] += 1
            except (OSError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                pass
            await asyncio.sleep(0.02)

    async def idlers():
        while time.perf_counter() < end:
            held = []
            for _ in range(50):
                try:
                    held.append((await asyncio.open_connection(host, port))[1])
                except OSError:
                    pass
            counts["idle"] += len(held)
            await asyncio.sleep(5)
            for writer in held:
                writer.close()

    async def sampler():
        began = time.perf_counter()
        while time.perf_counter() < end:
            await asyncio.sleep(sample_every)
            samples.append(dict(process_figures(args.pid), t=round(time.perf_counter() - began)))

    tasks = [steady(invoke, "invoke", 0.002) for _ in range(8)] + [steady(ingest, "ingest", 0.01) for _ in range(2)]
    tasks += [sessions(), sessions(), bad_input(), idlers(), sampler()]
    await asyncio.gather(*tasks)
    await asyncio.sleep(5)
    samples.append(dict(process_figures(args.pid), t=round(seconds + 5)))
    rss = [s["rss_mb"] for s in samples]
    quarter = max(1, len(rss) // 4)
    return {
        "seconds": seconds, "requests": counts, "samples": samples,
        "rss_start_mb": rss[0], "rss_max_mb": max(rss),
        "rss_second_quarter_mb": max(rss[quarter:2 * quarter]) if len(rss) > 2 else None,
        "rss_last_quarter_mb": max(rss[-quarter:]),
    }


async def main():
    parser = argparse.ArgumentParser()
    for name in ["base", "key", "hook-url", "hook-secret", "session", "database", "output"]:
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--soak", type=float, default=600)
    parser.add_argument("--hold", type=int, default=1100, help="idle connections held in the connections case")
    parser.add_argument("--cases", default="connections,slow_clients,bad_ids,overload,queue,soak")
    args = parser.parse_args()
    cases = args.cases.split(",")
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "idle": process_figures(args.pid)}

    def show(name, value):
        results[name] = value
        print(f"== {name}: {json.dumps(value)}", flush=True)

    if "connections" in cases:
        show("connections", await held_connections(args, args.hold))
    if "slow_clients" in cases:
        show("slow_clients", await slow_clients(args, 500, 40))
    if "bad_ids" in cases:
        show("bad_ids", await bad_ids(args, 300))
    if "overload" in cases:
        host, _, _ = parse_url(args.base)
        invoke = request_bytes("POST", "/api/v1/connectors/crm/resources/get-customer/invoke", host,
                               {"Authorization": f"Bearer {args.key}", "Content-Type": "application/json"}, b'{"data":{"id":"c-42"}}')
        _, _, hook_path = parse_url(args.hook_url)
        ingest = request_bytes("POST", hook_path, host, {"Content-Type": "application/json", "X-Junction-Secret": args.hook_secret}, b'{"n":3}')
        overload = {}
        for name, raw, url in [("invoke", invoke, args.base), ("ingest", ingest, args.hook_url)]:
            for connections in (100, 1000):
                overload[f"{name}_{connections}"] = await load(url, raw, connections, args.duration)
                print(f"   {name} at {connections}: {json.dumps(overload[f'{name}_{connections}'])}", flush=True)
                await asyncio.sleep(2)
        show("overload", overload)
    if "queue" in cases:
        show("queue", await queue_case(args, args.duration * 2))
    if "soak" in cases:
        show("soak", await soak(args, args.soak))
    results["end"] = process_figures(args.pid)
    with open(args.output, "w") as out:
        json.dump(results, out, indent=2)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    asyncio.run(main())
