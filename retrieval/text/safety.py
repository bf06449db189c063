"""Hostile text: article text is data, and model replies go to a chat.

`looks_like_instruction` finds sentences addressed to a model or a chat ("ignore your
instructions…", "@everyone"): the extractive answerer, summaries and digests never quote them,
and the citation checker takes them as support for nothing. `defuse_mentions` breaks the
mentions in text a chat client would otherwise ping people with.
"""

from __future__ import annotations

import re

# Text addressed to a model or a chat. Rules and guidelines count only when they are the
# reader's own ("ignore your rules", "disregard all previous guidelines"): news reports people
# who "ignore the rules" or "override federal guidelines".
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?)\b"
    r"|\b(ignore|disregard|forget|override)\s+(all\s+)?(of\s+)?(your|previous|prior|earlier|preceding"
    r"|the\s+(previous|above|preceding|system))\s+(\w+\s+)?(rules|guidelines)\b"
    r"|\b(system prompt|you are now|as an ai|new instructions)\b|@(everyone|here)\b",
    re.IGNORECASE,
)
_MENTION = re.compile(r"@(?=(everyone|here)\b)|<@(?=[!&]?\d+>)", re.IGNORECASE)


def looks_like_instruction(sentence: str) -> bool:
    """Text addressed to a model or a chat ("ignore your instructions", "@everyone")."""
    return bool(_INSTRUCTION.search(sentence))


def defuse_mentions(text: str) -> str:
    """Break @everyone, @here and <@id> so a chat client pings nobody (zero-width space)."""
    return _MENTION.sub(lambda m: m.group(0) + "\u200b", text)
