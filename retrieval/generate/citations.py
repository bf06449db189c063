"""Checking a generated answer against the passages it cites.

Sentences of a passage that address a model or a chat ("ignore your instructions…",
"@everyone"; `retrieval/text/safety.py`) are treated as injected text: they support no claim
and are never quoted.

The model's text is split into sentences and each `[n]` marker is judged sentence by sentence
(`support.py`: the sentence against the one or two sentences of passage n that best match it):

- a marker pointing to no passage is removed;
- a marker whose passage does not support its sentence is removed (a sentence citing several
  passages may take one fact from each: judged against them together when none suffices alone);
- so is one whose passage has someone else say what a sentence "X said …" gives as X's, when the
  passages carry their attributions (`speakers.py`);
- a sentence left with no marker is re-cited only to a passage that passes the same test, with
  one sentence there holding most of its words (no laundering), or kept when it is the model
  saying the passages do not answer; otherwise it is dropped and counted (`Checked.dropped`).

Before that, sentences that are no claim are left out and never shown (`echo.py`: the prompt
echoed back, passage headers and markup, sentences with no content word, repeats); they are
counted by kind in `Checked.left_out`, and `tally` sums up what became of the reply.

Quotes shown to users are exact article text: for each cited passage, the sentence(s) of
that passage that best support the answer sentences citing it, with article offsets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from retrieval.generate.claimcues import read
from retrieval.generate.echo import NO_ANSWER, Screen, Tally, strip_label
from retrieval.generate.speakers import SpeakerCheck
from retrieval.generate.support import Judge, View, factual_sentences, recitable
from retrieval.results import Citation, Passage
from retrieval.text.sentences import Sentence, split_sentences
from retrieval.text.words import CLAIM_STOPWORDS, stemmer

__all__ = [
    "NO_ANSWER",
    "Checked",
    "Decision",
    "assemble",
    "best_quote",
    "check",
    "citations_for",
    "key_terms",
    "recite",
    "tally",
]

_MARKER_GROUP = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_MARKER = re.compile(r"\[(\d+)\]")
_LEADING_MARKERS = re.compile(r"^((?:\[\d+\]\s*)+)")
_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'’][A-Za-z0-9]+)*")
_NO_ANSWER = re.compile(
    r"\b(passages?|sources?|articles?)\b.{0,40}\b(do(es)?n[o']t|do(es)? not|never)\b"
    r".{0,30}\b(answer|say|mention|contain|cover|address|include|state)",
    re.IGNORECASE,
)
_DISCORD_REF = re.compile(r"<[@#][!&]?\u200b?\d+>")
_stem = stemmer("light")


def key_terms(text: str) -> set[str]:
    """Content words (stemmed, lower case) and numbers of `text`."""
    text = _DISCORD_REF.sub(" ", re.sub(r"(?<=\d),(?=\d{3}\b)", "", text))
    out: set[str] = set()
    for w in _WORD.findall(text):
        if w.lower() in CLAIM_STOPWORDS:
            continue
        s = _stem(w)
        if s and (len(s) > 2 or s.isdigit()) and s not in CLAIM_STOPWORDS:
            out.add(s)
    return out


def _factual_sentences(passage: Passage) -> list[Sentence]:
    """The passage's sentences minus injected instructions and headings: those support no claim."""
    return factual_sentences(passage)


@dataclass
class Decision:
    """What the check did with one sentence of the model's text."""

    text: str  # the sentence without its markers
    kept: bool
    cited: list[int] = field(default_factory=list)  # its markers after checking
    line: int = 0  # the line of the model's text it is on
    shown: str = ""  # as shown when kept: the text with its markers
    why: str = ""  # left out as no claim: "echo", "header", "not a claim", "repeat"


@dataclass
class Checked:
    """The answer after checking, and what was changed."""

    text: str
    cited: list[int] = field(default_factory=list)  # passage numbers, first use first
    removed_markers: int = 0  # markers to no passage, or to one that does not support
    dropped: list[str] = field(default_factory=list)  # sentences removed
    no_answer: bool = False  # the model said the passages do not answer
    sentences_by_number: dict[int, list[str]] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)  # one per sentence, in order
    left_out: dict[str, int] = field(default_factory=dict)  # sentences that are no claim, by kind

    @property
    def empty(self) -> bool:
        return not self.cited


@dataclass
class _Sentence:
    text: str  # as the model wrote it, markers normalised to [n][m]
    line: int


def _split(text: str) -> list[_Sentence]:
    text = _MARKER_GROUP.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,;]\s*", m.group(1))), text)
    out: list[_Sentence] = []
    for li, line in enumerate(text.splitlines()):
        for s in split_sentences(line):
            piece = s.text
            lead = _LEADING_MARKERS.match(piece)
            if lead and out and out[-1].line == li:
                # "…hourly. [1] Next…": the markers close the previous sentence
                out[-1].text += " " + lead.group(1).strip()
                piece = piece[lead.end() :].strip()
            if piece:
                out.append(_Sentence(piece, li))
    return out


def _without_markers(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", text)).strip()


def _add_marker(text: str, n: int) -> str:
    m = re.search(r"[.!?]+[\"'”’)]*$", text)
    if m:
        return f"{text[: m.start()].rstrip()} [{n}]{text[m.start() :]}"
    return f"{text} [{n}]"


def check(
    text: str, passages: Mapping[int, Passage], judge: Judge | None = None, screen: Screen | None = None
) -> Checked:
    """Check `text` against `passages` (number → passage); see the module docstring.
    `judge` carries the embedder for paraphrases; without one the check is lexical only.
    `screen` holds the request's prompt and headers; without one only sentences with no
    content word, markup and repeats are left out."""
    judge = judge or Judge()
    screen = (screen or Screen()).fresh()
    speakers = SpeakerCheck(passages)  # "X said …" only cites a passage where X says it
    views = speakers.views()
    result = Checked(text="")
    for sent in _split(text.strip()):
        sent.text = strip_label(sent.text)
        body = _without_markers(sent.text)
        if not body:
            continue
        why = screen.classify(sent.text)
        if why:
            result.left_out[why] = result.left_out.get(why, 0) + 1
            result.decisions.append(Decision(body, False, [], sent.line, why=why))
            continue
        numbers = list(dict.fromkeys(int(n) for n in _MARKER.findall(sent.text)))
        refused = speakers.refused(body)
        keep = [n for n in _supported_markers(judge, body, numbers, views) if n not in refused]
        result.removed_markers += len(numbers) - len(keep)
        if not keep:
            if _NO_ANSWER.search(body) and not numbers:
                result.no_answer = True  # kept as a caveat; alone it is no answer
                result.decisions.append(Decision(body, True, [], sent.line, _with_markers(sent.text, [])))
                continue
            best = _best_support(judge, body, views, numbers + refused)
            if best is None:
                result.dropped.append(body)
                result.decisions.append(Decision(body, False, [], sent.line))
                continue
            keep = [best]
        result.decisions.append(Decision(body, True, keep, sent.line, _with_markers(sent.text, keep)))
    return assemble(result)


def tally(checked: Checked) -> Tally:
    """What became of the reply's sentences (after verification too): claims judged, kept."""
    claims = [d for d in checked.decisions if not d.why and (d.cited or not d.kept)]
    return Tally(len(claims), sum(d.kept for d in claims), dict(checked.left_out))


def assemble(checked: Checked) -> Checked:
    """Rebuild the text, the passages cited and the sentences citing each from the decisions
    (after `check`, and again after model verification changes some)."""
    lines: dict[int, list[str]] = {}
    checked.cited, checked.sentences_by_number = [], {}
    for d in checked.decisions:
        if not d.kept:
            continue
        lines.setdefault(d.line, []).append(d.shown)
        for n in d.cited:
            if n not in checked.cited:
                checked.cited.append(n)
            checked.sentences_by_number.setdefault(n, []).append(d.text)
    checked.text = "\n".join(" ".join(parts) for _, parts in sorted(lines.items()))
    return checked


def _with_markers(text: str, keep: list[int]) -> str:
    """`text` keeping only the markers in `keep`; one it did not have is added at its end."""
    numbers = [int(n) for n in _MARKER.findall(text)]
    for n in numbers:
        if n not in keep:
            text = text.replace(f"[{n}]", "")
    text = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"  +", " ", text)).strip()
    for n in keep:
        if n not in numbers:
            text = _add_marker(text, n)
    return text


def recite(decision: Decision, numbers: list[int]) -> None:
    """Give a kept sentence other markers (model verification's verdict)."""
    decision.shown = _with_markers(decision.shown, numbers)
    decision.cited = list(numbers)


def _supported_markers(judge: Judge, body: str, numbers: list[int], views: Mapping[int, View]) -> list[int]:
    """The sentence's markers whose passage supports it; when it cites several passages that
    support it only together (one fact from each), all of those."""
    cues = read(body)
    valid = [n for n in numbers if n in views]
    keep = [n for n in valid if judge.judge(body, cues, views[n]).ok]
    if keep or len(valid) < 2:
        return keep
    joint = View.joined([(n, views[n]) for n in valid])
    verdict = judge.judge(body, cues, joint)
    return [n for n in valid if verdict.ok and n in {joint.owner[i] for i in verdict.aligned}]


def _best_support(judge: Judge, body: str, views: Mapping[int, View], tried: list[int]) -> int | None:
    """The passage that supports a sentence whose own markers do not: the one passing the same
    test with most of its words (no passage passes: None, the sentence is dropped)."""
    cues = read(body)
    passing = []
    for n, view in views.items():
        if n in tried:
            continue
        verdict = judge.judge(body, cues, view, semantic=False)
        if recitable(cues, verdict, view):
            passing.append((verdict.coverage, -n))
    return -max(passing)[1] if passing else None


def best_quote(passage: Passage, claims: list[str], max_sentences: int = 2) -> Citation:
    """A citation for `passage` quoting its sentence(s) that best support `claims`."""
    sentences = _factual_sentences(passage) or split_sentences(passage.text)
    chosen: list[int] = []
    for claim in claims:
        wanted = key_terms(claim)
        scores = [len(wanted & key_terms(s.text)) for s in sentences]
        if scores and max(scores) > 0:
            i = scores.index(max(scores))
            if i not in chosen:
                chosen.append(i)
    if not chosen and sentences:
        chosen = [0]
    picked = [sentences[i] for i in sorted(chosen[:max_sentences])]
    return Citation(
        n=0,
        title=passage.title,
        source=passage.source,
        published=passage.published,
        url=passage.url,
        quote=" … ".join(s.text for s in picked),
        article_id=passage.article_id,
        chunk_id=passage.chunk_id,
        spans=[(passage.start + s.start, passage.start + s.end) for s in picked],
    )


def citations_for(checked: Checked, passages: Mapping[int, Passage]) -> list[Citation]:
    """One citation per passage number used in the checked text, in order of first use."""
    out: list[Citation] = []
    for n in sorted(checked.cited):
        citation = best_quote(passages[n], checked.sentences_by_number.get(n, []))
        citation.n = n
        out.append(citation)
    return out
