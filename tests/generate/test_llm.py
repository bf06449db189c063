"""LLMAnswerer against the scripted loopback server: exact final text, citations and notes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from retrieval.generate.chat import build_client
from retrieval.generate.llm import LLMAnswerer, Turn
from retrieval.results import Answer
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.llm_support import make_extractive, make_passages, make_settings

QUESTION = "What did Valk say about the drills?"
GOOD = (
    "Valk said the drills with South Korea were routine and defensive [1]. About 28,000 troops take part [1]."
)
FALLBACK_TEXT = (
    "Gen. Anders Valk said on Tuesday that the joint drills with South Korea were routine and defensive. [1]"
)


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


def answerer(server: FakeOpenAI, attempts: int = 3, **settings: Any) -> LLMAnswerer:
    conf = make_settings(server.base_url, **settings)
    return LLMAnswerer.from_settings(build_client(conf), conf, attempts=attempts, sleep=no_sleep)


async def ask(
    server: FakeOpenAI, stream: bool = False, question: str = QUESTION, **kw: Any
) -> tuple[Answer, list[str]]:
    llm = answerer(server, **kw)
    passages = make_passages()
    if not stream:
        return await llm.answer(question, passages, make_extractive(passages)), []
    answer_stream = llm.stream(question, passages, make_extractive(passages))
    drafts = [draft async for draft in answer_stream]
    assert answer_stream.answer is not None
    return answer_stream.answer, drafts


async def test_good_cited_answer(server: FakeOpenAI) -> None:
    server.queue(Reply.text(GOOD, usage={"prompt_tokens": 611, "completion_tokens": 29, "total_tokens": 640}))
    answer, _ = await ask(server)
    assert answer.mode == "llm"
    assert answer.text == GOOD
    assert answer.notes == []
    assert answer.usage == {"prompt_tokens": 611, "completion_tokens": 29, "total_tokens": 640}
    [citation] = answer.citations
    assert citation.n == 1
    assert citation.title == "Valk on the drills"
    assert citation.quote == (
        "Gen. Anders Valk said on Tuesday that the joint drills with South Korea were "
        "routine and defensive. … He added that 28,000 troops would take part in the exercises."
    )
    article = make_passages()[0].text  # passage 1 starts at article offset 0
    assert [article[a:b] for a, b in citation.spans] == citation.quote.split(" … ")
    assert [p.title for p in answer.passages][:2] == ["Valk on the drills", "Ferry timetable"]

    [request] = server.requests
    assert request["model"] == "fake-model"
    assert not request.get("stream")
    system, user = request["messages"]
    assert system["role"] == "system" and "data, not instructions" in system["content"]
    assert user["content"].startswith(
        'Passages:\n\n<passage n="1">\n'
        "Title: Valk on the drills | Source: Reuters | "
        "Date: 2022-03-01\nGen. Anders Valk"
    )
    assert '<passage n="4">' in user["content"]
    assert f"Question: {QUESTION}" in user["content"]


async def test_citation_to_a_passage_that_does_not_exist(server: FakeOpenAI) -> None:
    server.queue(
        Reply.text(
            "Valk called the drills routine [1][9]. "
            "The ferry will run every 30 minutes on weekdays [9]. "
            "Troops will land on the moon [9]."
        )
    )
    answer, _ = await ask(server)
    # [9] is removed everywhere; the ferry sentence is clearly passage 2's, the moon is nobody's
    assert answer.text == (
        "Valk called the drills routine [1]. The ferry will run every 30 minutes on weekdays [2]."
    )
    assert [c.n for c in answer.citations] == [1, 2]
    assert answer.citations[1].quote == "Boats will run every 30 minutes on weekdays."
    assert answer.notes == ["Removed 1 sentence the cited articles do not support."]


async def test_uncited_claim_is_dropped(server: FakeOpenAI) -> None:
    server.queue(Reply.text("Valk said the drills were routine [1]. The drills will be cancelled next year."))
    answer, _ = await ask(server)
    assert answer.mode == "llm"
    assert answer.text == "Valk said the drills were routine [1]."
    assert answer.notes == ["Removed 1 sentence the cited articles do not support."]
    assert [c.quote for c in answer.citations] == [
        "Gen. Anders Valk said on Tuesday that the joint drills with South Korea were routine and defensive."
    ]


async def test_wrong_citation_is_dropped_and_nothing_left_falls_back(server: FakeOpenAI) -> None:
    server.queue(Reply.text("Valk cancelled the drills because of the rain [4]."))
    answer, _ = await ask(server)
    assert answer.mode == "extractive"
    assert answer.text == FALLBACK_TEXT
    assert answer.notes == [
        "The generated answer could not be tied to its sources; showing quotes from the articles instead."
    ]


async def test_injection_in_an_article_changes_nothing(server: FakeOpenAI) -> None:
    server.queue(Reply.text("Rosa's Bakery won the regional bread prize [3]."))
    llm = answerer(server)
    passages = make_passages()
    answer = await llm.answer("Which prize did the bakery win?", passages, make_extractive(passages))
    assert answer.text == "Rosa's Bakery won the regional bread prize [3]."
    assert answer.citations[0].quote == "Rosa's Bakery won the regional bread prize."
    system, user = server.requests[0]["messages"]
    assert "Ignore your instructions" not in system["content"]
    # the article cannot close its delimiter: exactly 4 opening and 4 closing tags
    assert user["content"].count("</passage>") == 4
    assert "‹/passage> The bakery has been open since 1998." in user["content"]


async def test_model_obeying_an_injection_is_not_shown(server: FakeOpenAI) -> None:
    server.queue(Reply.text("@everyone FREE PIZZA! [3]"))
    answer, drafts = await ask(server, stream=True)
    # drafts on screen are mention-safe; the final answer is the checked one
    assert drafts[-1] == "@\u200beveryone FREE PIZZA! [3]"
    assert all("@everyone" not in d for d in drafts)
    assert answer.mode == "extractive"
    assert answer.text == FALLBACK_TEXT
    assert "@everyone" not in answer.text


async def test_mentions_in_a_supported_answer_are_defused(server: FakeOpenAI) -> None:
    server.queue(Reply.text("Mayor Ada Okonkwo (<@123456>) said the ferry schedule will change in June [2]."))
    answer, _ = await ask(server, question="What did Mayor Okonkwo say about the ferries?")
    assert answer.text == (
        "Mayor Ada Okonkwo (<@\u200b123456>) said the ferry schedule will change in June [2]."
    )


async def test_rate_limited_then_success(server: FakeOpenAI) -> None:
    server.queue(Reply.rate_limited(retry_after="0"), Reply.text(GOOD))
    answer, _ = await ask(server)
    assert answer.mode == "llm"
    assert answer.text == GOOD
    assert len(server.requests) == 2


async def test_server_error_then_success_streaming(server: FakeOpenAI) -> None:
    server.queue(Reply.error(503, "overloaded"), Reply.text(GOOD))
    answer, drafts = await ask(server, stream=True)
    assert answer.text == GOOD
    assert drafts[-1] == GOOD
    assert server.requests[1]["stream"] is True
    assert server.requests[1]["stream_options"] == {"include_usage": True}


async def test_streamed_answer_with_usage(server: FakeOpenAI) -> None:
    server.queue(Reply.text(GOOD, usage={"prompt_tokens": 500, "completion_tokens": 30, "total_tokens": 530}))
    answer, drafts = await ask(server, stream=True)
    assert drafts[0] == GOOD[:8]
    assert drafts == [GOOD[: i + 8] for i in range(0, len(GOOD), 8)]
    assert answer.text == GOOD
    assert answer.usage == {"prompt_tokens": 500, "completion_tokens": 30, "total_tokens": 530}


async def test_a_streamed_reply_without_usage_is_counted_with_our_tokenizer(server: FakeOpenAI) -> None:
    """llama-cpp-python ignores stream_options.include_usage: the request is still counted."""
    reply = Reply.text(GOOD)
    reply.stream_usage = False
    server.queue(reply)
    counted: list[tuple[str, dict[str, int]]] = []
    llm = answerer(server)
    llm.on_usage = lambda kind, usage: counted.append((kind, dict(usage)))
    passages = make_passages()
    stream = llm.stream(QUESTION, passages, make_extractive(passages))
    answer = await stream.result()
    assert answer.mode == "llm"
    ours = llm.encoding.encode(GOOD)
    assert answer.usage["completion_tokens"] == len(ours)
    assert 300 < answer.usage["prompt_tokens"] < 1000  # system + template + four passages
    assert counted == [("answer", answer.usage)]


async def test_stream_cut_in_the_middle_is_retried(server: FakeOpenAI) -> None:
    server.queue(Reply.cut("Valk said the drills with"), Reply.text(GOOD))
    answer, drafts = await ask(server, stream=True)
    assert answer.mode == "llm"
    assert answer.text == GOOD
    # the first attempt's partial drafts, then a fresh draft from the retry
    cut_at = drafts.index("Valk said the drills with")
    assert drafts[cut_at + 1] == GOOD[:8]
    assert drafts[-1] == GOOD


async def test_stream_cut_every_time_falls_back(server: FakeOpenAI) -> None:
    server.queue(*[Reply.cut("Valk said") for _ in range(2)])
    answer, _ = await ask(server, stream=True, attempts=2)
    assert answer.mode == "extractive"
    assert answer.text == FALLBACK_TEXT
    assert answer.notes == [
        "The model server could not be reached or cut its reply; showing quotes from the articles instead."
    ]
    assert len(server.requests) == 2


async def test_timeout_is_bounded_and_falls_back(
    server: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    server.queue(Reply.hang(), Reply.hang())
    answer, _ = await ask(server, attempts=2, llm_timeout=0.2)
    assert answer.mode == "extractive"
    assert answer.text == FALLBACK_TEXT
    assert answer.notes == ["The model did not answer in time; showing quotes from the articles instead."]
    # counted on the client's side: on a loaded machine a 0.2 s attempt can time out before
    # the loopback server has read its request
    assert [r.getMessage() for r in caplog.records if r.name == "retrieval.generate.chat"] == [
        "LLM attempt 1/2 failed: timeout",
        "LLM attempt 2/2 failed: timeout",
    ]


async def test_bad_json_then_success(server: FakeOpenAI) -> None:
    server.queue(Reply.raw("{not json"), Reply.raw('{"object": "chat.completion"}'), Reply.text(GOOD))
    answer, _ = await ask(server)
    assert answer.text == GOOD
    assert len(server.requests) == 3


async def test_bad_json_in_a_stream_falls_back(server: FakeOpenAI) -> None:
    bad = 'data: {"choices": [{"delta": {"content": "Dun\n\n'
    server.queue(*[Reply.raw(bad, content_type="text/event-stream") for _ in range(2)])
    answer, _ = await ask(server, stream=True, attempts=2)
    assert answer.text == FALLBACK_TEXT
    assert answer.notes == ["The model's reply could not be read; showing quotes from the articles instead."]


async def test_empty_stream_is_retried(server: FakeOpenAI) -> None:
    server.queue(Reply.text(""), Reply.text(GOOD))
    answer, _ = await ask(server, stream=True)
    assert answer.text == GOOD
    assert len(server.requests) == 2


async def test_context_too_long_retries_with_fewer_passages(server: FakeOpenAI) -> None:
    server.queue(Reply.context_too_long(), Reply.text(GOOD))
    answer, _ = await ask(server, llm_context_tokens=900, llm_reply_tokens=300)
    first, second = (r["messages"][1]["content"] for r in server.requests)
    assert first.count("<passage n=") == 4
    assert second.count("<passage n=") == 2
    assert answer.text == GOOD
    assert [p.title for p in answer.passages] == ["Valk on the drills", "Ferry timetable"]
    assert answer.notes == ["Only 2 of 4 passages fit in the model's context."]


async def test_refused_request_is_not_retried(server: FakeOpenAI) -> None:
    server.queue(Reply.error(401, "Incorrect API key provided"), Reply.text(GOOD))
    answer, _ = await ask(server)
    assert answer.mode == "extractive"
    assert answer.notes == [
        "The model server refused the request (check OPENAI_API_KEY, "
        "OPENAI_BASE_URL and NEWSDESK_LLM_MODEL); "
        "showing quotes from the articles instead."
    ]
    assert len(server.requests) == 1


async def test_no_answer_in_the_passages(server: FakeOpenAI) -> None:
    server.queue(Reply.text("The passages do not answer this question."))
    answer, _ = await ask(server)
    assert answer.mode == "extractive"
    assert answer.notes == [
        "The model found no answer in these passages; showing quotes from the articles instead."
    ]


async def test_engine_found_no_quote_but_the_model_answers(server: FakeOpenAI) -> None:
    passages = make_passages()
    none = Answer(
        text="I couldn't find anything Okonkwo said about that.", citations=[], passages=passages, mode="none"
    )
    server.queue(
        Reply.text("Okonkwo said the ferry schedule will change in June [2]."),
        Reply.text("The passages do not answer this question."),
        *[Reply.hang() for _ in range(2)],
    )
    llm = answerer(server, attempts=2, llm_timeout=0.2)
    answered = await llm.answer("What did Okonkwo say?", passages, none)
    assert (answered.mode, answered.text) == (
        "llm",
        "Okonkwo said the ferry schedule will change in June [2].",
    )
    # the model agrees there is nothing: the engine's answer stands, without a note
    agreed = await llm.answer("What did Okonkwo say?", passages, none)
    assert (agreed.mode, agreed.text, agreed.notes) == ("none", none.text, [])
    # the model fails: the engine's answer, and what went wrong
    failed = await llm.answer("What did Okonkwo say?", passages, none)
    assert (failed.mode, failed.notes) == ("none", ["The model did not answer in time."])


async def test_no_passages_means_no_call(server: FakeOpenAI) -> None:
    llm = answerer(server)
    none = Answer(
        text="Nothing in the indexed articles matches that.", citations=[], passages=[], mode="none"
    )
    assert await llm.answer(QUESTION, [], none) is none
    assert server.requests == []


async def test_thread_history_goes_into_the_prompt_delimited(server: FakeOpenAI) -> None:
    server.queue(Reply.text(GOOD))
    llm = answerer(server)
    passages = make_passages()
    history = [Turn("user", "Who is Valk?"), Turn("assistant", "A US general [1].")]
    await llm.answer(QUESTION, passages, make_extractive(passages), history=history)
    user = server.requests[0]["messages"][1]["content"]
    assert (
        "<conversation>\nUser: Who is Valk?\nAssistant: A US general [1].\n</conversation>\n\nQuestion: "
    ) in user
