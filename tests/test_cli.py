"""The command line: options and env vars map onto Config; clear refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from rediskit import REDIS_URL, delete_prefix
from serverproc import ServerProcess

from board_server.cli import _parser, config_from
from board_server.config import Config


def test_options_map_onto_config() -> None:
    args = _parser().parse_args(
        ["serve", "--host", "0.0.0.0", "--port", "9000", "--data-dir", "/tmp/x", "--demo"]
    )
    config = config_from(args, {})
    assert (config.host, config.port, config.data_dir, config.demo) == (
        "0.0.0.0",
        9000,
        Path("/tmp/x"),
        True,
    )
    assert config.admin_token is None and config.secret is None


def test_env_vars_fill_in_what_options_leave_out() -> None:
    env = {
        "BOARD_DATA_DIR": "/srv/board",
        "BOARD_ADMIN_TOKEN": "adm",
        "BOARD_SECRET": "sec",
        "BOARD_REDIS_URL": "redis://127.0.0.1:6379/0",
        "BOARD_REDIS_PREFIX": "hall2:",
    }
    config = config_from(_parser().parse_args(["serve"]), env)
    assert config.data_dir == Path("/srv/board")
    assert (config.admin_token, config.secret) == ("adm", "sec")
    assert (config.redis_url, config.redis_prefix) == ("redis://127.0.0.1:6379/0", "hall2:")
    options_win = config_from(_parser().parse_args(["serve", "--secret", "cli"]), env)
    assert options_win.secret == "cli"


def test_defaults_match_the_contract() -> None:
    config = config_from(_parser().parse_args(["serve"]), {})
    assert config == Config()
    assert (config.host, config.port, config.data_dir) == ("127.0.0.1", 8000, Path("board-data"))


def test_secrets_never_appear_in_repr() -> None:
    config = Config(admin_token="adm-secret-1", secret="sign-secret-2")
    assert "adm-secret-1" not in repr(config) and "sign-secret-2" not in repr(config)


@pytest.mark.redis
async def test_redis_mode_processes_share_tokens_and_keep_nothing_on_disk(
    tmp_path: Path, spawn: Callable[[], ServerProcess]
) -> None:
    prefix = f"test:{tmp_path.name}:"
    redis_args = ["--redis-url", REDIS_URL, "--redis-prefix", prefix]
    first, second = spawn(), spawn()
    try:
        await first.start(None, extra_args=redis_args, cwd=tmp_path)
        await second.start(None, extra_args=redis_args, cwd=tmp_path)
        # One admin token for the deployment, made once and kept in Redis.
        assert first.admin_token and first.admin_token == second.admin_token
        # Both serve the one demo workshop, and a token from one opens the other.
        assert first.join_code == second.join_code
        async with httpx.AsyncClient(timeout=10) as http:
            joined = await http.post(
                f"{first.http_url}/api/join", json={"code": first.join_code, "name": "Ana"}
            )
            assert joined.status_code == 200
            token = joined.json()["token"]
            left = await http.post(
                f"{second.http_url}/api/leave", headers={"Authorization": f"Bearer {token}"}
            )
            assert left.status_code == 204
        assert not (tmp_path / "board-data").exists()
    finally:
        await delete_prefix(prefix)


def test_retention_days_come_from_the_option_or_the_env_var() -> None:
    assert config_from(_parser().parse_args(["serve"]), {}).retention_days is None
    from_env = config_from(_parser().parse_args(["serve"]), {"BOARD_RETENTION_DAYS": "90"})
    assert from_env.retention_days == 90.0
    option_wins = _parser().parse_args(["serve", "--retention-days", "30"])
    assert config_from(option_wins, {"BOARD_RETENTION_DAYS": "90"}).retention_days == 30.0
    for args, env in ((["--retention-days", "0"], {}), ([], {"BOARD_RETENTION_DAYS": "soon"})):
        with pytest.raises(ValueError):
            config_from(_parser().parse_args(["serve", *args]), env)


def test_delete_takes_a_workshop_id_and_the_store_options() -> None:
    args = _parser().parse_args(["delete", "w123", "--data-dir", "/srv/board"])
    assert (args.command, args.workshop) == ("delete", "w123")
    assert config_from(args, {}) == Config(data_dir=Path("/srv/board"))
