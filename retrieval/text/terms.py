"""Small text helpers shared by answers and summaries: stemmed content terms and IDF weights."""

from __future__ import annotations

import math
import re
from collections import Counter
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


def tfidf_vectors(docs: Sequence[Counter[str]]) -> list[dict[str, float]]:
    """Unit-length TF-IDF vectors of term counts (sublinear tf; IDF over these documents only:
    what makes two reports of one story alike is what they share and the others do not)."""
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)
    vectors = []
    for d in docs:
        v = {t: (1 + math.log(c)) * math.log((1 + n) / (1 + df[t]) + 1) for t, c in d.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({t: x / norm for t, x in v.items()})
    return vectors


def sparse_cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """The cosine of two unit-length sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())
