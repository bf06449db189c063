"""How a generation ends: a stream of drafts, then an `Answer` (`Events`); when the model's reply
cannot be used, the extractive answer with a note saying why (`fallback`). Shared by the answerer
(`llm.py`) and map-reduce summaries (`mapreduce.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import replace

from retrieval.generate.chat import add_usage
from retrieval.results import Answer
from retrieval.text.safety import defuse_mentions

FALLBACK = "showing quotes from the articles instead."
Events = AsyncIterator[str | Answer]


def fallback(extractive: Answer, why: str, usage: Mapping[str, int]) -> Answer:
    """The extractive answer, with a visible note and the tokens the attempt cost.

    When the engine found nothing either, its "nothing found" answer stands: the note
    then only says what went wrong with the model, if anything did.
    """
    if extractive.found:
        note = f"{why}; {FALLBACK}"
    elif why.startswith("The model found no answer"):
        note = ""
    else:
        note = f"{why}."
    notes = [*extractive.notes, note] if note else list(extractive.notes)
    return replace(
        extractive,
        text=defuse_mentions(extractive.text),
        notes=notes,
        usage=dict(usage),
        citations=list(extractive.citations),
        passages=list(extractive.passages),
    )


def with_usage(answer: Answer, usage: Mapping[str, int]) -> Answer:
    """`answer` with `usage` added to its own (tokens spent by earlier calls)."""
    total = dict(usage)
    add_usage(total, answer.usage)
    return replace(answer, usage=total)
