"""Reply text that is no claim, and replies that are no answer.

A small or base model (Gemma 3 270M behind llama.cpp, see `make test-llm`) often writes back
what it was given instead of answering: the instructions ("How to work:", "If the passages do
not answer the question, reply with exactly this sentence…"), "Question: …", the passages'
header lines ("Title: … | Source: … | Date: …"), stray markup ("[/", "</passage>"), and the
same sentence over and over. A `Screen`, built from the request's own prompt and the headers of
the passages it packed, sorts such sentences out before the citation check judges the rest
(`citations.check`):

- **echo**: the sentence is (nearly) a sentence of the prompt's own text, or a piece of one:
  the system prompt, the template, the question, the user's earlier turns; never the passages,
  whose sentences are what a claim restates;
- **header**: a "Title: … | Source: …" line, a passage's title on its own, or delimiter markup;
- **not a claim**: no content word at all ("[/ [1]", "1.", "Yes.");
- **repeat**: the same words as an earlier sentence of the reply (kept once).

These are left out and never shown with a marker. `unusable` then says whether what is left
is an answer at all: when most of the reply was removed, or neither the kept sentences nor the
article sentences quoted for them share a content word with the question, the answer path shows
the extractive answer with a note instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from retrieval.text.sentences import split_sentences
from retrieval.text.words import CLAIM_STOPWORDS, stemmer

NO_ANSWER = "The passages do not answer this question."
ECHO_RATIO = 0.8  # token-sequence similarity to a prompt sentence that makes a sentence an echo
MOSTLY_REMOVED = 0.5  # share of a reply's distinct sentences removed above which it is no answer
# Where the server cuts a reply that has started writing its prompt back (a small base model
# goes on from its answer to a new "Question:" or passage); OpenAI takes at most four.
STOP = ("\nQuestion:", "\nPassages:", "<passage", "\nTitle:")

_TOKEN = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_MARKER = re.compile(r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")
_HEADER = re.compile(r"\b(title|source|date)\s*:.*\|\s*(source|date)\s*:|^\W*title\s*:", re.IGNORECASE)
_MARKUP = re.compile(  # delimiters of the prompt, and chat-template tokens written back
    r"</?\s*(passage|notes|conversation|claim)\b|\bn\s*=\s*\"\d|<(start|end)_of_turn>|<<\s*/?\s*SYS\s*>>"
    r"|\[/?INST\]|</?s>",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^\s*(answer|response|reply)\s*:\s*", re.IGNORECASE)
_stem = stemmer("light")


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers, markers left out: what two echoes have in common."""
    return _TOKEN.findall(_MARKER.sub(" ", text).lower())


def content_words(text: str) -> set[str]:
    """Stemmed words that are not stop words (numbers are no content word on their own)."""
    out = set()
    for w in _WORD.findall(_MARKER.sub(" ", text)):
        low = w.lower()
        if low in CLAIM_STOPWORDS:
            continue
        s = _stem(low)
        if len(s) > 2 and s not in CLAIM_STOPWORDS:
            out.add(s)
    return out


def strip_label(sentence: str) -> str:
    """ "Answer: Valk said …" → "Valk said …" (a label before a claim is not part of it)."""
    return _LABEL.sub("", sentence, count=1)


@dataclass
class Screen:
    """What one request's reply is screened against. `prompt`: the request's own text without
    the passages; `titles`: the packed passages' titles; `question`: what the reply must be
    about ("" for a summary of everything)."""

    prompt: str = ""
    titles: Sequence[str] = ()
    question: str = ""
    _sentences: list[list[str]] = field(default_factory=list, init=False, repr=False)
    _joined: str = field(default="", init=False, repr=False)
    _titles: set[str] = field(default_factory=set, init=False, repr=False)
    _seen: set[str] = field(default_factory=set, init=False, repr=False)
    _kinds: dict[tuple[str, bool], str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        pieces: list[list[str]] = []
        for line in self.prompt.splitlines():
            for s in split_sentences(line):
                pieces += [t for t in (tokens(p) for p in re.split(r"(?<=:)\s", s.text)) if t]
        self._sentences = pieces
        self._joined = " " + " ".join(" ".join(p) for p in pieces) + " "
        self._titles = {" ".join(tokens(t)) for t in self.titles if tokens(t)}

    def fresh(self) -> Screen:
        """The same screen with no sentences seen yet (one per reply checked)."""
        return Screen(self.prompt, self.titles, self.question)

    def classify(self, sentence: str, partial: bool = False, seen: set[str] | None = None) -> str:
        """Why `sentence` (markers included or not) is no claim: "echo", "header", "not a claim",
        "repeat"; "" when it is a claim to check. Remembers it in `seen` (default: the screen's
        own), for repeats. `partial`: still being written (its last word may be cut)."""
        kind = self._kinds.get((sentence, partial))
        if kind is None:  # drafts ask again about the same sentences: judged once
            kind = self._kinds[(sentence, partial)] = self._kind(sentence, partial)
        if kind or partial:
            return kind
        key = " ".join(tokens(sentence))
        seen = self._seen if seen is None else seen
        if key in seen:
            return "repeat"
        seen.add(key)
        return ""

    def _kind(self, sentence: str, partial: bool) -> str:
        words = tokens(sentence)
        if _MARKUP.search(sentence) or _HEADER.search(sentence):
            return "header"
        if partial:
            return "echo" if len(words) >= 2 and self.echoes(words, True) else ""
        key = " ".join(words)
        if key in self._titles:
            return "header"
        if " ".join(tokens(NO_ANSWER)) == key:
            return ""
        if not content_words(sentence):
            return "not a claim"
        return "echo" if self.echoes(words) else ""

    def echoes(self, words: list[str], partial: bool = False) -> bool:
        """The words are a piece of the prompt's own text, or nearly one of its sentences
        (`partial`: the last word may be the start of one)."""
        if not words or not self._sentences:
            return False
        if f" {' '.join(words)}{'' if partial else ' '}" in self._joined:
            return True
        return any(
            SequenceMatcher(None, words, p, autojunk=False).ratio() >= ECHO_RATIO
            for p in self._sentences
            if abs(len(p) - len(words)) <= max(len(p), len(words)) // 2
        )

    def visible(self, draft: str) -> str:
        """A draft with what would be left out cut from it, the rest as written (repeats are
        judged within the draft; nothing is remembered): what a front end may show while the
        model is still writing."""
        seen: set[str] = set()
        cuts: list[tuple[int, int]] = []
        pieces = [
            (offset + s.start, offset + s.end, s.text)
            for line, offset in _lines(draft)
            for s in split_sentences(line)
            if _MARKER.sub("", s.text).strip()
        ]
        for i, (start, end, text) in enumerate(pieces):
            done = not draft[end:].strip() and re.search(r"[.!?\]]\W*$", text)
            # the last sentence may still be being written: only what is plainly echo or a header
            if self.classify(text, partial=not (i < len(pieces) - 1 or done), seen=seen):
                cuts.append((start, end))
        for start, end in reversed(cuts):
            draft = draft[:start] + draft[end:].lstrip(" ")
        return draft if not cuts else re.sub(r"\n{2,}", "\n", draft).strip("\n")


def _lines(text: str) -> list[tuple[str, int]]:
    """Each line of `text` with its offset."""
    out, offset = [], 0
    for line in text.splitlines(keepends=True):
        out.append((line, offset))
        offset += len(line)
    return out


@dataclass
class Tally:
    """What became of a reply's sentences: `claims` judged, `kept` of them, `left_out` by kind."""

    claims: int = 0
    kept: int = 0
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def removed(self) -> int:
        """Sentences that were neither kept nor repeats (repeats cost nothing)."""
        return self.claims - self.kept + sum(n for k, n in self.left_out.items() if k != "repeat")


def unusable(tally: Tally, kept_sentences: Iterable[str], question: str) -> str:
    """Why a checked reply is no answer ("" when it is one): most of it was removed, or none of
    `kept_sentences` (what it says, and the passage sentences quoted for it) shares a content
    word with the question."""
    considered = tally.kept + tally.removed
    if considered and tally.removed > MOSTLY_REMOVED * considered:
        return (
            f"Most of the model's answer ({tally.removed} of {considered} sentences) was not a "
            "supported claim"
        )
    wanted = content_words(question)
    kept = list(kept_sentences)
    if wanted and kept and not any(wanted & content_words(s) for s in kept):
        return "The model's answer did not address the question"
    return ""


def left_out_note(tally: Tally) -> str:
    """A note for the sentences left out as no claim (repeats are not worth one)."""
    n = sum(k for why, k in tally.left_out.items() if why != "repeat")
    if not n:
        return ""
    plural = "s" if n > 1 else ""
    what = "repeated the instructions or passage headers, or stated nothing"
    return f"Left out {n} sentence{plural} that {what}."
