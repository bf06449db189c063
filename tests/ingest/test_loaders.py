from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

from retrieval.ingest.articles import Article
from retrieval.ingest.loaders import LoadProblem, load_path

HTML = """<!doctype html><html><head><title>Harbour opens new pier</title>
<meta property="og:title" content="Harbour opens new pier">
<meta name="author" content="Kim Ode"><meta property="article:published_time" content="2026-02-01">
<link rel="canonical" href="https://news.example/pier"></head>
<body><nav>Home | World | Sport</nav><article><h1>Harbour opens new pier</h1>
<p>The harbour of a fictional town opened a new pier on Sunday after two years of building work.</p>
<p>“It is the longest pier on this coast,” the harbour master said,
adding that ferries would use it from May.</p>
<p>The pier cost four million crowns and was paid for by the regional fund for coastal towns.</p>
</article><footer>Leave a Reply. Your email address will not be published.</footer></body></html>"""


def test_jsonl_bad_lines_are_reported_with_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "c.jsonl"
    good = {
        "url": "https://a.example/1",
        "title": "One",
        "text": "Body one.",
        "published": "2026-01-02",
        "authors": ["A. B."],
        "source": "a.example",
    }
    f.write_text(
        json.dumps(good)
        + "\n{not json\n"
        + json.dumps({"title": "no text"})
        + "\n"
        + json.dumps({**good, "url": "https://a.example/2"})
        + "\n",
        encoding="utf-8",
    )
    items = list(load_path(f))
    articles = [i for i in items if isinstance(i, Article)]
    problems = [str(i) for i in items if isinstance(i, LoadProblem)]
    assert [a.url for a in articles] == ["https://a.example/1", "https://a.example/2"]
    assert articles[0].published == date(2026, 1, 2) and articles[0].authors == ["A. B."]
    assert problems[0].startswith(f"{f}:2: bad line skipped")
    assert problems[1] == f"{f}:3: bad line skipped (missing or empty 'text')"


def test_jsonl_gz_like_the_benchmark_corpus(tmp_path: Path) -> None:
    f = tmp_path / "c.jsonl.gz"
    with gzip.open(f, "wt", encoding="utf-8") as fh:
        fh.write(
            json.dumps(
                {
                    "id": "abc",
                    "url": "https://x.example/s",
                    "title": "S",
                    "source": "x.example",
                    "authors": [],
                    "published": "2023-03-19",
                    "text": "Story text.",
                }
            )
            + "\n"
        )
    (a,) = list(load_path(f))
    assert isinstance(a, Article) and a.id == "abc" and a.source == "x.example"


def test_text_and_markdown_take_the_title_from_the_first_line(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text(
        "# Pier opens\nurl: https://n.example/pier\npublished: 2026-02-01\n\nThe pier opened.",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text("Plain title\n\nPlain body.", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("x,y", encoding="utf-8")  # folders skip unknown types
    got = [i for i in load_path(tmp_path) if isinstance(i, Article)]
    assert [(a.title, a.text) for a in got] == [
        ("Plain title", "Plain body."),
        ("Pier opens", "The pier opened."),
    ]
    assert got[1].url == "https://n.example/pier" and got[1].published == date(2026, 2, 1)


def test_a_wire_dateline_names_the_source_when_no_line_does(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "Allies step up defence cooperation\n\nWASHINGTON (Reuters) – The United States and Japan will"
        " step up their defense cooperation.",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text(
        "Storm hits coast\nsource: Harbour Gazette\n\nSAN JUAN, Puerto Rico (AP) — A storm hit.",
        encoding="utf-8",
    )
    no_dateline = "Vote\n\nThe mayor (D) - said the vote (AP) — was close."
    (tmp_path / "c.txt").write_text(no_dateline, encoding="utf-8")
    got = [i for i in load_path(tmp_path) if isinstance(i, Article)]
    # the dateline stays in the text; a source line wins over it; no dateline, no source
    assert [(a.source, a.text[:20]) for a in got] == [
        ("Reuters", "WASHINGTON (Reuters)"),
        ("Harbour Gazette", "SAN JUAN, Puerto Ric"),
        ("", "The mayor (D) - said"),
    ]


def test_markdown_front_matter_between_dashes_gives_title_and_metadata(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\n"
        'title: "Rahm wins: the Masters"\n'
        "date: 2023-04-10\n"
        "authors: [Ann Lee, 'Bo Chan']\n"
        "tags: [golf]\n"
        "url: https://golf.example/rahm\n"
        "---\n\n"
        "Jon Rahm won the Masters.\n",
        encoding="utf-8",
    )
    # no title in the front matter: the first line after it is the title, as without one
    (tmp_path / "b.md").write_text(
        "---\nsource: b.example\n---\n# Pier opens\n\nThe pier opened.", encoding="utf-8"
    )
    a, b = list(load_path(tmp_path))
    assert isinstance(a, Article) and isinstance(b, Article)
    assert (a.title, a.text, a.published, a.authors, a.url) == (
        "Rahm wins: the Masters",
        "Jon Rahm won the Masters.",
        date(2023, 4, 10),
        ["Ann Lee", "Bo Chan"],
        "https://golf.example/rahm",
    )
    assert (b.title, b.text, b.source) == ("Pier opens", "The pier opened.", "b.example")


def test_front_matter_that_never_closes_is_reported_not_guessed(tmp_path: Path) -> None:
    f = tmp_path / "open.md"
    f.write_text("---\ntitle: Pier opens\n\nThe pier opened.", encoding="utf-8")
    (problem,) = list(load_path(f))
    assert isinstance(problem, LoadProblem)
    assert str(problem) == f"{f}: the front matter opened with '---' is never closed with '---'"


def test_html_main_text_is_extracted_without_page_furniture(tmp_path: Path) -> None:
    f = tmp_path / "p.html"
    f.write_text(HTML, encoding="utf-8")
    (a,) = list(load_path(f))
    assert isinstance(a, Article)
    assert a.title == "Harbour opens new pier"
    assert "longest pier on this coast" in a.text
    assert "Leave a Reply" not in a.text and "Home | World" not in a.text


def test_bad_files_are_problems_not_crashes(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9 story\n\nBody".encode("latin-1"))
    odd = tmp_path / "x.pdf"
    odd.write_bytes(b"%PDF")
    assert [str(p) for p in load_path(latin)] == [
        f"{latin}: not UTF-8 text (byte 0xe9 at offset 3); convert the file to UTF-8 and ingest it again"
    ]
    assert [str(p) for p in load_path(odd)] == [
        f"{odd}: unsupported file type .pdf; use one of .jsonl, .jsonl.gz, .txt, .md, .html, .htm"
    ]
    assert [str(p) for p in load_path(tmp_path / "missing")] == [
        f"{tmp_path / 'missing'}: no such file or folder"
    ]


def _gz_line(record: dict[str, str]) -> bytes:
    return gzip.compress((json.dumps(record) + "\n").encode(), mtime=0)


def test_a_damaged_gzip_keeps_the_lines_before_the_damage_and_says_where(tmp_path: Path) -> None:
    one = _gz_line({"url": "https://t.example/1", "title": "Kept", "text": "Kept."})
    two = _gz_line({"url": "https://t.example/2", "title": "Lost", "text": "Lost."})
    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(one + two[:-12])  # a second gzip member cut short
    corrupt = tmp_path / "corrupt.jsonl.gz"
    corrupt.write_bytes(two[:10] + b"\xff" * 20)  # a gzip header, then no valid deflate block
    got = list(load_path(truncated))
    assert [a.url for a in got if isinstance(a, Article)] == ["https://t.example/1"]
    assert [str(p) for p in got if isinstance(p, LoadProblem)] == [
        f"{truncated}:2: cannot read the file from this line on: the gzip stream is truncated"
    ]
    assert [str(p) for p in load_path(corrupt)] == [
        f"{corrupt}: cannot read the file: the gzip stream is corrupt"
    ]


def test_folders_skip_files_in_hidden_folders_below_them(tmp_path: Path) -> None:
    (tmp_path / "news" / ".drafts").mkdir(parents=True)
    (tmp_path / "news" / ".drafts" / "draft.txt").write_text("Draft\n\nNot yet.", encoding="utf-8")
    (tmp_path / "news" / ".notes.txt").write_text("Note\n\nHidden.", encoding="utf-8")
    (tmp_path / "news" / "a.txt").write_text("Pier opens\n\nThe pier opened.", encoding="utf-8")
    assert [a.title for a in load_path(tmp_path / "news") if isinstance(a, Article)] == ["Pier opens"]
    # a hidden folder named explicitly is read
    assert [a.title for a in load_path(tmp_path / "news" / ".drafts") if isinstance(a, Article)] == ["Draft"]


def test_a_date_that_is_not_one_is_a_problem_not_an_undated_story(tmp_path: Path) -> None:
    """Stored undated, a story would rank as a year old and escape every time window: a
    `published` that is not a date is refused with file and line. RFC 2822 dates (as feeds write
    them) are dates."""
    base = {"title": "Fares", "text": "Fares rise.", "url": "https://a.example/"}
    records = [
        {**base, "url": "https://a.example/1", "published": "Mon, 04 Mar 2024 09:00:00 GMT"},
        {**base, "url": "https://a.example/2", "published": "2026-13-45"},
        {**base, "url": "https://a.example/3", "published": 12345},
        {**base, "url": "https://a.example/4", "published": ""},
    ]
    f = tmp_path / "d.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    items = list(load_path(f))
    assert [(i.url, i.published) for i in items if isinstance(i, Article)] == [
        ("https://a.example/1", date(2024, 3, 4)),
        ("https://a.example/4", None),
    ]
    assert [str(i) for i in items if isinstance(i, LoadProblem)] == [
        f"{f}:2: bad line skipped ('published' is not a date: '2026-13-45' (use YYYY-MM-DD))",
        f"{f}:3: bad line skipped ('published' is not a date: 12345 (use YYYY-MM-DD))",
    ]
    t = tmp_path / "t.txt"
    t.write_text("Fares rise\npublished: next Tuesday\n\nFares rise on the ferry.\n", encoding="utf-8")
    assert [str(i) for i in load_path(t)] == [
        f"{t}: 'published' is not a date: 'next Tuesday' (use YYYY-MM-DD); nothing read from this file"
    ]
