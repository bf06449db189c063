"""Small text helpers shared by answers and summaries: stemmed content terms and IDF weights."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from retrieval.text.words import QUERY_STOPWORDS, stemmer

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


class Terms:
    """Stemmed content words of a text (English Snowball stemmer, stopwords removed)."""

    def __init__(self) -> None:
        self._stem = stemmer("snowball")
        self._cache: dict[str, str] = {}

    def stem(self, word: str) -> str:
        w = word.lower().strip("'’-")
        w = w.removesuffix("'s").removesuffix("’s")
        s = self._cache.get(w)
        if s is None:
            s = self._stem(w)
            self._cache[w] = s
        return s

    def of(self, text: str) -> list[str]:
        out = []
        for m in _WORD.finditer(text):
            w = m.group(0).lower().strip("'’-").removesuffix("'s").removesuffix("’s")
            if w in QUERY_STOPWORDS or (len(w) < 2 and not w.isdigit()):
                continue
            out.append(self.stem(w))
        return out


IdfSource = Callable[[Sequence[str]], tuple[int, dict[str, int]]]


def idf_weights(words: Sequence[str], doc_frequency: IdfSource | None) -> dict[str, float]:
    """IDF per word from the index's document frequencies; 1.0 each when no index is given."""
    if doc_frequency is None or not words:
        return dict.fromkeys(words, 1.0)
    total, df = doc_frequency(words)
    return {w: math.log((total + 1) / (df.get(w, 0) + 0.5)) + 0.1 for w in words}
