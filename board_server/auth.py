"""Signed tokens, roles and capability checks.

A token is ``v1.<payload>.<mac>``: a base64url msgpack payload and its
HMAC-SHA256 under the server secret. Tokens are stateless, so every process
that shares the secret accepts every token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass

import msgpack

from board_server.errors import BoardError
from board_server.model import Role

_VERSION = "v1"


class AuthError(BoardError):
    """A token was missing, malformed, forged, expired or not allowed here."""


@dataclass(frozen=True)
class Claims:
    """What a token says about its holder."""

    workshop_id: str
    role: Role
    participant_id: str
    room_id: str | None
    expires: float

    def may_enter(self, room_id: str) -> bool:
        """Whether the holder may open this room of its workshop."""
        if self.role is Role.PARTICIPANT:
            return self.room_id == room_id
        return True


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Issues and verifies tokens with one secret."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode("utf-8")).digest()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def issue(
        self,
        workshop_id: str,
        role: Role,
        participant_id: str,
        room_id: str | None,
        ttl: float,
    ) -> str:
        """A token for this holder, valid for ttl seconds."""
        expires = int(time.time() + ttl)
        payload = msgpack.packb([workshop_id, role.value, participant_id, room_id, expires])
        return f"{_VERSION}.{_b64encode(payload)}.{_b64encode(self._mac(payload))}"

    def verify(self, token: str | None) -> Claims:
        """The token's claims. Raises AuthError if it is missing, forged or expired."""
        if not token:
            raise AuthError("missing_token", "A token is required.")
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            raise AuthError("invalid_token", "The token is malformed.")
        try:
            payload = _b64decode(parts[1])
            mac = _b64decode(parts[2])
        except (binascii.Error, ValueError):
            raise AuthError("invalid_token", "The token is malformed.") from None
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise AuthError("invalid_token", "The token signature is not valid.")
        try:
            workshop_id, role, participant_id, room_id, expires = msgpack.unpackb(payload)
            claims = Claims(workshop_id, Role(role), participant_id, room_id, float(expires))
        except (ValueError, TypeError, msgpack.UnpackException):
            raise AuthError("invalid_token", "The token is malformed.") from None
        if claims.expires < time.time():
            raise AuthError("expired_token", "The token has expired; join again.")
        return claims


def check_admin(expected: str, given: str | None) -> bool:
    """Constant-time comparison of the admin token."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def bearer(authorization: str | None) -> str | None:
    """The token from an ``Authorization: Bearer`` header, if any."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
