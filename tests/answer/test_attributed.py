"""Speaker questions answered from the attribution index, on the fictional fixture articles."""

from __future__ import annotations

import re
from datetime import date

from retrieval.answer.attributed import AttributedAnswerer, speaker_question
from retrieval.answer.search import SearchFilters
from retrieval.engine import Engine
from retrieval.results import Answer
from tests.conftest import SAMPLE_ARTICLE, TEST_DATA

HARBOUR = TEST_DATA / "harbour_article.txt"
BRENN = ("Tarva believed talks", "dialogue and consultation", "Oskar Brenn")


def _check_citations(engine: Engine, answer: Answer) -> None:
    numbers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.text)})
    assert numbers == [c.n for c in answer.citations] == list(range(1, len(numbers) + 1))
    shown = {p.chunk_id for p in answer.passages}
    for c in answer.citations:
        assert c.chunk_id in shown
        text = engine.catalog.article("default", c.article_id)["text"]
        assert c.quote == " … ".join(text[a:b] for a, b in c.spans)  # verbatim, at its offsets


def test_valk_on_the_drills_quotes_only_valk(engine: Engine) -> None:
    engine.ingest_paths([SAMPLE_ARTICLE, HARBOUR])
    answer = engine.ask("what did Valk say about the drills?")
    assert answer.mode == "extractive"
    assert "“not something we will trade away in any negotiation”" in answer.text  # reported
    assert "had to remain ready" in answer.text  # reported
    assert "we must keep our forces at a high state of readiness" in answer.text  # direct
    quotes = " ".join(c.quote for c in answer.citations)
    assert not any(b in answer.text or b in quotes for b in BRENN)
    _check_citations(engine, answer)


def test_surname_full_name_and_title_find_the_same_speaker(engine: Engine) -> None:
    engine.ingest_paths([SAMPLE_ARTICLE])
    answers = [
        engine.ask(f"what did {who} say about the drills?").text
        for who in ("Valk", "Anders Valk", "Gen. Anders Valk", "General Valk")
    ]
    assert len(set(answers)) == 1 and "high state of readiness" in answers[0]
    said = engine.ask("what has Valk said?")
    assert said.found and not any(b in said.text for b in BRENN)


def test_two_people_with_one_surname_are_told_apart(engine: Engine) -> None:
    engine.ingest_paths([HARBOUR])
    both = engine.ask("what did Dace say about the harbour?")
    assert "Ruth Dace: " in both.text and "Jonah Dace: “The board is right to wait" in both.text
    assert any("Jonah Dace, Ruth Dace" in n and "full name" in n for n in both.notes)
    jonah = engine.ask("what did Jonah Dace say?")
    assert "The board is right to wait for the money" in jonah.text
    assert "lifeline" not in jonah.text and not jonah.notes
    _check_citations(engine, both)


def test_a_pronoun_quote_is_labelled_and_reactions_are_answered(engine: Engine) -> None:
    engine.ingest_paths([SAMPLE_ARTICLE])
    answer = engine.ask("how did Vell react to Marsk's remarks?")
    assert "“approved by the president.”" in answer.text
    vell = engine.ask("what did Vell say?")
    assert "Conrad Vell: “What we want is for them to come to the table" in vell.text
    _check_citations(engine, answer)


def test_filters_and_fallback(engine: Engine) -> None:
    engine.ingest_paths([HARBOUR])
    engine.ingest_paths([SAMPLE_ARTICLE], "guild-1")
    attributed = engine.attributed
    assert attributed is not None
    question = "what did Osei say about the dredging?"
    passages = engine.search(question)
    assert attributed.answer(question, "default", passages, SearchFilters()) is not None
    for filters in (
        SearchFilters(since=date(2026, 11, 21)),
        SearchFilters(until=date(2026, 11, 19)),
        SearchFilters(source="elsewhere.example"),
    ):
        assert attributed.answer(question, "default", passages, filters) is None
    # another namespace's speaker, or a name nobody in the index has: today's extractive path
    assert attributed.answer("what did Valk say?", "default", passages, SearchFilters()) is None
    assert engine.ask("what did Valk say?", "guild-1").found
    nobody = "what did Nobody Atall say about the dredging?"
    assert engine.ask(nobody).text == engine.answerer.answer(nobody, engine.search(nobody)).text


def test_speaker_questions() -> None:
    assert speaker_question("what did Gen. Anders Valk say about the drills?") == (
        speaker_question("What did Gen. Anders Valk say about the drills")
    )
    asked = speaker_question("How did Vell react to Marsk's remarks?")
    assert asked is not None and (asked.who, asked.topic) == ("Vell", "Marsk's remarks")
    asked = speaker_question("what has Valk said?")
    assert asked is not None and (asked.who, asked.topic) == ("Valk", "")
    assert speaker_question("what did the article say about the ferry?") is None
    assert speaker_question("how many seals were counted?") is None


def test_only_a_shortlist_is_read_outside_the_retrieved_articles(engine: Engine) -> None:
    engine.ingest_paths([HARBOUR])
    assert engine.attributed is not None
    narrow = AttributedAnswerer(engine.attributed.attributions, engine.catalog, shortlist=1)
    question = "what did Ferrand say about the wall?"
    unretrieved = narrow.answer(question, "default", [], SearchFilters())
    assert unretrieved is not None and unretrieved.text.count("[1]") == 1
    assert "‘the east wall will not last another decade,’" in unretrieved.text
    retrieved = narrow.answer(question, "default", engine.search(question), SearchFilters())
    assert retrieved is not None and "“Every month we wait, the silt gets deeper,”" in retrieved.text


def test_a_much_quoted_name_is_bounded_to_its_newest_statements(engine: Engine) -> None:
    engine.ingest_paths([HARBOUR])
    index = engine.store.attributions
    assert index is not None
    (aid,) = {q.article_id for q in index.find("default", "Ferrand")}
    assert len(index.find("default", "Ferrand")) == 4
    assert len(index.find("default", "Ferrand", newest=1)) == 1
    assert len(index.find("default", "Ferrand", newest=1, articles={aid})) == 4
