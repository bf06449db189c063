"""Links that open at the quoted sentence: text fragments (WICG "URL Fragment Text Directives").

    https://example.com/story#:~:text=START,END

Chromium, Edge and Safari scroll to and highlight the first range of the page that starts with
START and ends with the first END after it (case-insensitive, on word boundaries, whitespace
collapsed). Each term is percent-encoded as UTF-8; "-", "&" and "," are always escaped, because
they are the directive's own syntax; "(" and ")" too, because they would end a Markdown link.

A quote of up to `WHOLE_WORDS` words goes in whole; a longer one as its first and last
`EDGE_WORDS` words (the first ones extended until they hold two words that are not stop words;
the whole quote when they would reach its end). A quote made of several pieces ("A … B") spans
from the first piece's start to the last piece's end. The plain URL is kept when the fragment
would be ambiguous (a START too generic to find the right place: fewer than two words that are
not stop words; or, when the page text is known, a START found earlier on the page than the
quote) or the link would grow past `max_length`.
"""

from __future__ import annotations

import re
import string
import urllib.parse

from retrieval.text.words import STOPWORDS

# The spec's TextDirectiveExplicitChar, less "(" and ")" (they would end a Markdown link).
_EXPLICIT = frozenset(string.ascii_letters + string.digits + "!$'*+./:;=?@_~")
WHOLE_WORDS = 10
EDGE_WORDS = 5
MAX_LINK = 512  # Discord's masked links in this project (bot/discord/render.py LINK_URL_MAX)
_PIECES = re.compile(r"\s*(?:…|\.\.\.)\s*")
_WORD = re.compile(r"\w+")


def encode_term(term: str) -> str:
    """One directive term, percent-encoded (UTF-8) with only the spec's explicit characters left
    as they are: `encode_term("an example")` is `an%20example`."""
    return "".join(ch if ch in _EXPLICIT else "".join(f"%{b:02X}" for b in ch.encode("utf-8")) for ch in term)


def text_directive(
    start: str, end: str | None = None, *, prefix: str | None = None, suffix: str | None = None
) -> str:
    """`text=[prefix-,]start[,end][,-suffix]` with every term encoded."""
    if not start:
        raise ValueError("a text directive needs a start")
    parts = [f"{encode_term(prefix)}-"] if prefix else []
    parts.append(encode_term(start))
    if end:
        parts.append(encode_term(end))
    if suffix:
        parts.append(f"-{encode_term(suffix)}")
    return "text=" + ",".join(parts)


def with_directive(url: str, directive: str) -> str:
    """`url` with the fragment directive `:~:DIRECTIVE` after its fragment (a fragment the page
    already has is kept, an old directive is replaced)."""
    base, hash_, fragment = url.partition("#")
    fragment = fragment.split(":~:", 1)[0] if hash_ else ""
    return f"{base}#{fragment}:~:{directive}"


def _specific(words: list[str]) -> bool:
    content = [w for w in _WORD.findall(" ".join(words).casefold()) if w not in STOPWORDS]
    return len(content) >= 2


def quote_terms(quote: str) -> tuple[str, str | None] | None:
    """(START, END) for a quote, END None when the quote goes in whole; None when the quote has
    too few telling words to be found reliably."""
    pieces = [p for p in _PIECES.split(quote.strip()) if p.strip()]
    if not pieces:
        return None
    first, last = pieces[0].split(), pieces[-1].split()
    if len(pieces) == 1 and len(first) <= WHOLE_WORDS:
        return (" ".join(first), None) if _specific(first) else None
    size = EDGE_WORDS  # a generic opening ("This is a schedule that") takes words until telling
    while not _specific(first[:size]) and size < len(first):
        size += 1
    if not _specific(first[:size]):
        return None
    if len(pieces) == 1 and size + EDGE_WORDS >= len(first):  # START would reach END: go in whole
        return " ".join(first), None
    return " ".join(first[:size]), " ".join(last[-EDGE_WORDS:])


def _first_at(page_text: str, start: str) -> int:
    """Where a browser finds START: the first place, case-insensitive, any whitespace between
    words (-1 when nowhere)."""
    pattern = r"\s+".join(re.escape(w) for w in start.split())
    found = re.search(pattern, page_text, re.IGNORECASE)
    return found.start() if found else -1


def url_at_quote(
    url: str, quote: str, page: tuple[str, int] | None = None, max_length: int = MAX_LINK
) -> str:
    """The link that opens at `quote`, or the plain `url` when a fragment would be ambiguous or
    too long, or the URL is not a web page's. `page`, when known, is the article's text and the
    quote's offset in it: a START found there before the quote means the browser would
    highlight the wrong place."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        return url
    terms = quote_terms(quote)
    if terms is None:
        return url
    start, end = terms
    if page is not None and _first_at(page[0], start) != page[1]:
        return url
    linked = with_directive(url, text_directive(start, end))
    return linked if len(linked) <= max_length else url


def url_at_sentence(url: str, sentence: str, text: str) -> str:
    """`url_at_quote` for a sentence quoted from an article whose text is at hand (the first
    place the sentence stands in it is where it is quoted from)."""
    at = text.find(sentence)
    return url_at_quote(url, sentence, page=(text, at) if at >= 0 else None)
