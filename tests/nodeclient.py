"""Drive a stock Yjs client (npm ``yjs`` + ``y-websocket``) from pytest.

Each :class:`NodeYClient` is one ``node tests/node/yclient.mjs`` process holding a ``Y.Doc`` and a
``WebsocketProvider``. Commands go to it as JSON lines on stdin; replies (``{"reply": id, ...}``)
and events (``{"event": name, ...}``) come back as JSON lines on stdout. See ``yclient.mjs`` for the
command list.

Typical use::

    client = await NodeYClient.start("ws://127.0.0.1:8000/ws/w1", "room1", token)
    try:
        await client.wait_event("synced")
        await client.call("map_set", map="notes", key="k", value={"x": 1})
    finally:
        await client.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import subprocess
from collections import deque
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).resolve().parent / "node"
YCLIENT_SCRIPT = NODE_DIR / "yclient.mjs"
# packages that must be importable from NODE_DIR for the harness (and its self-test) to run
REQUIRED_NODE_PACKAGES = ("yjs", "y-websocket", "ws", "@y/websocket-server")

DEFAULT_TIMEOUT = 10.0


class NodeClientError(RuntimeError):
    """A command failed, timed out, or the node process died."""


def node_available() -> bool:
    """True when ``node`` and ``npm`` are on PATH."""
    return shutil.which("node") is not None and shutil.which("npm") is not None


def _node_modules_complete() -> bool:
    modules = NODE_DIR / "node_modules"
    return all((modules / name / "package.json").is_file() for name in REQUIRED_NODE_PACKAGES)


def ensure_node_modules(timeout: float = 300.0) -> None:
    """Run ``npm ci`` in tests/node unless its node_modules is already installed.

    Synchronous on purpose: meant for a session-scoped (non-async) fixture.
    """
    if _node_modules_complete():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise NodeClientError("npm is not on PATH")
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0 or not _node_modules_complete():
        raise NodeClientError(
            f"npm ci in {NODE_DIR} failed (exit {proc.returncode}):\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )


class NodeYClient:
    """One stock Yjs client in a node subprocess. Create with :meth:`start`."""

    def __init__(self, proc: asyncio.subprocess.Process, name: str) -> None:
        self.name = name
        self.proc = proc
        self.client_id: int | None = None
        self.url: str | None = None
        self.events: list[dict[str, Any]] = []
        self.stderr_lines: deque[str] = deque(maxlen=200)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._event_cond = asyncio.Condition()
        self._eof = False
        self._reader = asyncio.create_task(self._read_stdout(), name=f"yclient-{name}-stdout")
        self._err_reader = asyncio.create_task(self._read_stderr(), name=f"yclient-{name}-stderr")

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def start(
        cls,
        server: str,
        room: str,
        token: str,
        *,
        name: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> NodeYClient:
        """Spawn the client; returns once the process is up (not necessarily connected/synced).

        ``server`` is the provider's base URL (``ws://HOST:PORT/ws/{workshop_id}``); the provider
        connects to ``{server}/{room}?token={token}``.
        """
        node = shutil.which("node")
        if node is None:
            raise NodeClientError("node is not on PATH")
        label = name or f"yclient-{room}"
        args = [str(YCLIENT_SCRIPT), "--server", server, "--room", room, "--token", token]
        args += ["--name", label]
        proc = await asyncio.create_subprocess_exec(
            node,
            *args,
            cwd=NODE_DIR,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=1 << 24,  # map_get of a big doc is one long line
        )
        client = cls(proc, label)
        try:
            ready = await client.wait_event("ready", timeout=timeout)
        except BaseException:
            await client.close()
            raise
        client.client_id = ready.get("clientID")
        client.url = ready.get("url")
        return client

    async def close(self, timeout: float = 5.0) -> None:
        """Ask the client to quit (destroying its provider), kill it if it does not exit."""
        if self.proc.returncode is None and not self._eof:
            with contextlib.suppress(NodeClientError, TimeoutError, ConnectionError):
                await self.call("quit", reply_timeout=timeout)
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            async with asyncio.timeout(timeout):
                await self.proc.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()
        for task in (self._reader, self._err_reader):
            task.cancel()
        for task in (self._reader, self._err_reader):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._fail_pending("client closed")

    async def __aenter__(self) -> NodeYClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ commands

    async def call(
        self, cmd: str, *, reply_timeout: float | None = None, **args: Any
    ) -> dict[str, Any]:
        """Send one command and return its reply; raises :class:`NodeClientError` on an error
        reply, when no reply comes in time, or when the process dies.

        ``args`` are the command's fields (``timeout`` in milliseconds, as the node side takes it,
        for the ``wait_*`` commands; defaults to 10 s). The reply is awaited for ``reply_timeout``
        seconds: by default 10 s, or for ``wait_*`` commands their own timeout plus 2 s, so the
        node side's ``{"error": "timeout"}`` is what normally reports a failed wait.
        """
        if self._eof or self.proc.returncode is not None:
            raise NodeClientError(f"{self.name}: node process has exited{self._stderr_tail()}")
        if cmd.startswith("wait_"):
            args.setdefault("timeout", int(DEFAULT_TIMEOUT * 1000))
            if reply_timeout is None:
                reply_timeout = float(args["timeout"]) / 1000 + 2.0
        timeout = DEFAULT_TIMEOUT if reply_timeout is None else reply_timeout
        msg_id = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = fut
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps({"id": msg_id, "cmd": cmd, **args}) + "\n").encode())
            async with asyncio.timeout(timeout):
                await self.proc.stdin.drain()
                reply = await fut
        except TimeoutError as exc:
            raise NodeClientError(f"{self.name}: {cmd} got no reply within {timeout}s") from exc
        except (ConnectionError, BrokenPipeError) as exc:
            raise NodeClientError(
                f"{self.name}: node process gone during {cmd}{self._stderr_tail()}"
            ) from exc
        finally:
            self._pending.pop(msg_id, None)
        if "error" in reply:
            raise NodeClientError(f"{self.name}: {cmd} failed: {reply['error']}")
        return reply

    async def wait_event(
        self,
        event: str,
        timeout: float = DEFAULT_TIMEOUT,
        **match: Any,
    ) -> dict[str, Any]:
        """Return the first event named ``event`` (already received or future) whose fields equal
        ``match``, e.g. ``wait_event("status", status="connected")``."""

        def find() -> dict[str, Any] | None:
            for ev in self.events:
                if ev.get("event") == event and all(ev.get(k) == v for k, v in match.items()):
                    return ev
            return None

        try:
            async with asyncio.timeout(timeout), self._event_cond:
                while True:
                    found = find()
                    if found is not None:
                        return found
                    if self._eof:
                        raise NodeClientError(
                            f"{self.name}: exited before event {event} {match}{self._stderr_tail()}"
                        )
                    await self._event_cond.wait()
        except TimeoutError as exc:
            raise NodeClientError(
                f"{self.name}: no event {event} {match} within {timeout}s; "
                f"events so far: {self.events[-20:]}"
            ) from exc

    def clear_events(self) -> None:
        """Forget the events received so far (so wait_event only sees new ones)."""
        self.events.clear()

    # ------------------------------------------------------------------ internals

    async def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        try:
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    break
                try:
                    msg = json.loads(line)
                except ValueError:
                    self.stderr_lines.append(f"(non-JSON stdout) {line.decode(errors='replace')}")
                    continue
                if not isinstance(msg, dict):
                    continue
                if "reply" in msg:
                    fut = self._pending.get(msg["reply"])
                    if fut is not None and not fut.done():
                        fut.set_result(msg)
                elif "event" in msg:
                    async with self._event_cond:
                        self.events.append(msg)
                        self._event_cond.notify_all()
        finally:
            self._eof = True
            self._fail_pending("node process exited")
            async with self._event_cond:
                self._event_cond.notify_all()

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        while True:
            line = await self.proc.stderr.readline()
            if not line:
                return
            self.stderr_lines.append(line.decode(errors="replace").rstrip("\n"))

    def _fail_pending(self, why: str) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(NodeClientError(f"{self.name}: {why}{self._stderr_tail()}"))
        self._pending.clear()

    def _stderr_tail(self) -> str:
        if not self.stderr_lines:
            return ""
        return "\nstderr:\n" + "\n".join(list(self.stderr_lines)[-20:])
