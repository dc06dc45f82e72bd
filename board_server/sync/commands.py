"""The command channel's envelope (message type 100): requests, replies and pushes.

Pure: msgpack in and out, strict about what it accepts, no I/O. What each
command means lives in ``board_server.workshop``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgpack

from board_server.sync.protocol import ProtocolError, encode_board

MAX_BODY = 64 * 1024
# Deep enough for any command's arguments, shallow enough that a hostile
# body cannot make the unpacker recurse for long.
_MAX_DEPTH = 8


@dataclass(frozen=True)
class Request:
    """A command from a client: its id (echoed in the reply), name and arguments."""

    id: int
    cmd: str
    args: dict[str, Any]


class BadRequest(Exception):
    """A request with a usable id but a bad command or arguments: answered ``invalid``."""

    def __init__(self, request_id: int, detail: str) -> None:
        super().__init__(detail)
        self.request_id = request_id
        self.detail = detail


def _depth(value: Any, level: int = 0) -> int:
    if level > _MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def parse_request(body: bytes) -> Request:
    """The request in a type-100 body.

    Raises ProtocolError when there is nothing to answer (not a msgpack map,
    no integer id, too big): the connection is closed. Raises BadRequest
    when the id is usable but the rest is not: the client gets ``invalid``.
    """
    if len(body) > MAX_BODY:
        raise ProtocolError(f"command over {MAX_BODY} bytes")
    try:
        message = msgpack.unpackb(body, raw=False, strict_map_key=False, max_bin_len=MAX_BODY)
    except (ValueError, msgpack.UnpackException, TypeError, RecursionError):
        raise ProtocolError("malformed command: not msgpack") from None
    if not isinstance(message, dict):
        raise ProtocolError("malformed command: not a map")
    request_id = message.get("id")
    if not isinstance(request_id, int) or isinstance(request_id, bool):
        raise ProtocolError("malformed command: no integer id")
    cmd = message.get("cmd")
    if not isinstance(cmd, str) or not cmd:
        raise BadRequest(request_id, "The command has no name.")
    args = message.get("args", {})
    if args is None:
        args = {}
    if not isinstance(args, dict) or not all(isinstance(key, str) for key in args):
        raise BadRequest(request_id, "The command's args must be a map with text keys.")
    if _depth(args) > _MAX_DEPTH:
        raise BadRequest(request_id, "The command's args are nested too deeply.")
    return Request(request_id, cmd, args)


def _pack(message: dict[str, Any]) -> bytes:
    return encode_board(msgpack.packb(message, use_bin_type=True))


def encode_reply(request_id: int, result: dict[str, Any]) -> bytes:
    """A type-100 frame answering a request that succeeded."""
    return _pack({"re": request_id, "ok": True, "result": result})


def encode_error(request_id: int, code: str, detail: str) -> bytes:
    """A type-100 frame refusing a request; ``code`` is one of the documented error codes."""
    return _pack({"re": request_id, "ok": False, "error": code, "detail": detail})


def encode_push(event: str, data: dict[str, Any]) -> bytes:
    """A type-100 frame pushing an event to a connection that said hello."""
    return _pack({"event": event, "data": data})
