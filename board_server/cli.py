"""Command line: ``board-server [serve]`` and ``board-server export``.

This is the only module that reads argv and the environment.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from board_server.config import Config
from board_server.logs import configure_logging
from board_server.server import build_server
from board_server.services import Services


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="board-server", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the server (the default)")
    _add_serve_options(serve)
    export = sub.add_parser("export", help="write a workshop's outcomes to a file")
    export.add_argument("workshop_id")
    export.add_argument("--format", choices=["md", "csv", "json", "svg", "pdf"], default="md")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.add_argument("--data-dir", type=Path, default=None)
    export.add_argument("--redis-url", default=None)
    return parser


def _add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--admin-token", default=None)
    parser.add_argument("--secret", default=None, help="token signing key")
    parser.add_argument("--demo", action="store_true", help="create a demo workshop")
    parser.add_argument("--idle-unload-seconds", type=float, default=Config.idle_unload_seconds)
    parser.add_argument("--log-level", default=Config.log_level)


def config_from(args: argparse.Namespace, env: dict[str, str]) -> Config:
    """Map parsed options, then env vars, onto the Config dataclass."""
    data_dir = args.data_dir or Path(env.get("BOARD_DATA_DIR") or Config.data_dir)
    redis_url = args.redis_url or env.get("BOARD_REDIS_URL") or None
    if args.command == "export":
        return Config(data_dir=data_dir, redis_url=redis_url)
    return Config(
        host=args.host,
        port=args.port,
        data_dir=data_dir,
        redis_url=redis_url,
        admin_token=args.admin_token or env.get("BOARD_ADMIN_TOKEN") or None,
        secret=args.secret or env.get("BOARD_SECRET") or None,
        demo=args.demo,
        idle_unload_seconds=args.idle_unload_seconds,
        log_level=args.log_level,
    )


async def _announce(services: Services) -> None:
    """Print the links a facilitator needs, Jupyter-style, to stdout."""
    config = services.config
    lines = [
        f"Board server running at {config.http_url}",
        f"Admin (keep this link private): {config.http_url}/admin?token={config.admin_token}",
    ]
    if config.demo:
        workshop, _ = await services.workshops.ensure_demo()
        lines += [
            f"Demo workshop '{workshop.title}' (id {workshop.id})",
            f"  Join code: {workshop.join_code}",
            f"  Join link: {config.http_url}/join/{workshop.join_code}",
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
    config = config_from(args, env)
    if config.redis_url:
        parser.error("--redis-url / BOARD_REDIS_URL: the Redis store is not available yet")
    if args.command == "export":
        from board_server.export import run_export

        sys.exit(run_export(config, args.workshop_id, args.format, args.output))
    serve(config)


if __name__ == "__main__":
    main()
