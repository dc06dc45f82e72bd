"""Command line: ``board-server [serve]``, ``export``, ``delete``, ``backup`` and ``restore``.

This is the only module that reads argv and the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

from board_server.backup import run_backup, run_restore
from board_server.config import Config
from board_server.export import EXPORT_FORMATS, run_export
from board_server.logs import configure_logging
from board_server.model import Role
from board_server.netaddr import base_url, listens_locally
from board_server.server import build_server
from board_server.services import Services
from board_server.storage.open import store_exists
from board_server.workshop.erasure import delete_stored

_DESCRIPTION = """\
A collaborative board for co-creation workshops. Tablets join with a code
and work on their table's board; everything is kept in the data folder.

  board-server                        serve on this computer only
  board-server --host 0.0.0.0         serve the tablets on this network
  board-server export CODE -o out.md  write a workshop's outcomes
  board-server delete WORKSHOP_ID     delete a workshop and everything of it
  board-server backup ID -o FILE      write a workshop to one file
  board-server restore FILE           load such a file into this server's store
"""

_EPILOG = """\
On start the server prints its links: keep the admin link private, it can
create workshops. More in docs/deployment.md.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="board-server",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="{serve,export,delete,backup,restore}")
    serve = sub.add_parser(
        "serve",
        help="run the server (what board-server does with no command)",
        description="Run the server until Ctrl+C or SIGTERM.",
    )
    _add_serve_options(serve)
    export = sub.add_parser(
        "export",
        help="write a workshop's outcomes to a file",
        description="Write a workshop's outcomes: the report, spreadsheets or data. "
        "It can run while the server is running. Hidden notes, notes that stay in "
        "their room and private drafts are never in it.",
    )
    export.add_argument("workshop", metavar="WORKSHOP", help="the workshop's join code or id")
    export.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        default="md",
        help="md or pdf (the report), csv (notes, links and action cards: three "
        "files), svg (each room's board and system map) or json (everything, as "
        "docs/export.schema.json describes)",
    )
    export.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="the file to write, or - for standard output; for csv and svg a "
        "folder, or a name ending in .zip",
    )
    export.add_argument(
        "--include-names",
        action="store_true",
        help="name each note's writer, if the workshop chose named notes (never otherwise)",
    )
    _add_store_options(export)
    delete = sub.add_parser(
        "delete",
        help="delete a workshop and everything kept of it",
        description="Delete a workshop with its boards, names, drafts, votes and activity "
        "list. With --redis-url the running processes close its connections at once; "
        "a running SQLite server does within seconds (the DELETE endpoint is quicker).",
    )
    delete.add_argument("workshop", metavar="WORKSHOP_ID", help="the workshop's id")
    _add_store_options(delete)
    _add_backup_commands(sub)
    return parser


def _add_backup_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser(
        "backup",
        help="write a workshop, with everything kept of it, to one file",
        description="Write a workshop to one file that restore loads into any server: its "
        "boards, names, control state, votes, drafts, hidden notes and activity list. "
        "Keep the file like the database. It can run while the server is running.",
    )
    backup.add_argument("workshop", metavar="WORKSHOP_ID", help="the workshop's id")
    backup.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    _add_store_options(backup)
    restore = sub.add_parser(
        "restore",
        help="load a workshop from a backup file",
        description="Load a workshop into this store from a file that backup wrote. "
        "Tokens of the old server open it only if this one uses the same --secret.",
    )
    restore.add_argument("file", metavar="FILE", help="the backup file")
    restore.add_argument(
        "--replace",
        action="store_true",
        help="delete the workshop of the same id first, if this store has it (stop the "
        "servers that serve it first, or delete it with board-server delete)",
    )
    _add_store_options(restore)


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where workshops are kept (default ./board-data, or $BOARD_DATA_DIR)",
    )
    parser.add_argument(
        "--redis-url",
        default=None,
        metavar="URL",
        help="keep workshops in Redis instead, e.g. redis://127.0.0.1:6379/0, so "
        "that several processes can serve one workshop (or $BOARD_REDIS_URL)",
    )
    parser.add_argument(
        "--redis-prefix",
        default=None,
        metavar="PREFIX",
        help="start of every Redis key (default board:, or $BOARD_REDIS_PREFIX)",
    )


def _add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on: 127.0.0.1 (the default) serves this "
        "computer only; 0.0.0.0 serves tablets on the network",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port to listen on (0: any free port)",
    )
    parser.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="the address tablets use, for links and QR codes, e.g. "
        "https://board.example.org behind a proxy (or $BOARD_PUBLIC_URL)",
    )
    _add_store_options(parser)
    parser.add_argument(
        "--admin-token",
        default=None,
        metavar="TOKEN",
        help="the admin link's token (default: made once, kept in the "
        "data folder, or in Redis with --redis-url; or $BOARD_ADMIN_TOKEN)",
    )
    parser.add_argument(
        "--secret",
        default=None,
        help="the key that signs every token (default: made once, kept in "
        "the data folder, or in Redis with --redis-url; or $BOARD_SECRET)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="also create a demo workshop with four tables and print its links",
    )
    parser.add_argument(
        "--idle-unload-seconds",
        type=float,
        default=Config.idle_unload_seconds,
        metavar="SECONDS",
        help="free a board's memory this long after its last tablet leaves",
    )
    parser.add_argument(
        "--seat-grace-seconds",
        type=float,
        default=Config.seat_grace_seconds,
        metavar="SECONDS",
        help="give back a seat whose tablet joined but never connected "
        "after this long (default 300)",
    )
    parser.add_argument(
        "--awareness-timeout-seconds",
        type=float,
        default=Config.awareness_timeout_seconds,
        metavar="SECONDS",
        help="with --redis-url: drop presence from another process that has not "
        "been renewed for this long, because that process died (default 30)",
    )
    parser.add_argument(
        "--retention-days",
        type=float,
        default=None,
        metavar="DAYS",
        help="delete a workshop nobody has used for this many days (default: keep "
        "every workshop until it is deleted; or $BOARD_RETENTION_DAYS)",
    )
    parser.add_argument(
        "--log-level",
        default=Config.log_level,
        choices=["debug", "info", "warning", "error"],
        help="how much to log",
    )


def _public_url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"--public-url must look like https://board.example.org, not {value!r}")
    return value.rstrip("/")


def config_from(args: argparse.Namespace, env: dict[str, str]) -> Config:
    """Map parsed options, then env vars, onto the Config dataclass."""
    data_dir = args.data_dir or Path(env.get("BOARD_DATA_DIR") or Config.data_dir)
    redis_url = args.redis_url or env.get("BOARD_REDIS_URL") or None
    redis_prefix = args.redis_prefix or env.get("BOARD_REDIS_PREFIX") or Config.redis_prefix
    if args.command in ("export", "delete", "backup", "restore"):
        return Config(data_dir=data_dir, redis_url=redis_url, redis_prefix=redis_prefix)
    return Config(
        host=args.host,
        port=args.port,
        public_url=_public_url(args.public_url or env.get("BOARD_PUBLIC_URL")),
        data_dir=data_dir,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        admin_token=args.admin_token or env.get("BOARD_ADMIN_TOKEN") or None,
        secret=args.secret or env.get("BOARD_SECRET") or None,
        demo=args.demo,
        idle_unload_seconds=args.idle_unload_seconds,
        seat_grace_seconds=args.seat_grace_seconds,
        awareness_timeout_seconds=args.awareness_timeout_seconds,
        retention_days=_retention_days(args.retention_days, env.get("BOARD_RETENTION_DAYS")),
        log_level=args.log_level,
    )


def _retention_days(given: float | None, env: str | None) -> float | None:
    if given is None and env:
        try:
            given = float(env)
        except ValueError:
            detail = f"BOARD_RETENTION_DAYS must be a number of days, not {env!r}"
            raise ValueError(detail) from None
    if given is not None and not given > 0:
        raise ValueError(f"--retention-days must be more than 0, not {given}")
    return given


def _port_note(config: Config) -> str:
    """Where the server listens, when the public address does not say it."""
    if config.http_url.endswith(f":{config.port}"):
        return ""
    return f" (port {config.port} on {config.host})"


async def _announce(services: Services) -> None:
    """Print the links a facilitator needs, Jupyter-style, to stdout."""
    config = services.config
    lines = [
        f"Board server running at {config.http_url}{_port_note(config)}",
        f"Admin (keep this link private): {config.http_url}/admin?token={config.admin_token}",
    ]
    if listens_locally(config.host) and config.http_url == base_url("localhost", config.port):
        lines.append(
            "Only this computer can open these links. For tablets on the same Wi-Fi, "
            "start with --host 0.0.0.0 (make run HOST=0.0.0.0)."
        )
    if config.demo:
        workshop, facilitator = await services.workshops.ensure_demo()
        viewer = services.workshops.token_for(workshop.id, Role.VIEWER)
        observer = services.workshops.token_for(workshop.id, Role.OBSERVER)
        lines += [
            f"Demo workshop '{workshop.title}' (id {workshop.id})",
            f"  Join code: {workshop.join_code}",
            f"  Join link: {config.http_url}/join/{workshop.join_code}",
            f"  Facilitator console (private): {config.http_url}/facilitate"
            f"#workshop={workshop.id}&token={facilitator}",
            f"  Wall display: {config.http_url}/wall#workshop={workshop.id}&token={viewer}",
            f"  Observers: {config.http_url}/observe#workshop={workshop.id}&token={observer}",
        ]
        lines += [
            f"  {room.name}: {config.http_url}/join/{workshop.join_code}?room={room.id}"
            for room in workshop.rooms
        ]
    print("\n".join(lines), flush=True)


def serve(config: Config) -> None:
    """Run one server process until SIGINT or SIGTERM."""
    configure_logging(config.log_level)
    server, sock, _ = build_server(config, on_ready=_announce)
    # uvicorn re-raises the stop signal after its graceful shutdown; these
    # handlers, which it restores first, turn that into a clean exit 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _exit_cleanly)
    server.run(sockets=[sock])


def _exit_cleanly(signum: int, frame: object) -> None:
    sys.exit(0)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``board-server`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["serve", *argv]
    parser = _parser()
    args = parser.parse_args(argv)
    env = dict(os.environ)
    try:
        config = config_from(args, env)
    except ValueError as exc:
        parser.error(str(exc))
    if args.command == "export":
        sys.exit(
            run_export(
                config, args.workshop, args.format, args.output, include_names=args.include_names
            )
        )
    if args.command == "delete":
        sys.exit(run_delete(config, args.workshop))
    if args.command == "backup":
        sys.exit(run_backup(config, args.workshop, args.output))
    if args.command == "restore":
        sys.exit(run_restore(config, args.file, replace=args.replace))
    serve(config)


def run_delete(config: Config, workshop_id: str) -> int:
    """``board-server delete``: 0 once deleted, 2 if there is no such workshop."""
    if not store_exists(config):
        print(f"error: no workshops are kept in {config.data_dir.resolve()}: "
              "pass the server's --data-dir", file=sys.stderr)  # fmt: skip
        return 2
    if not asyncio.run(delete_stored(config, workshop_id)):
        print(f"error: no workshop has the id {workshop_id!r}", file=sys.stderr)
        return 2
    print(f"Deleted workshop {workshop_id} and everything kept of it.")
    return 0


if __name__ == "__main__":
    main()
