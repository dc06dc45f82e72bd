"""Self-test of the Node Yjs client harness against y-websocket's reference server.

If this passes, the harness (tests/node/yclient.mjs + tests/nodeclient.py) is known to drive a
stock Yjs client correctly, so a failure of the same calls against our server is our server's.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from nodeclient import NODE_DIR, NodeYClient

pytestmark = pytest.mark.node

REFERENCE_SERVER = NODE_DIR / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for_port(proc: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"reference server exited early with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"reference server not listening on {port} after {timeout}s"
                ) from None
            time.sleep(0.05)


@pytest.fixture
def reference_server(node_modules: None, tmp_path: Path) -> Iterator[str]:
    """y-websocket's reference server (@y/websocket-server) on a free port; yields its ws URL."""
    node = shutil.which("node")
    assert node is not None
    port = _free_port()
    log = (tmp_path / "reference-server.log").open("wb")
    proc = subprocess.Popen(
        [node, str(REFERENCE_SERVER)],
        cwd=NODE_DIR,
        env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port)},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(proc, port, timeout=15)
        yield f"ws://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


async def test_two_stock_clients_sync_through_reference_server(reference_server: str) -> None:
    room = f"room-{uuid.uuid4().hex[:8]}"
    a = await NodeYClient.start(reference_server, room, "token-a", name="A")
    b: NodeYClient | None = None
    try:
        b = await NodeYClient.start(reference_server, room, "token-b", name="B")
        for c in (a, b):
            await c.wait_event("status", status="connected")
            await c.wait_event("synced")
            state = await c.call("state")
            assert state["synced"] is True
            assert state["wsconnected"] is True
            assert state["clientID"] == c.client_id
        # the token travels as a query parameter on the room URL
        assert a.url == f"{reference_server}/{room}?token=token-a"

        # map: A -> B (nested JSON value, deep-compared)
        await a.call("map_set", map="notes", key="k1", value={"text": "hello", "tags": [1, 2]})
        got = await b.call(
            "wait_map", map="notes", key="k1", value={"text": "hello", "tags": [1, 2]}, timeout=5000
        )
        assert got["value"] == {"text": "hello", "tags": [1, 2]}
        assert (await b.call("map_get", map="notes"))["value"] == {
            "k1": {"text": "hello", "tags": [1, 2]}
        }

        # text: B -> A, insert then delete
        await b.call("text_insert", name="t", index=0, text="hello world")
        await a.call("wait_text", name="t", value="hello world", timeout=5000)
        await b.call("text_delete", name="t", index=5, length=6)
        await a.call("wait_text", name="t", value="hello", timeout=5000)
        assert (await a.call("text_get", name="t"))["value"] == "hello"

        # a wait that cannot be satisfied reports a timeout error, bounded
        with pytest.raises(Exception, match="timeout"):
            await a.call("wait_text", name="t", value="never", timeout=200)
        with pytest.raises(Exception, match="unknown command"):
            await a.call("no_such_command")

        # awareness: A -> B
        await a.call("awareness_set", state={"user": {"name": "Ann"}, "name": "Ann"})
        seen = await b.call(
            "wait_awareness", predicate={"key": "name", "value": "Ann"}, timeout=5000
        )
        assert seen["clientID"] == a.client_id
        states = await b.call("awareness_get")
        assert states["self"] == b.client_id
        assert [a.client_id, {"user": {"name": "Ann"}, "name": "Ann"}] in states["value"]

        # A quits: its awareness disappears at B
        await a.close()
        await b.call(
            "wait_awareness", predicate={"key": "name", "value": "Ann"}, absent=True, timeout=5000
        )
        assert a.proc.returncode == 0

        # B's local disconnect is reported as a local close and a status change
        await b.call("disconnect")
        await b.wait_event("close", local=True, timeout=5)
        await b.wait_event("status", status="disconnected", timeout=5)
        assert (await b.call("state"))["wsconnected"] is False
    finally:
        await a.close()
        if b is not None:
            await b.close()
