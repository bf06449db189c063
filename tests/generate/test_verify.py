"""Model verification (NEWSDESK_VERIFY=model) against the loopback OpenAI-compatible server:
one extra request per answer whose JSON verdicts drop or re-cite sentences; the offline check's
result stands on bad JSON, a timeout, or a verdict for a claim that was not sent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from retrieval.app import App
from retrieval.generate.chat import build_client
from retrieval.generate.llm import LLMAnswerer
from retrieval.results import Answer
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.llm_support import make_extractive, make_passages, make_settings

VALK = "Valk said the drills with South Korea were routine and defensive [1]."
FERRY = "Boats will run every 30 minutes on weekdays [2]."
ANSWER = f"{VALK} {FERRY}"
USAGE = {"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340}


def verdicts(*items: tuple[int, bool, int | None]) -> Reply:
    body = {"verdicts": [{"claim": c, "supported": s, "passage": p} for c, s, p in items]}
    return Reply.text(json.dumps(body), usage=USAGE)


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


async def ask(server: FakeOpenAI, *replies: Reply, **settings: Any) -> tuple[Answer, list[tuple[str, dict]]]:  # type: ignore[type-arg]
    conf = make_settings(server.base_url, verify="model", **settings)
    recorded: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    llm = LLMAnswerer.from_settings(
        build_client(conf), conf, on_usage=lambda kind, usage: recorded.append((kind, dict(usage)))
    )
    server.queue(
        Reply.text(ANSWER, usage={"prompt_tokens": 600, "completion_tokens": 30, "total_tokens": 630})
    )
    server.queue(*replies)
    passages = make_passages()
    copy = replace(passages[1], chunk_id="a9:0", article_id="a9", source="Harbour News", title="Boats")
    passages.append(replace(copy, text="Ferries will run every 30 minutes on weekdays, the city said."))
    answer = await llm.answer("What about the drills and the ferry?", passages, make_extractive(passages))
    return answer, recorded


async def test_one_extra_request_sends_each_kept_sentence_with_its_aligned_sentences(
    server: FakeOpenAI,
) -> None:
    answer, recorded = await ask(server, verdicts((1, True, 1), (2, True, 2)))
    assert answer.text == ANSWER
    assert len(server.requests) == 2
    [message] = server.requests[1]["messages"]
    prompt = message["content"]
    assert '<claim id="1" cites="[1]">' in prompt and '<claim id="2" cites="[2]">' in prompt
    assert "[1] Gen. Anders Valk said on Tuesday that the joint drills" in prompt
    assert "[2] Boats will run every 30 minutes on weekdays." in prompt
    assert "[5] Ferries will run every 30 minutes on weekdays, the city said." in prompt  # the best other
    assert '{"verdicts": [' in prompt
    assert answer.usage == {"prompt_tokens": 900, "completion_tokens": 70, "total_tokens": 970}
    assert recorded == [
        ("verify", USAGE),
        ("answer", {"prompt_tokens": 600, "completion_tokens": 30, "total_tokens": 630}),
    ]


async def test_a_sentence_the_model_finds_unsupported_is_dropped(server: FakeOpenAI) -> None:
    answer, _ = await ask(server, verdicts((1, True, 1), (2, False, None)))
    assert answer.text == VALK
    assert answer.notes == ["Removed 1 sentence the cited articles do not support."]
    assert [c.n for c in answer.citations] == [1]


async def test_a_verdict_naming_another_shown_passage_re_cites(server: FakeOpenAI) -> None:
    # claim 2 was shown with its best other passage too ([5]): the model may move it there,
    # not to a passage it was not shown
    answer, _ = await ask(server, verdicts((1, True, 4), (2, False, 5)))
    assert answer.text == f"{VALK} Boats will run every 30 minutes on weekdays [5]."


async def test_bad_json_keeps_the_offline_result(server: FakeOpenAI) -> None:
    answer, recorded = await ask(server, Reply.text("Both claims look fine to me!"))
    assert answer.text == ANSWER and answer.mode == "llm"
    assert [kind for kind, _ in recorded] == ["verify", "answer"]  # its tokens still count


async def test_a_broken_response_keeps_the_offline_result(server: FakeOpenAI) -> None:
    answer, _ = await ask(server, Reply.raw("{not json"))
    assert answer.text == ANSWER
    assert len(server.requests) == 2  # verification is tried once, not retried


async def test_a_timeout_keeps_the_offline_result(server: FakeOpenAI) -> None:
    answer, _ = await ask(server, Reply.hang(), llm_timeout=0.5)
    assert answer.text == ANSWER and answer.mode == "llm"


async def test_a_verdict_for_a_claim_that_was_not_sent_is_ignored(server: FakeOpenAI) -> None:
    answer, _ = await ask(server, verdicts((7, False, None), (2, False, None)))
    assert answer.text == VALK  # claim 1 had no verdict: the offline decision stands


async def test_offline_makes_no_extra_request(server: FakeOpenAI) -> None:
    conf = make_settings(server.base_url, verify="offline")
    llm = LLMAnswerer.from_settings(build_client(conf), conf)
    server.queue(Reply.text(ANSWER))
    passages = make_passages()
    answer = await llm.answer("What about the drills?", passages, make_extractive(passages))
    assert answer.text == ANSWER and len(server.requests) == 1


def test_model_is_the_default_when_a_model_is_configured() -> None:
    assert make_settings("http://127.0.0.1:9/v1", verify=None).verify_with_model
    assert not make_settings("http://127.0.0.1:9/v1", verify="offline").verify_with_model
    assert not make_settings("http://127.0.0.1:9/v1", verify=None, openai_api_key=None).verify_with_model


def test_stats_count_the_verification_tokens(tmp_path: Any) -> None:
    with App(make_settings("http://127.0.0.1:9/v1", data_dir=tmp_path)) as app:
        app.catalog.record_usage("answer", {"prompt_tokens": 600, "completion_tokens": 30})
        app.catalog.record_usage("verify", USAGE)
        assert app.catalog.usage_totals() == {
            "llm_requests": 2,
            "llm_prompt_tokens": 900,
            "llm_completion_tokens": 70,
            "llm_verify_tokens": 340,
        }
