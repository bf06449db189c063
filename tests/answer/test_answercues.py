"""Answer cues: a sentence that brings the name or number a question asks for is preferred over
one that only restates the question."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from retrieval.answer.cues import AnswerCues, corroboration, expects_number, headline
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.results import Passage
from retrieval.text.terms import Terms


def passage(text: str, n: int = 0, title: str = "Ferry news") -> Passage:
    return Passage(
        chunk_id=f"a{n}:0",
        article_id=f"a{n}",
        position=0,
        start=0,
        end=len(text),
        text=text,
        title=title,
        url=f"https://news.example/{n}",
        source="news.example",
        published=date(2026, 3, 1),
    )


def test_numeric_questions_are_recognised() -> None:
    assert expects_number("How many ferries were cancelled this week?")
    assert expects_number("In what year did the bridge open?")
    assert expects_number("What percentage of voters backed the plan?")
    assert not expects_number("Which town cancelled its ferries this week?")
    assert not expects_number("Who was named harbour master?")


def test_a_new_name_or_number_is_a_cue_and_the_question_words_are_not() -> None:
    terms = Terms()
    which = AnswerCues(terms, "Which island lost its ferry service this week?", set())
    assert which.new_answer_words("Service to Kell Island stopped on Monday.") == {"kell"}
    assert which.new_answer_words("The island lost its ferry service this week.") == set()
    assert which.new_answer_words("The Island lost its Ferry Service.") == set()  # question words
    assert which.new_answer_words("The island lost its ferry service on Tuesday.") == set()  # a date
    how_many = AnswerCues(terms, "How many sailings were cancelled?", set())
    assert how_many.new_answer_words("Officials cancelled 14 sailings.") == {"14"}
    assert how_many.new_answer_words("Officials cancelled twelve sailings.") == {"twelve"}
    assert how_many.new_answer_words("Officials cancelled sailings at Kell Island.") == set()


def test_the_answerer_prefers_the_sentence_that_names_the_answer() -> None:
    text = (
        "The island lost its ferry service, the ferry company said on Tuesday. "
        "Kell Island lost its ferry service on Monday after the storm."
    )
    question = "Which island lost its ferry service this week?"
    with_cues = ExtractiveAnswerer(max_generic=1).answer(question, [passage(text)])
    assert with_cues.text == "Kell Island lost its ferry service on Monday after the storm. [1]"
    without = ExtractiveAnswerer(max_generic=1, cue_weight=0.0, vote_weight=0.0, proximity_weight=0.0).answer(
        question, [passage(text)]
    )
    assert without.text == "The island lost its ferry service, the ferry company said on Tuesday. [1]"


def test_answer_words_are_whole_names_and_numbers_the_question_lacks() -> None:
    terms = Terms()
    which = AnswerCues(terms, "Which club signed the goalkeeper Tomas Reyes?", set())
    assert which.new_answer_words("Port Aldery signed Tomas Reyes on Monday.") == {"port", "alderi"}
    how_many = AnswerCues(terms, "How many fans watched the 2026 final?", set())
    assert how_many.new_answer_words("In 2026, 12,400 fans and eleven stewards came.") == {"12,400", "eleven"}


def test_corroboration_counts_each_report_once_at_its_best_sentence() -> None:
    votes = corroboration(
        [
            ("a1", 1.0, {"port"}),
            ("a1", 0.9, {"port", "harbour"}),  # the same report again: its best sentence counts
            ("a2", 0.8, {"port"}),
            ("a3", 0.6, {"harbour"}),
        ]
    )
    assert votes == {"port": 1.0, "harbour": (0.9 + 0.6) / (1.0 + 0.8)}
    assert corroboration([]) == {}


def test_the_name_more_reports_agree_on_wins_between_equal_sentences() -> None:
    question = "Which club signed the goalkeeper Tomas Reyes this week?"
    passages = [
        passage("Harbour City signed goalkeeper Tomas Reyes this week.", 0),
        passage("Port Aldery signed goalkeeper Tomas Reyes this week.", 1),
        passage("Port Aldery signed the goalkeeper on Monday, the club said.", 2),
        passage("Tomas Reyes signed with Port Aldery.", 3),
    ]
    # rank prior and cue off: the first two sentences score the same on their own words
    alone = dict(max_generic=1, rank_weight=0.0, cue_weight=0.0)
    voted = ExtractiveAnswerer(**alone).answer(question, passages)  # type: ignore[arg-type]
    assert voted.text == "Port Aldery signed goalkeeper Tomas Reyes this week. [1]"
    assert voted.citations[0].url == "https://news.example/1"
    unvoted = ExtractiveAnswerer(**alone, vote_weight=0.0).answer(question, passages)  # type: ignore[arg-type]
    assert unvoted.text == "Harbour City signed goalkeeper Tomas Reyes this week. [1]"


def test_proximity_is_the_share_of_the_question_near_an_answer_word() -> None:
    cues = AnswerCues(Terms(), "Which island cancelled its ferry service?", set())
    weights = {"island": 1.0, "cancel": 1.0, "ferri": 1.0, "servic": 1.0}
    near = "Kell Island cancelled its ferry service on Monday."
    far = (
        "Kell residents, who had complained for years about the fares, delays, noise and parking "
        "at the old pier, learned the island cancelled its ferry service."
    )
    assert cues.proximity(near, {"kell"}, weights) == 1.0
    assert cues.proximity(far, {"kell"}, weights) == 0.0  # "island" is 11 content words away
    assert cues.proximity(far, {"kell"}, weights, window=12) == 0.5  # island, cancelled
    assert cues.proximity(near, set(), weights) == 0.0
    how_many = AnswerCues(Terms(), "How many sailings were cancelled in 2026?", set())
    counted = "In 2026, officials cancelled 12,400 sailings."
    assert how_many.new_answer_words(counted) == {"12,400"}
    weighted = {"sail": 1.0, "cancel": 1.0, "2026": 2.0}
    assert how_many.proximity(counted, {"12,400"}, weighted, window=1) == 0.5  # the number stays whole


def test_the_answer_among_the_question_words_wins_over_a_bystander() -> None:
    question = "Which island cancelled its ferry service this week?"
    passages = [
        passage(
            "Kell residents, who had complained for years about the fares, delays, noise and parking "
            "at the old pier, learned the island cancelled its ferry service this week.",
            0,
        ),
        passage(
            "After years of complaints about the fares, delays, noise and parking at the old pier, "
            "Rona Island cancelled its ferry service this week.",
            1,
        ),
    ]
    alone = dict(max_generic=1, rank_weight=0.0, vote_weight=0.0)
    near = ExtractiveAnswerer(**alone).answer(question, passages)  # type: ignore[arg-type]
    assert near.citations[0].url == "https://news.example/1"
    assert near.text.startswith("After years of complaints")
    blind = ExtractiveAnswerer(**alone, proximity_weight=0.0).answer(question, passages)  # type: ignore[arg-type]
    assert blind.citations[0].url == "https://news.example/0"


def test_headlines_lose_the_site_name_search_results_append() -> None:
    assert headline("Ultraprocessed food may contribute to dementia, study says | CNN") == (
        "Ultraprocessed food may contribute to dementia, study says"
    )
    assert headline("Ferries: a winter timetable | Harbour Gazette | Local") == "Ferries: a winter timetable"
    assert headline("Port Aldery - Kell crossing cut") == "Port Aldery - Kell crossing cut"


def test_a_report_whose_headline_names_the_answer_adds_its_vote() -> None:
    question = "Which club signed the goalkeeper Tomas Reyes this week?"
    passages = [
        passage("Harbour City signed goalkeeper Tomas Reyes this week.", 0),
        passage("Port Aldery signed goalkeeper Tomas Reyes this week.", 1),
        # the bodies do not name the club; the headlines do (and their site name is no vote)
        passage(
            "The goalkeeper signed a two-year contract, the club said.",
            2,
            title="Port Aldery sign goalkeeper Tomas Reyes | Harbour Gazette",
        ),
        passage(
            "The goalkeeper signed on Monday, the club said.",
            3,
            title="Port Aldery sign goalkeeper Tomas Reyes | Harbour Gazette",
        ),
    ]
    alone = dict(max_generic=1, rank_weight=0.0, cue_weight=0.0, proximity_weight=0.0)
    voted = ExtractiveAnswerer(**alone).answer(question, passages)  # type: ignore[arg-type]
    assert voted.text == "Port Aldery signed goalkeeper Tomas Reyes this week. [1]"
    untitled = ExtractiveAnswerer(**alone, title_vote_weight=0.0).answer(question, passages)  # type: ignore[arg-type]
    assert untitled.text == "Harbour City signed goalkeeper Tomas Reyes this week. [1]"


def test_one_answerer_serves_questions_in_parallel_threads() -> None:
    """The bot shares one answerer between worker threads: a question asked while another is
    being answered must not change the first one's answer (the answerer keeps no per-question
    state). The index lookup of question A runs question B, as another thread could."""
    text = (
        "The island lost its ferry service, the ferry company said on Tuesday. "
        "Kell Island lost its ferry service on Monday after the storm. "
        "Officials cancelled 14 sailings, the harbour master said."
    )
    question_a = "Which island lost its ferry service this week?"
    question_b = "How many sailings did officials cancel?"
    alone = ExtractiveAnswerer(max_generic=1).answer(question_a, [passage(text)]).text
    assert alone == "Kell Island lost its ferry service on Monday after the storm. [1]"
    answerer = ExtractiveAnswerer(max_generic=1)
    interleaved: list[str] = []

    def doc_frequency(words: Sequence[str]) -> tuple[int, dict[str, int]]:
        if not interleaved:
            interleaved.append("B asked")
            interleaved.append(answerer.answer(question_b, [passage(text)]).text)
        return 100, dict.fromkeys(words, 1)

    answerer.doc_frequency = doc_frequency
    assert answerer.answer(question_a, [passage(text)]).text == alone
    assert interleaved == ["B asked", "Officials cancelled 14 sailings, the harbour master said. [1]"]


def test_a_sentence_naming_the_agreed_answer_is_quoted_though_it_adds_no_question_word() -> None:
    """The best sentence often restates the question; the name the reports agree on stands in a
    sentence that shares fewer of the question's words. It is quoted all the same, because it
    names an answer word the answer lacks and the best reports support."""
    question = "Which airline will weigh passengers before flights?"
    passages = [
        passage(
            "The airline will weigh passengers before flights, the company said on Tuesday. "
            "Kestrel Air began the weighing at the airport.",
            0,
        ),
        passage("Kestrel Air will weigh travellers at the gate.", 1),
    ]
    restating = "The airline will weigh passengers before flights, the company said on Tuesday. [1]"
    agreed = ExtractiveAnswerer(max_generic=2).answer(question, passages)
    assert agreed.text == f"{restating} Kestrel Air began the weighing at the airport. [1]"
    # without the rule, a sentence adding none of the question's words is never quoted
    restated = ExtractiveAnswerer(max_generic=2, agreed_support=2.0).answer(question, passages)
    assert restated.text == restating
