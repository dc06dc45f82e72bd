#!/usr/bin/env python3
"""Render board.conf.template for N board-server processes, to standard output.

    python3 deploy/nginx/render.py --listen 80 --log-dir /var/log/nginx \\
        127.0.0.1:8101 127.0.0.1:8102 127.0.0.1:8103 > /etc/nginx/conf.d/board.conf

Only the ${BOARD_...} placeholders are filled in; nginx's own $variables are
left as they are. Standard library only, so that any python3 runs it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).with_name("board.conf.template")
# Passive health of each process; docs/deployment.md explains the numbers.
SERVER_LINE = "    server {address} max_fails=2 fail_timeout=10s;"
_ADDRESS = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$|^unix:/\S+$")
_LEFT_OVER = re.compile(r"\$\{BOARD_[A-Z_]+\}")


class RenderError(ValueError):
    """An argument that would make a broken config, or a placeholder left unfilled."""


def render(listen: str, servers: list[str], log_dir: str, template: str | None = None) -> str:
    """The config for these upstream addresses (HOST:PORT or unix:/path)."""
    if not servers:
        raise RenderError("at least one server address is needed")
    for address in servers:
        if not _ADDRESS.match(address):
            raise RenderError(f"{address!r} is not HOST:PORT or unix:/path")
    for name, value in (("listen", listen), ("log dir", log_dir)):
        if not value or any(c in value for c in ";{}\n\"'") or value != value.strip():
            raise RenderError(f"the {name} {value!r} cannot go into an nginx config")
    text = TEMPLATE.read_text(encoding="utf-8") if template is None else template
    rendered = Template(text).safe_substitute(
        BOARD_LISTEN=listen,
        BOARD_SERVERS="\n".join(SERVER_LINE.format(address=a) for a in servers),
        BOARD_LOG_DIR=log_dir.rstrip("/") or "/",
    )
    left = _LEFT_OVER.findall(rendered)
    if left:
        raise RenderError(f"the template has placeholders this renderer does not know: {left}")
    return rendered


def main(argv: list[str] | None = None) -> int:
    """Command line: print the rendered config, or the reason it cannot be made."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", required=True, help="nginx's listen address, e.g. 80")
    parser.add_argument("--log-dir", default="/var/log/nginx", help="where the access log goes")
    parser.add_argument("servers", nargs="+", metavar="HOST:PORT", help="each process's address")
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(render(args.listen, args.servers, args.log_dir))
    except RenderError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
