"""A lean connection to Redis for the two loops that talk to it on every update.

The log writer (``RedisStore``) sends each batch of appends and waits for the
replies; the bus reader (``RedisBus``) sends one blocking XREAD after another.
Each loop owns one of these connections and is its only caller, so the
connection needs no pool, no lock and no per-call socket checks: it packs the
commands of a call into one write, and hiredis parses the replies as they
arrive. Through redis-py, each such call cost the event loop several times
more (a pool checkout, a read-timeout task and a stream reader per reply),
which on this machine was most of what Redis mode added to a process's CPU
(docs/benchmarks.md). Everything else goes through redis-py.

A connection that fails, or whose call times out (its replies could no
longer be matched to their commands), is closed; the caller opens a new one.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Sequence
from typing import Any, cast

import hiredis
from redis.asyncio.connection import SSLConnection, parse_url
from redis.exceptions import ResponseError

Arg = str | bytes | int
Command = Sequence[Arg]


def pack(commands: Sequence[Command]) -> bytes:
    """The commands in RESP, as one buffer."""
    out: list[bytes] = []
    for command in commands:
        out.append(b"*%d\r\n" % len(command))
        for arg in command:
            if isinstance(arg, str):
                arg = arg.encode()
            elif isinstance(arg, int):
                arg = b"%d" % arg
            out.append(b"$%d\r\n%b\r\n" % (len(arg), arg))
    return b"".join(out)


class _Call:
    __slots__ = ("deadline", "future", "left", "replies", "timeout")

    def __init__(
        self, future: asyncio.Future[list[Any]], count: int, timeout: float, now: float
    ) -> None:
        self.future = future
        self.left = count
        self.replies: list[Any] = []
        self.timeout = timeout
        self.deadline = now + timeout


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.calls: deque[_Call] = deque()
        self.lost: Exception | None = None
        self._parser = hiredis.Reader(replyError=ResponseError)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but act as one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._parser.feed(data)
        calls = self.calls
        while calls:
            reply = self._parser.gets()
            if reply is False:
                return
            call = calls[0]
            call.replies.append(reply)
            call.left -= 1
            if not call.left:
                calls.popleft()
                if not call.future.done():
                    call.future.set_result(call.replies)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or ConnectionError("Redis closed the connection")
        self.fail_all(ConnectionError(f"connection to Redis lost: {self.lost}"))

    def fail_all(self, error: Exception) -> None:
        while self.calls:
            future = self.calls.popleft().future
            if not future.done():
                future.set_exception(error)


class RespConnection:
    """One connection to Redis, for one loop that awaits each call's replies."""

    def __init__(self, protocol: _Protocol) -> None:
        self._protocol = protocol
        self._loop = asyncio.get_running_loop()
        # One timer checks the oldest call's deadline, rather than one per call.
        self._watch: asyncio.TimerHandle | None = None

    @classmethod
    async def open(cls, url: str, *, timeout: float = 5.0) -> RespConnection:
        """Connect (and AUTH, SELECT) as the redis:// rediss:// or unix:// URL says."""
        options = parse_url(url)
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            if "path" in options:
                _, protocol = await loop.create_unix_connection(_Protocol, options["path"])
            else:
                host, port = options.get("host", "localhost"), options.get("port", 6379)
                tls = (
                    ssl.create_default_context()
                    if options.get("connection_class") is SSLConnection
                    else None
                )
                _, protocol = await loop.create_connection(_Protocol, host, port, ssl=tls)
            connection = cls(protocol)
            hello: list[Command] = []
            if options.get("password"):
                user = options.get("username")
                hello.append(
                    ("AUTH", user, options["password"]) if user else ("AUTH", options["password"])
                )
            if options.get("db"):
                hello.append(("SELECT", options["db"]))
            try:
                for reply in await connection.call(hello, timeout) if hello else []:
                    if isinstance(reply, Exception):
                        raise reply
            except BaseException:
                connection.close()
                raise
        return connection

    @property
    def closed(self) -> bool:
        return self._protocol.lost is not None or self._protocol.transport is None

    async def call(self, commands: Sequence[Command], timeout: float) -> list[Any]:
        """Send the commands in one write; their replies in order, an error
        reply as a ResponseError in its place. ConnectionError if the
        connection is lost, TimeoutError (closing it) if the replies take
        longer than ``timeout`` seconds."""
        protocol = self._protocol
        if protocol.lost is not None or protocol.transport is None:
            raise ConnectionError(f"connection to Redis lost: {protocol.lost}")
        future: asyncio.Future[list[Any]] = self._loop.create_future()
        protocol.calls.append(_Call(future, len(commands), timeout, self._loop.time()))
        protocol.transport.write(pack(commands))
        if self._watch is None:
            self._watch = self._loop.call_later(timeout, self._check)
        return await future

    def _check(self) -> None:
        """Close the connection if its oldest call is past its deadline."""
        self._watch = None
        calls = self._protocol.calls
        if not calls:
            return
        oldest = calls[0]
        now = self._loop.time()
        if now < oldest.deadline:
            self._watch = self._loop.call_later(oldest.deadline - now, self._check)
            return
        error = TimeoutError(f"Redis did not answer within {oldest.timeout:g} s")
        self._protocol.fail_all(error)
        self.close()

    def close(self) -> None:
        """Close at once; calls still waiting fail with ConnectionError."""
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        transport = self._protocol.transport
        if transport is not None and not transport.is_closing():
            transport.close()
        if self._protocol.lost is None:
            self._protocol.connection_lost(ConnectionError("closed"))
