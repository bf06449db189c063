"""Full names for short mentions in quoted sentences (retrieval/answer/fullnames.py), and in answers."""

from __future__ import annotations

from pathlib import Path

from retrieval.answer.fullnames import names, report_forms, with_full_names
from retrieval.engine import Engine


def expand(sentence: str, body: str, title: str = "A report", shown: str = "") -> str:
    return with_full_names(sentence, report_forms(title, [body]), shown)


def test_a_surname_gets_the_reports_full_name_after_its_possessive() -> None:
    body = "Jon Rahm won the Masters on Sunday. Rahm finished four shots clear. It is Rahm's second major."
    assert expand("It is Rahm's second major.", body) == "It is Rahm's [Jon Rahm] second major."


def test_the_headlines_short_form_is_not_the_first_mention() -> None:
    body = "The Milwaukee Bucks beat the Suns. The Bucks are the first team to reach 50 wins."
    title = "Bucks clinch playoff spot"
    sentence = "The Bucks are the first team to reach 50 wins."
    assert expand(sentence, body, title) == "The Bucks [Milwaukee Bucks] are the first team to reach 50 wins."


def test_a_title_before_the_name_is_dropped() -> None:
    body = "President Joe Biden spoke on Tuesday. Biden said the economy was strong. Biden left."
    expected = "Biden [Joe Biden] said the economy was strong."
    assert expand("Biden said the economy was strong.", body) == expected


def test_a_sentence_end_keeps_its_full_stop_before_the_bracket() -> None:
    body = "Kevin McCarthy lost the vote. The House removed McCarthy. Few expected McCarthy."
    assert expand("The House removed McCarthy.", body) == "The House removed McCarthy [Kevin McCarthy]."


def test_nothing_is_added_when_the_reading_is_unsure() -> None:
    # the report names Apple alone first: the later run "MacBook Air Apple" is not its full name
    apple = "Apple said so. The MacBook Air Apple sells. Apple will show it."
    assert expand("Apple will show it.", apple) == "Apple will show it."
    # two full names end with the word, equally often
    messi = "Lionel Messi scored. Leo Messi waved. Messi smiled. Lionel Messi left. Leo Messi ran. Messi won."
    assert expand("Messi smiled.", messi) == "Messi smiled."
    # a word the report also writes in lower case is not a name
    court = "The Supreme Court ruled. The court was split. The Court said no."
    assert expand("The Court said no.", court) == "The Court said no."
    # named in full more often than alone: "South Africa" is not what "Africa" is short for
    africa = "South Africa won. South Africa scored twice. Africa watched."
    assert expand("Africa watched.", africa) == "Africa watched."
    # the words before are a name of their own that runs into this one
    ukraine = "Ukraine said so. Ukraine Russia talks failed. Russia refused. Ukraine waited. Russia left."
    assert expand("Russia refused.", ukraine) == "Russia refused."
    # a word that a longer name goes on from is part of that name, not a short mention of another
    colleges = (
        "Louisiana State University won. University officials cheered. The University of Georgia declined."
    )
    assert expand("The University of Georgia declined.", colleges) == "The University of Georgia declined."
    # a title before a lone surname makes no full name ("Sen. Casey")
    casey = "Sen. Casey spoke. Casey said no. Casey left."
    assert expand("Casey said no.", casey) == "Casey said no."
    # descriptions written with a hyphen are not part of a name
    houston = "Top-ranked Houston won. Houston scored first. Houston held on."
    assert expand("Houston held on.", houston) == "Houston held on."
    # a name run into a full name of the report ("Ferrari Carlos Sainz") is not offered:
    # the full name itself is
    sainz = "Ferrari Carlos Sainz won. Carlos Sainz said so. Sainz smiled. Sainz left."
    assert expand("Sainz smiled.", sainz) == "Sainz [Carlos Sainz] smiled."
    # weekdays, months and capitals are not expanded
    assert expand("NATO met on Monday.", "Jens NATO met. Black Monday. NATO met on Monday. Monday.") == (
        "NATO met on Monday."
    )


def test_nothing_is_added_when_the_full_name_is_already_shown() -> None:
    body = "Jon Rahm won the Masters. Rahm finished four shots clear."
    assert expand("Jon Rahm won, and Rahm smiled.", body) == "Jon Rahm won, and Rahm smiled."
    assert expand("Rahm finished four shots clear.", body, shown="Jon Rahm won the Masters. [1]") == (
        "Rahm finished four shots clear."
    )
    # the report's own editorial brackets stay as they are
    bracketed = "David Attenborough spoke. He [Attenborough] said the reef was dying. Attenborough left."
    assert expand("He [Attenborough] said the reef was dying.", bracketed) == (
        "He [Attenborough] said the reef was dying."
    )


def test_credits_titles_of_office_and_passage_ends_do_not_make_names() -> None:
    # a caption's credit runs into the next sentence: "…/Getty Images Sunak" is no full name
    sunak = (
        "Rishi Sunak took office. Leon Neal/Getty Images Sunak speaks in Cardiff. "
        "Danny Lawson/PA Images/Getty Images Sunak waves. Sunak smiled. Sunak left."
    )
    assert expand("Sunak smiled.", sunak) == "Sunak [Rishi Sunak] smiled."
    # "Secretary of State Antony Blinken": the word after "of" belongs to the office
    blinken = "Secretary of State Antony Blinken flew in. Blinken met Sunak. Blinken left."
    assert expand("Blinken met Sunak.", blinken) == "Blinken [Antony Blinken] met Sunak."
    assert names("The Bank of America Chairman Brian Moynihan spoke.") == [("Chairman", "Brian", "Moynihan")]
    # one passage's last word and the next passage's first are not one name
    forms = report_forms("A report", ["Help came from President Biden", "Maui residents waited. Maui wept."])
    assert with_full_names("Maui wept.", forms) == "Maui wept."
    # a sentence opener is not part of the name after it
    assert names("Since Brexit, trade fell.") == [("Brexit",)]
    # a region is a part of the place, not its full name; "North Carolina" is a name
    regions = "Fires spread in Northern California. California asked for help. California waited."
    assert expand("California asked for help.", regions) == "California asked for help."
    carolina = "Storms hit North Carolina. Carolina braced. Carolina waited."
    assert expand("Carolina braced.", carolina) == "Carolina [North Carolina] braced."
    # a first name said alone once ("It can't be Jeremy.") is still the start of the full name
    hunt = "The ex-minister Jeremy Hunt lost in 2019. Hunt announced his bid. “It can’t be Jeremy.” Hunt won."
    assert expand("Hunt announced his bid.", hunt) == "Hunt [Jeremy Hunt] announced his bid."


def test_names_are_cleaned_of_sentence_openers_and_possessives() -> None:
    assert names("The Bucks' win. But McCarthy's vote, and J.D. Power said. New England Patriots won.") == [
        ("Bucks",),
        ("McCarthy",),
        ("J.D.", "Power"),
        ("New", "England", "Patriots"),
    ]


def test_an_answer_names_the_speaker_in_full_once_and_quotes_stay_exact(
    engine: Engine, tmp_path: Path
) -> None:
    article = tmp_path / "golf.md"
    article.write_text(
        "# Rahm wins the Masters\nsource: golf.example\npublished: 2023-04-10\n\n"
        "Jon Rahm of Spain won the Masters at Augusta on Sunday, finishing four shots ahead of the field.\n\n"
        "Rahm said the green jacket was the one title he had dreamed of since he was a boy in Barrika.\n\n"
        "Rahm said he would celebrate the green jacket win with his family at home in Arizona.\n",
        encoding="utf-8",
    )
    engine.ingest_paths([article])
    answer = engine.ask("What did Rahm say about the green jacket?")
    assert answer.mode == "extractive"
    assert answer.text.count("[Jon Rahm]") == 1
    assert answer.text.startswith("Rahm [Jon Rahm] said ")
    for c in answer.citations:
        assert "[Jon Rahm]" not in c.quote  # the citation quotes the article exactly
        text = engine.catalog.article("default", c.article_id)["text"]
        assert all(text[start:end] in c.quote for start, end in c.spans)
