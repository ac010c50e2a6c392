"""The production-shaped stack on loopback, for the load benchmark and the chaos runs.

``Stack`` starts, each on a free port and under one temporary directory:

- Redis (its own ``redis-server``, append-only file on, so it can be restarted);
- a database on the PostgreSQL named by ``SCALE_PG_URL`` (default: the local
  server's ``postgres`` user), created for the run and dropped after it, reached
  through ``TcpGate`` so that a run can make it refuse connections for a while;
- web processes (uvicorn workers with uvloop and httptools, ``make run-prod``);
- a Celery worker, at a lower CPU priority (``nice``) than the web processes, so
  that the pipeline never starves the path that stores and acknowledges messages;
- optionally the tiny model server (``serve_model``), or a model server that
  accepts connections and never answers (``hang``).

Every process is stopped, and the database dropped, when the ``with`` block ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("SCALE_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float = 120, *, process: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before port {port} opened")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"port {port} did not open")


def wait_http(url: str, seconds: float = 180) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become ready")


class TcpGate:
    """A TCP relay in a thread: ``close()`` refuses new connections and cuts open ones
    (the database restarting), ``open()`` lets them through again."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._open = threading.Event()
        self._open.set()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._call(self._listen())

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._open.is_set():
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}

    def close(self) -> None:
        self._open.clear()

        async def cut() -> None:
            for writer in list(self._writers):
                writer.transport.abort()

        self._call(cut())

    def open(self) -> None:
        self._open.set()

    def stop(self) -> None:
        self.close()
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)


@dataclass
class Stack:
    web_processes: int = 1
    worker_concurrency: int = 1
    # "none" (extractive), or a model server: "tiny" (serve_model), "paced" (chaos_model),
    # "hang" (accepts, never answers) or "down" (nothing listening; start one later)
    model: str = "none"
    knowledge: bool = True
    worker_nice: int = 19
    # The database through a TcpGate that the chaos runs close and open. The relay is a
    # thread of this (the client's) process, so it shares the client's interpreter lock:
    # under a load burst every database round trip of the stack waited behind the load
    # generator (traced: the first batch a web process stored took ~100 ms, ~20 without
    # the relay). The load benchmark reaches the database directly, as a deployment does.
    db_gate: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="scale-stack-"))
        self.redis_port = free_port()
        self.web_port = free_port()
        self.model_port = free_port()
        self.db_name = f"scale_{uuid.uuid4().hex[:12]}"
        self.metrics_token = uuid.uuid4().hex
        self.gate: TcpGate | None = None
        self._hang: socket.socket | None = None

    # --- environment ------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        admin = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
        user = admin.get("user", "postgres")
        db_port = self.gate.port if self.gate is not None else self.pg_port
        env = {
            **os.environ,
            "VAR_DIR": str(self.dir / "var"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://{user}@127.0.0.1:{db_port}/{self.db_name}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "NEMO_GUARDRAILS_NO_USAGE_STATS": "1",
            "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
            "CHAT_RATE_LIMIT": "100000",
            "LOG_LEVEL": "WARNING",
            "METRICS_TOKEN": self.metrics_token,
            "PROMETHEUS_MULTIPROC_DIR": str(self.dir / "metrics"),
            "WARM_UP": "true",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if self.model == "none":
            env["LLM_BACKEND"] = "extractive"
        else:
            env |= {
                "LLM_BACKEND": "openai",
                "LLM_BASE_URL": f"http://127.0.0.1:{self.model_port}/v1",
                "LLM_CONNECT_TIMEOUT_S": "1",
                "LLM_READ_TIMEOUT_S": "2",
                "LLM_MAX_RETRIES": "0",
                "LLM_MAX_TOKENS": "60",
            }
        return env | self.extra_env

    def manage(self, *args: str, stdin: str | None = None) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env(),
            input=stdin,
            check=True,
            capture_output=True,
            text=True,
            timeout=600,  # a migration or import that hangs fails the run, never stalls it
        ).stdout

    # --- lifecycle --------------------------------------------------------------------
    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            for name in ("web", "worker"):
                path = self.dir / f"{name}.log"
                if path.exists():
                    sys.stderr.write(
                        f"--- {name}.log (last lines)\n"
                        + "\n".join(path.read_text().splitlines()[-30:])
                        + "\n"
                    )
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pg_port(self) -> int:
        return int(str(psycopg.conninfo.conninfo_to_dict(PG_ADMIN_URL).get("port") or 5432))

    def start(self) -> None:
        (self.dir / "var").mkdir()
        (self.dir / "metrics").mkdir()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        if self.db_gate:
            self.gate = TcpGate(self.pg_port)
        self.start_redis()
        self.manage("migrate", "--noinput")
        if self.knowledge:
            self.manage("load_knowledge", "chatbot/knowledge/starter")
        if self.model == "tiny":
            self.start_model()
        elif self.model == "hang":
            self.start_hanging_model()
        elif self.model == "paced":
            self.start_paced_model()
        self.start_web()
        self.start_worker()
        self.wait_ready()
        self.wait_answering()

    def wait_ready(self, seconds: float = 180) -> None:
        """/readyz says every dependency is up; the model's check is left out when the
        run starts with no model server on purpose ("down", "hang")."""
        import httpx

        ignored = {"model"} if self.model in ("down", "hang") else set()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError, ValueError):
                checks = httpx.get(f"http://127.0.0.1:{self.web_port}/readyz", timeout=5).json()["checks"]
                if all(result == "ok" for name, result in checks.items() if name not in ignored):
                    return
            time.sleep(0.5)
        raise RuntimeError("the stack did not become ready")

    def wait_answering(self, seconds: float = 300) -> None:
        """Send one message through a socket and wait for its final event: the worker
        has loaded its models, so no measured message pays for that."""
        from asyncio import run

        token = self.tokens(1, prefix="warmup")[0]

        async def ask() -> None:
            import aiohttp

            async with (
                aiohttp.ClientSession() as session,
                session.ws_connect(
                    f"{self.ws_url}?conversation=new", headers={"Authorization": f"Token {token}"}
                ) as ws,
            ):
                await ws.receive_json(timeout=60)
                await ws.send_str(json.dumps({"type": "message", "text": "What helps a cold?"}))
                while (await ws.receive_json(timeout=seconds))["type"] not in ("reply", "error"):
                    pass

        run(ask())

    def start_redis(self) -> None:
        self.processes["redis"] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--dir",
                str(self.dir),
                "--maxclients",
                "20000",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_port(self.redis_port, process=self.processes["redis"])

    def restart_redis(self, down_s: float = 1.0) -> None:
        self.kill("redis", signal.SIGTERM)
        time.sleep(down_s)
        self.start_redis()

    def start_web(self) -> None:
        self.processes["web"] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.web_port),
                "--workers",
                str(self.web_processes),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--ws",
                "websockets",
                "--ws-ping-interval",
                "20",
                "--ws-ping-timeout",
                "60",
                "--backlog",
                "4096",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=REPO,
            env=self.env(),
            stdout=self.log("web"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self, name: str) -> Any:
        return (self.dir / f"{name}.log").open("ab")

    def start_worker(self) -> None:
        self.processes["worker"] = subprocess.Popen(
            [
                "nice",
                "-n",
                str(self.worker_nice),
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency",
                str(self.worker_concurrency),
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=REPO,
            env=self.env(),
            stdout=self.log("worker"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_model(self) -> None:
        model_dir = self.dir / "tiny"
        if not model_dir.exists():
            self.manage("build_tiny_model", "--out", str(model_dir))
        self.processes["model"] = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "serve_model",
                "--model",
                str(model_dir),
                "--port",
                str(self.model_port),
            ],
            cwd=REPO,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_http(f"http://127.0.0.1:{self.model_port}/health")

    def start_paced_model(self, seconds_per_word: float = 0.15) -> None:
        self.processes["model"] = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.chaos_model", "--port", str(self.model_port),
             "--seconds-per-word", str(seconds_per_word)],
            cwd=REPO,
            stdout=self.log("model"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_http(f"http://127.0.0.1:{self.model_port}/health", 60)

    def stop_hanging_model(self) -> None:
        if self._hang is not None:
            self._hang.close()
            self._hang = None

    def start_hanging_model(self) -> None:
        """A model server that accepts connections and never sends a byte."""
        self._hang = socket.socket()
        self._hang.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # The previous case's model server may still be letting go of the port.
        deadline = time.monotonic() + 20
        while True:
            try:
                self._hang.bind(("127.0.0.1", self.model_port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self._hang.listen(1024)

    def worker_children(self) -> list[int]:
        """Pids of the Celery pool's child processes (the ones running tasks)."""
        parent = self.processes["worker"].pid
        out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
        pids = [int(p) for p in out.split()]
        # ``nice`` execs celery, so the pool's children hang below the same pid.
        return pids

    def web_children(self) -> list[int]:
        """Pids of uvicorn's worker processes (the ones serving sockets)."""
        parent = self.processes["web"].pid
        out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
        # Not multiprocessing's resource tracker, which is a child too.
        return [int(p) for p in out.split() if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            if name in ("web", "worker", "model"):
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    def stop(self) -> None:
        for name in ("web", "worker", "model"):
            self.kill(name, signal.SIGTERM)
        self.kill("redis", signal.SIGTERM)
        if self._hang is not None:
            self._hang.close()
        if self.gate is not None:
            self.gate.stop()
        with contextlib.suppress(psycopg.Error), psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    # --- state ------------------------------------------------------------------------
    def tokens(self, patients: int, *, prefix: str = "load") -> list[str]:
        """``patients`` patient accounts with API tokens, created in one go."""
        script = (
            "import json\n"
            "from django.contrib.auth.models import Group\n"
            "from django.contrib.auth import get_user_model\n"
            "from rest_framework.authtoken.models import Token\n"
            "from chatbot import roles\n"
            "group, _ = Group.objects.get_or_create(name=roles.PATIENT)\n"
            "User = get_user_model()\n"
            f"users = User.objects.bulk_create([User(username=f'{prefix}{{i}}') for i in range({patients})])\n"
            "group.user_set.add(*users)\n"
            "tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])\n"
            "print(json.dumps([t.key for t in tokens]))\n"
        )
        return list(json.loads(self.manage("shell", stdin=script).strip().splitlines()[-1]))

    @property
    def database_url(self) -> str:
        """The stack's database, reached directly (not through the gate)."""
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.db_name}"

    def sql(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url) as conn:
            return list(conn.execute(query, params).fetchall())

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.web_port}/ws/chat/"


def rss_by_process_type(stack: Stack) -> dict[str, dict[str, float]]:
    """Resident memory of each process type, in MiB: each process's RSS and PSS (PSS
    shares pages fairly between processes: the honest per-process figure after fork)."""
    groups: dict[str, list[int]] = {}
    for name in ("web", "worker", "redis", "model"):
        process = stack.processes.get(name)
        if process is None or process.poll() is not None:
            continue
        groups[name] = [process.pid, *_descendants(process.pid)]
    report: dict[str, dict[str, float]] = {}
    for name, pids in groups.items():
        for pid in pids:
            rss, pss = _memory(pid)
            if rss == 0:
                continue  # the ``nice`` or uvicorn supervisor with nothing loaded, or gone
            role = f"{name}.supervisor" if pid == pids[0] and len(pids) > 1 else name
            entry = report.setdefault(role, {"processes": 0, "rss_mib_max": 0.0, "pss_mib_max": 0.0})
            entry["processes"] += 1
            entry["rss_mib_max"] = max(entry["rss_mib_max"], round(rss / 1024, 1))
            entry["pss_mib_max"] = max(entry["pss_mib_max"], round(pss / 1024, 1))
    return report


def _descendants(pid: int) -> Iterator[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    for child in map(int, out.split()):
        yield child
        yield from _descendants(child)


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB from /proc; (0, 0) if the process is gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    values = {
        line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:] if line.endswith("kB")
    }
    return values.get("Rss", 0), values.get("Pss", 0)


def pids_by_role(stack: Stack) -> dict[str, list[int]]:
    """The pids of each process type: the web processes, the worker's processes, Redis,
    and every PostgreSQL process on the machine (the stack's database is one of the
    server's databases, not its own server)."""
    roles: dict[str, list[int]] = {"web": stack.web_children()}
    for name in ("worker", "redis"):
        process = stack.processes.get(name)
        if process is not None and process.poll() is None:
            roles[name] = [process.pid, *_descendants(process.pid)]
    out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout
    roles["postgres"] = [int(pid) for pid in out.split()]
    return roles


def cpu_seconds_by_role(stack: Stack) -> dict[str, float]:
    """CPU time (user + system) each process type (``pids_by_role``) has used so far, in
    seconds."""
    return {
        role: round(sum(_cpu_seconds(pid) for pid in pids), 3) for role, pids in pids_by_role(stack).items()
    }


def _cpu_seconds(pid: int) -> float:
    """utime + stime from /proc/<pid>/stat; 0 if the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
