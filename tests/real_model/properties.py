"""What must hold for any model's output once newsdesk has checked it (not a particular wording)."""

from __future__ import annotations

import re

import prompts
from retrieval.generate.citations import check
from retrieval.generate.support import Judge
from retrieval.results import Answer

MARKER = re.compile(r"\s*\[\d+\]")
FURNITURE = ("Title:", "| Source:", "| Date:", "<passage", "</passage", "<notes", "<claim", "<<SYS>>", "[/")


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def prompt_text() -> str:
    """Every template's own words (their $slots left out), normalised."""
    parts = [re.sub(r"\$\{?\w+\}?", " ", prompts.load(name).template) for name in prompts.NAMES]
    return " " + " ".join(_words(p) for p in parts) + " "


PROMPT = prompt_text()


def shown_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?\]])\s+|\n", text) if s.strip()]


def assert_no_prompt_text(text: str) -> None:
    """No passage header or delimiter, and no sentence of three words or more that is a piece
    of the prompts' own text, reaches the user."""
    for bit in FURNITURE:
        assert bit not in text, (bit, text)
    for sentence in shown_sentences(text):
        words = _words(MARKER.sub("", sentence))
        if len(words.split()) >= 3 and words != _words("The passages do not answer this question."):
            assert f" {words} " not in PROMPT, sentence


def assert_checked(answer: Answer, extractive: Answer, judge: Judge | None = None) -> None:
    """A generated answer: every sentence passes the check again, every marker is a citation.
    Otherwise the extractive answer, with a note saying why."""
    assert_no_prompt_text(answer.text)
    if answer.mode != "llm":
        assert answer.text == extractive.text
        assert answer.notes, "a fallback always says why"
        return
    numbered = dict(enumerate(answer.passages, start=1))
    again = check(answer.text, numbered, judge)
    assert not again.dropped and not again.left_out, (again.dropped, again.left_out)
    assert again.text.replace("\u200b", "") == answer.text.replace("\u200b", "")
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers and markers == {c.n for c in answer.citations}


def assert_usage(usage: dict[str, int]) -> None:
    assert usage.get("prompt_tokens", 0) > 0 and usage.get("completion_tokens", 0) > 0, usage
