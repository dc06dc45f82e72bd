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


async def stored_under(prefix: str) -> dict[bytes, list[bytes]]:
    """Every key under the prefix, with every byte string its value holds, read
    type by type (DUMP may compress a long value, hiding what it holds)."""
    client = redis.Redis.from_url(REDIS_URL)
    found: dict[bytes, list[bytes]] = {}
    try:
        async for key in client.scan_iter(match=f"{prefix}*"):
            kind = (await client.type(key)).decode()
            parts: list[bytes] = []
            if kind == "string":
                parts = [await client.get(key) or b""]
            elif kind == "hash":
                for field, value in (await client.hgetall(key)).items():
                    parts += [field, value]
            elif kind == "list":
                parts = await client.lrange(key, 0, -1)
            elif kind == "set":
                parts = list(await client.smembers(key))
            elif kind == "zset":
                parts = await client.zrange(key, 0, -1)
            elif kind == "stream":
                for _, fields in await client.xrange(key):
                    for field, value in fields.items():
                        parts += [field, value]
            found[key] = parts
    finally:
        await client.aclose()
    return found
