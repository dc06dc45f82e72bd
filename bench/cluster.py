"""A private Redis and N processes of one server on it: what the Redis scenarios run.

Every scenario run gets its own ``redis-server`` (a free port, no persistence,
its own temp dir), so that Redis's CPU and command counts belong to that run
alone, and N processes of ``ours-redis`` or ``hocuspocus-redis`` share it
under one key prefix. ``stop_cluster`` stops all of it, even after an error.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import redis

from bench import servers
from bench.servers import CLK_TCK, HOST, Server, ServerError, proc_cpu_seconds, proc_rss_kb


def machine_cpu_seconds() -> float:
    """Busy time of all CPUs so far (/proc/stat: everything but idle and iowait)."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is inside user).
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK


@dataclass
class RedisServer:
    """One private redis-server process."""

    port: int
    proc: subprocess.Popen[bytes]
    workdir: Path
    log: IO[bytes]
    client: redis.Redis

    @property
    def pid(self) -> int:
        return self.proc.pid

    def cpu_seconds(self) -> float:
        """utime + stime of redis-server so far (all its threads, from /proc)."""
        return proc_cpu_seconds(self.pid)

    def info(self, section: str) -> dict[str, Any]:
        """INFO section, parsed by redis-py."""
        answer: dict[str, Any] = self.client.info(section)
        return answer


def start_redis(timeout: float = 10.0) -> RedisServer:
    """Start redis-server on a free port of 127.0.0.1 and wait until it answers PING."""
    port = servers.free_port()
    workdir = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    log = open(workdir / "redis.log", "wb")  # noqa: SIM115 - closed in stop_redis()
    cmd = [
        "redis-server", "--port", str(port), "--bind", HOST, "--save", "",
        "--appendonly", "no", "--dir", str(workdir), "--logfile", "",
    ]  # fmt: skip
    try:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
        raise ServerError(f"cannot run redis-server: {exc}") from exc
    client = redis.Redis(host=HOST, port=port, socket_timeout=10)
    server = RedisServer(port, proc, workdir, log, client)
    try:
        servers.wait_port(port, proc, timeout)
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(redis.exceptions.BusyLoadingError):
                client.ping()
                break
            if time.monotonic() > deadline:
                raise ServerError(f"redis-server on {port} did not answer PING")
            time.sleep(0.05)
    except BaseException:
        stop_redis(server)
        raise
    return server


def stop_redis(server: RedisServer) -> None:
    """SIGTERM (SIGKILL after 5 s), then remove its temp dir."""
    server.client.close()
    proc = server.proc
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(5)
    server.log.close()
    shutil.rmtree(server.workdir, ignore_errors=True)


@dataclass
class Cluster:
    """N processes of one server sharing a private Redis under one key prefix."""

    name: str
    servers: list[Server]
    redis: RedisServer
    prefix: str

    def cpu_seconds(self) -> float:
        """CPU of all server processes together (not Redis)."""
        return sum(s.cpu_seconds() for s in self.servers)

    def rss_mb(self) -> float:
        """RSS of all server processes together (not Redis)."""
        return sum(s.rss_mb() for s in self.servers)

    def counters(self) -> dict[str, float]:
        """CPU per process and of Redis, Redis commands and network bytes, so far."""
        sample = {f"cpu:{i}": s.cpu_seconds() for i, s in enumerate(self.servers)}
        sample["cpu:redis"] = self.redis.cpu_seconds()
        sample["cpu:machine"] = machine_cpu_seconds()
        for key, stats in self.redis.info("commandstats").items():
            sample[f"calls:{key.removeprefix('cmdstat_')}"] = float(stats["calls"])
        stats = self.redis.info("stats")
        sample["net:in"] = float(stats["total_net_input_bytes"])
        sample["net:out"] = float(stats["total_net_output_bytes"])
        return sample

    def redis_rss_mb(self) -> float:
        """VmRSS of redis-server now (MiB)."""
        return proc_rss_kb(self.redis.pid) / 1024

    def alive(self) -> bool:
        """Whether every server process and Redis still run."""
        return all(s.alive() for s in self.servers) and self.redis.proc.poll() is None


def start_cluster(name: str, procs: int) -> Cluster:
    """A fresh Redis and `procs` fresh processes of server `name` on it."""
    if name not in servers.REDIS_SERVERS:
        raise ServerError(f"{name!r} is not one of {', '.join(servers.REDIS_SERVERS)}")
    servers.ensure_installed(name)
    store = start_redis()
    prefix = f"bench-{secrets.token_hex(4)}:"
    cluster = Cluster(name, [], store, prefix)
    try:
        for _ in range(procs):
            cluster.servers.append(servers.start(name, redis=(store.port, prefix)))
    except BaseException:
        stop_cluster(cluster)
        raise
    return cluster


def stop_cluster(cluster: Cluster) -> None:
    """Stop every server process and then Redis; remove their temp dirs."""
    try:
        for server in cluster.servers:
            servers.stop(server, timeout=5)
            servers.cleanup(server)
    finally:
        stop_redis(cluster.redis)


def log_tails(cluster: Cluster, lines: int = 10) -> str:
    """The end of each process's log and of Redis's, for error reports."""
    parts = [
        f"--- {cluster.name} {i}\n{servers.log_tail(s, lines)}"
        for i, s in enumerate(cluster.servers)
    ]
    with contextlib.suppress(OSError):
        text = (cluster.redis.workdir / "redis.log").read_text(errors="replace")
        parts.append("--- redis\n" + "\n".join(text.splitlines()[-lines:]))
    return "\n".join(parts)
