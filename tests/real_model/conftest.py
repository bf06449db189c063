"""Fixtures for the real-model tests (`make test-llm`): one llama.cpp server for the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.llama_server import LlamaServer, llama_server


@pytest.fixture(scope="session")
def real_server() -> Iterator[LlamaServer]:
    with llama_server() as server:
        yield server
