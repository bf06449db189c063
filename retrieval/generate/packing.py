"""Context packing: retrieved passages → a numbered, delimited block under a token budget.

Each passage is written as

    <passage n="1">
    Title: … | Source: … | Date: 2022-01-05
    …article text…
    Who says what in this passage:          (attributions whose own words do not name the speaker)
    - Speaker: Conrad Vell | said (direct quote) | “What we want is for them to come …
    </passage>

(when any passage carries labels, `prompts/speakers.txt`, which says how to read them, comes
before the passages), and a speaker's statement given as a passage of its own (`Passage.kind == "statement"`,
`retrieval/answer/statements.py`) as

    <passage n="2">
    Speaker: Anders Valk | told (direct quote) | “As long as … | Source: Meridian Wire, 2023-03-09 | Title: …
    …the article's sentence(s) holding it…
    </passage>

in rank order until the budget (tiktoken tokens) is spent. Passages are numbered by their
place in the block, so `[n]` in the model's reply points to `Packed.passages[n - 1]`
(or keep numbers given by the caller, as map-reduce does). Article
text cannot close or open a delimiter: tag-like text is defanged first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import tiktoken

import prompts
from retrieval.results import Passage, Statement
from retrieval.text.sentences import split_sentences

SAID_WORDS = 10  # words of each statement's content listed under a passage
HEADER_WORDS = 40  # words of the content in a statement passage's first line
MAX_SAID = 8  # statements listed under one passage, at most
_TAG = re.compile(r"<(?=\s*/?\s*(passage|notes|conversation)\b)", re.IGNORECASE)


def count_tokens(encoding: tiktoken.Encoding, text: str) -> int:
    """Tokens in `text`; special-token strings in article text count as plain text."""
    return len(encoding.encode(text, disallowed_special=()))


def defang(text: str) -> str:
    """Make `<passage>`, `</notes>`… inside untrusted text harmless (‹ instead of <)."""
    return _TAG.sub("‹", text)


def format_passage(n: int, passage: Passage, text: str | None = None) -> str:
    date = passage.published.isoformat() if passage.published else "unknown"
    title, source = passage.title or "untitled", passage.source or "unknown"
    header = f"Title: {title} | Source: {source} | Date: {date}"
    if passage.kind == "statement" and passage.statements:
        header = f"{label(passage.statements[0], HEADER_WORDS)} | Source: {source}, {date} | Title: {title}"
    body = (passage.text if text is None else text).strip()
    unnamed = [s for s in passage.statements or () if passage.kind != "statement" and _unnamed(passage, s)]
    if unnamed:
        lines = [f"- {label(s, SAID_WORDS)}" for s in unnamed[:MAX_SAID]]
        body += "\nWho says what in this passage:\n" + "\n".join(lines)
    return f'<passage n="{n}">\n{defang(header)}\n{defang(body)}\n</passage>'


def _labelled(passage: Passage) -> bool:
    """Does the passage carry speaker labels (see `format_passage`)?"""
    if passage.kind == "statement":
        return bool(passage.statements)
    return any(_unnamed(passage, s) for s in passage.statements or ())


def _unnamed(passage: Passage, statement: Statement) -> bool:
    """Does the statement's own text not name its speaker ("…,” he said", "the general said")?
    Those are the ones a model needs told; "Valk said …" speaks for itself."""
    if not statement.speaker:
        return False
    a, b = max(statement.start, passage.start) - passage.start, statement.end - passage.start
    return statement.speaker.split()[-1].lower() not in passage.text[a:b].lower()


def label(statement: Statement, words: int | None = None) -> str:
    """'Speaker: Anders Valk | told (direct quote) | “As long as …”': who, the cue, which kind,
    and the content (its first `words` words when given)."""
    kind = "direct quote" if statement.direct else "reported speech"
    content = " ".join(statement.content.split())
    cut = content.split(" ")
    if words is not None and len(cut) > words:
        content = " ".join(cut[:words]) + " …"
    who = statement.speaker or "unnamed source"
    return f"Speaker: {who} | {statement.cue} ({kind}) | {content}"


@dataclass
class Packed:
    """What went into the prompt: the block, the passages in it and their numbers."""

    text: str
    passages: list[Passage] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    tokens: int = 0
    dropped: int = 0  # passages left out for lack of room


def pack(
    passages: list[Passage],
    encoding: tiktoken.Encoding,
    budget: int,
    numbers: Sequence[int] | None = None,
) -> Packed:
    """Pack passages in order under `budget` tokens, skipping any that no longer fit.

    Passages are numbered 1, 2, … in the block, or keep the given `numbers` (map-reduce
    numbers passages once for the whole set; a skipped passage then leaves a gap).
    The first passage is cut at a sentence boundary when it alone is over budget, so a
    tight budget still yields some context.
    """
    blocks: list[str] = []
    packed = Packed(text="")
    used = 0
    if any(_labelled(p) for p in passages):  # how to read the speaker labels, before the passages
        blocks.append(prompts.render("speakers").strip())
        used += count_tokens(encoding, blocks[0]) + 1
    for i, passage in enumerate(passages):
        n = numbers[i] if numbers is not None else 1 + len(packed.passages)
        block = format_passage(n, passage)
        cost = count_tokens(encoding, block) + 1  # + the blank line between blocks
        if used + cost > budget and not packed.passages:
            block = _truncated(n, passage, encoding, budget - used)
            cost = count_tokens(encoding, block) + 1 if block else budget + 1
        if used + cost > budget:
            packed.dropped += 1
            continue
        blocks.append(block)
        packed.passages.append(passage)
        packed.numbers.append(n)
        used += cost
    packed.text = "\n\n".join(blocks)
    packed.tokens = used
    return packed


def _truncated(n: int, passage: Passage, encoding: tiktoken.Encoding, budget: int) -> str:
    """The passage cut to its leading sentences that fit in `budget`, or "" if none do."""
    overhead = count_tokens(encoding, format_passage(n, passage, text="")) + 1
    room = budget - overhead
    kept_end = 0
    for sentence in split_sentences(passage.text):
        if count_tokens(encoding, passage.text[: sentence.end]) > room:
            break
        kept_end = sentence.end
    if kept_end == 0:
        return ""
    return format_passage(n, passage, text=passage.text[:kept_end])
