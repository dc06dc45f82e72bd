"""Start and stop the servers under test, and read their CPU and memory.

- ``ours``: this repository's server (``python -m board_server.cli serve``).
- ``y-websocket``: npm ``y-websocket@1.5.4``, ``bin/server.js`` (in memory).
- ``hocuspocus``: npm ``@hocuspocus/server@3``, a plain ``new Server({port})``.
- ``pycrdt``: ``pycrdt.websocket`` (PyPI ``pycrdt-websocket``) under uvicorn,
  installed into its own venv.
- ``ours-redis`` and ``hocuspocus-redis``: one process of a multi-process
  deployment on a shared Redis (``--redis-url``; ``@hocuspocus/extension-redis``
  pinned with its server, 3.4.4). ``bench.cluster`` starts N of them.

The reference servers are installed on first use into ``bench/.cache/``
(gitignored) and reused afterwards. Every server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
SERVERS = ("ours", "y-websocket", "hocuspocus", "pycrdt")
# One process each of a deployment on a shared Redis (see bench.cluster).
REDIS_SERVERS = ("ours-redis", "hocuspocus-redis")
HOCUSPOCUS_REDIS = "3.4.4"
ADMIN_TOKEN = "bench-admin"
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")

_HOCUSPOCUS_SERVER = """\
import { Server } from "@hocuspocus/server";

// A plain Hocuspocus server: no extensions, no persistence, no auth hook.
const server = new Server({
  port: Number(process.env.PORT),
  address: process.env.HOST || "127.0.0.1",
  quiet: true,
});
server.listen();
"""

_HOCUSPOCUS_REDIS_SERVER = """\
import { Server } from "@hocuspocus/server";
import { Redis } from "@hocuspocus/extension-redis";

// Hocuspocus with its Redis extension and nothing else: documents live in
// memory in each process, and changes and awareness travel over pub/sub.
const server = new Server({
  port: Number(process.env.PORT),
  address: process.env.HOST || "127.0.0.1",
  quiet: true,
  extensions: [
    new Redis({
      host: "127.0.0.1",
      port: Number(process.env.REDIS_PORT),
      prefix: process.env.REDIS_PREFIX || "hocuspocus",
    }),
  ],
});
server.listen();
"""

_PYCRDT_SERVER = """\
# pycrdt-websocket's documented ASGI usage: WebsocketServer + ASGIServer, served
# by uvicorn with its default settings. The room name is the URL path.
import asyncio
import sys

import uvicorn
from pycrdt.websocket import ASGIServer, WebsocketServer


async def main(host: str, port: int) -> None:
    websocket_server = WebsocketServer()
    app = ASGIServer(websocket_server)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    async with websocket_server:
        await server.serve()


try:
    import uvloop
except ImportError:
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
else:
    uvloop.run(main(sys.argv[1], int(sys.argv[2])))
"""


class ServerError(RuntimeError):
    """A server could not be installed or did not start."""


def _run(cmd: list[str], cwd: Path, timeout: float) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise ServerError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")


def _npm_install(folder: Path, spec: str, marker: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "node_modules" / marker / "package.json").exists():
        print(f"[bench] installing npm {spec} into {folder}", file=sys.stderr, flush=True)
        if not (folder / "package.json").exists():
            (folder / "package.json").write_text('{"private": true}\n')
        npm = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *spec.split()]
        _run(npm, folder, timeout=300)
    return folder


def ensure_installed(name: str) -> None:
    """Install a reference server into the cache if it is not there yet."""
    if name == "y-websocket":
        _npm_install(CACHE / "y-websocket", "y-websocket@1.5.4", "y-websocket")
    elif name == "hocuspocus":
        folder = _npm_install(CACHE / "hocuspocus", "@hocuspocus/server@3", "@hocuspocus/server")
        (folder / "server.mjs").write_text(_HOCUSPOCUS_SERVER)
    elif name == "hocuspocus-redis":
        # Pinned together: the extension requires the server of its own version.
        spec = " ".join(
            f"@hocuspocus/{package}@{HOCUSPOCUS_REDIS}" for package in ("server", "extension-redis")
        )
        folder = _npm_install(CACHE / name, spec, "@hocuspocus/extension-redis")
        (folder / "server.mjs").write_text(_HOCUSPOCUS_REDIS_SERVER)
    elif name == "pycrdt":
        venv = CACHE / "pycrdt-venv"
        python = venv / "bin" / "python"
        if not (venv / ".installed").exists():
            print(f"[bench] creating {venv} with pycrdt-websocket", file=sys.stderr, flush=True)
            shutil.rmtree(venv, ignore_errors=True)
            base = shutil.which("python3") or sys.executable
            _run([base, "-m", "venv", str(venv)], CACHE, timeout=120)
            pip = [str(python), "-m", "pip", "install", "--quiet"]
            _run([*pip, "pycrdt-websocket", "uvicorn[standard]"], CACHE, timeout=600)
            (venv / ".installed").touch()
        (CACHE / "pycrdt_server.py").write_text(_PYCRDT_SERVER)
    elif name not in ("ours", "ours-redis"):
        raise ServerError(f"unknown server {name!r}")


def versions() -> dict[str, str]:
    """What is installed in the cache, for the report (empty where not installed)."""
    found: dict[str, str] = {}
    for name, package in (
        ("y-websocket", "y-websocket"),
        ("hocuspocus", "@hocuspocus/server"),
        ("hocuspocus-redis", "@hocuspocus/extension-redis"),
    ):
        meta = CACHE / name / "node_modules" / package / "package.json"
        with contextlib.suppress(OSError, ValueError, KeyError):
            found[name] = f"{package}@{json.loads(meta.read_text())['version']}"
    python = CACHE / "pycrdt-venv" / "bin" / "python"
    if python.exists():
        code = "import importlib.metadata as m; print(m.version('pycrdt-websocket'))"
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([str(python), "-c", code], capture_output=True, timeout=30)
            found["pycrdt"] = f"pycrdt-websocket=={out.stdout.decode().strip()}"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = ["git", "rev-parse", "--short", "HEAD"]  # read-only
        out = subprocess.run(head, cwd=ROOT, capture_output=True, timeout=30)
        found["ours"] = f"HEAD {out.stdout.decode().strip()} (plus any uncommitted changes)"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        node = subprocess.run(["node", "--version"], capture_output=True, timeout=30)
        found["node"] = node.stdout.decode().strip()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        redis = subprocess.run(["redis-server", "--version"], capture_output=True, timeout=30)
        found["redis"] = redis.stdout.decode().strip()
    return found


def free_port() -> int:
    """A port that is free now on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll a TCP connect until the server accepts, it exits, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"server exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise ServerError(f"server did not listen on {port} within {timeout:.0f}s")


@dataclass
class Server:
    """One running server process."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    workdir: Path
    data_dir: Path | None = None
    log: IO[bytes] | None = None
    _drain: threading.Thread | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def cpu_seconds(self) -> float:
        """utime + stime of the server process so far (from /proc)."""
        return proc_cpu_seconds(self.pid)

    def rss_mb(self) -> float:
        """Resident memory of the server process now (VmRSS, MiB)."""
        return proc_rss_kb(self.pid) / 1024

    def alive(self) -> bool:
        return self.proc.poll() is None


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime (fields 14 and 15 of /proc/PID/stat), in seconds."""
    with open(f"/proc/{pid}/stat") as fh:
        stat = fh.read()
    # The command name (field 2) may hold spaces; fields after it are plain.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_rss_kb(pid: int) -> int:
    """VmRSS of a process in KiB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start(
    name: str,
    *,
    data_dir: Path | None = None,
    port: int | None = None,
    redis: tuple[int, str] | None = None,
) -> Server:
    """Start a fresh server process and wait until it listens (bounded).

    ``redis`` is (port, key prefix) of the Redis on 127.0.0.1 that the
    ``*-redis`` servers share.
    """
    ensure_installed(name)
    if name in REDIS_SERVERS and redis is None:
        raise ServerError(f"{name} needs a Redis (port, prefix)")
    redis_port, prefix = redis or (0, "")
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 - closed in stop()
    env = dict(os.environ, HOST=HOST, PORT=str(port))
    if redis is not None:
        env.update(REDIS_PORT=str(redis_port), REDIS_PREFIX=prefix)
    cmd: list[str]
    cwd: Path
    ours = [sys.executable, "-m", "board_server.cli", "serve", "--host", HOST, "--port", str(port)]
    ours += ["--admin-token", ADMIN_TOKEN, "--log-level", "warning"]
    if name in ("ours", "ours-redis"):
        data_dir = data_dir or workdir / "data"
        ours += ["--data-dir", str(data_dir)]
    if name == "ours":
        cmd = ours
        cwd = ROOT
    elif name == "ours-redis":
        url = f"redis://{HOST}:{redis_port}/0"
        cmd = [*ours, "--redis-url", url, "--redis-prefix", prefix]
        cwd = ROOT
    elif name == "y-websocket":
        cwd = CACHE / "y-websocket"
        cmd = ["node", "node_modules/y-websocket/bin/server.js"]
    elif name in ("hocuspocus", "hocuspocus-redis"):
        cwd = CACHE / name
        cmd = ["node", "server.mjs"]
    elif name == "pycrdt":
        cwd = CACHE
        cmd = [str(CACHE / "pycrdt-venv" / "bin" / "python"), "pycrdt_server.py", HOST, str(port)]
    else:
        raise ServerError(f"unknown server {name!r}")
    announces = name in ("ours", "ours-redis")
    stdout = subprocess.PIPE if announces else log
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=stdout, stderr=log, start_new_session=True
    )
    server = Server(name, port, proc, workdir, data_dir, log)
    try:
        if announces:
            _wait_announce(server, timeout=30)
        wait_port(port, proc, timeout=30)
    except BaseException:
        stop(server)
        raise
    return server


def _wait_announce(server: Server, timeout: float) -> None:
    """Read our server's stdout until its 'Board server running at' line."""
    assert server.proc.stdout is not None
    stdout = server.proc.stdout
    found = threading.Event()

    def drain() -> None:
        for line in stdout:
            if server.log is not None and not server.log.closed:
                with contextlib.suppress(ValueError):
                    server.log.write(line)
            if b"Board server running at" in line:
                found.set()

    server._drain = threading.Thread(target=drain, daemon=True)
    server._drain.start()
    if not found.wait(timeout):
        raise ServerError(f"ours did not announce itself within {timeout:.0f}s")


def stop(server: Server, *, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Stop a server: sig first, SIGKILL after timeout. Never leaves it running."""
    proc = server.proc
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            # Still alive, so its process group (its own session) is ours.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    if server._drain is not None:
        server._drain.join(2)
    if server.log is not None:
        server.log.close()


def cleanup(server: Server) -> None:
    """Remove the server's temporary folder (data dir included)."""
    shutil.rmtree(server.workdir, ignore_errors=True)


def log_tail(server: Server, lines: int = 20) -> str:
    """The end of a server's log, for error reports."""
    try:
        text = (server.workdir / "server.log").read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
