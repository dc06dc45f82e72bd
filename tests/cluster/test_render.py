"""deploy/nginx/render.py, run as an operator runs it."""

from __future__ import annotations

import asyncio
import sys

from nginxproc import RENDER


async def render(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(RENDER), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(10):
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_render_fills_in_the_processes_and_leaves_nginx_variables_alone() -> None:
    code, config, _ = await render(
        "--listen", "0.0.0.0:80", "--log-dir", "/var/log/board/", "10.0.0.2:8101", "[::1]:8102"
    )
    assert code == 0
    lines = [line.strip() for line in config.splitlines()]
    assert [line for line in lines if line.startswith("server ") and ":" in line] == [
        "server 10.0.0.2:8101 max_fails=2 fail_timeout=10s;",
        "server [::1]:8102 max_fails=2 fail_timeout=10s;",
    ]
    assert "listen 0.0.0.0:80;" in lines
    assert "access_log /var/log/board/board.access.log board_no_query;" in lines
    assert "proxy_set_header Upgrade $http_upgrade;" in lines
    assert "add_header X-Upstream $upstream_addr always;" in lines
    assert "${" not in config


async def test_render_refuses_what_would_break_the_config() -> None:
    code, out, err = await render("--listen", "80", "127.0.0.1:8101; include /etc/passwd")
    assert (code, out) == (2, "")
    assert "'127.0.0.1:8101; include /etc/passwd' is not HOST:PORT or unix:/path" in err
    code, out, err = await render("--listen", "80 ssl; x", "127.0.0.1:8101")
    assert (code, out) == (2, "")
    assert "the listen '80 ssl; x' cannot go into an nginx config" in err
