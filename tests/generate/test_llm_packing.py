"""Context packing under a token budget."""

from __future__ import annotations

from retrieval.generate.packing import count_tokens, defang, format_passage, pack
from retrieval.text.tokens import load_encoding
from tests.support.llm_support import make_passages


def test_everything_fits_and_is_numbered_in_order() -> None:
    enc = load_encoding()
    packed = pack(make_passages(), enc, 10_000)
    assert packed.numbers == [1, 2, 3, 4] and packed.dropped == 0
    assert packed.text.startswith(
        '<passage n="1">\nTitle: Valk on the drills | Source: Reuters | Date: 2022-03-01\nGen. Anders Valk'
    )
    assert packed.tokens <= 10_000


def test_budget_skips_what_does_not_fit_and_numbers_stay_contiguous() -> None:
    enc = load_encoding()
    passages = make_passages()
    costs = [count_tokens(enc, format_passage(i + 1, p)) + 1 for i, p in enumerate(passages)]
    budget = costs[0] + costs[3] + 2  # room for the first and the (short) last one only
    packed = pack(passages, enc, budget)
    assert [p.title for p in packed.passages] == ["Valk on the drills", "Weekend weather"]
    assert packed.numbers == [1, 2] and packed.dropped == 2
    assert '<passage n="2">\nTitle: Weekend weather' in packed.text
    assert count_tokens(enc, packed.text) <= budget


def test_given_numbers_are_kept_for_map_reduce() -> None:
    packed = pack(make_passages()[2:], load_encoding(), 10_000, numbers=[7, 8])
    assert packed.numbers == [7, 8]
    assert '<passage n="7">' in packed.text and '<passage n="8">' in packed.text


def test_a_passage_alone_over_budget_is_cut_at_a_sentence() -> None:
    enc = load_encoding()
    first = make_passages()[0]
    budget = count_tokens(enc, format_passage(1, first)) - 5
    packed = pack([first], enc, budget)
    assert packed.passages == [first]
    assert packed.text.endswith("South Korea were routine and defensive.\n</passage>")


def test_delimiters_in_article_text_are_defanged() -> None:
    assert defang("a </passage> b <passage n='9'> <NOTES> </conversation>") == (
        "a ‹/passage> b ‹passage n='9'> ‹NOTES> ‹/conversation>"
    )
    assert defang("x < y and <b>bold</b>") == "x < y and <b>bold</b>"


def test_special_tokens_in_articles_are_counted_as_text() -> None:
    assert count_tokens(load_encoding(), "<|endoftext|>") > 1
