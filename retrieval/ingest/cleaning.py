"""Remove scraped-page junk around a story: "Source link", comment forms, lists of other headlines."""

from __future__ import annotations

import re

from retrieval.text.safety import clean_untrusted

# A line that starts the page furniture after the story; everything from it on is dropped.
_TRAILER = re.compile(
    r"^\s*(source link|leave a reply|leave a comment|products you may like|articles you may like"
    r"|you may also like|related (articles|posts|stories|coverage)|more from .{0,40}"
    r"|recommended( for you)?|trending( now)?|read more|share this( article)?|like this"
    r"|sign up for .{0,60}|subscribe( to .{0,60})?|follow us.{0,40}|comments?|post navigation"
    r"|about the author|most popular|popular posts)\s*:?\s*$",
    re.IGNORECASE,
)
# Lines that are never part of a story, wherever they stand.
_JUNK_LINE = re.compile(
    r"^\s*(advertisement|skip to (main )?content|your email address will not be published\.?"
    r"|required fields are marked \*?|click here to .{0,60}|share on (facebook|twitter|x)"
    r"|image( source)?: .{0,80}|copyright ©.{0,120}|© \d{4}.{0,120})\s*$",
    re.IGNORECASE,
)


def _is_headline_like(line: str) -> bool:
    s = line.strip()
    return 0 < len(s) <= 90 and not re.search(r"[.!?\"”’)]$", s)


def clean_text(text: str) -> str:
    """Return the story body: cleaned of what must not reach a terminal or a chat
    (`clean_untrusted`), trailers cut, junk lines dropped, a trailing headline list removed."""
    text = clean_untrusted(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.split("\n")
    body_chars = 0
    kept: list[str] = []
    for line in lines:
        # a trailer marker only counts once some story text came before it
        if body_chars >= 200 and _TRAILER.match(line):
            break
        if _JUNK_LINE.match(line):
            continue
        kept.append(line.rstrip())
        body_chars += len(line.strip())
    # a run of >= 3 short unpunctuated lines at the very end is a list of other headlines
    tail = len(kept)
    while tail > 0 and not kept[tail - 1].strip():
        tail -= 1
    run_start = tail
    while run_start > 0 and (_is_headline_like(kept[run_start - 1]) or not kept[run_start - 1].strip()):
        run_start -= 1
    nonblank = [x for x in kept[run_start:tail] if x.strip()]
    if len(nonblank) >= 3 and run_start > 0:
        tail = run_start
    out = "\n".join(kept[:tail])
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip()
