"""Extractive summaries of an article, a topic or a time window: the most central sentences,
chosen so that no two say the same thing, each cited."""

from __future__ import annotations

import math
import re
from collections import Counter

from retrieval.answer.extractive import Scored, build_answer
from retrieval.results import Answer, Passage
from retrieval.text.safety import looks_like_instruction
from retrieval.text.sentences import Sentence, split_sentences
from retrieval.text.terms import Terms

NOTHING_TO_SUMMARIZE = "There is nothing indexed to summarise for that."


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


class Summarizer:
    def __init__(self, max_sentences: int = 6, redundancy: float = 0.5):
        self.terms = Terms()
        self.max_sentences = max_sentences
        self.redundancy = redundancy

    def summarize(
        self, passages: list[Passage], topic: str | None = None, max_sentences: int | None = None
    ) -> Answer:
        limit = max_sentences or self.max_sentences
        cands: list[tuple[int, Sentence, Counter[str], float]] = []
        seen: set[tuple[str, int]] = set()
        for i, p in enumerate(passages):
            for s in split_sentences(p.text):
                start = p.start + s.start
                if (p.article_id, start) in seen or looks_like_instruction(s.text):
                    continue  # overlapping chunks repeat sentences; text addressed to a model is data
                seen.add((p.article_id, start))
                if len(s.text.split()) < 6 or not re.search(r"[.!?\"”’]$", s.text):
                    continue  # headings, captions, fragments
                vec = Counter(self.terms.of(s.text))
                lead = 0.15 if p.position == 0 and s.start < 400 else 0.0
                cands.append((i, Sentence(start, p.start + s.end, s.text), vec, lead))
        if not cands:
            return Answer(NOTHING_TO_SUMMARIZE, [], passages, mode="none")
        centroid: Counter[str] = Counter()
        for _, _, vec, _ in cands:
            centroid.update(set(vec))
        topic_vec = Counter(self.terms.of(topic)) if topic else Counter()
        scored = []
        for i, s, vec, lead in cands:
            score = _cosine(vec, centroid) + lead + (0.5 * _cosine(vec, topic_vec) if topic_vec else 0.0)
            scored.append((score, i, s, vec))
        scored.sort(key=lambda x: (-x[0], x[1], x[2].start))
        chosen: list[tuple[float, int, Sentence, Counter[str]]] = []
        for item in scored:
            if any(_cosine(item[3], c[3]) >= self.redundancy for c in chosen):
                continue
            chosen.append(item)
            if len(chosen) >= limit:
                break
        # read in a natural order: by passage rank, then position in the article
        chosen.sort(key=lambda x: (x[1], x[2].start))
        picked = [Scored(i, s, score) for score, i, s, _ in chosen]
        return build_answer(picked, passages, bullets=True)
