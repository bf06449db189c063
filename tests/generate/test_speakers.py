"""Who said what on the model path: the model receives the attribution index's statements as
labelled passages, and a generated "X said …" is kept only citing a passage where X says it.
Through the real generation path (Answering → engine → LLMAnswerer → loopback OpenAI-compatible
server → check) on the fictional fixture articles."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

import prompts
from retrieval.answer.search import SearchFilters
from retrieval.answer.statements import model_passages
from retrieval.answering import Answering
from retrieval.engine import Engine
from retrieval.generate.chat import build_client
from retrieval.generate.citations import Checked, Decision, check
from retrieval.generate.llm import LLMAnswerer
from retrieval.generate.speakers import SpeakerCheck, claims, same_speaker
from retrieval.generate.support import Judge
from retrieval.generate.verify import claims_of
from retrieval.results import Answer
from retrieval.settings import Settings
from tests.conftest import SAMPLE_ARTICLE, TEST_DATA
from tests.support.fake_openai import FakeOpenAI, Reply

HARBOUR = TEST_DATA / "harbour_article.txt"
PASSAGE = re.compile(r'<passage n="(\d+)">\n(.*?)\n</passage>', re.DOTALL)
REMOVED = "Removed 1 sentence the cited articles do not support."
READY = "Valk said the Arvenian military and its partners had to remain ready"
BRENNS = "Valk said talks were the only effective way to settle the dispute"  # Brenn's words
LIFELINE = "said the channel was the town’s lifeline"  # Ruth Dace's words


def test_surname_full_name_and_title_name_the_same_speaker() -> None:
    for claimed in ("Valk", "Anders Valk", "Gen. Valk", "General Anders Valk", "Valk’s"):
        assert same_speaker(claimed, "Anders Valk"), claimed
    assert not same_speaker("Mira Valk", "Anders Valk")
    assert not same_speaker("Brenn", "Anders Valk")
    assert same_speaker("the ministry", "Tarva’s Defence Ministry")
    assert not same_speaker("he", "Anders Valk")


def test_claims_read_the_speaker_and_what_is_said() -> None:
    [claim] = claims("Gen. Valk told reporters in Tarvos that forces must stay ready.")
    assert claim.who == "Gen. Valk" and claim.terms == {"forc", "must", "stay", "readi"}
    [also] = claims("He also warned that Dravia would pay.", previous="Gen. Valk")
    assert also.who == "Gen. Valk"
    assert claims("He also warned that Dravia would pay.") == []  # nobody to refer back to
    assert claims("The drills begin on Monday.") == []


def numbers_of(body: dict[str, Any]) -> dict[str, str]:
    """Passage number → its text as the model received it."""
    return {m.group(1): m.group(2) for m in PASSAGE.finditer(body["messages"][-1]["content"])}


def first(passages: dict[str, str], *words: str) -> str:
    return next(n for n, text in passages.items() if all(w in text for w in words))


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


def answering(engine: Engine, settings: Settings, server: FakeOpenAI) -> Answering:
    conf = settings.model_copy(
        update={"openai_api_key": "k", "openai_base_url": server.base_url, "verify": "offline"}
    )
    return Answering(engine, LLMAnswerer.from_settings(build_client(conf), conf, attempts=1))


async def ask(engine: Engine, settings: Settings, server: FakeOpenAI, question: str, reply: str) -> Answer:
    """Ask through Answering; the model's reply is `reply` with {word} replaced by the number of
    the first passage (as sent) holding the statement `SPOTS[word]`."""

    def respond(body: dict[str, Any]) -> Reply:
        passages = numbers_of(body)
        spots = {k: first(passages, *words) for k, words in SPOTS.items() if k in reply}
        return Reply.text(reply.format(**spots))

    server.queue(Reply.dynamic(respond))
    return await (await answering(engine, settings, server).ask(question, live=False)).result()


SPOTS = {
    "ready": ("Speaker: Anders Valk | said (reported speech) | the Arvenian military",),
    "brenn": ("told Valk that Tarva believed talks were the only effective way",),  # a chunk
    "ruth": ("Speaker: Ruth Dace |", "Councillor Ruth Dace said the channel was the town’s lifeline"),
}


async def test_the_model_receives_the_speakers_statements_as_labelled_passages(
    engine: Engine, settings: Settings, server: FakeOpenAI
) -> None:
    engine.ingest_paths([SAMPLE_ARTICLE, HARBOUR])
    said = "Jonah Dace said the board was right to wait for the money [1]."
    answer = await ask(engine, settings, server, "What did Jonah Dace say?", said)
    passages = numbers_of(server.requests[0])
    prompt = server.requests[0]["messages"][-1]["content"]
    legend = prompts.render("speakers").strip()  # how to read the labels, before the passages
    assert prompt.index(legend) < prompt.index("<passage")
    # the asked speaker's statement first, as a passage of its own: speaker, cue, kind, content, source
    assert passages["1"] == (
        "Speaker: Jonah Dace | said (direct quote) | “The board is right to wait for the money,” | "
        "Source: harbourgazette.example, 2026-11-20 | Title: Harbour board delays Port Aldery dredging "
        "as costs rise\n“The board is right to wait for the money,” Jonah Dace said."
    )
    # the retrieved chunks follow, each listing who says what in it where its own words do not
    # name the speaker ("He added …", "the admiral said": resolved by the index)
    chunk = first(passages, "Who says what in this passage:", "Speaker: Tomas Ferrand")
    listed = passages[chunk].split("Who says what in this passage:\n")[1].splitlines()
    assert listed == [
        "- Speaker: Tomas Ferrand | said (direct quote) | “Every month we wait, the silt gets deeper,”",
        "- Speaker: Tomas Ferrand | added (reported speech) | the coastguard had already moved two "
        "patrol boats to Halvik",
    ]  # "Councillor Ruth Dace said …", "Ferrand told reporters" name their speaker: not listed
    # cited like any passage: the quote is the article's sentence at its offsets
    assert answer.mode == "llm" and answer.text == said
    [citation] = answer.citations
    assert citation.quote == "“The board is right to wait for the money,” Jonah Dace said."
    article = engine.catalog.article("default", citation.article_id)
    assert article is not None
    text = article["text"]
    assert [text[a:b] for a, b in citation.spans] == [citation.quote]


async def test_a_sentence_giving_someone_elses_words_to_valk_is_dropped(
    engine: Engine, settings: Settings, server: FakeOpenAI
) -> None:
    engine.ingest_paths([SAMPLE_ARTICLE])
    reply = f"{READY} [{{ready}}]. {BRENNS} [{{brenn}}]."
    answer = await ask(engine, settings, server, "What did Valk say about the drills?", reply)
    passages = numbers_of(server.requests[0])
    ready, brenn = first(passages, *SPOTS["ready"]), first(passages, *SPOTS["brenn"])
    assert passages[ready].startswith("Speaker: Anders Valk | said (reported speech)")  # a statement passage
    assert answer.mode == "llm"
    assert answer.text == f"{READY} [{ready}]."
    assert answer.notes == [REMOVED]
    # Brenn's sentence says "told Valk": without the statements the lexical check kept it
    numbered = {int(n): p for n, p in zip(passages, answer.passages, strict=True)}
    bare = {n: replace(p, statements=None) for n, p in numbered.items()}
    assert check(f"{BRENNS} [{brenn}].", bare).text == f"{BRENNS} [{brenn}]."
    assert check(f"{BRENNS} [{brenn}].", numbered).text == ""


async def test_two_people_with_one_surname_only_the_speaker_keeps_the_words(
    engine: Engine, settings: Settings, server: FakeOpenAI
) -> None:
    engine.ingest_paths([HARBOUR])
    reply = f"Ruth Dace {LIFELINE} [{{ruth}}]. Jonah Dace {LIFELINE} [{{ruth}}]."
    answer = await ask(engine, settings, server, "What did Dace say about the harbour?", reply)
    passages = numbers_of(server.requests[0])
    ruth = first(passages, *SPOTS["ruth"])
    assert answer.text == f"Ruth Dace {LIFELINE} [{ruth}]."
    assert answer.notes == [REMOVED]
    numbered = {int(n): p for n, p in zip(passages, answer.passages, strict=True)}
    # the index says whose words they are: every passage with Ruth saying them is refused to Jonah
    refused = SpeakerCheck(numbered).refused(f"Jonah Dace {LIFELINE}.")
    assert int(ruth) in refused
    assert all("Ruth Dace" in passages[str(n)] for n in refused)
    assert SpeakerCheck(numbered).refused(f"Dace {LIFELINE}.") == []  # either Dace: not refused


def test_model_verification_is_never_offered_a_passage_where_someone_else_says_it(engine: Engine) -> None:
    engine.ingest_paths([SAMPLE_ARTICLE])
    question = "What did Valk say about the drills?"
    extractive = engine.ask(question)
    assert engine.attributed is not None
    found = model_passages(engine.attributed, question, "default", extractive.passages, SearchFilters())
    numbered = dict(enumerate(found, 1))
    [ready] = [n for n, p in numbered.items() if p.kind == "statement" and "remain ready" in p.text]
    brenn = {n for n, p in numbered.items() if "told Valk that Tarva believed" in p.text}
    claim = Decision(BRENNS, True, [ready], 0, f"{BRENNS} [{ready}].")
    checked = Checked(text=claim.shown, decisions=[claim])
    bare = {n: replace(p, statements=None) for n, p in numbered.items()}
    # without the index the best other passage offered to the verifier is Brenn's; with it, none of his
    [offered] = claims_of(checked, bare, Judge())
    assert set(offered.evidence) - {ready} <= brenn and set(offered.evidence) - {ready}
    [offered] = claims_of(checked, numbered, Judge())
    assert not set(offered.evidence) & brenn
