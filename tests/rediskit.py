"""The real Redis the suite uses, and cleaning up a test's keys."""

from __future__ import annotations

import redis.asyncio as redis

REDIS_URL = "redis://127.0.0.1:6379/0"


async def delete_prefix(prefix: str) -> None:
    """Delete every key a test made under its prefix."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
