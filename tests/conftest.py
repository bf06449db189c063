"""Shared fixtures: one loaded embedder per test session, and an engine on a real on-disk
Chroma + SQLite in a fresh temporary data dir for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.embedding import LocalEmbedder
from retrieval.engine import Engine
from retrieval.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SAMPLE_ARTICLE = SHARED / "samples" / "000_f8825fb9799a5eeb.txt"
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


@pytest.fixture(scope="session")
def embedder() -> LocalEmbedder:
    return LocalEmbedder(batch_size=32, threads=2)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(NEWSDESK_DATA_DIR=tmp_path / "data")  # type: ignore[call-arg]


@pytest.fixture
def engine(settings: Settings, embedder: LocalEmbedder) -> Iterator[Engine]:
    eng = Engine.from_settings(settings, embedder=embedder)
    yield eng
    eng.close()


@pytest.fixture
def sample_article() -> Path:
    if not SAMPLE_ARTICLE.exists():
        pytest.fail(
            f"the shared sample article is missing: {SAMPLE_ARTICLE} (../shared must be beside the repo)"
        )
    return SAMPLE_ARTICLE
