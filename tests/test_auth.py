"""Signed tokens: round trip, expiry, forgery, and capability rules."""

from __future__ import annotations

import pytest

from board_server.auth import AuthError, TokenSigner, bearer, check_admin
from board_server.model import Role


def test_round_trip_carries_every_claim() -> None:
    signer = TokenSigner("s3cret")
    token = signer.issue("w1", Role.PARTICIPANT, "p1", "r2", ttl=60)
    claims = signer.verify(token)
    assert (claims.workshop_id, claims.role, claims.participant_id, claims.room_id) == (
        "w1",
        Role.PARTICIPANT,
        "p1",
        "r2",
    )
    assert claims.may_enter("r2") is True
    assert claims.may_enter("r1") is False


def test_other_roles_may_enter_any_room() -> None:
    signer = TokenSigner("s3cret")
    for role in (Role.FACILITATOR, Role.VIEWER, Role.OBSERVER):
        claims = signer.verify(signer.issue("w1", role, "x", None, ttl=60))
        assert claims.may_enter("r7") is True
    assert Role.VIEWER.read_only and Role.OBSERVER.read_only
    assert not Role.PARTICIPANT.read_only and not Role.FACILITATOR.read_only


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (None, "missing_token"),
        ("", "missing_token"),
        ("abc", "invalid_token"),
        ("v2.aaa.bbb", "invalid_token"),
        ("v1.!!!.###", "invalid_token"),
    ],
)
def test_malformed_tokens(token: str | None, code: str) -> None:
    with pytest.raises(AuthError) as info:
        TokenSigner("s3cret").verify(token)
    assert info.value.code == code


def test_token_from_another_secret_is_forged() -> None:
    token = TokenSigner("other").issue("w1", Role.FACILITATOR, "p", None, ttl=60)
    with pytest.raises(AuthError) as info:
        TokenSigner("s3cret").verify(token)
    assert info.value.code == "invalid_token"


def test_tampered_payload_is_forged() -> None:
    signer = TokenSigner("s3cret")
    version, _payload, mac = signer.issue("w1", Role.VIEWER, "p", None, ttl=60).split(".")
    other = signer.issue("w1", Role.FACILITATOR, "p", None, ttl=60).split(".")[1]
    with pytest.raises(AuthError) as info:
        signer.verify(f"{version}.{other}.{mac}")
    assert info.value.code == "invalid_token"


def test_expired_token() -> None:
    signer = TokenSigner("s3cret")
    with pytest.raises(AuthError) as info:
        signer.verify(signer.issue("w1", Role.PARTICIPANT, "p", "r1", ttl=-5))
    assert info.value.code == "expired_token"


def test_bearer_and_admin_check() -> None:
    assert bearer("Bearer abc") == "abc"
    assert bearer("bearer  abc ") == "abc"
    assert bearer("Basic abc") is None
    assert bearer(None) is None
    assert check_admin("tok", "tok") is True
    assert check_admin("tok", "tok2") is False
    assert check_admin("tok", None) is False
