"""Binding the socket and building the uvicorn server, for the CLI and tests."""

from __future__ import annotations

import socket
from dataclasses import replace

import uvicorn

from board_server.api.socket import BoardSocketProtocol
from board_server.app import ReadyHook, create_app
from board_server.config import Config
from board_server.netaddr import public_base_url
from board_server.storage.open import resolve_secrets


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one. Clients may connect at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def build_server(
    config: Config, *, on_ready: ReadyHook | None = None
) -> tuple[uvicorn.Server, socket.socket, Config]:
    """Bind, fill in secrets, the real port and the links' address, and build the server."""
    config = resolve_secrets(config)
    sock = bind_socket(config.host, config.port)
    port = sock.getsockname()[1]
    config = replace(
        config, port=port, public_url=config.public_url or public_base_url(config.host, port)
    )
    app = create_app(config, on_ready=on_ready)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            # uvicorn's sans-I/O protocol plus the board fast path;
            # permessage-deflate costs CPU per frame and updates are small.
            ws=BoardSocketProtocol,
            ws_per_message_deflate=False,
            ws_max_size=config.max_message_bytes,
            ws_ping_interval=config.ping_interval,
            ws_ping_timeout=config.ping_interval,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
    )
    return server, sock, config
