"""Speakers: an attribution's source resolved within its article to the fullest name it gives."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.attribution.extract import Found, find
from retrieval.attribution.quotes import Span


@dataclass(frozen=True)
class Attribution:
    source: Span | None
    cue: Span
    content: tuple[Span, ...]
    direct: bool
    speaker: str


def extract(text: str) -> list[Attribution]:
    return [_resolved(text, f) for f in find(text)]


def _resolved(text: str, f: Found) -> Attribution:
    speaker = text[f.source[0] : f.source[1]] if f.source else ""
    return Attribution(f.source, f.cue, f.content, f.direct, speaker)
