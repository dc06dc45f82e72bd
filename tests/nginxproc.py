"""Debian's nginx with the project's config (deploy/nginx/) in front of server processes.

It runs from a directory of its own (config, pid, logs and temp files), never
as the system's service::

    nginx = NginxProcess(tmp_path / "nginx")
    await nginx.start(["127.0.0.1:8101", "127.0.0.1:8102"])
    ... nginx.http_url ...
    await nginx.stop()
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from childproc import terminate
from redisproc import free_port

NGINX = "/usr/sbin/nginx"
DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "nginx"
RENDER = DEPLOY / "render.py"
STANDALONE = DEPLOY / "standalone.conf"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


class NginxError(RuntimeError):
    """nginx could not be configured or started."""


class NginxProcess:
    """``nginx -p DIR -c nginx.conf -g 'daemon off;'`` on a free port of 127.0.0.1."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = 0
        self.proc: asyncio.subprocess.Process | None = None
        self._stderr: asyncio.Task[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def error_log(self) -> str:
        return _read(self.directory / "error.log")

    @property
    def access_log(self) -> str:
        return _read(self.directory / "board.access.log")

    async def start(self, upstreams: Sequence[str], port: int = 0) -> None:
        """Render the config for these upstream addresses and start nginx; returns
        once it answers HTTP on its port."""
        if self.proc is not None:
            raise NginxError(f"nginx in {self.directory} is running already")
        if not os.access(NGINX, os.X_OK):
            raise NginxError(f"{NGINX} is missing: run scripts/ensure-services")
        self.port = port or free_port()
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "board.conf").write_text(
            await _render(f"127.0.0.1:{self.port}", upstreams, self.directory)
        )
        shutil.copyfile(STANDALONE, self.directory / "nginx.conf")
        # As root, nginx's workers would run as nobody, who cannot enter a
        # pytest tmp dir (mode 0700); they run as the directory's owner instead.
        directives = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
        self.proc = await asyncio.create_subprocess_exec(
            NGINX, "-p", str(self.directory), "-c", "nginx.conf", "-g", directives,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert self.proc.stderr is not None
        self._stderr = asyncio.create_task(self.proc.stderr.read())
        try:
            async with asyncio.timeout(START_TIMEOUT):
                while not await self._answers():
                    if self.proc.returncode is not None:
                        stderr = (await self._stderr).decode(errors="replace")
                        raise NginxError(
                            f"nginx exited with {self.proc.returncode}:\n{stderr}{self.error_log}"
                        )
                    await asyncio.sleep(0.02)
        except BaseException:
            await self.stop()
            raise

    async def _answers(self) -> bool:
        """Whether nginx answers an HTTP request on its port (with any status)."""
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        try:
            writer.write(b"GET /nginx-ready HTTP/1.1\r\nHost: ready\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return (await reader.readline()).startswith(b"HTTP/1.1 ")
        except OSError:
            return False
        finally:
            writer.close()

    async def stop(self) -> None:
        """Fast shutdown (SIGTERM: open sockets are closed) and wait for the exit."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        await terminate(proc, STOP_TIMEOUT)
        if self._stderr is not None:
            await self._stderr


async def _render(listen: str, upstreams: Sequence[str], log_dir: Path) -> str:
    """deploy/nginx/render.py's output, run as an operator runs it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(RENDER), "--listen", listen, "--log-dir", str(log_dir), *upstreams,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(START_TIMEOUT):
        out, err = await proc.communicate()
    if proc.returncode != 0:
        raise NginxError(f"render.py failed ({proc.returncode}): {err.decode(errors='replace')}")
    return out.decode()


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
