"""Hostile text: article text is data, and model replies go to a chat.

`looks_like_instruction` finds sentences addressed to a model or a chat ("ignore your
instructions…", "@everyone"): the extractive answerer, summaries and digests never quote them,
and the citation checker takes them as support for nothing. `defuse_mentions` breaks the
mentions in text a chat client would otherwise ping people with.

`clean_untrusted` is the one gate every string from outside passes where it enters (an article's
fields, a feed's title and errors, a page, a model's reply): no terminal escape sequences, no
control characters, no bidi overrides or zero-width characters. What the CLI prints it prints as
text (bot/cli/terminal.py); the Discord side renders it within its own rules.
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
# Whole escape sequences go (CSI "ESC[…m", OSC "ESC]…BEL"), then any control character left
# (C0 other than tab, newline and carriage return; DEL; C1): ESC[2J clears the screen, ESC]0;…
# sets the window title.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Characters that change how text displays without being seen: bidi embeddings, overrides and
# isolates (U+202E shows "Dock\u202e gnik" as "Dock king"), marks (LRM, RLM, ALM), zero-width
# space, joiners and non-joiner, word joiner, invisible operators, the BOM / zero-width no-break
# space, the Mongolian vowel separator, interlinear annotation marks.
_INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")
# a zero-width joiner inside an emoji sequence (🙋🏼‍♀️, 👨‍👩‍👧) is part of the character shown: kept
_PICTOGRAPH = "\u2600-\u27bf\U0001f000-\U0001faff"
_BEFORE_JOINER = re.compile(f"[{_PICTOGRAPH}\ufe0f]")
_AFTER_JOINER = re.compile(f"[{_PICTOGRAPH}]")


def _invisible(m: re.Match[str]) -> str:
    """'' for an invisible character, but the joiner between two pictographs stays."""
    text, i = m.string, m.start()
    joins = (
        m.group() == "\u200d"
        and i > 0
        and _BEFORE_JOINER.fullmatch(text[i - 1])
        and _AFTER_JOINER.fullmatch(text[i + 1 : i + 2])
    )
    return m.group() if joins else ""


_MENTION = re.compile(r"@(?=(everyone|here)\b)|<@(?=[!&]?\d+>)", re.IGNORECASE)


def clean_untrusted(text: str) -> str:
    """`text` from outside (a page, a feed, a file, a model) without escape sequences, control
    characters (tab, newline and carriage return are kept), bidi controls and zero-width
    characters (but the joiner inside an emoji sequence). A text of only such characters comes
    out empty."""
    return _INVISIBLE.sub(_invisible, _CONTROLS.sub("", _ESCAPES.sub("", text)))


def clean_line(text: str) -> str:
    """`clean_untrusted` for a one-line field (a title, a feed's name): whitespace collapsed."""
    return " ".join(clean_untrusted(text).split())


def looks_like_instruction(sentence: str) -> bool:
    """Text addressed to a model or a chat ("ignore your instructions", "@everyone")."""
    return bool(_INSTRUCTION.search(sentence))


def defuse_mentions(text: str) -> str:
    """Break @everyone, @here and <@id> so a chat client pings nobody (zero-width space)."""
    return _MENTION.sub(lambda m: m.group(0) + "\u200b", text)
