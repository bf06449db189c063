"""Speaker questions answered from the attribution index first: "what did X say (about Y)",
"what has X said", "how did X react to Y".

X's attributions (retrieval/attribution/store.py: surname, full name and title + name find the
same person) are ranked by relevance to Y (Y's words in the statement's sentence, and whether
the search retrieved its article for the question) and recency. Each is quoted verbatim: the
article's sentence(s) holding the statement, or only the statement's own words when that
sentence also carries someone else's, so a sentence said by someone else is never shown as X's.
Citations are the extractive answer's ([n], the exact quote and its offsets). A surname shared
by several people labels each line with its speaker and says so in a note. When X has no
attributions (or none about Y), the caller falls back to the extractive answerer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.answer.extractive import NOT_SPEAKERS, SPEAKER_QUESTION, Scored, build_answer
from retrieval.answer.search import SearchFilters, passage_from
from retrieval.attribution.store import AttributionStore, Quote
from retrieval.ingest.articles import parse_date
from retrieval.results import Answer, Passage
from retrieval.store.catalog import Catalog
from retrieval.text.sentences import Sentence, split_sentences
from retrieval.text.terms import IdfSource, Terms, idf_weights
from retrieval.text.words import HONORIFICS, query_terms

_REACT_QUESTION = re.compile(
    r"^\s*how\s+(?:did|does|do|has|have|had|will|would)\s+(?P<who>.+?)\s+"
    r"(?:react|reacted|reacts|respond|responded|responds|reply|replied)\b"
    r"(?:\s+(?:to|on|over|about|after))?\s*(?P<topic>.*?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SpeakerQuestion:
    who: str  # as asked: "Gen. Anders Valk", "Valk"
    topic: str  # "the drills", or "" for "what has X said?"


def speaker_question(question: str) -> SpeakerQuestion | None:
    """Who the question asks about, when it asks what someone said or how they reacted."""
    m = _REACT_QUESTION.match(question) or SPEAKER_QUESTION.match(question)
    if not m:
        return None
    who = m.group("who").strip(" ,")
    words = [w for w in re.findall(r"[\w'’.-]+", who) if w.lower().strip(".") not in HONORIFICS]
    if not words or len(words) > 5 or words[-1].lower() in NOT_SPEAKERS:
        return None
    return SpeakerQuestion(who, m.group("topic").strip())


@dataclass
class Statement:
    """One of the speaker's attributions as an answer shows it."""

    quote: Quote
    sentence: Sentence  # what is shown: article offsets and the exact text
    score: float


class AttributedAnswerer:
    def __init__(
        self,
        attributions: AttributionStore,
        catalog: Catalog,
        doc_frequency: IdfSource | None = None,
        max_quotes: int = 4,
        article_weight: float = 0.5,
        recency_weight: float = 0.1,
        direct_weight: float = 0.05,
        shortlist: int = 40,
        newest: int = 300,
    ) -> None:
        self.attributions = attributions
        self.catalog = catalog
        self.doc_frequency = doc_frequency
        self.terms = Terms()
        self.max_quotes = max_quotes
        # a statement in an article the search retrieved for the question gains up to this
        self.article_weight = article_weight
        # the newest statement gains this, one a month older half of it
        self.recency_weight = recency_weight
        self.direct_weight = direct_weight  # a direct quote over a paraphrase, all else equal
        self.shortlist = shortlist  # statements outside the retrieved articles read in full, at most
        # of a much-quoted name, only the newest `newest` statements (and those in the retrieved
        # articles) are considered
        self.newest = newest

    def answer(
        self, question: str, namespace: str, passages: list[Passage], filters: SearchFilters
    ) -> Answer | None:
        """The answer from the speaker's attributions, or None (not a speaker question, nobody of
        that name in the index, or nothing of theirs about the topic)."""
        spoken = self.spoken(question, namespace, passages, filters)
        if spoken is None:
            return None
        asked, statements = spoken
        return self._write(asked, statements, passages, namespace)

    def spoken(
        self,
        question: str,
        namespace: str,
        passages: list[Passage],
        filters: SearchFilters,
        limit: int | None = None,
    ) -> tuple[SpeakerQuestion, list[Statement]] | None:
        """The speaker asked about and their best `limit` statements (the answer's
        `max_quotes` when not given), best first; None as for `answer`."""
        asked = speaker_question(question)
        if asked is None:
            return None
        found = self.attributions.find(
            namespace,
            asked.who,
            since=filters.since,
            as_of=filters.until,
            newest=self.newest,
            articles={p.article_id for p in passages},
        )
        if filters.source:
            found = [q for q in found if q.source == filters.source]
        found = self._shortlist(asked, found, passages)
        texts: dict[str, str] = {}
        for q in found:
            if q.article_id not in texts:
                row = self.catalog.article(namespace, q.article_id)
                texts[q.article_id] = str(row["text"]) if row else ""
        statements = self._rank(asked, found, passages, texts, namespace, limit or self.max_quotes)
        return (asked, statements) if statements else None

    def _shortlist(self, asked: SpeakerQuestion, found: list[Quote], passages: list[Passage]) -> list[Quote]:
        """The statements worth reading in their articles: all of those in the articles the
        search retrieved, and the `shortlist` others whose own words or article title name most
        of the topic (the newest first among equals), so a much-quoted name stays quick."""
        retrieved = {p.article_id for p in passages}
        others = [q for q in found if q.article_id not in retrieved]
        if len(others) > self.shortlist:
            weights = self._weights(asked)
            total = sum(weights.values()) or 1.0

            def cover(q: Quote) -> float:  # stems as substrings: quick, for a shortlist only
                words = f"{q.title} {q.text}".lower()
                return sum(v for t, v in weights.items() if t in words) / total

            ranked = sorted(enumerate(others), key=lambda x: (-cover(x[1]), x[0]))  # found: newest first
            keep = {id(q) for _, q in ranked[: self.shortlist]}
            others = [q for q in others if id(q) in keep]
        return [q for q in found if q.article_id in retrieved] + others

    def _weights(self, asked: SpeakerQuestion) -> dict[str, float]:
        words = query_terms(asked.topic)
        weights: dict[str, float] = {}
        for w, v in idf_weights(words, self.doc_frequency).items():
            s = self.terms.stem(w)
            weights[s] = max(weights.get(s, 0.0), v)
        for w in re.findall(r"\w+", asked.who):
            weights.pop(self.terms.stem(w.lower()), None)
        return weights

    def _rank(
        self,
        asked: SpeakerQuestion,
        found: list[Quote],
        passages: list[Passage],
        texts: dict[str, str],
        namespace: str,
        limit: int,
    ) -> list[Statement]:
        weights = self._weights(asked)
        total = sum(weights.values())
        article_rank: dict[str, int] = {}
        for i, p in enumerate(passages):
            article_rank.setdefault(p.article_id, i)
        days = [d for q in found if (d := parse_date(q.published))]
        newest = max(days, default=None)
        scored: list[Statement] = []
        others: dict[str, list[tuple[str, int, int]]] = {}
        for q in found:
            text = texts.get(q.article_id, "")
            if not text:
                continue
            if q.article_id not in others:
                others[q.article_id] = self.attributions.extents(namespace, q.article_id)
            sentence = shown_sentence(text, q, others[q.article_id])
            stems = set(self.terms.of(sentence.text))
            rel = sum(v for t, v in weights.items() if t in stems) / total if total else 0.0
            rank = article_rank.get(q.article_id)
            hit = self.article_weight / (1 + 0.5 * rank) if rank is not None else 0.0
            if total and not rel and not hit:
                continue  # not about the topic asked
            score = rel + hit + self.direct_weight * q.direct
            day = parse_date(q.published)
            if newest and day:
                score += self.recency_weight / (1 + (newest - day).days / 30)
            scored.append(Statement(q, sentence, score))
        scored.sort(key=lambda s: -s.score)
        chosen: list[Statement] = []
        for s in scored:
            if len(chosen) >= limit:
                break
            same = [c for c in chosen if _overlap(c, s)]
            if not same:
                chosen.append(s)
                continue
            # statements sharing a sentence ("X said …. “…"): shown once, as one passage
            c = same[0]
            a, b = min(c.sentence.start, s.sentence.start), max(c.sentence.end, s.sentence.end)
            c.sentence = Sentence(a, b, texts[c.quote.article_id][a:b])
        best: dict[str, float] = {}
        for s in chosen:
            best.setdefault(s.quote.article_id, s.score)
        chosen.sort(key=lambda s: (-best[s.quote.article_id], s.sentence.start))
        return chosen

    def _write(
        self, asked: SpeakerQuestion, statements: list[Statement], passages: list[Passage], namespace: str
    ) -> Answer:
        shown = list(passages)
        picked: list[Scored] = []
        for s in statements:
            at = passage_for(shown, s)
            if at is None:
                at = self.add_passage(shown, s, namespace)
            picked.append(Scored(at, s.sentence, s.score))
        people = sorted({s.quote.speaker for s in statements})
        labels = [_label(s, len(people) > 1) for s in statements]
        answer = build_answer(picked, shown, labels=labels)
        if len(people) > 1:
            answer.notes.append(
                f"“{asked.who}” names {len(people)} speakers in the index ({', '.join(people)}): "
                "each statement says whose it is; ask with a full name for one of them."
            )
        return answer

    def add_passage(self, shown: list[Passage], s: Statement, namespace: str) -> int:
        """The stored chunk holding the statement (most of it, when it spans two)."""
        row = self.catalog.article(namespace, s.quote.article_id)
        chunks = self.catalog.article_chunks(namespace, s.quote.article_id)
        a, b = s.sentence.start, s.sentence.end
        chunk = max(chunks, key=lambda c: (min(b, c.end) - max(a, c.start), -c.position))
        shown.append(passage_from(row, chunk))
        return len(shown) - 1


def _overlap(a: Statement, b: Statement) -> bool:
    same = a.quote.article_id == b.quote.article_id and a.quote.speaker == b.quote.speaker
    return same and a.sentence.start < b.sentence.end and b.sentence.start < a.sentence.end


def passage_for(passages: list[Passage], s: Statement) -> int | None:
    for i, p in enumerate(passages):
        if p.article_id == s.quote.article_id and p.start <= s.sentence.start and s.sentence.end <= p.end:
            return i
    return None


def _label(s: Statement, ambiguous: bool) -> str:
    """'Anders Valk: ' before a line that does not name its speaker ('…,” he said'), and before
    every line when the name asked for fits several people."""
    surname = s.quote.speaker.split()[-1] if s.quote.speaker.split() else ""
    if ambiguous or not re.search(rf"\b{re.escape(surname)}\b", s.sentence.text, re.IGNORECASE):
        return f"{s.quote.speaker}: "
    return ""


def shown_sentence(text: str, quote: Quote, others: list[tuple[str, int, int]]) -> Sentence:
    """The sentence(s) holding the statement; only the statement itself (its source, cue and
    content) when those sentences also hold a statement by someone else outside it. Only the
    statement's paragraph(s) are split into sentences."""
    start, end = quote.extent
    para_end = text.find("\n", end)
    paragraphs = split_sentences(text, text.rfind("\n", 0, start) + 1, para_end if para_end >= 0 else None)
    holding = [s for s in paragraphs if s.start < end and s.end > start]
    if holding:
        a, b = min(start, holding[0].start), max(end, holding[-1].end)
        foreign = any(
            who != quote.speaker and s < b and e > a and not (start <= s and e <= end) for who, s, e in others
        )
        if not foreign:
            start, end = a, b
    return Sentence(start, end, text[start:end])
