"""Turn files into Articles: JSONL(.gz), .txt/.md, .html, and folders of them.

Loaders never raise on bad content: they yield a `LoadProblem` (file, line, reason) and go on,
so one bad line or file never costs the rest of the batch.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from retrieval.ingest.articles import Article, date_field, parse_date
from retrieval.ingest.cleaning import clean_text

SUPPORTED_SUFFIXES = (".jsonl", ".jsonl.gz", ".txt", ".md", ".html", ".htm")
_FRONT_MATTER_KEYS = frozenset(["title", "url", "source", "published", "date", "authors", "by"])
# a URL's scheme (two letters at least: "C:/…" is a Windows path); Path() folds "://" to ":/"
_URL_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]+):/")
# a wire dateline opening the story: "WASHINGTON (Reuters) –", "NEW YORK, N.Y. (AP) —", "(CNN) —"
_DATELINE = re.compile(
    r"(?:[A-Z][A-Z.’' -]{0,40}(?:, [A-Z][\w.’' -]{0,30})? )?\((?P<source>[A-Z][\w&.’' -]{1,30})\) ?[-–—]"
)


@dataclass(frozen=True)
class LoadProblem:
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


Loaded = Article | LoadProblem


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".jsonl.gz" if name.endswith(".jsonl.gz") else path.suffix.lower()


def _decode(raw: bytes, path: Path) -> str | LoadProblem:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return LoadProblem(
            str(path),
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "convert the file to UTF-8 and ingest it again",
        )


# A title longer than this is no headline (one citation printed 200 KB): the line is refused.
MAX_TITLE_CHARS = 500


def _text_field(record: dict[str, object], name: str) -> str:
    """A JSONL field that must be text (a number is taken as written; a list or object refused)."""
    value = record.get(name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"'{name}' must be text, not {type(value).__name__}")
    return str(value)


def check_title(title: str) -> None:
    """ValueError for a title no headline has: over MAX_TITLE_CHARS characters."""
    if len(title) > MAX_TITLE_CHARS:
        raise ValueError(f"the title is {len(title):,} characters long (at most {MAX_TITLE_CHARS})")


def article_from_record(record: dict[str, object]) -> Article:
    """Build an Article from a JSON object with the corpus fields; raises ValueError if unusable."""
    text = record.get("text")
    body = clean_text(text) if isinstance(text, str) else ""
    if not body:  # missing, not text, empty, or only invisible characters
        raise ValueError("missing or empty 'text'")
    authors = record.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise ValueError("'authors' must be a list of names")
    title = _text_field(record, "title")
    check_title(title)
    return Article(
        id=_text_field(record, "id"),
        url=_text_field(record, "url"),
        title=title,
        source=_text_field(record, "source"),
        authors=list(authors),
        published=date_field(record.get("published") or record.get("date")),
        text=body,
    )


def too_long(article: Article, max_chars: int) -> str | None:
    """Why an article over NEWSDESK_MAX_ARTICLE_CHARS is skipped; None when it fits."""
    if len(article.text) <= max_chars:
        return None
    return (
        f"{article.url or article.title}: article too long ({len(article.text):,} characters; the limit is "
        f"{max_chars:,}, NEWSDESK_MAX_ARTICLE_CHARS); skipped"
    )


def _within(item: Loaded, path: Path, max_chars: int | None, line: int | None = None) -> Loaded:
    """The item, or a problem naming file (and line) when it is an article over `max_chars`."""
    if isinstance(item, Article) and max_chars is not None and (reason := too_long(item, max_chars)):
        return LoadProblem(str(path), reason, line)
    return item


def _unreadable(path: Path, exc: Exception, lines_read: int) -> LoadProblem:
    """A file that breaks off after `lines_read` lines: truncated or corrupt gzip, or an I/O error."""
    if isinstance(exc, EOFError):
        why = ": the gzip stream is truncated"
    elif isinstance(exc, (zlib.error, gzip.BadGzipFile)):
        why = ": the gzip stream is corrupt"
    else:
        why = f" ({exc})"
    if lines_read:
        return LoadProblem(str(path), f"cannot read the file from this line on{why}", lines_read + 1)
    return LoadProblem(str(path), f"cannot read the file{why}")


def _open_jsonl(path: Path) -> BinaryIO:
    """A .jsonl or .jsonl.gz file, opened for reading bytes (lines)."""
    return cast(BinaryIO, gzip.open(path, "rb") if _suffix(path) == ".jsonl.gz" else path.open("rb"))


def load_jsonl(path: Path, max_chars: int | None = None) -> Iterator[Loaded]:
    lineno = 0
    seen = False
    try:
        with _open_jsonl(path) as fh:
            for lineno, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                seen = True
                try:
                    record = json.loads(raw.decode("utf-8"))
                    if not isinstance(record, dict):
                        raise ValueError("not a JSON object")
                    article = article_from_record(record)
                    article.origin = f"{path}:{lineno}"
                    yield _within(article, path, max_chars, lineno)
                except UnicodeDecodeError:
                    yield LoadProblem(str(path), "not UTF-8 text", lineno)
                except (json.JSONDecodeError, ValueError) as exc:
                    yield LoadProblem(str(path), f"bad line skipped ({exc})", lineno)
    except (OSError, EOFError, zlib.error) as exc:
        yield _unreadable(path, exc, lineno)
        return
    if not seen:  # as an empty .txt is
        yield LoadProblem(str(path), "empty file")


def _jsonl_items(path: Path) -> int:
    """How many items `load_jsonl` yields: one per non-blank line, one more if the file breaks
    off, one for a file with no lines (a problem)."""
    count = 0
    try:
        with _open_jsonl(path) as fh:
            for raw in fh:
                count += bool(raw.strip())
    except (OSError, EOFError, zlib.error):
        return count + 1
    return count or 1


def load_text(path: Path) -> Iterator[Loaded]:
    """A .txt/.md story: the first non-empty line is the title, the rest the body. A Markdown
    file may instead open with a `---` front-matter block (as Jekyll and Hugo write) whose
    `title:` line gives the title."""
    text = _decode(path.read_bytes(), path)
    if isinstance(text, LoadProblem):
        yield text
        return
    lines = text.strip().splitlines()
    if not lines:
        yield LoadProblem(str(path), "empty file")
        return
    fenced: dict[str, str] = {}
    if lines[0].strip() == "---":
        block = _fenced_front_matter(lines)
        if isinstance(block, str):
            yield LoadProblem(str(path), block)
            return
        fenced, lines = block
        if "title" in fenced:
            lines = [fenced.pop("title"), *lines]
    if not lines:
        yield LoadProblem(str(path), "no title or text after the front matter")
        return
    title = lines[0].lstrip("#").strip()
    try:
        check_title(title)
    except ValueError as exc:
        yield LoadProblem(str(path), f"{exc}; nothing read from this file", 1)
        return
    body = clean_text("\n".join(lines[1:]))
    if not body:
        yield LoadProblem(str(path), "no text after the title line")
        return
    meta = {**_front_matter(body), **fenced}
    body = meta.pop("__body__")
    try:
        published = date_field(meta.get("published"))
    except ValueError as exc:
        yield LoadProblem(str(path), f"{exc}; nothing read from this file")
        return
    yield Article(
        title=title,
        text=body,
        url=meta.get("url", ""),
        source=meta.get("source") or dateline_source(body),
        authors=[a.strip() for a in meta.get("authors", "").split(",") if a.strip()],
        published=published,
        origin=str(path),
    )


def dateline_source(body: str) -> str:
    """The outlet a wire dateline at the start of the story names ("Reuters" for
    "WASHINGTON (Reuters) – …"), or "" when the story does not open with one."""
    m = _DATELINE.match(body.lstrip())
    return m.group("source").strip() if m else ""


def _meta_line(line: str) -> tuple[str, str] | None:
    """('published', '2026-03-02') for a 'date: 2026-03-02' line, None for any other line."""
    key, sep, value = line.partition(":")
    k = key.strip().lower()
    if not sep or k not in _FRONT_MATTER_KEYS:
        return None
    return {"date": "published", "by": "authors"}.get(k, k), value.strip()


def _front_matter(body: str) -> dict[str, str]:
    """Optional 'key: value' lines (url, source, published, authors) right under the title."""
    meta: dict[str, str] = {}
    lines = body.split("\n")
    i = 0
    while i < len(lines) and (item := _meta_line(lines[i])) and item[0] != "title":
        meta[item[0]] = item[1]
        i += 1
    meta["__body__"] = "\n".join(lines[i:]).strip() if meta else body
    return meta


def _fenced_front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]] | str:
    """`---` / `key: value` lines / `---` at the top of a file: the keys newsdesk reads (title
    and the `_front_matter` keys; `tags` and the like are ignored), with YAML's quotes and
    `[a, b]` lists undone, and the lines after the block. A reason instead when it never closes."""
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return "the front matter opened with '---' is never closed with '---'"
    meta: dict[str, str] = {}
    for item in map(_meta_line, lines[1:end]):
        if item is None:
            continue
        k, value = item
        if value.startswith("[") and value.endswith("]"):
            value = ", ".join(v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip())
        elif len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if value:
            meta[k] = value
    rest = lines[end + 1 :]
    while rest and not rest[0].strip():
        rest = rest[1:]
    return meta, rest


def load_html(path: Path, url: str = "") -> Iterator[Loaded]:
    text = _decode(path.read_bytes(), path)
    if isinstance(text, LoadProblem):
        yield text
        return
    article = article_from_html(text, url=url)
    if article is None:
        yield LoadProblem(str(path), "no article text found in the page")
    else:
        article.origin = str(path)
        yield article


def article_from_html(html: str, url: str = "") -> Article | None:
    """Main-text extraction with trafilatura; None when the page holds no story."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False, include_tables=False
    )
    if doc is None:
        return None
    data = doc if isinstance(doc, dict) else doc.as_dict()
    body = clean_text(str(data.get("text") or ""))
    if not body:
        return None
    author = data.get("author") or ""
    title = str(data.get("title") or body.split("\n", 1)[0][:120])
    if len(title) > MAX_TITLE_CHARS:  # a page's title is cut, not refused: the story is there
        title = title[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return Article(
        title=title,
        text=body,
        url=str(data.get("url") or url or ""),
        source=str(data.get("hostname") or ""),
        authors=[a.strip() for a in str(author).split(";") if a.strip()],
        published=parse_date(data.get("date")),
    )


def input_files(path: Path) -> list[Path]:
    """The files `load_path` reads: `path` itself, or under a folder, recursively and in a stable
    order, the files of a supported type, skipping hidden files and anything in a hidden folder
    below it (the folder given may itself be hidden)."""
    if not path.is_dir():
        return [path]
    return sorted(
        f
        for f in path.rglob("*")
        if f.is_file()
        and _suffix(f) in SUPPORTED_SUFFIXES
        and not any(part.startswith(".") for part in f.relative_to(path).parts)
    )


def count_items(path: Path) -> int:
    """How many items (articles and problems) `load_path(path)` yields: a progress total."""
    return sum(
        _jsonl_items(f) if f.is_file() and _suffix(f) in (".jsonl", ".jsonl.gz") else 1
        for f in input_files(path)
    )


def load_path(path: Path | str, max_chars: int | None = None) -> Iterator[Loaded]:
    """Everything under `path` (a file or a folder, recursively), in a stable order. An article
    over `max_chars` characters becomes a problem naming its file (and line). A missing `path`
    given as a str is named as typed (Path() would turn 'ftp://host/x' into 'ftp:/host/x')."""
    shown, path = str(path), Path(path)
    if not path.exists():
        scheme = _URL_SCHEME.match(shown)  # "file:///etc/passwd": a URL newsdesk does not fetch
        reason = (
            f"not a file, and {scheme.group(1)}: URLs are not fetched (only http:// and https://)"
            if scheme
            else "no such file or folder"
        )
        yield LoadProblem(shown, reason)
        return
    if path.is_dir():
        for f in input_files(path):
            yield from load_path(f, max_chars)
        return
    if not path.is_file():  # reading a FIFO would wait for a writer forever
        yield LoadProblem(shown, "not a regular file (a pipe, socket or device); nothing read from it")
        return
    suffix = _suffix(path)
    if suffix in (".jsonl", ".jsonl.gz"):
        yield from load_jsonl(path, max_chars)
    elif suffix in (".txt", ".md"):
        yield from (_within(item, path, max_chars) for item in load_text(path))
    elif suffix in (".html", ".htm"):
        yield from (_within(item, path, max_chars) for item in load_html(path))
    else:
        yield LoadProblem(
            str(path),
            f"unsupported file type {suffix or '(none)'}; use one of " + ", ".join(SUPPORTED_SUFFIXES),
        )
