"""Many patients at once, against the production-shaped stack (``benchmarks/stack.py``).

    python -m benchmarks.load --sockets 1000 --patients 200 [--web 2] [--workers 1]
                              [--worker-nice 19] [--profile 30] [--gc-trace]
                              [--client lean|aiohttp]

Opens ``--sockets`` authenticated sockets, each on a new conversation, sends one
message on every socket at once, and waits for each message's final event (a
``reply``, or an honest ``error``). Prints one JSON object:

- ``sockets_opened`` (and the close codes of any that failed);
- ``accepted_ms`` p50/p95: from sending a frame to its ``accepted`` event, and
  ``server_accepted_share``: the same as the web processes measured it (from a frame's
  arrival to its ``accepted`` being sent), as the share within each histogram bucket;
- ``replies`` and ``honest_errors`` by code; ``lost``: messages with no final event;
- ``closed_by_server``: sockets closed before their final event, by close code;
- ``last_reply_s``: from the burst to the last final event;
- ``throughput``: final events per second over the burst, and per worker process;
- ``peak_memory``: RSS and PSS (MiB) of each process type, sampled through the run;
- the stored messages by status, read from the database afterwards, and
  ``picked_up_while_storing``: how many a worker began before the burst's last message
  was stored, and when the first was begun and the last stored (ms after the first);
- ``accept_phase``: from the burst until the last ``accepted``, its wall time and the
  CPU each process type used in it (web, worker, Redis, PostgreSQL, and this load
  generator), in ms per message: on a machine with C cores no run can accept the burst
  faster than the sum divided by C, so it says where a latency floor comes from; when
  the burst began (``began_unix``), when this client had written every frame and the CPU
  it spent writing them, and when it read its first ``accepted``;
- with ``--gc-trace``, ``gc_pauses_in_accept_phase``: every garbage collection of 5 ms
  or more in the accept phase, by process type (``benchmarks/gctrace.py``), and
  ``gc_trace_dir``: every process's trace, under ``var/``;
- ``uptime``: the machine's load, since figures on a shared machine need it.

This process collects its garbage and freezes what is left (``gc.freeze``) just before
the burst, so that it writes the frames without stopping for a full collection.

It shares the machine's cores with the stack it measures, so its own CPU is taken from
the server's. ``--client lean`` (the default, ``benchmarks/wsclient.py``) opens every
socket before the burst, then writes each pre-encoded frame with one ``send`` and reads
every socket in one ``epoll`` loop; ``--client aiohttp`` runs one aiohttp coroutine a
socket, as every run before 2026-12-07's thirty-first session did. Both speak the same
protocol to the same server; ``accept_phase.cpu_ms_per_message.load_generator`` says
what each cost.

``--profile S`` records a worker with py-spy for S seconds under the burst and
writes a flame graph (SVG) under ``var/``; ``--profile-web S`` records one web
process from the moment the burst is sent, as collapsed stacks (text) under ``var/``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import gctrace, wsclient
from benchmarks.stack import REPO, Stack, cpu_seconds_by_role, pids_by_role, rss_by_process_type

QUESTIONS = [
    "What helps a cold?",
    "How do I lower my blood pressure?",
    "What are the warning signs of a stroke?",
    "How much water should I drink each day?",
    "When should my child get the flu vaccine?",
]


def percentiles(values: list[float]) -> dict[str, float | int]:
    seen = sorted(v for v in values if not math.isnan(v))
    if not seen:
        return {"n": 0}
    return {
        "p50": round(statistics.median(seen) * 1000, 1),
        "p95": round(seen[min(len(seen) - 1, math.ceil(0.95 * len(seen)) - 1)] * 1000, 1),
        "max": round(seen[-1] * 1000, 1),
        "n": len(seen),
    }


class Client:
    """One patient socket: opens, sends one message, waits for its final event."""

    def __init__(self, index: int, token: str) -> None:
        self.index = index
        self.token = token
        self.ws: Any = None  # the aiohttp client's socket
        self.sock: socket.socket | None = None  # the lean client's
        self.reader: wsclient.FrameReader | None = None
        self.open_error: str | None = None
        self.sent_at = math.nan
        self.written_at = math.nan
        self.written_cpu = math.nan
        self.accepted_s = math.nan
        self.accepted_at = math.nan
        self.final: dict[str, Any] | None = None
        self.final_at = math.nan
        self.closed_code: int | None = None

    def frame(self) -> str:
        return json.dumps(
            {
                "type": "message",
                "text": QUESTIONS[self.index % len(QUESTIONS)],
                "client_id": f"load-{self.index}",
            }
        )

    def on_event(self, event: dict[str, Any], now: float) -> bool:
        """Records one event from the server; True when it is the message's last."""
        if event["type"] == "accepted":
            self.accepted_s, self.accepted_at = now - self.sent_at, now
            return False
        # A reply, an error about the stored message, or an error before the message was
        # stored (e.g. rate_limited): each ends the message.
        if event["type"] in ("reply", "error"):
            self.final, self.final_at = event, now
            return True
        return False

    async def open(self, session: Any, url: str) -> None:
        try:
            self.ws = await session.ws_connect(
                f"{url}?conversation=new",
                headers={"Authorization": f"Token {self.token}"},
                heartbeat=None,
            )
            first = await self.ws.receive_json(timeout=60)
            if first.get("type") != "ready":
                self.open_error = str(first.get("code"))
        except Exception as exc:
            self.open_error = type(exc).__name__

    async def send_and_wait(self, deadline: float) -> None:
        import aiohttp

        self.sent_at = time.perf_counter()
        await self.ws.send_str(self.frame())
        self.written_at, self.written_cpu = time.perf_counter(), time.process_time()
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                msg = await self.ws.receive(timeout=remaining)
            except TimeoutError:
                return
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                self.closed_code = self.ws.close_code
                return
            if self.on_event(json.loads(msg.data), time.perf_counter()):
                return

    def open_lean(self, port: int) -> list[tuple[int, bytes]]:
        """The lean client's handshake, up to the ``ready`` event; returns any frames that
        came after it (none, for a new conversation)."""
        try:
            self.sock, self.reader = wsclient.open_socket(
                "127.0.0.1",
                port,
                "/ws/chat/?conversation=new",
                {"Authorization": f"Token {self.token}"},
                timeout=60,
            )
            frames = self.reader.feed(b"")
            while not frames:
                data = self.sock.recv(65536)
                if not data:
                    raise wsclient.HandshakeError("closed")
                frames = self.reader.feed(data)
            (opcode, payload), rest = frames[0], frames[1:]
            if opcode == wsclient.CLOSE:
                self.open_error = str(wsclient.close_code(payload))
            elif (first := json.loads(payload)).get("type") != "ready":
                self.open_error = str(first.get("code"))
            return rest
        except wsclient.HandshakeError as exc:
            self.open_error = exc.code
        except Exception as exc:
            self.open_error = type(exc).__name__
        if self.sock is not None:
            self.sock.close()
        return []

    def read_lean(self, frames: list[tuple[int, bytes]], now: float) -> bool:
        """Handles frames read by the lean client; True when the socket is done with."""
        assert self.sock is not None
        for opcode, payload in frames:
            if opcode == wsclient.TEXT and self.on_event(json.loads(payload), now):
                return True
            if opcode == wsclient.CLOSE:
                self.closed_code = wsclient.close_code(payload)
                return True
            if opcode == wsclient.PING:  # the server pings every 20 s while replies drain
                wsclient.send_all(self.sock, wsclient.encode_frame(payload, wsclient.PONG))
        return False


class MemorySampler(threading.Thread):
    """Peak memory of each process type, sampled every second. A sample starts pgrep
    processes and reads every process's smaps_rollup, CPU on the cores the accept path
    needs, so the burst holds ``quiet`` from its first frame to its last 'accepted'."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.peak: dict[str, dict[str, float]] = {}
        self.done = threading.Event()
        self.quiet = threading.Lock()

    def run(self) -> None:
        while not self.done.wait(1.0):
            if self.quiet.acquire(timeout=0.5):
                try:
                    self.sample()
                finally:
                    self.quiet.release()

    def sample(self) -> None:
        for role, entry in rss_by_process_type(self.stack).items():
            peak = self.peak.setdefault(role, dict(entry))
            for key, value in entry.items():
                peak[key] = max(peak[key], value)


@dataclass
class Hooks:
    """Called when the burst begins (before its first frame) and when every socket has
    its 'accepted' (or when the wait for them ends)."""

    on_burst: Callable[[], None] = lambda: None
    on_accepted: Callable[[], None] = lambda: None


class Burst:
    """The clock and CPU counters of one burst, from just before its first frame."""

    def __init__(self, stack: Stack, opened: list[Client], hooks: Hooks) -> None:
        self.stack = stack
        self.opened = opened
        self.hooks = hooks
        # This process's own garbage. It holds the stack's and the sockets' objects, and a
        # full collection while it wrote the frames stopped it for 33-86 ms in 16 of 17
        # runs traced with --gc-trace: frames half written, replies unread, a pause of the
        # client's that the figures charged to the server. Collected once, and frozen.
        gc.collect()
        gc.freeze()
        hooks.on_burst()
        self.cpu_before, self.generator_before = cpu_seconds_by_role(stack), time.process_time()
        self.at, self.unix = time.perf_counter(), time.time()
        self.accept_phase: dict[str, Any] = {}

    def accepted_all(self) -> None:
        """Records the accept phase (call when every socket has its 'accepted' or its
        final event), and prints it early, so a run cut short still says what it measured."""
        opened = self.opened
        # This process's clocks first: reading every other process's CPU from /proc takes
        # tens of milliseconds, which neither the wall time nor this process's CPU holds.
        now, generator_after = time.perf_counter(), time.process_time()
        self.hooks.on_accepted()
        cpu_after = cpu_seconds_by_role(self.stack)
        cpu = {role: cpu_after.get(role, 0.0) - used for role, used in self.cpu_before.items()}
        cpu["load_generator"] = generator_after - self.generator_before
        read = [c.accepted_at for c in opened if not math.isnan(c.accepted_at)]
        self.accept_phase.update(
            wall_ms=round((now - self.at) * 1000, 1),
            began_unix=round(self.unix, 3),
            # When this one process had written every frame, and when it read its
            # first 'accepted'.
            all_written_ms=round((max(c.written_at for c in opened) - self.at) * 1000, 1),
            # The CPU this process spent writing them: it shares the machine's cores.
            generator_cpu_writing_ms=round((max(c.written_cpu for c in opened) - self.generator_before) * 1000, 1),
            first_accepted_read_ms=round((min(read) - self.at) * 1000, 1) if read else None,
            cpu_ms_per_message={role: round(s * 1000 / len(opened), 3) for role, s in cpu.items()},
            cpu_ms_per_message_all=round(sum(cpu.values()) * 1000 / len(opened), 3),
            cores=os.cpu_count(),
        )
        early = {
            "sockets_opened": len(opened),
            "accepted_ms": percentiles([c.accepted_s for c in opened]),
            "accept_phase": self.accept_phase,
        }
        print(json.dumps({"early": early, "uptime": os.getloadavg()}), file=sys.stderr, flush=True)


async def burst_aiohttp(
    stack: Stack,
    clients: list[Client],
    timeout_s: float,
    hooks: Hooks,
) -> tuple[float, Burst | None]:
    """The aiohttp client (every run before 2026-12-07's thirty-first session): one
    coroutine a socket. Returns the seconds taken to open every socket, and the burst."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        opening = asyncio.Semaphore(200)  # the handshakes, a few hundred at a time

        async def open_one(client: Client) -> None:
            async with opening:
                await client.open(session, stack.ws_url)

        started = time.perf_counter()
        await asyncio.gather(*(open_one(c) for c in clients))
        open_s = time.perf_counter() - started
        opened = [c for c in clients if c.open_error is None]
        if not opened:
            return open_s, None
        deadline = time.monotonic() + timeout_s
        burst = Burst(stack, opened, hooks)

        async def report_accepted() -> None:
            while any(math.isnan(c.accepted_s) and c.final is None for c in opened):
                if time.monotonic() > deadline:
                    return
                await asyncio.sleep(0.01)
            burst.accepted_all()

        reporter = asyncio.create_task(report_accepted())
        await asyncio.gather(*(c.send_and_wait(deadline) for c in opened))
        # Not cancelled: a burst that ends within one of its polls would record no accept phase.
        await reporter
        for client in opened:
            await client.ws.close()
    return open_s, burst


def burst_lean(
    stack: Stack,
    clients: list[Client],
    timeout_s: float,
    hooks: Hooks,
) -> tuple[float, Burst | None]:
    """The lean client (``benchmarks/wsclient.py``): handshakes in threads before the
    burst, then one ``send`` a socket and one ``epoll`` loop reading them all."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=64) as pool:  # the handshakes, 64 at a time
        early_frames = list(pool.map(lambda c: c.open_lean(stack.web_port), clients))
    open_s = time.perf_counter() - started
    opened = [c for c in clients if c.open_error is None]
    if not opened:
        return open_s, None
    frames = [wsclient.encode_frame(c.frame().encode()) for c in opened]
    selector = selectors.DefaultSelector()
    for client in opened:
        assert client.sock is not None
        client.sock.setblocking(False)
        selector.register(client.sock, selectors.EVENT_READ, client)
    deadline = time.monotonic() + timeout_s
    burst = Burst(stack, opened, hooks)
    for client, frame in zip(opened, frames, strict=True):
        assert client.sock is not None
        client.sent_at = time.perf_counter()
        sent = client.sock.send(frame)  # ~150 bytes into an empty socket buffer
        if sent < len(frame):  # never seen; finished blocking rather than sent torn
            wsclient.send_all(client.sock, frame[sent:])
        client.written_at, client.written_cpu = time.perf_counter(), time.process_time()
    waiting = set(opened)
    unaccepted = set(opened)  # neither 'accepted' nor a final event yet

    def finish(client: Client) -> None:
        unaccepted.discard(client)
        waiting.discard(client)
        selector.unregister(client.sock)  # type: ignore[arg-type]  # opened: it has one

    def read(client: Client, frames: list[tuple[int, bytes]], now: float) -> None:
        if client.read_lean(frames, now):
            finish(client)
        elif not math.isnan(client.accepted_s) or client.final is not None:
            unaccepted.discard(client)

    for client, frames_after_ready in zip(clients, early_frames, strict=True):
        if client in waiting:
            read(client, frames_after_ready, time.perf_counter())
    while waiting and (remaining := deadline - time.monotonic()) > 0:
        for key, _ in selector.select(min(remaining, 1.0)):
            client = key.data
            try:
                data = client.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                client.closed_code = wsclient.ABNORMAL
                finish(client)
                continue
            read(client, client.reader.feed(data), time.perf_counter())
        if not unaccepted and not burst.accept_phase:
            burst.accepted_all()
    selector.close()
    for client in opened:
        assert client.sock is not None
        try:
            wsclient.send_all(client.sock, wsclient.encode_frame((1000).to_bytes(2, "big"), wsclient.CLOSE), timeout=1)
        except OSError:
            pass
        client.sock.close()
    return open_s, burst


def burst(
    stack: Stack,
    tokens: list[str],
    sockets: int,
    timeout_s: float,
    hooks: Hooks | None = None,
    client: str = "lean",
) -> dict[str, Any]:
    hooks = hooks or Hooks()
    clients = [Client(i, tokens[i % len(tokens)]) for i in range(sockets)]
    if client == "lean":
        open_s, run = burst_lean(stack, clients, timeout_s, hooks)
    else:
        open_s, run = asyncio.run(burst_aiohttp(stack, clients, timeout_s, hooks))
    if run is not None and not run.accept_phase:  # the wait for 'accepted' ran out
        hooks.on_accepted()
    opened = [c for c in clients if c.open_error is None]
    finals = [c for c in opened if c.final is not None]
    ends = Counter(
        (c.final or {}).get("mode") or (c.final or {}).get("code") or "?"
        for c in finals
        if c.final is not None
    )
    burst_at = run.at if run is not None else 0.0
    last = max((c.final_at for c in finals), default=burst_at) - burst_at
    return {
        "client": client,
        "sockets": sockets,
        "sockets_opened": len(opened),
        "open_failures": dict(Counter(c.open_error for c in clients if c.open_error)),
        "open_all_s": round(open_s, 2),
        "accepted_ms": percentiles([c.accepted_s for c in opened]),
        "accept_phase": run.accept_phase if run is not None else {},
        "replies": {k: v for k, v in ends.items() if k in ("model", "extractive", "template")},
        "honest_errors": {k: v for k, v in ends.items() if k not in ("model", "extractive", "template")},
        "lost": len(opened) - len(finals),
        "closed_by_server": dict(Counter(str(c.closed_code) for c in opened if c.closed_code is not None)),
        "last_reply_s": round(last, 2),
        "throughput_msgs_per_s": round(len(finals) / last, 2) if last > 0 else None,
    }


def picked_up_while_storing(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """From the burst's ``(created_at, processing_started_at)`` rows: how many messages a
    worker began before the last was stored, and when the first was begun and the last
    stored, in ms after the first was stored."""
    if not rows:
        return {"messages": 0, "first_pick_up_ms": None, "last_stored_ms": None}
    first, last = min(r[0] for r in rows), max(r[0] for r in rows)
    begun = [r[1] for r in rows if r[1] is not None]
    return {
        "messages": sum(1 for b in begun if b < last),
        "first_pick_up_ms": round((min(begun) - first).total_seconds() * 1000) if begun else None,
        "last_stored_ms": round((last - first).total_seconds() * 1000),
    }


def server_accept(stack: Stack) -> dict[str, float]:
    """The web processes' own view of the burst, from ``/metrics``: the share of messages
    whose frame-to-'accepted' time, measured inside the server, was within each bucket.
    Beside the client's figures it says how much of the wait is the server's."""
    import httpx

    text = httpx.get(
        f"http://127.0.0.1:{stack.web_port}/metrics",
        headers={"Authorization": f"Bearer {stack.metrics_token}"},
        timeout=10,
    ).text
    buckets: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("chat_accept_seconds_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[le] = buckets.get(le, 0.0) + float(line.rsplit(" ", 1)[1])
    total = buckets.get("+Inf", 0.0)
    if not total:
        return {}
    return {f"within_{le}_s": round(n / total, 3) for le, n in buckets.items() if le != "+Inf"}


def profile(pids: list[int], seconds: int, name: str, fmt: str = "flamegraph", rate: int = 100) -> str | None:
    """py-spy on the first of ``pids``, ``rate`` samples a second; returns the output's
    path (an SVG flame graph, or collapsed stacks with ``fmt="raw"``), or None if py-spy
    cannot attach."""
    if not pids:
        return None
    suffix = "svg" if fmt == "flamegraph" else "txt"
    out = REPO / "var" / f"{name}-profile-{int(time.time())}.{suffix}"
    out.parent.mkdir(exist_ok=True)
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "-p",
            str(pids[0]),
            "-d",
            str(seconds),
            "-o",
            str(out),
            "-f",
            fmt,
            "--rate",
            str(rate),
            "--nonblocking",
        ],
        capture_output=True,
        text=True,
    )
    return str(out) if result.returncode == 0 else None


def start_gc_trace() -> str:
    """Trace collections in this process and in every Python process the stack starts
    (they inherit the environment); returns the directory the traces go to."""
    (REPO / "var").mkdir(exist_ok=True)
    directory = tempfile.mkdtemp(prefix="gc-trace-", dir=REPO / "var")  # kept, like the profiles
    os.environ[gctrace.TRACE_ENV] = directory
    paths = [str(gctrace.SITE_DIR), str(REPO), os.environ.get("PYTHONPATH", "")]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    gctrace.install(directory)
    return directory


def accept_phase_pauses(stack: Stack, trace_dir: str, accept_phase: dict[str, Any]) -> dict[str, Any] | None:
    """Collections of 5 ms or more, by process type, from the burst to the last 'accepted'."""
    if "began_unix" not in accept_phase:  # no 'accepted' phase was measured
        return None
    roles = {pid: role for role, pids in pids_by_role(stack).items() for pid in pids}
    roles[os.getpid()] = "load_generator"
    began = accept_phase["began_unix"]
    return gctrace.pauses(trace_dir, roles, began, began + accept_phase["wall_ms"] / 1000)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=100)
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--web", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--workers", type=int, default=1, help="Celery pool processes")
    parser.add_argument("--worker-nice", type=int, default=19)
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the last reply")
    parser.add_argument("--profile", type=int, default=0, help="py-spy a worker for this many seconds")
    parser.add_argument(
        "--profile-web",
        type=int,
        default=0,
        help="py-spy one web process from the burst, for this many seconds",
    )
    parser.add_argument(
        "--db-gate",
        action="store_true",
        help="reach the database through the chaos runs' relay in this process, as runs before 2026-12-05 did",
    )
    parser.add_argument(
        "--client",
        choices=("lean", "aiohttp"),
        default="lean",
        help="the load generator: lean (benchmarks/wsclient.py, one epoll loop) or aiohttp"
        " (one coroutine a socket, as every run before 2026-12-07's thirty-first session)",
    )
    parser.add_argument(
        "--gc-trace",
        action="store_true",
        help="record garbage-collector pauses in every process and report those in the accept phase",
    )
    args = parser.parse_args()
    trace_dir = start_gc_trace() if args.gc_trace else None

    with Stack(
        web_processes=args.web,
        worker_concurrency=args.workers,
        worker_nice=args.worker_nice,
        db_gate=args.db_gate,
    ) as stack:
        tokens = stack.tokens(args.patients)
        sampler = MemorySampler(stack)
        sampler.start()
        profiler: list[str | None] = []
        if args.profile:
            threading.Timer(
                5, lambda: profiler.append(profile(stack.worker_children(), args.profile, "worker"))
            ).start()
        web_profiler: list[str | None] = []

        def profile_web() -> None:
            # The accept path under the burst: one web process, from the first frame sent.
            thread = threading.Thread(
                target=lambda: web_profiler.append(
                    profile(stack.web_children(), args.profile_web, "web", fmt="raw", rate=1000)
                ),
                daemon=True,
            )
            thread.start()
            time.sleep(0.3)  # py-spy attaching

        def on_burst() -> None:
            sampler.quiet.acquire()
            if args.profile_web:
                profile_web()

        hooks = Hooks(on_burst=on_burst, on_accepted=sampler.quiet.release)
        result = burst(stack, tokens, args.sockets, args.timeout, hooks, client=args.client)
        result["server_accepted_share"] = server_accept(stack)
        if trace_dir is not None:
            result["gc_pauses_in_accept_phase"] = accept_phase_pauses(stack, trace_dir, result["accept_phase"])
            result["gc_trace_dir"] = trace_dir
        sampler.sample()
        sampler.done.set()
        statuses = dict(
            stack.sql("SELECT status, count(*) FROM chatbot_message WHERE role = 'patient' GROUP BY status")
        )
        escalations = stack.sql("SELECT count(*) FROM chatbot_escalation")[0][0]
        # Pipeline work that began while patients' messages were still being stored:
        # it shares the cores with the accept path.
        burst_rows = stack.sql(
            "SELECT created_at, processing_started_at FROM chatbot_message"
            " WHERE role = 'patient' AND starts_with(client_id, 'load-')"
        )
    result |= {
        "throughput_msgs_per_s_per_worker_process": (
            round(result["throughput_msgs_per_s"] / args.workers, 2)
            if result["throughput_msgs_per_s"]
            else None
        ),
        "web_processes": args.web,
        "worker_processes": args.workers,
        "worker_nice": args.worker_nice,
        "stored_patient_messages_by_status": statuses,
        "escalations": escalations,
        "picked_up_while_storing": picked_up_while_storing(burst_rows),
        "peak_memory": sampler.peak,
        "profile_svg": profiler[0] if profiler else None,
        "web_profile": web_profiler[0] if web_profiler else None,
        "uptime": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
