"""The Article model: what every loader produces and everything downstream consumes."""

from __future__ import annotations

import email.utils
import hashlib
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from retrieval.text.safety import clean_line, clean_untrusted

HOST_ALIASES = {
    "edition.cnn.com": "cnn.com",
    "us.cnn.com": "cnn.com",
    "amp.cnn.com": "cnn.com",
    "lite.cnn.com": "cnn.com",
    "m.cnn.com": "cnn.com",
}


def normalize_url(url: str) -> str:
    """Canonical form of a news URL (https, host without www., no query/fragment, no trailing /).

    Same rule as the benchmark's scorer, so ids computed here match the corpus ids.
    """
    if not url:
        return ""
    u = str(url).strip()
    if u.startswith("//"):
        u = "https:" + u
    elif not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", u):
        u = "https://" + u
    try:
        parts = urllib.parse.urlsplit(u)
    except ValueError:  # not a URL after all ("http://[bad", "[x]/y"): the text is its own key
        return u
    host = (parts.hostname or "").lower().rstrip(".")
    host = host.removeprefix("www.")
    host = HOST_ALIASES.get(host, host)
    path = urllib.parse.unquote(parts.path).strip()
    path = re.sub(r"/{2,}", "/", path)
    prev = None
    while path != prev:
        prev = path
        path = re.sub(r"/index\.html?$", "", path)
        path = path.rstrip("/").strip()
    return "https://" + host + path


def url_id(url: str) -> str:
    """Stable article id from a URL: first 16 hex of sha1(normalize_url(url))."""
    return hashlib.sha1(normalize_url(url).encode("utf-8")).hexdigest()[:16]


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def source_of(url: str) -> str:
    """The outlet of a URL: its host without www. ('reuters.com')."""
    host = urllib.parse.urlsplit(normalize_url(url)).hostname or ""
    return host


def parse_date(value: str | date | datetime | None) -> date | None:
    """Accept YYYY-MM-DD, ISO datetimes, RFC 2822 dates (as feeds and e-mail write them:
    'Mon, 04 Mar 2024 09:00:00 GMT') and date objects; anything else is None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    try:
        return email.utils.parsedate_to_datetime(s).date()
    except (TypeError, ValueError, IndexError):
        return None


# A date this many days after today is "in the future" (a day's slack for time zones).
FUTURE_SLACK_DAYS = 1


def in_future(day: date | None, today: date | None = None) -> bool:
    """`day` is after tomorrow: no story is published there (a typo, or a page lying to rank first)."""
    return day is not None and day > (today or date.today()) + timedelta(days=FUTURE_SLACK_DAYS)


def date_field(value: object) -> date | None:
    """An article's `published` as given in a file: None when it is empty; ValueError when it is
    not a date (stored undated, the story would silently rank as a year old) or lies in the
    future (it would head every digest and pass every `--since`)."""
    if value is None or value == "":
        return None
    found = parse_date(value) if isinstance(value, (str, date)) else None
    if found is None:
        raise ValueError(f"'published' is not a date: {value!r} (use YYYY-MM-DD)")
    if in_future(found):
        raise ValueError(f"'published' is in the future: {found} (today is {date.today()})")
    return found


@dataclass
class Article:
    """One news article. `text` is the story body, already cleaned of page junk."""

    title: str
    text: str
    url: str = ""
    source: str = ""
    authors: list[str] = field(default_factory=list)
    published: date | None = None
    id: str = ""
    # where it was read ("news.jsonl:12"), for problems about it; not part of the article
    origin: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        # every field came from outside and is shown in terminals, JSON and chats: cleaned here,
        # once (no escape sequences, control, bidi or zero-width characters)
        self.title = clean_line(self.title)
        self.text = clean_untrusted(self.text)
        self.url = clean_line(self.url)
        self.source = clean_line(self.source)
        self.authors = [a for a in map(clean_line, self.authors) if a]
        self.id = clean_line(self.id)
        if not self.source and self.url:
            self.source = source_of(self.url)
        if not self.id:
            self.id = url_id(self.url) if self.url else text_hash(self.title + "\n" + self.text)[:16]

    @property
    def content_hash(self) -> str:
        """Changes whenever what is indexed changes (title, text, metadata)."""
        meta = "\x1f".join([self.title, self.url, self.source, ",".join(self.authors), str(self.published)])
        return text_hash(meta + "\x1e" + self.text)
