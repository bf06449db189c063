"""Model verification of a checked answer (`NEWSDESK_VERIFY=model`, the default when a model is
configured): one extra request per answer, after the offline check.

Each sentence the offline check kept with a marker is sent with the passage sentences it is
aligned to (for each passage it cites, and for the best other passage) and the model answers
in JSON (`prompts/verify.txt`): for each claim, supported or not, and by which passage. A claim
judged unsupported is dropped, unless the model names another passage that supports it (then
it is re-cited there); a supported claim with another passage named is re-cited. The offline
result stands whenever the request fails, times out or its reply is not the JSON asked for;
a verdict for a claim that was not sent is ignored, and a claim with no verdict keeps the
offline decision.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import prompts
from retrieval.generate.chat import Chat, Failure, Messages
from retrieval.generate.citations import Checked, Decision, assemble, recite
from retrieval.generate.claimcues import read
from retrieval.generate.packing import defang
from retrieval.generate.speakers import SpeakerCheck
from retrieval.generate.support import Judge
from retrieval.results import Passage

log = logging.getLogger(__name__)

REPLY_TOKENS = 400  # the verdicts: ~25 tokens a claim
_JSON = re.compile(r"\{.*\}", re.DOTALL)


@dataclass
class Claim:
    id: int  # 1-based, as sent
    decision: Decision
    evidence: dict[int, str]  # passage number → its aligned sentences


@dataclass
class Verified:
    checked: Checked
    usage: dict[str, int]
    ok: bool  # False: the request or its reply failed; the offline result stands
    changed: int = 0  # sentences dropped or re-cited by a verdict


def claims_of(checked: Checked, passages: Mapping[int, Passage], judge: Judge) -> list[Claim]:
    """The kept, cited sentences, each with the passage sentences it is aligned to (never a
    passage where someone else says what an "X said …" gives as X's: `speakers.py`)."""
    speakers = SpeakerCheck(passages)
    views = speakers.views()
    out: list[Claim] = []
    for d in checked.decisions:
        if not d.kept or not d.cited:
            continue
        cues = read(d.text)
        evidence: dict[int, str] = {}
        others: list[tuple[float, int, str]] = []
        refused = speakers.refused(d.text)
        for n, view in views.items():
            if n in refused and n not in d.cited:
                continue
            verdict = judge.judge(d.text, cues, view, semantic=False)
            text = " ".join(view.sentences[i].text for i in sorted(verdict.aligned))
            if n in d.cited and text:
                evidence[n] = text
            elif text:
                others.append((verdict.coverage, -n, text))
        if others:
            _, neg_n, text = max(others)
            evidence[-neg_n] = text
        out.append(Claim(len(out) + 1, d, evidence))
    return out


def render(claims: list[Claim]) -> str:
    blocks = []
    for c in claims:
        cites = "".join(f"[{n}]" for n in c.decision.cited)
        lines = [f'<claim id="{c.id}" cites="{cites}">', defang(c.decision.text)]
        lines += [f"[{n}] {defang(text)}" for n, text in sorted(c.evidence.items())]
        blocks.append("\n".join([*lines, "</claim>"]))
    return "\n\n".join(blocks)


def parse(text: str, ids: set[int]) -> dict[int, tuple[bool, int | None]] | None:
    """Verdicts by claim id from the model's reply; None when the reply is not the JSON asked
    for. Entries for claims that were not sent, or malformed, are skipped."""
    m = _JSON.search(text)
    try:
        data = json.loads(m.group(0)) if m else None
    except json.JSONDecodeError:
        return None
    verdicts = data.get("verdicts") if isinstance(data, dict) else None
    if not isinstance(verdicts, list):
        return None
    out: dict[int, tuple[bool, int | None]] = {}
    for v in verdicts:
        if not isinstance(v, dict):
            continue
        claim, supported, passage = v.get("claim"), v.get("supported"), v.get("passage")
        if not isinstance(claim, int) or claim not in ids or not isinstance(supported, bool):
            if isinstance(claim, int) and claim not in ids:
                log.info("verification: verdict for claim %s, which was not sent (ignored)", claim)
            continue
        out[claim] = (supported, passage if isinstance(passage, int) else None)
    return out


def apply(checked: Checked, claims: list[Claim], verdicts: Mapping[int, tuple[bool, int | None]]) -> int:
    """Drop or re-cite claims as the verdicts say; the number of sentences changed."""
    changed = 0
    for c in claims:
        if c.id not in verdicts:
            continue
        supported, passage = verdicts[c.id]
        d = c.decision
        if passage is not None and passage in c.evidence and passage not in d.cited:
            recite(d, [passage])  # the model names the passage that supports it
            changed += 1
        elif not supported:
            d.kept = False
            checked.dropped.append(d.text)
            changed += 1
    assemble(checked)
    return changed


async def verify(chat: Chat, checked: Checked, passages: Mapping[int, Passage], judge: Judge) -> Verified:
    """The checked answer after the model's verdicts, or unchanged when verification fails."""
    claims = claims_of(checked, passages, judge)
    if not claims:
        return Verified(checked, {}, True)

    def build(_: int) -> Messages:
        return [{"role": "user", "content": prompts.render("verify", claims=render(claims))}]

    once = replace(chat, attempts=1)  # one try: the offline result is a fine answer already
    reply = await once.complete(build, chat.context_tokens, max_tokens=REPLY_TOKENS)
    if isinstance(reply, Failure):
        log.warning("verification failed (%s); the offline check stands", reply.reason)
        return Verified(checked, dict(reply.usage), False)
    verdicts = parse(reply.text, {c.id for c in claims})
    if verdicts is None:
        log.warning("verification reply is not the JSON asked for; the offline check stands")
        return Verified(checked, dict(reply.usage), False)
    changed = apply(checked, claims, verdicts)
    return Verified(checked, dict(reply.usage), True, changed)
