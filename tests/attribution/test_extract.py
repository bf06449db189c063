"""Attribution extraction on fictional fixture articles: spans, direct vs reported, speakers."""

from __future__ import annotations

from retrieval.attribution.speakers import Attribution, extract
from tests.conftest import SAMPLE_ARTICLE, TEST_DATA

HARBOUR = (TEST_DATA / "harbour_article.txt").read_text(encoding="utf-8")


def _said(text: str, a: Attribution) -> str:
    return " … ".join(text[s:e] for s, e in a.content)


def _by(text: str, speaker: str) -> list[str]:
    return [_said(text, a) for a in extract(text) if a.speaker == speaker]


def test_spans_are_exact_offsets_and_sources_are_where_they_say() -> None:
    for a in extract(HARBOUR):
        for s, e in a.content:
            assert 0 <= s < e <= len(HARBOUR) and HARBOUR[s:e].strip() == HARBOUR[s:e]
        if a.source:
            assert HARBOUR[a.source[0] : a.source[1]].strip()


def test_a_split_quote_is_one_direct_attribution_in_two_parts() -> None:
    osei = [a for a in extract(HARBOUR) if a.speaker == "Miriam Osei" and a.direct]
    assert len(osei) == 1 and len(osei[0].content) == 2
    assert _said(HARBOUR, osei[0]) == (
        "“We cannot dredge a channel we cannot pay for,” … “and the money is simply not there this year.”"
    )


def test_surname_title_and_pronoun_resolve_to_the_full_name() -> None:
    ferrand = _by(HARBOUR, "Tomas Ferrand")
    assert "larger ships would soon be unable to reach the quay" in ferrand  # "Admiral Tomas Ferrand"
    assert "“Every month we wait, the silt gets deeper,”" in ferrand  # "the admiral said"
    assert "the coastguard had already moved two patrol boats to Halvik" in ferrand  # "He added"
    assert any(s.startswith("“I have been told by the engineers") for s in ferrand)  # "Ferrand told"


def test_a_quote_inside_a_quote_stays_the_speakers() -> None:
    (inner,) = [s for s in _by(HARBOUR, "Tomas Ferrand") if "‘the east wall" in s]
    assert inner.endswith("another decade,’”")


def test_a_quote_over_two_paragraphs_is_one_attribution() -> None:
    dace = [a for a in extract(HARBOUR) if a.speaker == "Ruth Dace" and a.direct]
    assert len(dace) == 1 and len(dace[0].content) == 2
    assert "“Without it" in _said(HARBOUR, dace[0]) and "let it happen here.”" in _said(HARBOUR, dace[0])


def test_two_people_with_one_surname_are_kept_apart() -> None:
    assert _by(HARBOUR, "Jonah Dace") == ["“The board is right to wait for the money,”"]
    assert all("right to wait" not in s for s in _by(HARBOUR, "Ruth Dace"))


def test_anonymous_and_organisation_sources_are_kept_as_written() -> None:
    found = {a.speaker: a for a in extract(HARBOUR)}
    assert not found["A board official"].person
    assert _said(HARBOUR, found["A board official"]).startswith("the decision had been taken")
    assert _said(HARBOUR, found["the harbour authority"]) == "the dredging would cost 14 million crowns"


def test_valk_on_the_drills_article() -> None:
    text = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    assert _by(text, "Anders Valk") == [
        "the exercises were “not something we will trade away in any negotiation”",
        "the Arvenian military and its partners had to remain ready",
        "“As long as Dravia poses this threat, we must keep our forces at a high state of readiness"
        " to answer it,”",
    ]
    brenn = _by(text, "Oskar Brenn")  # "Oskar Brenn, a vice chairman …, told Valk that …"
    assert brenn == ["Tarva believed talks were the only effective way to settle the dispute"]
