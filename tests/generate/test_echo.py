"""What a small base model writes back (Gemma 3 270M behind llama.cpp, issue 28): the prompt
echoed, passage headers, markup, sentences with no content word, the same sentence over and
over. Replayed by the loopback OpenAI server through the real generation path (engine on the
sample wire story → LLMAnswerer → citation check), built from each request the way the real
model builds its reply from it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

import prompts
from retrieval.app import App
from retrieval.generate.chat import build_client
from retrieval.generate.citations import check
from retrieval.generate.llm import LLMAnswerer
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.results import Answer
from retrieval.settings import Settings
from tests.conftest import SAMPLE_ARTICLE
from tests.support.fake_openai import FakeOpenAI, Reply

VALK = "What did Valk say about the drills?"
PASSAGE = re.compile(r'<passage n="(\d+)">\n([^\n]*)\n(.*?)\n</passage>', re.DOTALL)
TRADE = "Valk said the exercises were not something to trade away in any negotiation [{n}]."
READY = "Valk said the Arvenian military and its partners had to remain ready [{r}]."
PRESSURE = (
    "Arvenia has said it prefers international diplomatic pressure to halt Dravia's ballistic "
    "missile and nuclear programmes [{n}]."
)
RECORDED = Path(__file__).resolve().parents[1] / "data" / "gemma-270m-valk-reply.txt"


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def extractive(tmp_path_factory: pytest.TempPathFactory, embedder: LocalEmbedder) -> Answer:
    """The engine's answer and passages for the question (indexed once for the module)."""
    data = tmp_path_factory.mktemp("echo") / "data"
    with App(Settings(NEWSDESK_DATA_DIR=data), embedder=embedder) as app:  # type: ignore[call-arg]
        app.engine.ingest_paths([SAMPLE_ARTICLE])
        return app.engine.ask(VALK)


def llm_for(server: FakeOpenAI, settings: Settings) -> LLMAnswerer:
    return llm_for_settings(settings, server.base_url)


def llm_for_settings(settings: Settings, base_url: str = "http://127.0.0.1:9/v1") -> LLMAnswerer:
    conf = settings.model_copy(
        update={"openai_api_key": "k", "openai_base_url": base_url, "verify": "offline"}
    )
    return LLMAnswerer.from_settings(build_client(conf), conf, sleep=no_sleep)


def passage_with(body: dict[str, Any], keyword: str) -> tuple[int, str]:
    """The number and header line of the first packed passage containing `keyword`."""
    for m in PASSAGE.finditer(body["messages"][-1]["content"]):
        if keyword in m.group(3):
            return int(m.group(1)), m.group(2)
    raise AssertionError(f"no passage mentions {keyword!r}")


def echoing(*lines: str) -> Callable[[dict[str, Any]], Reply]:
    """A reply made of `lines`, each formatted with {n} (the passage quoting Valk on trading
    the drills away), {r} (the one saying he wants the military ready), {header} (the first
    one's header line) and {question} (the question as the prompt states it)."""

    def respond(body: dict[str, Any]) -> Reply:
        n, header = passage_with(body, "trade away")
        r, _ = passage_with(body, "remain ready")
        question = re.search(r"Question: (.*)", body["messages"][-1]["content"])
        assert question is not None
        fill = {"n": n, "r": r, "header": header, "question": question.group(1).rstrip("?")}
        return Reply.text("\n".join(line.format(**fill) for line in lines))

    return respond


# what the real model wrote for the seed question, in kind (issue 28)
ISSUE_REPLY = (
    "How to work: [3]",
    "If the passages do not answer the question, reply with exactly this sentence and nothing else: "
    "The passages do not answer this question.",
    "Question: {question} [1]?",
    "{header} [{n}]",
    "[/ [1]",
    "{header} [{n}]",
    "Use only the numbered passages in the user's message [2].",
    "Do not add facts from memory [1].",
    READY,
    "How to work: [3]",
)


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?\]])\s+", text) if s.strip()]


def assert_no_prompt_text(text: str) -> None:
    own = prompts.render("system")
    for s in sentences_of(text):
        bare = re.sub(r"\s*\[\d+\]", "", s).strip(" .")
        assert len(bare) < 12 or bare not in own, s
    for bit in ("How to work", "Title:", "Source:", "Question:", "[/", "</", "reply with exactly"):
        assert bit not in text


async def test_echo_headers_and_repeats_never_reach_the_user(
    extractive: Answer, settings: Settings, server: FakeOpenAI
) -> None:
    server.queue(Reply.dynamic(echoing(TRADE, TRADE, "How to work: [1]", READY, "{header} [{n}]", TRADE)))
    answer = await llm_for(server, settings).answer(VALK, extractive.passages, extractive)
    assert answer.mode == "llm"
    kept = sentences_of(answer.text)
    assert [re.sub(r" \[\d+\]", "", s) for s in kept] == [  # each kept once
        TRADE.format(n=0).replace(" [0]", ""),
        READY.format(r=0).replace(" [0]", ""),
    ]
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} == {c.n for c in answer.citations}
    assert_no_prompt_text(answer.text)
    assert not any("support" in note for note in answer.notes)  # nothing unsupported was removed
    assert any("repeated the instructions or passage headers" in note for note in answer.notes)


async def test_a_reply_that_is_mostly_echo_falls_back_to_the_quotes(
    extractive: Answer, settings: Settings, server: FakeOpenAI
) -> None:
    server.queue(Reply.dynamic(echoing(*ISSUE_REPLY)))
    answer = await llm_for(server, settings).answer(VALK, extractive.passages, extractive)
    assert answer.mode == extractive.mode == "extractive"
    assert answer.text == extractive.text
    assert_no_prompt_text(answer.text)
    (note,) = [n for n in answer.notes if n.startswith("Most of the model's answer")]
    assert note.endswith("showing quotes from the articles instead.")
    assert note.endswith("showing quotes from the articles instead.")
    assert answer.usage["completion_tokens"] > 0  # the attempt's cost is still recorded


async def test_a_reply_that_is_no_answer_gets_no_verification_request(
    extractive: Answer, settings: Settings, server: FakeOpenAI
) -> None:
    server.queue(Reply.dynamic(echoing(*ISSUE_REPLY)))
    llm = llm_for(server, settings)
    llm.verify = True
    answer = await llm.answer(VALK, extractive.passages, extractive)
    assert answer.mode == "extractive"
    assert len(server.requests) == 1  # the answer's request only


async def test_a_reply_that_is_only_echo_says_so(
    extractive: Answer, settings: Settings, server: FakeOpenAI
) -> None:
    server.queue(Reply.dynamic(echoing("How to work: [3]", "{header} [{n}]", "Question: {question}?")))
    answer = await llm_for(server, settings).answer(VALK, extractive.passages, extractive)
    assert answer.mode == "extractive"
    assert answer.notes[-1] == (
        "The model wrote back its instructions or the passages' headers instead of an answer; "
        "showing quotes from the articles instead."
    )


async def test_a_supported_answer_to_another_question_falls_back(
    extractive: Answer, settings: Settings, server: FakeOpenAI
) -> None:
    def respond(body: dict[str, Any]) -> Reply:
        n, _ = passage_with(body, "diplomatic pressure")
        return Reply.text(PRESSURE.format(n=n))

    server.queue(Reply.dynamic(respond))
    answer = await llm_for(server, settings).answer(VALK, extractive.passages, extractive)
    assert answer.mode == "extractive"
    assert "diplomatic pressure" not in answer.text
    assert any(note.startswith("The model's answer did not address the question") for note in answer.notes)


def test_a_sentence_without_content_words_is_no_claim(extractive: Answer) -> None:
    numbered = dict(enumerate(extractive.passages, start=1))
    n = next(i for i, p in numbered.items() if "trade away" in p.text)
    checked = check(f"[/ [{n}]\nYes [{n}].\n1.\n" + TRADE.format(n=n), numbered)
    assert checked.text == TRADE.format(n=n)
    assert checked.dropped == []  # not "unsupported claims": no claims at all
    assert checked.left_out == {"not a claim": 3}


async def test_drafts_do_not_show_the_echo(
    extractive: Answer, settings: Settings, server: FakeOpenAI
) -> None:
    server.queue(Reply.dynamic(echoing(*ISSUE_REPLY)))
    stream = llm_for(server, settings).stream(VALK, extractive.passages, extractive)
    drafts = [draft async for draft in stream]
    assert drafts and READY.split(" [")[0] in drafts[-1]
    for draft in drafts:
        assert "How to work" not in draft and "Title:" not in draft


def test_drafts_of_the_recorded_reply_never_show_the_prompt(extractive: Answer, settings: Settings) -> None:
    """Every draft the real reply went through, as the stream shows it (chat-template tokens
    such as "<<SYS>>" included)."""
    reply = RECORDED.read_text(encoding="utf-8")
    llm = llm_for_settings(settings)
    fill = llm.answer_fill(VALK)
    screen = llm.screen("answer", fill, extractive.passages)
    for end in range(1, len(reply), 5):
        draft = screen.visible(reply[:end])
        for bit in ("<<SYS>>", "How to work", "Title:", "<passage", "You are newsdesk"):
            assert bit not in draft, (end, draft)


async def test_small_models_get_stop_sequences_and_a_reply_budget_for_the_sentences_asked(
    extractive: Answer, settings: Settings, server: FakeOpenAI
) -> None:
    server.queue(Reply.dynamic(echoing(TRADE)))
    await llm_for(server, settings).answer(VALK, extractive.passages, extractive)
    (request,) = server.requests
    assert "\nQuestion:" in request["stop"] and "<passage" in request["stop"]
    assert len(request["stop"]) <= 4  # OpenAI's limit
    assert request["max_tokens"] <= 400  # five sentences, not the 800-token reserve


async def test_the_recorded_reply_of_the_real_model_falls_back(
    extractive: Answer, settings: Settings, server: FakeOpenAI
) -> None:
    """Gemma 3 270M's reply to this request (llama-cpp-python 0.3.36, recorded without stop
    sequences and with an 800-token budget): the system prompt, then passages with their
    headers, written back until the budget ran out."""
    server.queue(Reply.text(RECORDED.read_text(encoding="utf-8")))
    answer = await llm_for(server, settings).answer(VALK, extractive.passages, extractive)
    assert answer.mode == "extractive" and answer.text == extractive.text
    assert_no_prompt_text(answer.text)
    (note,) = [n for n in answer.notes if n.startswith("Most of the model's answer")]
    assert note.endswith("showing quotes from the articles instead.")
