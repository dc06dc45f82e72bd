"""A private redis-server in a child process, for tests that stop and start Redis."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import redis.asyncio
from childproc import terminate
from redis.exceptions import RedisError

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisProcess:
    """``redis-server`` on a port of its own; stop and start it again on the same
    port to simulate an outage.

    Its data is lost when it stops, unless ``persistent``: then every write goes
    to an append-only file in ``directory`` (fsync on each), and a restart (even
    after a kill) finds it all.
    """

    def __init__(self, directory: Path, *, persistent: bool = False) -> None:
        self.directory = directory
        self.persistent = persistent
        self.port = free_port()
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        """Spawn the server and wait until it answers PING."""
        if self.proc is not None:
            raise RuntimeError(f"redis-server on port {self.port} is running already")
        self.directory.mkdir(parents=True, exist_ok=True)
        durability = ["--appendonly", "no"]
        if self.persistent:
            durability = ["--appendonly", "yes", "--appendfsync", "always"]
        self.proc = await asyncio.create_subprocess_exec(
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            *durability, "--dir", str(self.directory),
            "--logfile", str(self.directory / "redis.log"),
        )  # fmt: skip
        async with asyncio.timeout(START_TIMEOUT):
            while not await self._answers():
                if self.proc.returncode is not None:
                    log = (self.directory / "redis.log").read_text(errors="replace")
                    raise RuntimeError(f"redis-server exited with {self.proc.returncode}:\n{log}")
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Terminate the server and wait until it has exited."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        await terminate(proc, STOP_TIMEOUT)

    async def _answers(self) -> bool:
        client = redis.asyncio.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        try:
            return bool(await client.ping())
        except (RedisError, OSError):
            return False
        finally:
            await client.aclose()
