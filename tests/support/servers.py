"""Real servers on 127.0.0.1 for the server-mode tests: `chroma run` and a PostgreSQL cluster.

Both are started from scratch in a temporary folder and stopped at the end. A server that does
not come up is a test failure (never a skip): CI installs PostgreSQL (.ci/run) and chromadb
ships the `chroma` command.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

CHROMA = str(Path(sys.executable).parent / "chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(ready: object, what: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(Exception):
            if ready():  # type: ignore[operator]
                return
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)


@dataclass
class ChromaServer:
    host: str
    port: int
    path: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextlib.contextmanager
def chroma_server(base: Path) -> Iterator[ChromaServer]:
    """`chroma run --path base/chroma --port N` on 127.0.0.1, up when its heartbeat answers."""
    port = free_port()
    path = base / "chroma"
    log = base / "chroma.log"
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [CHROMA, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = ChromaServer("127.0.0.1", port, path)

    def ready() -> bool:
        with urllib.request.urlopen(f"{server.url}/api/v2/heartbeat", timeout=2) as r:
            return bool(r.status == 200)

    try:
        _wait(ready, "chroma run", proc, log)
        yield server
    finally:
        _stop(proc)


def _pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    if not initdb:
        raise RuntimeError("PostgreSQL is not installed (initdb not found): apt-get install postgresql")
    return Path(initdb).parent


@dataclass
class PostgresServer:
    port: int
    _names: Iterator[int]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://newsdesk@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A throw-away cluster (initdb, trust auth, fsync off) on 127.0.0.1; as root it runs as the
    `postgres` system user, since PostgreSQL refuses to run as root."""
    import psycopg

    bindir = _pg_bindir()
    base = Path(tempfile.mkdtemp(prefix="newsdesk-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    log = base / "postgres.log"
    try:
        subprocess.run(
            [
                *as_user,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "newsdesk",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
        )
        port = free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    *as_user,
                    str(bindir / "postgres"),
                    "-D",
                    str(data),
                    "-k",
                    str(base),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=200",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = PostgresServer(port, count(1))

        def ready() -> bool:
            with psycopg.connect(server.url(), connect_timeout=2):
                return True

        try:
            _wait(ready, "postgres", proc, log)
            yield server
        finally:
            _stop(proc)
    finally:
        shutil.rmtree(base, ignore_errors=True)
