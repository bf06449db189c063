"""With a model: each timeline entry a one-line summary of its development's reports, checked by
the citation check answers go through; against the loopback OpenAI-compatible server. A line
the reports do not support leaves the entry's quoted sentence in place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest

from retrieval.answering import Answering
from retrieval.app import App
from retrieval.follow.summaries import summarize_entries
from retrieval.follow.timeline import Timeline
from retrieval.generate.chat import build_client
from retrieval.generate.llm import LLMAnswerer
from retrieval.ingest.embedding import Embedder
from retrieval.settings import Settings
from tests.follow.story import BUSES, DEAL, ENTRIES, HALTED, STRANDED, TOPIC, ingest_story, respond
from tests.support.fake_openai import FakeOpenAI, Reply


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
def story(tmp_path: Path, embedder: Embedder) -> Iterator[App]:
    app = App(Settings(NEWSDESK_DATA_DIR=tmp_path / "data"), embedder=embedder)
    ingest_story(app.engine, app.stories, "default")
    yield app
    app.close()


@pytest.fixture
async def model(story: App) -> AsyncIterator[tuple[FakeOpenAI, LLMAnswerer]]:
    async with FakeOpenAI() as server:
        conf = story.settings.model_copy(
            update={"openai_api_key": "k", "openai_base_url": server.base_url, "verify": "offline"}
        )
        yield server, LLMAnswerer.from_settings(build_client(conf), conf, sleep=no_sleep)


async def test_entries_become_checked_one_line_summaries(
    story: App, model: tuple[FakeOpenAI, LLMAnswerer]
) -> None:
    server, llm = model
    server.queue(*[Reply.dynamic(respond) for _ in range(5)])
    timeline: Timeline = story.timelines.build(TOPIC, "default", as_of=date(2026, 3, 14))
    assert await summarize_entries(timeline, llm, story.engine.catalog, "default") == 4
    assert len(server.requests) == 5
    assert [e.text for e in timeline.entries] == [
        "Ferry crews on the Lowmoor crossing voted by 212 to 31 to strike from Thursday [1].",
        "No ferries crossed Lowmoor Sound on Thursday [2]. Thousands of commuters were stranded [3].",
        ENTRIES[2][1].replace("[3]", "[4]"),  # the unsupported line was dropped: the quote stays
        "The union and the operator returned to talks on Monday with a state mediator [5].",
        "The strike ended on Thursday after crews accepted a pay rise of six percent [6].",
    ]
    first_day = timeline.to_json()["entries"][1]
    assert [(c["n"], c["url"]) for c in first_day["citations"]] == [(2, HALTED.url), (3, STRANDED.url)]
    for c in first_day["citations"]:  # each citation quotes its report verbatim
        report = next(a for a in timeline.entries[1].articles if a.url == c["url"])
        assert c["quote"] and c["quote"] in report.text
    buses = timeline.to_json()["entries"][2]["citations"]
    assert [(c["n"], c["url"]) for c in buses] == [(4, BUSES.url)]
    assert [c.n for c in timeline.citations] == [1, 2, 3, 4, 5, 6]


async def test_a_failing_model_leaves_the_quotes(story: App, model: tuple[FakeOpenAI, LLMAnswerer]) -> None:
    server, llm = model
    server.queue(*[Reply.error(500, "boom") for _ in range(15)])
    timeline = story.timelines.build(TOPIC, "default", as_of=date(2026, 3, 14))
    assert await summarize_entries(timeline, llm, story.engine.catalog, "default") == 0
    assert [e.text for e in timeline.entries] == [text for _, text, _ in ENTRIES]


async def test_a_model_answers_latest_questions_from_the_newest_reports(
    story: App, model: tuple[FakeOpenAI, LLMAnswerer]
) -> None:
    server, llm = model
    server.queue(
        Reply.text("The strike ended on Thursday after crews accepted a pay rise of six percent [1].")
    )
    answering = Answering(story.engine, llm, story.timelines)
    stream = await answering.ask(
        "What's the latest on the Lowmoor ferry strike?", "default", as_of=date(2026, 3, 14)
    )
    answer = await stream.result()
    assert answer.mode == "llm"
    assert answer.text == "The strike ended on Thursday after crews accepted a pay rise of six percent [1]."
    assert [c.url for c in answer.citations] == [DEAL.url]
    # the model's answer keeps the note that dates the newest report
    assert answer.notes[0] == "Newest first: the newest report used is from 2026-03-12."
    prompt = server.requests[0]["messages"][-1]["content"]
    assert prompt.index("Lowmoor ferry strike ends with pay deal") < prompt.index("talks resume")
