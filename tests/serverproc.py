"""The real server as a child process, the way a user runs it, for tests."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

START_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0

# "Board server running at URL", and when the URL does not show the port
# (--public-url), " (port N on HOST)" after it.
_RUNNING = re.compile(
    r"Board server running at (https?://\S+?)(?::(\d+))?(?: \(port (\d+) on \S+\))?\s*$"
)
_ADMIN = re.compile(r"Admin \(keep this link private\): \S+/admin\?token=(\S+)\s*$")
_JOIN_CODE = re.compile(r"^\s+Join code: (\S+)\s*$")


def _child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without BOARD_* settings, plus extra."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOARD_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class ServerProcess:
    """``board-server serve`` in a child process, with its output collected."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self.port = 0
        self.printed_url = ""
        self.admin_url = ""
        self.admin_token = ""
        self.join_code = ""
        self.room_links = 0
        self._readers: list[asyncio.Task[None]] = []

    @property
    def http_url(self) -> str:
        """The URL clients use: the server listens on 127.0.0.1 only."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def stdout(self) -> str:
        return "\n".join(self.stdout_lines)

    @property
    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    async def start(
        self,
        data_dir: Path | None,
        port: int = 0,
        extra_args: Sequence[str] = (),
        *,
        demo: bool = True,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        prefix: Sequence[str] = (),
    ) -> None:
        """Spawn the server (after a command prefix, e.g. to run it in a network
        namespace) and wait until it has printed its links."""
        args = [*prefix, sys.executable, "-m", "board_server.cli", "serve", "--port", str(port)]
        if data_dir is not None:
            args += ["--data-dir", str(data_dir)]
        if demo:
            args.append("--demo")
        args += list(extra_args)
        self.proc = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_child_env(env),
            cwd=cwd,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers.append(
            asyncio.create_task(self._collect(self.proc.stderr, self.stderr_lines))
        )
        try:
            async with asyncio.timeout(START_TIMEOUT):
                await self._read_announcement(self.proc.stdout, demo=demo)
        except BaseException:
            await self.kill()
            raise
        # Keep draining stdout (the join links) so the child never blocks on it.
        self._readers.append(
            asyncio.create_task(self._collect(self.proc.stdout, self.stdout_lines))
        )

    async def _read_announcement(self, stream: asyncio.StreamReader, *, demo: bool) -> None:
        # The demo's last line is the link to its fourth room.
        while not (self.port and self.admin_token and (self.room_links == 4 or not demo)):
            raw = await stream.readline()
            if not raw:
                await self._wait_exit()
                raise RuntimeError(
                    f"server exited before it was ready (code {self.returncode}):\n{self.stderr}"
                )
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stdout_lines.append(line)
            if match := _RUNNING.search(line):
                self.printed_url = f"{match[1]}:{match[2]}" if match[2] else match[1]
                self.port = int(match[3] or match[2])
            elif match := _ADMIN.search(line):
                self.admin_url = line.split(": ", 1)[1].strip()
                self.admin_token = match[1]
            elif match := _JOIN_CODE.search(line):
                self.join_code = match[1]
            elif "?room=r" in line:
                self.room_links += 1

    @staticmethod
    async def _collect(stream: asyncio.StreamReader, lines: list[str]) -> None:
        while raw := await stream.readline():
            lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.returncode

    async def _wait_exit(self) -> int:
        """Wait (bounded) for the child to exit and its output to be read in full."""
        assert self.proc is not None
        async with asyncio.timeout(STOP_TIMEOUT):
            code = await self.proc.wait()
            await asyncio.gather(*self._readers, return_exceptions=True)
        return code

    async def terminate(self) -> int:
        """SIGTERM, as a service manager stops the server; returns the exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await self._wait_exit()

    async def kill(self) -> int:
        """SIGKILL: a crash, with no chance to flush anything."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.kill()
        return await self._wait_exit()
