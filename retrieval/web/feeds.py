"""Feed parsing (RSS 0.9x/1.0/2.0, Atom) with feedparser, from bytes we fetched ourselves.

feedparser is never handed a URL (it would fetch it, unguarded); we give it the body and the
response headers. A feed that is not a feed says so: malformed XML, an HTML page (with the
page's own feed link when it advertises one), or an empty document.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser

from retrieval.errors import NewsdeskError
from retrieval.ingest.cleaning import clean_text


class FeedError(NewsdeskError):
    """The document is not a usable feed; `reason` says what it is instead."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


@dataclass
class FeedEntry:
    id: str  # the feed's guid/id, else the link, else a hash of title + summary
    link: str
    title: str
    text: str  # the feed's own content (HTML stripped), the fallback when the page is unusable
    published: date | None
    updated: str  # the raw updated/published stamp: a change means the story was edited
    authors: list[str] = field(default_factory=list)


@dataclass
class ParsedFeed:
    title: str
    version: str  # feedparser's name: rss20, rss10, rss092, atom10, ...
    entries: list[FeedEntry]
    warning: str | None = None  # recoverable XML problems


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "br", "div", "li", "h1", "h2", "h3", "h4", "blockquote"):
            self.parts.append("\n")


def html_to_text(markup: str) -> str:
    """Plain text of a feed's HTML snippet, paragraphs kept as lines."""
    if "<" not in markup:
        return clean_text(html.unescape(markup))
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return clean_text("\n".join(line for line in lines if line))


_ALT_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)


def discover_feed_links(page: str) -> list[str]:
    """The feeds an HTML page advertises with <link rel="alternate" type="application/rss+xml">."""
    links: list[str] = []
    for tag in _ALT_LINK.findall(page[:200_000]):
        attrs = dict((k.lower(), v) for k, v in re.findall(r"([a-zA-Z-]+)\s*=\s*[\"']([^\"']*)[\"']", tag))
        if "alternate" in attrs.get("rel", "").lower() and attrs.get("type", "").lower() in (
            "application/rss+xml",
            "application/atom+xml",
            "application/rdf+xml",
        ):
            href = html.unescape(attrs.get("href", "")).strip()
            if href and href not in links:
                links.append(href)
    return links


def _date(struct: Any) -> date | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC).date()
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_text(entry: Any) -> str:
    best = ""
    for content in entry.get("content") or []:
        value = str(content.get("value") or "")
        if len(value) > len(best):
            best = value
    summary = str(entry.get("summary") or "")
    return html_to_text(best if len(best) >= len(summary) else summary)


def _entry(entry: Any) -> FeedEntry:
    link = str(entry.get("link") or "").strip()
    title = html_to_text(str(entry.get("title") or "")).replace("\n", " ")
    text = _entry_text(entry)
    guid = str(entry.get("id") or "").strip() or link
    if not guid:
        guid = "sha1:" + hashlib.sha1((title + "\n" + text).encode()).hexdigest()[:20]
    authors = [str(a.get("name")) for a in entry.get("authors") or [] if a.get("name")]
    if not authors and entry.get("author"):
        authors = [str(entry.get("author"))]
    return FeedEntry(
        id=guid,
        link=link,
        title=title,
        text=text,
        published=_date(entry.get("published_parsed") or dict.get(entry, "updated_parsed")),
        updated=str(dict.get(entry, "updated") or entry.get("published") or ""),
        authors=authors,
    )


def parse_feed(content: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Parse a fetched feed body; raises FeedError when it is not a feed."""
    if not content.strip():
        raise FeedError(url, "the feed is empty")
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    doc = feedparser.parse(content, response_headers=headers, sanitize_html=True)
    version = str(doc.get("version") or "")
    problem = doc.get("bozo_exception") if doc.get("bozo") else None
    entries = [_entry(e) for e in doc.get("entries") or []]
    head = content[:2048].lstrip().lower()
    if not version:
        if head.startswith(b"<!doctype html") or b"<html" in head or content_type == "text/html":
            found = discover_feed_links(content.decode("utf-8", errors="replace"))
            hint = f"; the page points to a feed at {found[0]}" if found else ""
            raise FeedError(url, f"this is an HTML web page, not an RSS or Atom feed{hint}")
        if problem is not None:
            raise FeedError(url, f"malformed feed XML ({_short(problem)})")
        raise FeedError(url, "this XML document is not an RSS or Atom feed")
    if problem is not None and not entries:
        raise FeedError(url, f"malformed feed XML ({_short(problem)})")
    feed_title = html_to_text(str(doc.get("feed", {}).get("title") or "")).replace("\n", " ")
    warning = f"feed XML has errors ({_short(problem)}); items read anyway" if problem else None
    return ParsedFeed(title=feed_title, version=version, entries=entries, warning=warning)


def _short(exc: object) -> str:
    text = " ".join(str(exc).split())
    return text[:160]
