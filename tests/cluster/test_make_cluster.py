"""make cluster (scripts/cluster) as a person runs it: start, use through nginx, Ctrl+C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from redisproc import free_port
from serverproc import _child_env

pytestmark = pytest.mark.redis

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cluster"
START_TIMEOUT = 60.0
READY = "Ctrl+C stops everything."
_PID = re.compile(r"^make cluster: (Redis|process \d|nginx) .*\(pid (\d+)\)")
_PROCESS = re.compile(r"^make cluster: process \d on 127\.0\.0\.1:(\d+) ")
_RUN_DIR = re.compile(r"config and logs in (\S+)$")


@dataclass
class Script:
    """scripts/cluster in a session of its own, as in a terminal; its output so far."""

    proc: asyncio.subprocess.Process
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    async def read_until(self, last: str) -> None:
        assert self.proc.stdout is not None
        async with asyncio.timeout(START_TIMEOUT):
            while not self.stdout or self.stdout[-1] != last:
                raw = await self.proc.stdout.readline()
                if not raw:
                    raise AssertionError(f"the script ended:\n{self.output}")
                self.stdout.append(raw.decode().rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.stdout + self.stderr)

    def ctrl_c(self) -> None:
        """What the terminal does on Ctrl+C: SIGINT to the foreground process group."""
        os.killpg(self.proc.pid, signal.SIGINT)


@pytest.fixture
async def script() -> AsyncIterator[Script]:
    """The script on free ports, with a Redis of its own (none answers on its port)."""
    port, redis_port, first_port = free_port(), free_port(), free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), "--port", str(port), "--first-port", str(first_port),
        "--redis-url", f"redis://127.0.0.1:{redis_port}/0",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=_child_env(), start_new_session=True,
    )  # fmt: skip
    running = Script(proc)
    assert proc.stderr is not None
    stderr = proc.stderr

    async def collect() -> None:
        while raw := await stderr.readline():
            running.stderr.append(raw.decode(errors="replace").rstrip("\n"))

    reader = asyncio.create_task(collect())
    try:
        yield running
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        await reader


def refuses(port: int) -> bool:
    """Whether nothing listens on this port of 127.0.0.1 any more."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_make_cluster_serves_through_nginx_and_ctrl_c_stops_everything(
    script: Script,
) -> None:
    await script.read_until(READY)
    pids = {m[1]: int(m[2]) for line in script.stdout if (m := _PID.match(line))}
    assert sorted(pids) == ["Redis", "nginx", "process 1", "process 2", "process 3"]
    ports = [int(m[1]) for line in script.stdout if (m := _PROCESS.match(line))]
    (run_dir,) = [Path(m[1]) for line in script.stdout if (m := _RUN_DIR.search(line))]
    nginx_line = next(line for line in script.stdout if line.startswith("make cluster: nginx"))
    nginx_port = int(re.findall(r"on 127\.0\.0\.1:(\d+)", nginx_line)[0])
    base = f"http://localhost:{nginx_port}"
    assert f"Board cluster running at {base}: nginx in front of 3 processes" in script.stdout
    (admin,) = [line for line in script.stdout if line.startswith("Admin")]
    assert admin.startswith(f"Admin (keep this link private): {base}/admin?token=")
    (code,) = [line.split(": ")[1] for line in script.stdout if "Join code:" in line]
    assert f"  Join link: {base}/join/{code}" in script.stdout

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{nginx_port}", timeout=10) as http:
        health = await http.get("/healthz")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        assert health.headers["x-upstream"] in {f"127.0.0.1:{p}" for p in ports}
        joined = await http.post("/api/join", json={"code": code, "name": "Ann"})
        assert joined.status_code == 200
        assert joined.json()["workshop"]["id"] == "demo"

    script.ctrl_c()
    async with asyncio.timeout(30):
        assert await script.proc.wait() == 0
        assert script.proc.stdout is not None
        script.stdout += (await script.proc.stdout.read()).decode().splitlines()
    assert script.stdout[-2:] == ["make cluster: stopping", "make cluster: stopped"]
    # Everything it started is gone: processes, ports and the run directory.
    assert [name for name, pid in pids.items() if alive(pid)] == []
    redis_port = int(re.findall(r"redis://127\.0\.0\.1:(\d+)/0", script.stdout[0])[0])
    assert all(refuses(port) for port in [nginx_port, redis_port, *ports])
    assert not run_dir.exists()
