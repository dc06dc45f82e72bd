"""The command line: options and env vars map onto Config; clear refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    }
    config = config_from(_parser().parse_args(["serve"]), env)
    assert config.data_dir == Path("/srv/board")
    assert (config.admin_token, config.secret) == ("adm", "sec")
    assert config.redis_url == "redis://127.0.0.1:6379/0"
    options_win = config_from(_parser().parse_args(["serve", "--secret", "cli"]), env)
    assert options_win.secret == "cli"


def test_defaults_match_the_contract() -> None:
    config = config_from(_parser().parse_args(["serve"]), {})
    assert config == Config()
    assert (config.host, config.port, config.data_dir) == ("127.0.0.1", 8000, Path("board-data"))


def test_secrets_never_appear_in_repr() -> None:
    config = Config(admin_token="adm-secret-1", secret="sign-secret-2")
    assert "adm-secret-1" not in repr(config) and "sign-secret-2" not in repr(config)


def test_redis_url_is_refused_clearly_until_the_redis_store_exists(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "board_server.cli", "--redis-url", "redis://127.0.0.1:6379"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "the Redis store is not available yet" in result.stderr
    assert not (tmp_path / "board-data").exists()
