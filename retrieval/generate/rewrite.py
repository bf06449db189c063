"""Follow-up questions in a thread → one standalone question to search with.

"and what did Mattis say?" after "What did Dunford say about the drills?" means nothing to
a search engine on its own. With a model configured, the thread's recent turns and the
follow-up go through prompts/rewrite.txt and the model's one-line question is used; if
that fails or looks wrong, the caller's fallback (a heuristic rewrite, or the question as
asked) is used instead. The result is what to search with; show the user their own words.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from retrieval.generate.chat import Messages, Reply
from retrieval.generate.citations import NO_ANSWER
from retrieval.generate.llm import LLMAnswerer, Turn
from retrieval.generate.packing import defang
from retrieval.text.safety import defuse_mentions

log = logging.getLogger(__name__)

HISTORY_TOKENS = 600
REPLY_TOKENS = 120
_PREFIX = re.compile(r"^\s*((standalone|rewritten)\s+question|question)\s*[:\-–]\s*", re.I)


@dataclass
class Rewrite:
    query: str  # what to search with
    rewritten: bool  # False when the fallback was used
    usage: dict[str, int] = field(default_factory=dict)


async def standalone_question(
    llm: LLMAnswerer,
    question: str,
    history: Sequence[Turn],
    fallback: str | None = None,
    max_chars: int = 1000,
) -> Rewrite:
    """The follow-up `question` made standalone using `history` (oldest turn first)."""
    question = " ".join(question.split())
    plain = fallback or question
    lines = llm.history_lines(history, HISTORY_TOKENS)
    if not lines:
        return Rewrite(plain, rewritten=False)
    fill = {"history": lines, "question": defang(question)}

    def build(_: int) -> Messages:
        return llm.messages("rewrite", fill)

    reply = await llm.chat.complete(build, budget=HISTORY_TOKENS, max_tokens=REPLY_TOKENS)
    if reply.usage:  # counted with the answers' requests (`newsdesk stats`) and logged
        log.info("rewrite usage=%s", reply.usage)
        if llm.on_usage is not None:
            llm.on_usage("rewrite", reply.usage)
    if not isinstance(reply, Reply):
        return Rewrite(plain, rewritten=False, usage=reply.usage)
    query = _clean(reply.text)
    if not query or len(query) > max_chars or query == NO_ANSWER:
        return Rewrite(plain, rewritten=False, usage=reply.usage)
    return Rewrite(query, rewritten=True, usage=reply.usage)


def _clean(text: str) -> str:
    """The first non-empty line, without a 'Standalone question:' label or wrapping quotes."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = _PREFIX.sub("", line).strip().strip("\"“”'").strip()
    return defuse_mentions(" ".join(line.split()))
