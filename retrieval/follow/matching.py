"""Does a newly stored article match a watched topic, and which sentence shows it?

Two scores, each from 0 to 1:

- **lexical**: the share of the topic's words, weighted by their rarity in the index (IDF), that
  one sentence of the article and its headline hold together (stemmed as the answerer stems).
  Words spread over a long article do not add up: they must meet in one sentence (with the
  headline), the one that is quoted.
- **dense**: the best cosine between the topic's vector (embedded once, when the watch is added)
  and the vectors of the article's chunks (read from Chroma, where ingest put them; embedded
  again only if they are missing).

The score is their mean. An article matches when `lexical >= LEXICAL_FLOOR` (half the topic's
weight in one sentence) and `score >= MATCH_AT` (0.65); or, when one sentence holds every word of
the topic, `score >= MATCH_ALL_WORDS` (0.5: a name, which MiniLM embeds with little meaning,
matches on its words unless the article's meaning is unrelated). The floor keeps out an article
that is merely *like* the topic (another story in the same town); docs/benchmarks.md ("Watches")
shows the scores these thresholds were set from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from retrieval.ingest.articles import Article
from retrieval.text.safety import looks_like_instruction
from retrieval.text.sentences import split_sentences
from retrieval.text.terms import IdfSource, Terms, idf_weights
from retrieval.text.words import query_terms

LEXICAL_FLOOR = 0.5
MATCH_AT = 0.65
MATCH_ALL_WORDS = 0.5
MAX_SENTENCE_CHARS = 600  # a longer "sentence" is a list or a table, not a quote


@dataclass(frozen=True)
class Topic:
    """A watched topic, ready to match: its words (stemmed), their weights, its vector."""

    text: str
    stems: dict[str, float]  # stem → weight (the highest of the words that share it)
    vector: np.ndarray

    @property
    def weight(self) -> float:
        return sum(self.stems.values()) or 1.0


def topic_words(text: str) -> list[str]:
    return query_terms(text)


def make_topic(text: str, vector: np.ndarray, terms: Terms, doc_frequency: IdfSource | None) -> Topic:
    words = topic_words(text)
    weights = idf_weights(words, doc_frequency)
    stems: dict[str, float] = {}
    for w in words:
        s = terms.stem(w)
        stems[s] = max(stems.get(s, 0.0), weights[w])
    unit = normalised(np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]
    return Topic(text, stems, unit)


@dataclass(frozen=True)
class ArticleView:
    """What matching needs of one article, computed once for every watch."""

    article: Article
    sentences: list[tuple[str, frozenset[str]]]  # (sentence as written, its stems)
    title_stems: frozenset[str]
    stems: frozenset[str]  # of the headline and every sentence: most topics are rejected on these
    vectors: np.ndarray  # one row per chunk, L2-normalised

    @property
    def published(self) -> date | None:
        return self.article.published


def view_article(article: Article, vectors: np.ndarray, terms: Terms) -> ArticleView:
    sentences = []
    title = " ".join(article.title.split()).lower()
    for s in split_sentences(article.text):
        text = " ".join(s.text.split())
        if not text or len(text) > MAX_SENTENCE_CHARS or text.lower() == title:
            continue
        if looks_like_instruction(text):  # never quoted (retrieval/text/safety.py)
            continue
        sentences.append((text, frozenset(terms.of(text))))
    title_stems = frozenset(terms.of(article.title))
    every = title_stems.union(*(stems for _, stems in sentences))
    return ArticleView(article, sentences, title_stems, every, vectors)


@dataclass(frozen=True)
class Match:
    sentence: str
    lexical: float
    dense: float

    @property
    def score(self) -> float:
        return (self.lexical + self.dense) / 2


def best_sentence(topic: Topic, view: ArticleView) -> tuple[str, float]:
    """The sentence that, with the headline, holds the most of the topic's weight (the first
    of equals), and that share."""
    best, share = "", -1.0
    for text, stems in view.sentences:
        held = sum(w for s, w in topic.stems.items() if s in stems or s in view.title_stems)
        if held / topic.weight > share:
            best, share = text, held / topic.weight
    return best, max(share, 0.0)


def dense_score(topic: Topic, view: ArticleView) -> float:
    if view.vectors.size == 0 or topic.vector.size != view.vectors.shape[1]:
        return 0.0
    return float(np.max(view.vectors @ topic.vector))


def match(topic: Topic, view: ArticleView) -> Match | None:
    """The match, or None when the article is not about the topic."""
    if not topic.stems:
        return None
    anywhere = sum(w for s, w in topic.stems.items() if s in view.stems)
    if anywhere / topic.weight < LEXICAL_FLOOR:  # not even the whole article holds enough
        return None
    sentence, lexical = best_sentence(topic, view)
    if not sentence or lexical < LEXICAL_FLOOR:
        return None
    found = Match(sentence, lexical, dense_score(topic, view))
    needed = MATCH_ALL_WORDS if lexical >= 1.0 - 1e-9 else MATCH_AT
    return found if found.score >= needed else None


def normalised(vectors: np.ndarray) -> np.ndarray:
    if vectors.size == 0:
        return vectors
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)


def chunk_vectors(
    stored: np.ndarray,
    article: Article,
    chunk_texts: Callable[[], Sequence[str]],
    embed: Callable[[list[str]], np.ndarray],
) -> np.ndarray:
    """The article's chunk vectors: those Chroma holds, else its chunks embedded again."""
    if stored.size:
        return normalised(stored)
    texts = [f"{article.title}\n{t}" for t in chunk_texts()]
    return normalised(embed(texts)) if texts else np.zeros((0, 0), dtype=np.float32)
