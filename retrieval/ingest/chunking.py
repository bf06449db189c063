"""Sentence-aware token chunking: chunks of at most `max_tokens`, overlapping by whole sentences.

Every chunk is an exact slice of the article text (`text[start:end]`), so citations can point
at character offsets, and no non-whitespace character of the article falls outside all chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import tiktoken

from retrieval.text.sentences import Sentence, split_sentences


@dataclass(frozen=True)
class Chunk:
    article_id: str
    position: int
    start: int
    end: int
    text: str
    n_tokens: int

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.position}"


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    n_tokens: int


class Chunker:
    def __init__(self, encoding: tiktoken.Encoding, max_tokens: int = 220, overlap: int = 30):
        if max_tokens < 8:
            raise ValueError("max_tokens must be at least 8")
        if overlap >= max_tokens:
            raise ValueError("overlap must be smaller than max_tokens")
        self.encoding = encoding
        self.max_tokens = max_tokens
        self.overlap = overlap

    def count(self, text: str) -> int:
        return len(self.encoding.encode_ordinary(text))

    def _pieces(self, text: str, sentences: list[Sentence]) -> list[_Piece]:
        """Sentences, with any sentence longer than max_tokens cut at token boundaries."""
        out: list[_Piece] = []
        for s in sentences:
            tokens = self.encoding.encode_ordinary(s.text)
            if len(tokens) <= self.max_tokens:
                out.append(_Piece(s.start, s.end, len(tokens)))
                continue
            _, offsets = self.encoding.decode_with_offsets(tokens)
            for i in range(0, len(tokens), self.max_tokens):
                a = s.start + offsets[i]
                j = i + self.max_tokens
                b = s.start + offsets[j] if j < len(tokens) else s.end
                while b > a and text[b - 1].isspace():
                    b -= 1
                while a < b and text[a].isspace():
                    a += 1
                if b > a:
                    out.append(_Piece(a, b, self.count(text[a:b])))
        return out

    def chunk(self, article_id: str, text: str) -> list[Chunk]:
        pieces = self._pieces(text, split_sentences(text))
        chunks: list[Chunk] = []
        i = 0
        while i < len(pieces):
            j, total = i, 0
            while j < len(pieces):
                # joining adds the separator's tokens; recount the real slice when close to the limit
                if total + pieces[j].n_tokens > self.max_tokens and j > i:
                    break
                total += pieces[j].n_tokens
                j += 1
            while j - i > 1 and self.count(text[pieces[i].start : pieces[j - 1].end]) > self.max_tokens:
                j -= 1
            start, end = pieces[i].start, pieces[j - 1].end
            body = text[start:end]
            chunks.append(Chunk(article_id, len(chunks), start, end, body, self.count(body)))
            if j >= len(pieces):
                break
            # next chunk starts with the last sentences of this one, up to `overlap` tokens
            back, carried = j, 0
            while back - 1 > i and carried + pieces[back - 1].n_tokens <= self.overlap:
                back -= 1
                carried += pieces[back].n_tokens
            i = back
        return chunks
