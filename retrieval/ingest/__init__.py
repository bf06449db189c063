"""Article → chunks → vectors. An `Article` comes from a loader (`.jsonl`, `.txt`/`.md`, `.html`),
is cleaned of page junk, split into sentence-aligned token chunks that are exact slices of its
text (character offsets kept), and embedded (MiniLM int8 ONNX offline, or an OpenAI-compatible
embeddings endpoint). The engine writes the result to the store.
"""
