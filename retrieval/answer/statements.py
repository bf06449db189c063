"""What a model is told about who said what: the passages it writes from, each with the
attributions inside it (the speaker resolved in its article, the cue, direct quote or reported
speech, the content), and, for a speaker question ("what did X say about Y?"), X's best
statements first, each as a passage of its own (`kind="statement"`).

A statement passage's text is the article's sentence(s) holding the statement, at their offsets,
as the extractive answer quotes them (`AttributedAnswerer`), so it is cited `[n]` like any passage
and its quote is exact. `retrieval/generate/packing.py` labels both kinds for the model;
`retrieval/generate/speakers.py` checks a generated "X said …" against them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from retrieval.answer.attributed import AttributedAnswerer, Statement, passage_for
from retrieval.answer.search import SearchFilters
from retrieval.attribution.store import Quote
from retrieval.results import Passage
from retrieval.results import Statement as Said

MODEL_STATEMENTS = 6  # a speaker's statements given to the model as passages of their own


def said(quote: Quote) -> Said:
    return Said(quote.speaker, quote.cue, quote.direct, quote.text, *quote.extent)


def with_statements(passage: Passage, quotes: Sequence[Quote]) -> Passage:
    """`passage` carrying the attributions of its article that lie (at least partly) inside it."""
    inside = tuple(said(q) for q in quotes if q.extent[0] < passage.end and q.extent[1] > passage.start)
    return replace(passage, statements=inside)


def model_passages(
    attributed: AttributedAnswerer,
    question: str,
    namespace: str,
    passages: Sequence[Passage],
    filters: SearchFilters,
    limit: int = MODEL_STATEMENTS,
) -> list[Passage]:
    """The passages a model writes from: the speaker's statements first when the question asks
    what someone said, then `passages`, each with the statements inside it."""
    found = list(passages)
    out: list[Passage] = []
    spoken = attributed.spoken(question, namespace, found, filters, limit)
    if spoken is not None:
        shown = list(found)
        out = [_statement_passage(attributed, s, shown, namespace) for s in spoken[1]]
    quotes = attributed.attributions.in_articles(namespace, {p.article_id for p in found})
    return out + [with_statements(p, quotes.get(p.article_id, [])) for p in found]


def _statement_passage(
    attributed: AttributedAnswerer, s: Statement, shown: list[Passage], namespace: str
) -> Passage:
    at = passage_for(shown, s)
    if at is None:
        at = attributed.add_passage(shown, s, namespace)
    chunk = shown[at]
    return replace(
        chunk,
        start=s.sentence.start,
        end=s.sentence.end,
        text=s.sentence.text,
        score=s.score,
        kind="statement",
        statements=(said(s.quote),),
    )
