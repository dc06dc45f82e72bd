"""One error family for every refusal, and every WebSocket close code.

Domain code raises ``BoardError(code, detail)``: a stable, machine-readable
code and a plain-language detail for people. The API layer maps the code to
an HTTP status (``api.errors``), and the command channel will map it to a
command reply. Close codes live here too, so that the table in
docs/protocol.md has one source.
"""

from __future__ import annotations

import enum


class BoardError(Exception):
    """A request the server refuses: a stable code and a plain-language detail."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class Close(enum.IntEnum):
    """WebSocket close codes the server sends (docs/protocol.md, "Close codes").

    y-websocket reconnects after any code except 4400-4499, on which the
    board client stops and says why.
    """

    NORMAL = 1000
    GOING_AWAY = 1001  # the room was unloaded (idle) or the process is stopping
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003  # a text frame
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    # "Try again later": the client was too slow, or the room could not keep
    # an update; reconnecting resyncs it, and it resends what the room lost.
    TRY_AGAIN_LATER = 1013
    BAD_FRAME = 4400
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    NOT_FOUND = 4404
    TOO_LARGE = 4413  # an awareness state over its limit, or too many of them
    INVALID_UPDATE = 4422
