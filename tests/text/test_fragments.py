"""Text fragments (WICG URL Fragment Text Directives): the spec's own examples, the characters it
reserves, non-ASCII text, and the links newsdesk builds from quotes."""

from __future__ import annotations

import urllib.parse
from datetime import date

from retrieval.results import Citation
from retrieval.text.fragments import encode_term, quote_terms, text_directive, url_at_quote, with_directive

WIKI = "https://en.wikipedia.org/wiki/History_of_computing"


def parse(directive: str) -> list[str]:
    """The spec's parse: split on "," and percent-decode each term (UTF-8)."""
    assert directive.startswith("text=")
    return [urllib.parse.unquote(t, errors="strict") for t in directive[len("text=") :].split(",")]


def test_the_specs_examples() -> None:
    assert text_directive("an example text fragment") == "text=an%20example%20text%20fragment"
    assert text_directive("an example", "text fragment") == "text=an%20example,text%20fragment"
    assert (
        text_directive("an example", prefix="this is", suffix="text fragment")
        == "text=this%20is-,an%20example,-text%20fragment"
    )
    # the BiDi example: Egypt after Bahrain, in Arabic
    assert (
        text_directive("\u0645\u0635\u0631", prefix="\u0627\u0644\u0628\u062d\u0631\u064a\u0646")
        == "text=%D8%A7%D9%84%D8%A8%D8%AD%D8%B1%D9%8A%D9%86-,%D9%85%D8%B5%D8%B1"
    )
    assert with_directive("https://example.com", "text=foo") == "https://example.com#:~:text=foo"
    assert with_directive("https://example.org/#test", "text=foo") == "https://example.org/#test:~:text=foo"
    assert (
        with_directive(f"{WIKI}#Early_computation", text_directive("The earliest known tool"))
        == f"{WIKI}#Early_computation:~:text=The%20earliest%20known%20tool"
    )


def test_the_specs_long_example_with_its_dash_escaped() -> None:
    sentence = (
        "The first recorded idea of using digital electronics for computing was the 1931 paper "
        '"The Use of Thyratrons for High Speed Automatic Counting of Physical Phenomena" by C. E. '
        "Wynn-Williams"
    )
    spec = (
        "The%20first%20recorded%20idea%20of%20using%20digital%20electronics%20for%20computing%20was"
        "%20the%201931%20paper%20%22The%20Use%20of%20Thyratrons%20for%20High%20Speed%20Automatic%20"
        "Counting%20of%20Physical%20Phenomena%22%20by%20C.%20E.%20Wynn-Williams"
    )
    # the spec writes the dash as is; its syntax section says "-" is percent-encoded, and we do
    assert encode_term(sentence) == spec.replace("Wynn-Williams", "Wynn%2DWilliams")


def test_reserved_and_markdown_characters_are_escaped_and_decode_back() -> None:
    term = "cuts, fees & a 3-day (temporary) halt"
    encoded = encode_term(term)
    assert encoded == "cuts%2C%20fees%20%26%20a%203%2Dday%20%28temporary%29%20halt"
    assert not set(encoded) & set("-&,() ")
    assert parse(text_directive(term, "the end-of-year, review")) == [term, "the end-of-year, review"]


def test_non_ascii_and_quotation_marks_are_utf8_percent_encoded() -> None:
    assert encode_term("“Ça va,” dit-il") == "%E2%80%9C%C3%87a%20va%2C%E2%80%9D%20dit%2Dil"
    assert encode_term("don't stop!") == "don't%20stop!"  # the spec's explicit characters stay
    assert parse(text_directive("Zoë’s café — “naïve”")) == ["Zoë’s café — “naïve”"]


def test_a_short_quote_goes_in_whole_a_long_one_as_start_and_end() -> None:
    assert quote_terms("The ferry will stop at midnight.") == ("The ferry will stop at midnight.", None)
    long_quote = (
        "Mayor Adaeze Okonkwo said the new ferry schedule was a painful but temporary change "
        "and promised the night crossings would return."
    )
    assert quote_terms(long_quote) == ("Mayor Adaeze Okonkwo said the", "the night crossings would return.")
    url = url_at_quote("https://harbourgazette.example/ferry", long_quote)
    assert url == (
        "https://harbourgazette.example/ferry#:~:text=Mayor%20Adaeze%20Okonkwo%20said%20the,"
        "the%20night%20crossings%20would%20return."
    )
    # pieces of one quote: from the first piece's start to the last piece's end
    pieces = "The council voted on Tuesday … ferries return in autumn"
    assert quote_terms(pieces) == ("The council voted on Tuesday", "ferries return in autumn")
    # a generic opening takes words until it holds two telling ones
    generic = '"This is a schedule that works for the people who rely on it," Okonkwo said.'
    assert quote_terms(generic) == ('"This is a schedule that works', 'rely on it," Okonkwo said.')
    # ... and a quote whose telling words come only near its end goes in whole
    late = "It was not, he said, what they had in mind at all today"
    assert quote_terms(late) == (late, None)


def test_the_plain_url_is_kept_when_a_fragment_would_be_ambiguous_or_too_long() -> None:
    url = "https://harbourgazette.example/ferry"
    assert url_at_quote(url, "he said.") == url  # no telling words
    assert url_at_quote(url, "It was not, he said, what it was at all, no, not at all") == url
    page = "The ferry will stop at\nmidnight. Later, again: the ferry will stop at midnight."
    later = page.index("the ferry will stop")
    assert url_at_quote(url, page[later:], page=(page, later)) == url  # the browser finds the first
    assert url_at_quote(url, page[:later], page=(page, 0)) == (
        url + "#:~:text=The%20ferry%20will%20stop%20at%20midnight.%20Later%2C%20again:"
    )
    assert url_at_quote("https://x.example/" + "a" * 500, "The ferry will stop at midnight.") == (
        "https://x.example/" + "a" * 500
    )
    assert url_at_quote("", "The ferry will stop at midnight.") == ""
    assert url_at_quote("file:///etc/passwd", "The ferry will stop at midnight.") == "file:///etc/passwd"


def test_citations_carry_both_links() -> None:
    c = Citation(
        n=1,
        title="Port Aldery to cut night ferries",
        source="harbourgazette.example",
        published=date(2026, 3, 2),
        url="https://harbourgazette.example/ferry",
        quote="The ferry will stop at midnight.",
        article_id="a1",
        chunk_id="a1:0",
    )
    data = c.to_json()
    assert data["url"] == "https://harbourgazette.example/ferry"
    assert (
        data["url_at_quote"]
        == "https://harbourgazette.example/ferry#:~:text=The%20ferry%20will%20stop%20at%20midnight."
    )
