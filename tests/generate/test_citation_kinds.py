"""The citation check through the real generation path (LLMAnswerer → loopback OpenAI-compatible
server → check): a model's answer about the fixture article (`tests/data/drills_article.txt`)
with one unsupported sentence of each kind the claims benchmark names. Each is removed, never
re-cited to another passage that merely shares its words, and the answer says how many went."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from retrieval.generate.chat import build_client
from retrieval.generate.llm import LLMAnswerer
from retrieval.results import Answer, Passage
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.llm_support import make_extractive, make_settings

ARTICLE = (Path(__file__).resolve().parents[1] / "data" / "drills_article.txt").read_text(encoding="utf-8")
SUPPORTED = "Valk said the exercises were not something to trade away in any negotiation [4]."
REMOVED = "Removed 1 sentence the cited articles do not support."


def passages() -> list[Passage]:
    """The story's paragraphs in four consecutive passages, exact slices of the article."""
    paragraphs = [p for p in ARTICLE.split("\n\n") if p.strip()][1:29]
    groups = [paragraphs[0:7], paragraphs[7:14], paragraphs[14:21], paragraphs[21:28]]
    out = []
    for i, group in enumerate(groups):
        start = ARTICLE.index(group[0])
        end = ARTICLE.index(group[-1]) + len(group[-1])
        out.append(
            Passage(
                chunk_id=f"drills:{i}",
                article_id="drills",
                position=i,
                start=start,
                end=end,
                text=ARTICLE[start:end],
                title="Arvenia and Kestria tighten defence ties as Dravia threat grows",
                url="https://news.test/drills",
                source="Meridian Wire",
                published=None,
            )
        )
    return out


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


async def answer_with(server: FakeOpenAI, reply: str) -> Answer:
    conf = make_settings(server.base_url)
    llm = LLMAnswerer.from_settings(build_client(conf), conf, attempts=1)
    server.queue(Reply.text(reply))
    found = passages()
    return await llm.answer("What did Valk say about the drills?", found, make_extractive(found))


def test_the_passages_hold_what_the_examples_lean_on() -> None:
    p = passages()
    # the Guam example's words are all in passage [3], in sentences that say something else
    assert all(word in p[2].text for word in ("Port Ansel", "Tarva"))
    assert "handed" not in ARTICLE
    assert "not something we will trade away" in p[3].text


async def test_the_guam_example_a_claim_made_of_the_passages_own_words_is_dropped_not_recited(
    server: FakeOpenAI,
) -> None:
    # the names of the added claim are in passage [3], in sentences that say other things of them
    answer = await answer_with(
        server, f"{SUPPORTED} He also announced that Port Ansel would be handed to Tarva [7]."
    )
    assert answer.mode == "llm"
    assert answer.text == SUPPORTED
    assert answer.notes == [REMOVED]
    assert [c.n for c in answer.citations] == [4]


@pytest.mark.parametrize(
    ("kind", "claim"),
    [
        (
            "entity_swap",
            "Officials said the next round of security talks would be held in Calder in the autumn [2].",
        ),
        ("number", "Kestria hosts around 45,000 Arvenian military personnel [3]."),
        ("negation", "Vell said Arvenia was not open to talks with Ostra [1]."),
        ("fabricated", "Whitcombe will visit Kestria next month to sign a new missile treaty [2]."),
        (
            "speaker_swap",
            "Brenn told reporters in Tarvos that forces must stay at a high state of readiness [4].",
        ),
        ("overclaim", "The Kestrian Defence Ministry will buy a land-based missile interceptor system [3]."),
        (
            "recombination",
            "Kestria's coastguard will seek money in the next fiscal year to pay for design work [3].",
        ),
    ],
)
async def test_one_unsupported_sentence_of_each_kind_is_removed(
    server: FakeOpenAI, kind: str, claim: str
) -> None:
    answer = await answer_with(server, f"{SUPPORTED} {claim}")
    assert answer.text == SUPPORTED, kind
    assert answer.notes == [REMOVED], kind


async def test_a_wrong_marker_is_replaced_by_the_passage_that_supports_the_sentence(
    server: FakeOpenAI,
) -> None:
    answer = await answer_with(
        server, f"{SUPPORTED} Kestria hosts around 54,000 Arvenian military personnel [1]."
    )
    assert answer.text == f"{SUPPORTED} Kestria hosts around 54,000 Arvenian military personnel [3]."
    assert answer.notes == []


async def test_summaries_use_the_same_check(server: FakeOpenAI) -> None:
    conf = make_settings(server.base_url)
    llm = LLMAnswerer.from_settings(build_client(conf), conf, attempts=1)
    server.queue(Reply.text(f"{SUPPORTED} He also announced that Port Ansel would be handed to Tarva [3]."))
    found = passages()
    summary = await llm.summarize(found, make_extractive(found), topic="the drills", live=False).result()
    assert summary.text == SUPPORTED
    assert summary.notes == [REMOVED]
