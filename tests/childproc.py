"""Stopping a child process the tests started: SIGTERM, then SIGKILL if it hangs."""

from __future__ import annotations

import asyncio

STOP_TIMEOUT = 10.0


async def terminate(proc: asyncio.subprocess.Process, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM and wait for the exit; SIGKILL after ``timeout`` seconds."""
    if proc.returncode is None:
        proc.terminate()
    try:
        async with asyncio.timeout(timeout):
            await proc.wait()
    except TimeoutError:
        proc.kill()
        await proc.wait()
