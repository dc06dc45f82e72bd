"""Server configuration: one frozen dataclass.

Only cli.py reads the command line and the environment; everything else gets
a Config.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

from board_server.netaddr import base_url


@dataclass(frozen=True)
class Config:
    """Every setting of a server process. Secrets are kept out of repr()."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("board-data")
    redis_url: str | None = None
    # Every Redis key and channel starts with this (storage/keys.py).
    redis_prefix: str = "board:"
    # The address in every link the server prints or serves; without it,
    # server.build_server works one out from the host and the network.
    public_url: str | None = None
    admin_token: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    demo: bool = False
    # Tuning; the defaults suit a hall of 65 tablets.
    idle_unload_seconds: float = 30.0
    max_message_bytes: int = 4 * 1024 * 1024
    send_queue_limit: int = 512
    token_ttl_seconds: float = 3 * 24 * 3600.0
    compact_threshold: int = 500
    commit_interval: float = 0.05
    room_capacity: int = 10
    # A seat taken by a join whose tablet never connects is given back after
    # this long; a tablet that has connected keeps its seat until it leaves.
    seat_grace_seconds: float = 300.0
    # A WebSocket ping every ping_interval seconds; a socket that does not
    # answer within as long again is closed with 1011.
    ping_interval: float = 20.0
    # Presence from another process that is not renewed for this long is
    # dropped (that process died); clients renew theirs every 15 s.
    awareness_timeout_seconds: float = 30.0
    # Redis mode: updates kept while Redis is unreachable, at most this many
    # bytes; past it, the rooms that cannot log close their clients with 1013.
    redis_buffer_bytes: int = 16 * 1024 * 1024
    # Delete a workshop nobody has used for this many days (None: keep every
    # workshop until it is deleted); the sweep runs at start and then this often.
    retention_days: float | None = None
    retention_sweep_seconds: float = 3600.0
    log_level: str = "info"

    @property
    def http_url(self) -> str:
        """Base URL of every link the server prints or serves, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return base_url("localhost", self.port)


def _load_or_create(path: Path, nbytes: int) -> str:
    """Read a secret kept in the data dir, creating it (mode 0600) on first use."""
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        value = ""
    if value:
        return value
    value = secrets.token_urlsafe(nbytes)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value


def with_secrets(config: Config) -> Config:
    """Fill in the admin token and signing secret from the data dir if not given."""
    admin = config.admin_token or _load_or_create(config.data_dir / "admin_token", 24)
    secret = config.secret or _load_or_create(config.data_dir / "secret", 32)
    return replace(config, admin_token=admin, secret=secret)
