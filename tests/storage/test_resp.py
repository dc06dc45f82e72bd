"""The lean connection the log writer and the bus reader use, against a real Redis."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis
from redis.exceptions import ResponseError
from rediskit import REDIS_URL
from redisproc import RedisProcess

from board_server.storage.resp import RespConnection, pack

pytestmark = pytest.mark.redis


@pytest.fixture
async def key() -> AsyncIterator[str]:
    name = f"test:resp:{secrets.token_hex(4)}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    await client.delete(name)
    await client.aclose()


def test_pack_writes_each_argument_as_a_bulk_string() -> None:
    assert pack([("SET", "k", b"v\r\n", 12), ("PING",)]) == (
        b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n$2\r\n12\r\n*1\r\n$4\r\nPING\r\n"
    )


async def test_replies_come_in_order_with_an_error_in_its_place(key: str) -> None:
    connection = await RespConnection.open(REDIS_URL)
    try:
        async with asyncio.timeout(5):
            replies = await connection.call(
                [("SET", key, "1"), ("HGET", key, "field"), ("INCRBY", key, 41), ("GET", key)], 5
            )
            again = await connection.call([("GET", key)], 5)
    finally:
        connection.close()
    ok, refused, counted, value = replies
    assert (ok, counted, value) == (b"OK", 42, b"42")
    assert isinstance(refused, ResponseError)
    assert str(refused).startswith("WRONGTYPE")
    assert again == [b"42"]


async def test_the_url_chooses_the_database(key: str) -> None:
    url = REDIS_URL.rsplit("/", 1)[0] + "/3"
    connection = await RespConnection.open(url)
    client = redis.Redis.from_url(url)
    try:
        async with asyncio.timeout(5):
            await connection.call([("SET", key, "in three")], 5)
            assert await client.get(key) == b"in three"
            await client.delete(key)
    finally:
        connection.close()
        await client.aclose()


async def test_a_call_that_outlasts_its_timeout_closes_the_connection(key: str) -> None:
    connection = await RespConnection.open(REDIS_URL)
    async with asyncio.timeout(5):
        with pytest.raises(TimeoutError, match=r"Redis did not answer within 0\.2 s"):
            await connection.call([("BLPOP", key, 3)], 0.2)
        assert connection.closed
        with pytest.raises(ConnectionError):
            await connection.call([("PING",)], 5)


async def test_a_connection_killed_mid_call_fails_the_call(key: str) -> None:
    connection = await RespConnection.open(REDIS_URL)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        async with asyncio.timeout(5):
            (client_id,) = await connection.call([("CLIENT", "ID")], 5)
            waiting = asyncio.create_task(connection.call([("BLPOP", key, 4)], 5))
            # Whether Redis has the BLPOP yet or not, the call dies with its connection.
            await client.client_kill_filter(_id=client_id)
            with pytest.raises(ConnectionError):
                await waiting
        assert connection.closed
    finally:
        connection.close()
        await client.aclose()


async def test_a_password_in_the_url_authenticates(private_redis: RedisProcess) -> None:
    admin = redis.Redis.from_url(private_redis.url)
    await admin.config_set("requirepass", "s3cret")
    await admin.aclose()
    base = f"127.0.0.1:{private_redis.port}/0"
    async with asyncio.timeout(5):
        connection = await RespConnection.open(f"redis://:s3cret@{base}")
        assert await connection.call([("PING",)], 5) == [b"PONG"]
        connection.close()
        with pytest.raises(ResponseError, match="WRONGPASS"):
            await RespConnection.open(f"redis://:wrong@{base}")
        with pytest.raises(ResponseError, match="NOAUTH"):
            refused = await RespConnection.open(f"redis://{base}")
            try:
                (reply,) = await refused.call([("PING",)], 5)
                raise reply
            finally:
                refused.close()


def test_it_works_on_uvloop_which_the_server_runs_on(key: str) -> None:
    import uvloop

    async def main() -> list[object]:
        connection = await RespConnection.open(REDIS_URL)
        try:
            async with asyncio.timeout(5):
                return await connection.call([("SET", key, "uv"), ("GET", key)], 5)
        finally:
            connection.close()

    assert uvloop.run(main()) == [b"OK", b"uv"]
