"""The container files, checked without a Docker engine: compose.yaml's services, volumes and
health checks; the Dockerfile's shape; and the image's commands run in this plain venv — the
build-time tiktoken pre-warm, then `newsdesk health` (the health check) against a real Chroma
server and PostgreSQL, and against a server that is down."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.servers import ChromaServer, PostgresServer, free_port

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text())
    return data


def dockerfile() -> str:
    return (REPO / "Dockerfile").read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(cmd, env=base | env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_compose_runs_the_bot_beside_a_chroma_server_and_postgres() -> None:
    spec = compose()
    assert set(spec["services"]) == {"chroma", "postgres", "bot"}
    assert set(spec["volumes"]) == {"chroma-data", "postgres-data", "bot-data"}
    chroma, pg, bot = (spec["services"][n] for n in ("chroma", "postgres", "bot"))
    assert chroma["volumes"] == ["chroma-data:/chroma"]
    assert chroma["entrypoint"][:4] == ["chroma", "run", "--path", "/chroma"]
    assert pg["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    for service in (chroma, pg, bot):
        assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
        assert service["restart"] == "unless-stopped"
    assert bot["healthcheck"]["test"] == ["CMD", "newsdesk", "health"]
    assert bot["depends_on"] == {
        "chroma": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }
    env = bot["environment"]
    assert (env["CHROMA_HOST"], env["CHROMA_PORT"]) == ("chroma", "8000")
    assert env["NEWSDESK_DATABASE_URL"].startswith("postgresql://newsdesk:")
    assert env["NEWSDESK_DATABASE_URL"].endswith("@postgres:5432/newsdesk")
    assert bot["command"] == ["bot"]
    # a stop waits for the ingest in hand (bot/cli/run_bot.py STOP_WAIT) before Docker's SIGKILL
    from bot.cli.run_bot import STOP_WAIT

    assert bot["stop_grace_period"] == "45s" and STOP_WAIT + 10 <= 45


def test_dockerfile_is_slim_non_root_and_offline() -> None:
    steps = instructions(dockerfile())
    froms = [a for i, a in steps if i == "FROM"]
    assert all(re.fullmatch(r"python:3\.\d+-slim( AS build)?", f) for f in froms)
    (user,) = [a for i, a in steps if i == "USER"]
    assert user not in ("root", "0")
    env = " ".join(a for i, a in steps if i == "ENV")
    assert "TIKTOKEN_CACHE_DIR=/opt/newsdesk/tiktoken" in env
    assert [json.loads(a) for i, a in steps if i == "ENTRYPOINT"] == [["newsdesk"]]
    assert [json.loads(a) for i, a in steps if i == "CMD"] == [["bot"]]
    assert any(i == "RUN" and "pip install ." in a for i, a in steps)


def test_the_images_prewarm_step_fills_the_tiktoken_cache(tmp_path: Path) -> None:
    (warm,) = [a for i, a in instructions(dockerfile()) if i == "RUN" and "load_encoding" in a]
    argv = shlex.split(warm.split(" && ")[0])
    assert argv[:2] == ["python", "-c"]
    code = argv[2]
    cache = tmp_path / "tiktoken"
    result = run([str(BIN / "python"), "-c", code], {"TIKTOKEN_CACHE_DIR": str(cache)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(list(cache.iterdir())) == 2  # cl100k_base and o200k_base, named as tiktoken wants
    # afterwards the encoding loads from the cache alone, as it must in the read-only image
    check = "import tiktoken; print(len(tiktoken.get_encoding('cl100k_base').encode('ferry schedule')))"
    again = run([str(BIN / "python"), "-c", check], {"TIKTOKEN_CACHE_DIR": str(cache)}, tmp_path)
    assert (again.returncode, again.stdout) == (0, "3\n")  # cl100k_base tokens of "ferry schedule"
    assert os.access(cache, os.R_OK)


def test_health_command_against_the_servers(
    tmp_path: Path, chroma_srv: ChromaServer, postgres_srv: PostgresServer
) -> None:
    env = {
        "NEWSDESK_DATA_DIR": str(tmp_path / "data"),
        "CHROMA_HOST": chroma_srv.host,
        "CHROMA_PORT": str(chroma_srv.port),
        "NEWSDESK_DATABASE_URL": postgres_srv.new_database(),
    }
    ok = run([str(BIN / "newsdesk"), "health"], env, tmp_path)
    assert (ok.returncode, ok.stdout) == (
        0,
        f"ok: chroma server 127.0.0.1:{chroma_srv.port}, postgresql state\n",
    )
    down = run([str(BIN / "newsdesk"), "health"], env | {"CHROMA_PORT": str(free_port())}, tmp_path)
    assert down.returncode == 1
    assert down.stderr.startswith("unhealthy: ")
    embedded = run([str(BIN / "newsdesk"), "health"], {"NEWSDESK_DATA_DIR": str(tmp_path / "d")}, tmp_path)
    assert (embedded.returncode, embedded.stdout) == (0, "ok: embedded chroma, sqlite state\n")
