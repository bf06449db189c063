"""End to end: the engine (real on-disk Chroma + SQLite) retrieves, the loopback model writes,
the checker ties every sentence to an article; and the same through the `newsdesk` CLI."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from retrieval.engine import Engine
from retrieval.generate.chat import build_client
from retrieval.generate.llm import LLMAnswerer
from retrieval.settings import Settings
from tests.conftest import SAMPLE_NEWS
from tests.support.fake_openai import FakeOpenAI, Reply, ThreadedFakeOpenAI

QUESTION = "What did Mayor Okonkwo say about the ferry schedule?"
PASSAGE = re.compile(r'<passage n="(\d+)">\n[^\n]*\n(.*?)\n</passage>', re.DOTALL)


def cite(keyword: str, sentence: str, chunk_chars: int = 8) -> Callable[[dict[str, Any]], Reply]:
    """A scripted model that cites, as {n}, the first passage containing `keyword`."""

    def respond(body: dict[str, Any]) -> Reply:
        for m in PASSAGE.finditer(body["messages"][-1]["content"]):
            if keyword in m.group(2):
                return Reply.text(sentence.format(n=m.group(1)), chunk_chars=chunk_chars)
        return Reply.text("The passages do not answer this question.")

    return respond


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


def llm_for(server: FakeOpenAI, settings: Settings, **overrides: Any) -> LLMAnswerer:
    conf = settings.model_copy(
        update={"openai_api_key": "k", "openai_base_url": server.base_url, "verify": "offline", **overrides}
    )
    return LLMAnswerer.from_settings(build_client(conf), conf, sleep=no_sleep)


async def test_engine_passages_to_a_checked_llm_answer(
    engine: Engine, settings: Settings, server: FakeOpenAI
) -> None:
    engine.ingest_paths([SAMPLE_NEWS])
    extractive = engine.ask(QUESTION)
    server.queue(
        Reply.dynamic(
            cite(
                "painful but temporary",
                "Okonkwo called the new ferry schedule a painful but temporary change [{n}].",
            )
        )
    )
    answer = await llm_for(server, settings).answer(QUESTION, extractive.passages, extractive)
    n = answer.citations[0].n
    assert answer.mode == "llm"
    assert answer.text == f"Okonkwo called the new ferry schedule a painful but temporary change [{n}]."
    [citation] = answer.citations
    assert citation.quote == (
        'Mayor Adaeze Okonkwo said the new ferry schedule was "a painful but temporary change" '
        'and promised that the night crossings would return "as soon as the new electric boats '
        'arrive in the autumn".'
    )
    article = engine.catalog.article("default", citation.article_id)
    assert article is not None
    assert [article["text"][a:b] for a, b in citation.spans] == [citation.quote]
    assert answer.passages[n - 1].article_id == citation.article_id


async def test_window_summary_map_reduces_under_a_small_budget(
    engine: Engine, settings: Settings, server: FakeOpenAI
) -> None:
    from datetime import date

    engine.ingest_paths([SAMPLE_NEWS])
    extractive = engine.summarize(since=date(2026, 3, 1), max_sentences=3)
    passages = extractive.passages
    # a context so small that each map request holds about two passages
    llm = llm_for(server, settings, llm_context_tokens=1250, llm_reply_tokens=200)
    counted: list[str] = []
    llm.on_usage = lambda kind, usage: counted.append(kind)
    parts: list[str] = []

    def mapper(body: dict[str, Any]) -> Reply:
        found = PASSAGE.findall(body["messages"][-1]["content"])
        parts.append(",".join(n for n, _ in found))
        lines = [f"{text.split('.')[0].strip()} [{n}]." for n, text in found]
        return Reply.text("\n".join(lines))

    reduce_seen: list[str] = []

    def reducer(body: dict[str, Any]) -> Reply:
        user = body["messages"][-1]["content"]
        reduce_seen.append(user)
        first = re.search(r"<notes>\n(.*?)\n", user, re.DOTALL)
        assert first is not None
        return Reply.text(first.group(1) + " The moon landed on the harbour [1].")

    budget = llm.passage_budget("summary", {"topic": "x", "max_sentences": "3"})
    assert sum(len(p.text) for p in passages) / 4 > budget  # really too long for one request

    def route(body: dict[str, Any]) -> Reply:
        content = body["messages"][-1]["content"]
        return reducer(body) if "<notes>" in content else mapper(body)

    server.queue(*[Reply.dynamic(route) for _ in range(len(passages) + 1)])
    answer = await llm.summarize(passages, extractive, max_sentences=3).result()

    numbers = [int(x) for p in parts for x in p.split(",")]
    assert len(parts) > 1 and numbers == list(range(1, len(passages) + 1))  # each passage once
    assert len(reduce_seen) == 1
    assert answer.mode == "llm"
    assert "moon" not in answer.text  # the invented sentence is dropped
    assert answer.notes == ["Removed 1 sentence the cited articles do not support."]
    assert re.fullmatch(r"[^\[\]]+ \[1\]\.", answer.text)
    assert answer.citations[0].n == 1 and answer.passages[0] == passages[0]
    assert answer.usage["prompt_tokens"] == 100 * (len(parts) + 1)
    assert counted == ["summary_map"] * len(parts) + ["summary_reduce"]  # every request in `stats`


@pytest.fixture
def cli_with_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[CliRunner, ThreadedFakeOpenAI]]:
    """The CLI on the sample news, its model endpoint a loopback OpenAI-compatible server."""
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(SAMPLE_NEWS)]).exit_code == 0
    with ThreadedFakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_API_KEY", "k")
        monkeypatch.setenv("NEWSDESK_VERIFY", "offline")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield runner, server


def test_cli_ask_streams_and_prints_the_checked_answer(
    cli_with_model: tuple[CliRunner, ThreadedFakeOpenAI],
) -> None:
    runner, server = cli_with_model
    server.queue(
        Reply.dynamic(
            cite(
                "11:40 p.m.",
                "Okonkwo said the last boat stays at 11:40 p.m. on Fridays and Saturdays [{n}]. "
                "She also promised free tickets for everyone.",
            )
        )
    )
    r = runner.invoke(app, ["ask", QUESTION], catch_exceptions=False)
    j = runner.invoke(app, ["ask", "--json", QUESTION], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    n = re.search(r"\[(\d+)\]", r.output)
    assert n is not None
    text = " ".join(r.output.split())  # rich wraps at the terminal width
    assert text.startswith(
        f"Okonkwo said the last boat stays at 11:40 p.m. on Fridays and "
        f"Saturdays [{n.group(1)}]. ⚠ Removed 1 sentence the cited articles "
        "do not support. Sources "
    )
    assert '“"We are keeping the last boat at 11:40 p.m. on Fridays and Saturdays."”' in text
    # the second call found no scripted reply (HTTP 500 each attempt): exit 0 and a note
    assert j.exit_code == 0
    assert '"mode": "extractive"' in j.output
    assert "The model server had an error; showing quotes from the articles instead." in j.output
    # token usage of the answered request is kept for `newsdesk stats`
    stats = runner.invoke(app, ["stats"], catch_exceptions=False).output
    assert "llm_requests: 1\n" in stats
    assert "llm_prompt_tokens: 100\n" in stats  # what the loopback server reports per request


def test_cli_summarize_prints_the_models_checked_summary(
    cli_with_model: tuple[CliRunner, ThreadedFakeOpenAI],
) -> None:
    runner, server = cli_with_model
    summary = "The last ferry stays at 11:40 p.m. on Fridays and Saturdays [{n}]."
    server.queue(Reply.dynamic(cite("11:40 p.m.", summary)))
    r = runner.invoke(app, ["summarize", "--topic", "ferry schedule", "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert got["mode"] == "llm"
    wanted = r"The last ferry stays at 11:40 p\.m\. on Fridays and Saturdays \[\d+\]\."
    assert re.fullmatch(wanted, got["answer"])
    (cited,) = got["citations"]
    assert "11:40 p.m." in cited["quote"]
    stats = runner.invoke(app, ["stats"], catch_exceptions=False).output
    assert "llm_requests: 1\n" in stats
