"""The HTTP contract: health, workshops, join, tokens, and JSON errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from conftest import RunningServer


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
        yield client


def admin(server: RunningServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.config.admin_token}"}


async def test_healthz(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_create_workshop(http: httpx.AsyncClient, server: RunningServer) -> None:
    response = await http.post(
        "/api/workshops",
        json={"title": "Housing futures", "rooms": ["Table 1", "Table 2", "Table 3"]},
        headers=admin(server),
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id", "title", "join_code", "join_url", "created", "room_capacity", "rooms",
        "facilitator_token",
    }  # fmt: skip
    assert body["title"] == "Housing futures"
    assert len(body["join_code"]) == 6 and body["join_code"].isupper()
    # Links use the server's public address, here its loopback name.
    join_url = f"http://localhost:{server.config.port}/join/{body['join_code']}"
    assert body["join_url"] == join_url
    assert body["rooms"] == [
        {"id": "r1", "name": "Table 1", "join_url": f"{join_url}?room=r1"},
        {"id": "r2", "name": "Table 2", "join_url": f"{join_url}?room=r2"},
        {"id": "r3", "name": "Table 3", "join_url": f"{join_url}?room=r3"},
    ]
    assert body["room_capacity"] == server.config.room_capacity


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc"])
async def test_create_workshop_needs_the_admin_token(
    http: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await http.post(
        "/api/workshops", json={"title": "T", "rooms": ["a"]}, headers=headers
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "detail": "The admin token is missing or wrong.",
    }


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_json"),
        (b'{"title": "", "rooms": ["a"]}', 422, "invalid_field"),
        (b'{"title": "T"}', 422, "invalid_field"),
        (b'{"title": "T", "rooms": []}', 422, "invalid_field"),
        (b'{"title": "T", "rooms": [1]}', 422, "invalid_field"),
        (b'{"title": 5, "rooms": ["a"]}', 422, "invalid_field"),
        (b'{"title": "T", "rooms": ["a"], "room_capacity": 0}', 422, "invalid_field"),
        (b'{"title": "T", "rooms": ["a"], "room_capacity": 2.5}', 422, "invalid_field"),
        (b'{"title": "T", "rooms": ["a"], "room_capacity": true}', 422, "invalid_field"),
        (b'{"title": "T", "rooms": ["a"], "room_capacity": 1001}', 422, "invalid_field"),
    ],
)
async def test_create_workshop_bad_bodies(
    http: httpx.AsyncClient, server: RunningServer, body: bytes, status: int, error: str
) -> None:
    response = await http.post("/api/workshops", content=body, headers=admin(server))
    assert response.status_code == status
    assert response.json()["error"] == error


async def test_join_assigns_the_emptiest_room_that_is_not_full(
    http: httpx.AsyncClient, server: RunningServer, workshop: dict[str, Any]
) -> None:
    rooms = []
    for i in range(4):
        response = await http.post(
            "/api/join", json={"code": workshop["join_code"].lower(), "name": f"P{i}"}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["role"] == "participant"
        assert body["workshop"]["id"] == workshop["id"]
        assert body["participant"]["name"] == f"P{i}"
        rooms.append(body["room"]["id"])
    assert sorted(rooms) == ["r1", "r1", "r2", "r2"]


async def test_join_refuses_when_every_room_is_full(
    http: httpx.AsyncClient, server: RunningServer, workshop: dict[str, Any]
) -> None:
    capacity = server.config.room_capacity
    for i in range(capacity * 2):
        response = await http.post(
            "/api/join", json={"code": workshop["join_code"], "name": str(i)}
        )
        assert response.status_code == 200
    response = await http.post("/api/join", json={"code": workshop["join_code"], "name": "late"})
    assert response.status_code == 409
    assert response.json() == {"error": "workshop_full", "detail": "Every room is full."}


async def test_join_a_named_room(http: httpx.AsyncClient, workshop: dict[str, Any]) -> None:
    response = await http.post(
        "/api/join", json={"code": workshop["join_code"], "name": "Sam", "room": "r2"}
    )
    assert response.json()["room"] == {"id": "r2", "name": "Table 2"}


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"code": "NOPE42", "name": "A"}, 404, "unknown_code"),
        ({"code": None, "name": "A"}, 422, "invalid_field"),
        ({"name": "A"}, 422, "invalid_field"),
        ({"code": "X", "name": "   "}, 422, "invalid_field"),
        ({"code": "X", "name": "n" * 61}, 422, "invalid_field"),
    ],
)
async def test_join_errors(
    http: httpx.AsyncClient, body: dict[str, Any], status: int, error: str
) -> None:
    response = await http.post("/api/join", json=body)
    assert response.status_code == status
    assert response.json()["error"] == error


async def test_join_unknown_room(http: httpx.AsyncClient, workshop: dict[str, Any]) -> None:
    response = await http.post(
        "/api/join", json={"code": workshop["join_code"], "name": "A", "room": "r9"}
    )
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_room"


async def test_join_invalid_json(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/join", content=b'{"code": ')
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_json", "detail": "The body is not valid JSON."}


@pytest.mark.parametrize("role", ["viewer", "observer", "facilitator"])
async def test_facilitator_issues_role_tokens(
    http: httpx.AsyncClient, server: RunningServer, workshop: dict[str, Any], role: str
) -> None:
    response = await http.post(
        f"/api/workshops/{workshop['id']}/tokens",
        json={"role": role},
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
    )
    assert response.status_code == 200
    claims = server.services.signer.verify(response.json()["token"])
    assert (claims.workshop_id, claims.role.value) == (workshop["id"], role)


async def test_tokens_need_this_workshops_facilitator(
    http: httpx.AsyncClient, server: RunningServer, workshop: dict[str, Any]
) -> None:
    other = await server.create_workshop("Other")
    participant = await server.join(workshop["join_code"])
    url = f"/api/workshops/{workshop['id']}/tokens"
    cases = [
        (None, 401, "missing_token"),
        ("v1.forged.token", 401, "invalid_token"),
        (other["facilitator_token"], 403, "forbidden"),
        (participant["token"], 403, "forbidden"),
    ]
    for token, status, error in cases:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await http.post(url, json={"role": "viewer"}, headers=headers)
        assert (response.status_code, response.json()["error"]) == (status, error)


@pytest.mark.parametrize("role", ["participant", "admin", None, 3])
async def test_tokens_reject_bad_roles(
    http: httpx.AsyncClient, workshop: dict[str, Any], role: Any
) -> None:
    response = await http.post(
        f"/api/workshops/{workshop['id']}/tokens",
        json={"role": role},
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_field"


async def test_unknown_path_and_method_are_json(http: httpx.AsyncClient) -> None:
    response = await http.get("/api/nothing")
    assert (response.status_code, response.json()["error"]) == (404, "not_found")
    response = await http.get("/api/join")
    assert (response.status_code, response.json()["error"]) == (405, "method_not_allowed")


async def test_join_pages_are_served(http: httpx.AsyncClient) -> None:
    for path in ("/join", "/join/ABC123", "/admin", "/board"):
        response = await http.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
    assert (await http.get("/", follow_redirects=False)).headers["location"] == "/join"
