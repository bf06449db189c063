"""What a search or an answer hands back to the front ends (CLI, Discord): plain dataclasses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from retrieval.text.fragments import url_at_quote


@dataclass(frozen=True)
class Statement:
    """Who said what, from the attribution index: one attribution inside a passage."""

    speaker: str  # resolved in the article: "Anders Valk"; organisations and anonymous sources as written
    cue: str  # "said", "told", "according to"
    direct: bool  # a direct quote (else reported speech)
    content: str  # the words attributed, parts joined by " … "
    start: int  # its extent (source, cue and content) in the article text
    end: int


@dataclass
class Passage:
    """One retrieved chunk, with the article metadata a citation needs; or, when `kind` is
    "statement", one attribution given to a model as its own passage (`text` is then the
    article's sentence(s) holding it, `statements` that one attribution)."""

    chunk_id: str
    article_id: str
    position: int
    start: int  # character offsets of the chunk in the article text
    end: int
    text: str
    title: str
    url: str
    source: str
    published: date | None
    score: float = 0.0  # fused rank score, higher is better
    dense: float = 0.0  # cosine similarity to the query (0 when not a dense hit)
    lexical: float = 0.0  # BM25 score (0 when not a lexical hit)
    kind: str = "chunk"  # "chunk" | "statement"
    statements: tuple[Statement, ...] | None = None  # who speaks in it (None: not looked up)


@dataclass
class Citation:
    """`[n]` in an answer: the passage it points to and the exact sentence(s) quoted from it."""

    n: int
    title: str
    source: str
    published: date | None
    url: str
    quote: str
    article_id: str
    chunk_id: str
    spans: list[tuple[int, int]] = field(default_factory=list)  # offsets of quote parts in the article

    @property
    def url_at_quote(self) -> str:
        """The link that opens the article at the quote (a text fragment), else the plain URL."""
        return url_at_quote(self.url, self.quote)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "title": self.title,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
            "url": self.url,
            "url_at_quote": self.url_at_quote,
            "quote": self.quote,
            "article_id": self.article_id,
            "spans": [list(s) for s in self.spans],
        }


@dataclass
class Answer:
    """An answer or a summary: text with [n] markers, the citations, and the passages shown."""

    text: str
    citations: list[Citation]
    passages: list[Passage]
    mode: str = "extractive"  # "extractive" | "llm" | "none" (nothing relevant found)
    notes: list[str] = field(default_factory=list)  # visible caveats ("fell back to quotes…")
    usage: dict[str, int] = field(default_factory=dict)  # LLM token usage, when any

    @property
    def found(self) -> bool:
        return self.mode != "none"

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "citations": [c.to_json() for c in self.citations],
            "passages": [
                {"url": p.url, "title": p.title, "text": p.text, "score": round(p.score, 6)}
                for p in self.passages
            ],
            "mode": self.mode,
            "notes": list(self.notes),
        }


@dataclass
class IngestReport:
    articles_added: int = 0
    articles_updated: int = 0
    articles_skipped: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    problems: list[str] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        for k, v in asdict(other).items():
            if k == "problems":
                self.problems.extend(v)
            else:
                setattr(self, k, getattr(self, k) + v)


@dataclass
class ArticleInfo:
    """A row of `sources`: what is indexed."""

    id: str
    title: str
    url: str
    source: str
    published: date | None
    n_chunks: int
    ingested_at: str
