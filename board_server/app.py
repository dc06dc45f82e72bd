"""The Starlette application factory: wires store, rooms, workshops and routes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from board_server.api import http, qr, ws
from board_server.api.errors import board_error_handler, http_error_handler
from board_server.auth import TokenSigner
from board_server.config import Config
from board_server.errors import BoardError
from board_server.rooms import RoomRegistry
from board_server.services import Services
from board_server.storage.open import open_backend
from board_server.workshop import CommandHub, WorkshopService
from board_server.workshop.erasure import Eraser
from board_server.workshop.retention import Retention

logger = logging.getLogger("board.server")

STATIC_DIR = Path(__file__).parent / "static"

ReadyHook = Callable[[Services], Awaitable[None]]


def _page(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def page(request: Request) -> Response:
        return FileResponse(STATIC_DIR / name, headers={"Cache-Control": "no-cache"})

    return page


async def _home(request: Request) -> Response:
    return RedirectResponse("/join")


def create_app(config: Config, *, on_ready: ReadyHook | None = None) -> Starlette:
    """Build the app. Secrets must already be filled in (see storage.open.resolve_secrets)."""
    if not config.secret or not config.admin_token:
        raise ValueError("config needs secret and admin_token; call resolve_secrets() first")
    secret = config.secret

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        backend = open_backend(config)
        await backend.start()
        store = backend.store
        signer = TokenSigner(secret)
        workshops = WorkshopService(
            store,
            signer,
            token_ttl=config.token_ttl_seconds,
            room_capacity=config.room_capacity,
            seat_grace=config.seat_grace_seconds,
        )
        commands = CommandHub(store, backend.bus, workshops, public_url=config.http_url)
        rooms = RoomRegistry(
            store,
            backend.bus,
            idle_seconds=config.idle_unload_seconds,
            compact_threshold=config.compact_threshold,
            awareness_timeout=config.awareness_timeout_seconds,
            commands=commands,
        )
        commands.serve(rooms)
        await commands.start()
        eraser = Eraser(store, backend.bus, workshops, commands, rooms)
        await eraser.start()
        retention = None
        if config.retention_days is not None:
            retention = Retention(
                store,
                eraser,
                days=config.retention_days,
                interval=config.retention_sweep_seconds,
            )
            await retention.start()
        services = Services(
            config=config,
            backend=backend,
            store=store,
            signer=signer,
            workshops=workshops,
            rooms=rooms,
            commands=commands,
            eraser=eraser,
        )
        app.state.services = services
        try:
            if on_ready is not None:
                await on_ready(services)
            yield
        finally:
            if retention is not None:
                await retention.close()
            await eraser.close()
            await commands.close()
            await rooms.close()
            await backend.close()
            logger.info("stopped; every room persisted")

    routes: list[BaseRoute] = [
        *http.routes,
        *qr.routes,
        *ws.routes,
        Route("/", _home),
        Route("/join", _page("join.html")),
        Route("/join/{code}", _page("join.html")),
        Route("/admin", _page("admin.html")),
        Route("/board", _page("board.html")),
        Route("/facilitate", _page("facilitate.html")),
        Route("/wall", _page("wall.html")),
        Route("/observe", _page("observe.html")),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            BoardError: board_error_handler,
            HTTPException: http_error_handler,
        },
    )
