"""Shared fixtures: one loaded embedder per test session, and an engine on a real on-disk
Chroma + SQLite in a fresh temporary data dir for each test.

The engine suites in SERVER_SUITES run twice: `embedded` (on-disk Chroma + SQLite) and
`server` (a real `chroma run` server and PostgreSQL on 127.0.0.1, started once per session;
every test gets a fresh database and the server's collections are dropped after it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from retrieval.app import App
from retrieval.engine import Engine
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.settings import Settings
from tests.support.servers import ChromaServer, PostgresServer, chroma_server, postgres_server

REPO = Path(__file__).resolve().parent.parent
TEST_DATA = REPO / "tests" / "data"
# a fictional wire story written for the tests: dateline, speakers, quotes, drills, page junk
SAMPLE_ARTICLE = TEST_DATA / "drills_article.txt"
SAMPLE_NEWS = REPO / "samples" / "news"

_ENV_PREFIXES = ("NEWSDESK_", "CHROMA_", "OPENAI_", "DISCORD_")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's environment or .env; the tiktoken cache is shared."""
    import os

    for key in list(os.environ):
        if key.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


class Clock:
    """A settable clock for code that takes `clock=` (leases, claims, feed schedules)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def embedder() -> LocalEmbedder:
    return LocalEmbedder(batch_size=32, threads=2)


SERVER_SUITES = {"test_store", "test_search", "test_answer"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if module in SERVER_SUITES and {"engine", "settings"} & set(metafunc.fixturenames):
        metafunc.parametrize("backend", ["embedded", "server"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "embedded"))


@pytest.fixture(scope="session")
def chroma_srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_srv() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh state database: a SQLite file, then a PostgreSQL database on the session's server."""
    if request.param == "sqlite":
        return str(tmp_path / "state.sqlite3")
    server: PostgresServer = request.getfixturevalue("postgres_srv")
    return server.new_database()


def drop_collections(server: ChromaServer) -> None:
    import chromadb

    client: Any = chromadb.HttpClient(
        host=server.host, port=server.port, settings=chromadb.Settings(anonymized_telemetry=False)
    )
    for col in client.list_collections():
        client.delete_collection(col.name)


@pytest.fixture
def settings(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Settings]:
    if backend == "embedded":
        yield Settings(NEWSDESK_DATA_DIR=tmp_path / "data")  # type: ignore[call-arg]
        return
    chroma: ChromaServer = request.getfixturevalue("chroma_srv")
    pg: PostgresServer = request.getfixturevalue("postgres_srv")
    yield Settings(  # type: ignore[call-arg]
        NEWSDESK_DATA_DIR=tmp_path / "data",
        CHROMA_HOST=chroma.host,
        CHROMA_PORT=chroma.port,
        NEWSDESK_DATABASE_URL=pg.new_database(),
    )
    drop_collections(chroma)


@pytest.fixture
def engine(settings: Settings, embedder: LocalEmbedder) -> Iterator[Engine]:
    eng_app = App(settings, embedder=embedder)
    eng = eng_app.engine
    yield eng
    eng_app.close()


@pytest.fixture
def sample_article() -> Path:
    return SAMPLE_ARTICLE
