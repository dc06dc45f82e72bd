"""The parts one server process wires together, shared by every endpoint."""

from __future__ import annotations

from dataclasses import dataclass

from board_server.auth import TokenSigner
from board_server.config import Config
from board_server.rooms import RoomRegistry
from board_server.storage import Store
from board_server.storage.open import Backend
from board_server.workshop import CommandHub, WorkshopService
from board_server.workshop.erasure import Eraser


@dataclass(frozen=True)
class Services:
    """Everything a request handler may need; built once in the app's lifespan."""

    config: Config
    backend: Backend
    store: Store
    signer: TokenSigner
    workshops: WorkshopService
    rooms: RoomRegistry
    commands: CommandHub
    eraser: Eraser
