"""The extractive answerer: picks the sentences of the retrieved passages that answer the
question and writes them with [n] markers. No model, no guessing: every word shown is a quote.

For "what did X say about Y" it keeps X's own quotes and reported speech (X as the speaker,
not as the one spoken to), ranked by how much they are about Y.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.answer.cues import AnswerCues, corroboration, headline
from retrieval.answer.fullnames import NameForms, report_forms, with_full_names
from retrieval.results import Answer, Citation, Passage
from retrieval.text.safety import looks_like_instruction
from retrieval.text.sentences import Sentence, split_sentences
from retrieval.text.terms import IdfSource, Terms, idf_weights
from retrieval.text.words import HONORIFICS, query_terms

SPEECH_VERBS = (
    r"said|says|say|told|tells|added|adds|stated|states|warned|warns|argued|argues|noted|notes"
    r"|explained|explains|insisted|insists|wrote|writes|announced|announces|asserted|claimed|claims"
    r"|declared|remarked|acknowledged|cautioned|urged|urges|predicted|described|called|replied"
    r"|responded|answered|stressed|emphasized|emphasised|vowed|promised|conceded|recalled|testified"
)
_SPEAKER_Q = re.compile(
    r"^\s*(?:what|how)\s+(?:did|does|do|has|have|had|was|is)\s+(?P<who>.+?)\s+"
    r"(?:(?:say|said|says|tell|told|think|thinks|thought|comment|comments|mention|mentioned|claim|"
    r"claimed|announce|announced|write|wrote|argue|argued|reply|replied|respond|responded|"
    r"warn|warned|add|added|state|stated)(?:ed)?|had\s+to\s+say)\b"
    r"(?:\s+(?:about|on|regarding|concerning|of|to|over|in))?\s*(?P<topic>.*?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
SPEAKER_QUESTION = _SPEAKER_Q
NOTHING_FOUND = "I couldn't find anything about that in the indexed news."


@dataclass(frozen=True)
class Question:
    text: str
    speaker: str | None  # "Dunford" in "what did Dunford say about the drills?"
    topic: str  # "the drills", or the whole question when there is no speaker


# "what did the article say about …" asks what the news says, not what a person said
_NOT_SPEAKERS = frozenset(
    """article articles report reports story stories piece news paper papers coverage press media
    study survey poll data it they he she you we i people everyone anyone someone""".split()  # noqa: SIM905
)
NOT_SPEAKERS = _NOT_SPEAKERS


def parse_question(question: str) -> Question:
    m = _SPEAKER_Q.match(question)
    if m:
        who = m.group("who").strip(" ,")
        words = [w for w in re.findall(r"[\w'’.-]+", who) if w.lower().strip(".") not in HONORIFICS]
        if words and len(words) <= 5 and words[-1].lower() not in _NOT_SPEAKERS:
            return Question(question, words[-1].removesuffix("'s").removesuffix("’s"), m.group("topic"))
    return Question(question, None, question)


def attributed_to(speaker: str, sentence: str) -> bool:
    """True when `speaker` is the one speaking in `sentence` (not the one spoken to or about)."""
    name = re.escape(speaker)
    verbs = SPEECH_VERBS
    patterns = (
        # "Dunford said …", "Dunford, chairman of the Joint Chiefs, said …", "Dunford told reporters"
        rf"\b{name}\b(?:[^;“”\"]{{0,120}}?,)?\s+(?:(?:also|later|has|had|would|then|but|and|on\s+\w+)\s+){{0,2}}(?:{verbs})\b",
        # "… said Dunford", "…,” says Dunford"
        rf"\b(?:{verbs})\s+(?:[\w.]+\s+){{0,6}}?{name}\b(?=\s*(?:[,.;:!?)]|$))",
        # "according to Dunford"
        rf"\baccording\s+to\s+(?:\w+\s+){{0,4}}?{name}\b",
    )
    for p in patterns:
        for m in re.finditer(p, sentence, re.IGNORECASE):
            before = sentence[: m.start()].rstrip().lower()
            # "told Dunford", "asked Dunford", "to Dunford" make him the listener
            if p is patterns[1]:
                between = m.group(0).lower()
                if re.match(r"(?:told|tells|asked|urged|called)\b", between):
                    continue
            if re.search(r"\b(?:told|tells|asked|to|with|urged)$", before) and p is patterns[0]:
                continue
            return True
    return False


def _continues_quote(sentence: str) -> bool:
    """A quote closed by a pronoun attribution: '“…,” he said.'"""
    return bool(re.search(rf"[”\"]\s*,?\s*(?:he|she|they)\s+(?:{SPEECH_VERBS})\b", sentence, re.I)) or bool(
        re.match(rf"^\s*(?:He|She|They)\s+(?:also\s+)?(?:{SPEECH_VERBS})\b", sentence)
    )


def _is_fragment(text: str) -> bool:
    """A line that is not a full sentence: too short, or without closing punctuation."""
    return len(text.split()) < 5 or not re.search(r"[.!?][\"'”’)\]]*$", text.strip())


@dataclass
class Scored:
    passage: int
    sentence: Sentence  # offsets relative to the article
    score: float
    answer_words: frozenset[str] = frozenset()  # AnswerCues.new_answer_words of the sentence


class ExtractiveAnswerer:
    def __init__(
        self,
        doc_frequency: IdfSource | None = None,
        max_speaker_quotes: int = 4,
        max_generic: int = 5,
        min_coverage: float = 0.25,
        min_dense: float = 0.35,
        rank_weight: float = 0.5,
        cue_weight: float = 0.2,
        keep_ratio: float = 0.4,
        agreed_support: float = 0.5,
        vote_weight: float = 0.3,
        vote_passages: int = 5,
        vote_min_coverage: float = 0.1,
        title_vote_weight: float = 0.5,
        proximity_weight: float = 0.2,
        proximity_window: int = 6,
        full_names: bool = True,
    ):
        self.doc_frequency = doc_frequency
        self.terms = Terms()
        # at most this many quotes: of one speaker ("what did X say…?"), or for any other question
        self.max_speaker_quotes = max_speaker_quotes
        self.max_generic = max_generic
        self.min_coverage = min_coverage
        self.min_dense = min_dense
        self.rank_weight = rank_weight
        # a sentence with a name or number the question lacks (retrieval/answer/cues.py) gains this
        self.cue_weight = cue_weight
        # further sentences are kept while they score at least this share of the best one
        self.keep_ratio = keep_ratio
        # a further sentence that adds none of the question's words is still quoted when it names an
        # answer word the answer lacks so far and the reports agree on: support of at least this
        # share of the best-supported word (corroboration)
        self.agreed_support = agreed_support
        # a sentence naming what the best `vote_passages` reports agree on gains up to
        # `vote_weight` (retrieval/answer/cues.py, corroboration); only sentences covering at
        # least `vote_min_coverage` of the question's weighted words vote
        self.vote_weight = vote_weight
        self.vote_passages = vote_passages
        self.vote_min_coverage = vote_min_coverage
        # a voting report's title counts as one of its sentences, at this share of its weight
        self.title_vote_weight = title_vote_weight
        # a sentence gains up to `proximity_weight` when the question's words stand within
        # `proximity_window` content words of its answer word (AnswerCues.proximity)
        self.proximity_weight = proximity_weight
        self.proximity_window = proximity_window
        # a short name in a quoted sentence is followed by "[Full Name]" (retrieval/answer/fullnames.py)
        self.full_names = full_names

    def _weights(self, text: str) -> dict[str, float]:
        words = query_terms(text)
        idf = idf_weights(words, self.doc_frequency)
        weights: dict[str, float] = {}
        for w, v in idf.items():
            s = self.terms.stem(w)
            weights[s] = max(weights.get(s, 0.0), v)
        return weights

    @staticmethod
    def _rank_share(rank: int) -> float:
        """A voting passage's weight falls with its rank: 1, 2/3, 1/2, … (sentences and titles alike)."""
        return 1 / (1 + 0.5 * rank)

    @staticmethod
    def _coverage(weights: dict[str, float], stems: set[str]) -> float:
        total = sum(weights.values())
        return sum(v for t, v in weights.items() if t in stems) / total if total else 0.0

    def _sentences(self, passages: list[Passage]) -> list[tuple[int, Sentence]]:
        """Every sentence a quote can be, in passage order; text addressed to a model or a
        chat ("ignore your instructions", "@everyone") is never quoted (article text is data)."""
        out = []
        for i, p in enumerate(passages):
            for s in split_sentences(p.text):
                if not looks_like_instruction(s.text):
                    out.append((i, Sentence(p.start + s.start, p.start + s.end, s.text)))
        return out

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        q = parse_question(question)
        if not passages:
            return Answer(NOTHING_FOUND, [], passages, mode="none")
        weights = self._weights(q.text)
        best_cov = max(self._coverage(weights, set(self.terms.of(p.title + " " + p.text))) for p in passages)
        best_dense = max(p.dense for p in passages)
        if best_cov < self.min_coverage and best_dense < self.min_dense:
            return Answer(NOTHING_FOUND, [], passages, mode="none")
        sentences = self._sentences(passages)
        if q.speaker:
            picked = self._speaker_sentences(q, passages, sentences)
            if not picked:
                return Answer(
                    f"I couldn't find anything {q.speaker} said about that in the indexed news.",
                    [],
                    passages,
                    mode="none",
                )
        else:
            picked = self._best_sentences(question, weights, passages, sentences)
            if not picked:
                return Answer(NOTHING_FOUND, [], passages, mode="none")
        return build_answer(picked, passages, full_names=self.full_names)

    def _speaker_sentences(
        self, q: Question, passages: list[Passage], sentences: list[tuple[int, Sentence]]
    ) -> list[Scored]:
        topic = self._weights(q.topic) if q.topic else {}
        topic.pop(self.terms.stem(q.speaker or ""), None)
        scored: list[Scored] = []
        prev_attributed = False
        for i, s in sentences:
            attributed = attributed_to(q.speaker or "", s.text) or (
                prev_attributed and _continues_quote(s.text)
            )
            prev_attributed = attributed
            if not attributed:
                continue
            stems = set(self.terms.of(s.text))
            rel = self._coverage(topic, stems) if topic else 0.0
            quoted = 0.2 if re.search(r"[“\"]", s.text) else 0.0
            rank_prior = 1.0 / (1 + i)
            scored.append(Scored(i, s, rel + quoted + 0.5 * rank_prior + passages[i].dense * 0.5))
        scored.sort(key=lambda x: -x.score)
        # keep the speaker's statements from the best article, then others if room
        chosen: list[Scored] = []
        seen: set[tuple[int, int]] = set()
        for x in scored:
            key = (x.sentence.start, x.sentence.end)
            if key in seen:
                continue  # overlapping chunks repeat sentences
            seen.add(key)
            chosen.append(x)
            if len(chosen) >= self.max_speaker_quotes:
                break
        # the article with the best statement first; within an article, in the article's order
        best: dict[str, float] = {}
        for x in chosen:
            aid = passages[x.passage].article_id
            best[aid] = max(best.get(aid, x.score), x.score)
        chosen.sort(key=lambda x: (-best[passages[x.passage].article_id], x.sentence.start))
        return chosen

    def _best_sentences(
        self,
        question: str,
        weights: dict[str, float],
        passages: list[Passage],
        sentences: list[tuple[int, Sentence]],
    ) -> list[Scored]:
        scored: list[Scored] = []
        cues = AnswerCues(self.terms, question, set(weights))
        coverages = [self._coverage(weights, set(self.terms.of(s.text))) for _, s in sentences]
        # only sentences with some coverage are scored or vote: the others need no answer words
        answer_words = [
            cues.new_answer_words(s.text) if cov > 0 else set()
            for (_, s), cov in zip(sentences, coverages, strict=True)
        ]
        # each voting sentence weighs its coverage of the question, less for lower-ranked passages
        mentions = [
            (passages[i].article_id, cov * self._rank_share(i), words)
            for (i, _), cov, words in zip(sentences, coverages, answer_words, strict=True)
            if i < self.vote_passages and cov >= self.vote_min_coverage
        ]
        for i, p in enumerate(passages[: self.vote_passages] if self.title_vote_weight else []):
            title = headline(p.title)
            cov = self._coverage(weights, set(self.terms.of(title)))
            if cov >= self.vote_min_coverage:
                weight = self.title_vote_weight * cov * self._rank_share(i)
                mentions.append((p.article_id, weight, cues.new_answer_words(title)))
        votes = corroboration(mentions)
        for (i, s), cov, words in zip(sentences, coverages, answer_words, strict=True):
            if cov <= 0:
                continue
            score = cov + self.rank_weight / (1 + i) + 0.2 * passages[i].dense
            if _is_fragment(s.text):
                score *= 0.5  # headlines, captions, "2.9 million": rarely a whole answer
            if self.cue_weight and words:
                score += self.cue_weight
            score += self.vote_weight * max((votes.get(w, 0.0) for w in words), default=0.0)
            if self.proximity_weight:
                score += self.proximity_weight * cues.proximity(s.text, words, weights, self.proximity_window)
            scored.append(Scored(i, s, score, frozenset(words)))
        scored.sort(key=lambda x: -x.score)
        return self._choose(scored, weights, votes)

    def _choose(
        self, scored: list[Scored], weights: dict[str, float], votes: dict[str, float]
    ) -> list[Scored]:
        """The best sentences, best first, each adding a question word or an agreed answer word."""
        chosen: list[Scored] = []
        covered: set[str] = set()  # the question's words the answer holds so far
        shown: set[str] = set()  # the answer words it holds so far
        seen: set[tuple[int, int]] = set()
        for x in scored:
            key = (x.sentence.start, x.sentence.end)
            if key in seen:
                continue
            stems = set(self.terms.of(x.sentence.text)) & set(weights)
            # the name or number the best reports agree on, when the answer does not show it yet
            agreed = {w for w in x.answer_words - shown if votes.get(w, 0.0) >= self.agreed_support}
            if chosen and ((stems <= covered and not agreed) or x.score < self.keep_ratio * chosen[0].score):
                continue  # adds nothing new, or much weaker than the best sentence
            seen.add(key)
            chosen.append(x)
            covered |= stems
            shown |= x.answer_words
            if len(chosen) >= self.max_generic:
                break
        return chosen


def build_answer(
    picked: list[Scored],
    passages: list[Passage],
    mode: str = "extractive",
    bullets: bool = False,
    full_names: bool = True,
    labels: list[str] | None = None,
) -> Answer:
    """Number the passages used in order of appearance and write 'sentence [n]' lines, each
    short name followed by the report's full form of it when that is certain ("[Jon Rahm]");
    `labels[i]` (a speaker's name) goes before the i-th line, as it is shown, not quoted."""
    numbers: dict[int, int] = {}
    for x in picked:
        numbers.setdefault(x.passage, len(numbers) + 1)
    by_passage: dict[int, list[Sentence]] = {}
    for x in picked:
        by_passage.setdefault(x.passage, []).append(x.sentence)
    citations = []
    for pi, n in numbers.items():
        p = passages[pi]
        sents = sorted(by_passage[pi], key=lambda s: s.start)
        citations.append(
            Citation(
                n=n,
                title=p.title,
                source=p.source,
                published=p.published,
                url=p.url,
                quote=" … ".join(s.text for s in sents),
                article_id=p.article_id,
                chunk_id=p.chunk_id,
                spans=[(s.start, s.end) for s in sents],
            )
        )
    # "Rahm's" -> "Rahm's [Jon Rahm]", from the same report's retrieved text (retrieval/answer/fullnames.py)
    forms: dict[str, NameForms] = {}
    for pi in numbers if full_names else ():
        aid = passages[pi].article_id
        if aid not in forms:
            forms[aid] = report_forms(passages[pi].title, [p.text for p in passages if p.article_id == aid])
    lines: list[str] = []
    for i, x in enumerate(picked):
        shown = " ".join(x.sentence.text.split()) if labels else x.sentence.text
        if full_names:  # each name in full once, where the answer first names it short
            shown = with_full_names(shown, forms[passages[x.passage].article_id], " ".join(lines))
        label = labels[i] if labels else ""
        lines.append(f"{label}{shown} [{numbers[x.passage]}]")
    text = "\n".join(f"• {line}" for line in lines) if bullets else " ".join(lines)
    return Answer(text, citations, passages, mode=mode)
