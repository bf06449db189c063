"""The attribution index: one row per attribution in the state database (SQLite or
PostgreSQL), beside the article's chunks; written and deleted in the article's transaction.

Only offsets are stored (the article text is in `articles` already): source, cue and content
spans, the resolved speaker and its look-up keys (the full name in lower case, and the surname
for a named person).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from retrieval.attribution.speakers import Attribution, extract, split_title
from retrieval.ingest.articles import Article
from retrieval.store.database import Database
from retrieval.text.fragments import url_at_quote

SCHEMA = """
CREATE TABLE IF NOT EXISTS attributions (
    namespace TEXT NOT NULL,
    article_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    speaker_key TEXT NOT NULL,
    surname TEXT NOT NULL,
    person INTEGER NOT NULL,
    direct INTEGER NOT NULL,
    source_start INTEGER,
    source_end INTEGER,
    cue_start INTEGER NOT NULL,
    cue_end INTEGER NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (namespace, article_id, position)
);
CREATE INDEX IF NOT EXISTS attributions_by_surname ON attributions(namespace, surname);
CREATE INDEX IF NOT EXISTS attributions_by_speaker ON attributions(namespace, speaker_key);
"""
_WORD = re.compile(r"[\w’'-]+")


def speaker_key(name: str) -> str:
    return " ".join(name.lower().split())


def _keys(a: Attribution) -> tuple[str, str]:
    key = speaker_key(a.speaker)
    return key, (key.split()[-1] if a.person and key else "")


@dataclass(frozen=True)
class Quote:
    """One stored attribution with its article's details, as `quotes` lists it."""

    article_id: str
    title: str
    url: str
    source: str
    published: str | None
    speaker: str
    direct: bool
    text: str  # the content, parts joined by " … "
    content: tuple[tuple[int, int], ...]
    cue: str
    extent: tuple[int, int]  # from the first to the last offset of its source, cue and content

    @property
    def url_at_quote(self) -> str:
        """The link that opens the article at this statement (a text fragment), else the URL."""
        return url_at_quote(self.url, self.text)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "url_at_quote": self.url_at_quote}


class AttributionStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.create_schema(SCHEMA)

    def put(self, conn: Database, namespace: str, article: Article) -> int:
        """Replace the article's attributions with those extracted from its text."""
        self.delete(conn, namespace, article.id)
        rows = []
        for n, a in enumerate(extract(article.text)):
            key, surname = _keys(a)
            src = a.source or (None, None)
            content = json.dumps([list(p) for p in a.content])
            row = [namespace, article.id, n, a.speaker, key, surname, int(a.person), int(a.direct)]
            rows.append((*row, src[0], src[1], a.cue[0], a.cue[1], content))
        if rows:
            conn.executemany(
                "INSERT INTO attributions(namespace, article_id, position, speaker, speaker_key,"
                " surname, person, direct, source_start, source_end, cue_start, cue_end, content)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
        return len(rows)

    def delete(self, conn: Database, namespace: str, article_id: str) -> None:
        conn.execute(
            "DELETE FROM attributions WHERE namespace = ? AND article_id = ?", (namespace, article_id)
        )

    def speakers(self, namespace: str, prefix: str = "", limit: int = 25) -> list[str]:
        """Speakers named in the index (people first, most quoted first) matching `prefix`
        at the start of the name or of the surname."""
        key = speaker_key(prefix)
        found: dict[str, tuple[int, int]] = {}  # speaker → (person, statements)
        # a key range per indexed column (LIKE and OR would scan the namespace); every row of one
        # speaker has the same key and surname, so a speaker found by both counts the same
        ranges = [("speaker_key", key), ("surname", key)] if key else [("speaker_key", "")]
        for column, low in ranges:
            bound = f" AND {column} >= ? AND {column} < ?" if low else ""
            args = (namespace, low, low[:-1] + chr(ord(low[-1]) + 1)) if low else (namespace,)
            for r in self.db.execute(
                "SELECT speaker, COUNT(*) AS n, MAX(person) AS p FROM attributions"
                f" WHERE namespace = ?{bound} AND speaker <> '' GROUP BY speaker",
                args,
            ).fetchall():
                found[str(r["speaker"])] = (int(r["p"]), int(r["n"]))
        ranked = sorted(found.items(), key=lambda x: (-x[1][0], -x[1][1], x[0]))
        return [name for name, _ in ranked[:limit]]

    def _texts(self, namespace: str, ids: list[str]) -> dict[str, str]:
        """Each article's text once (a statement's row would repeat it)."""
        texts: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            for r in self.db.execute(
                f"SELECT id, text FROM articles WHERE namespace = ? AND id IN ({marks})", (namespace, *part)
            ).fetchall():
                texts[str(r["id"])] = str(r["text"])
        return texts

    def extents(self, namespace: str, article_id: str) -> list[tuple[str, int, int]]:
        """Every attribution of one article as (speaker, first offset, last offset)."""
        rows = self.db.execute(
            "SELECT * FROM attributions WHERE namespace = ? AND article_id = ? ORDER BY position",
            (namespace, article_id),
        ).fetchall()
        return [(str(r["speaker"]), *_extent(dict(r))) for r in rows]

    def in_articles(self, namespace: str, article_ids: Collection[str]) -> dict[str, list[Quote]]:
        """Every attribution of the given articles, in the order each article gives them."""
        ids = sorted(set(article_ids))
        texts = self._texts(namespace, ids)
        out: dict[str, list[Quote]] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            for r in self.db.execute(
                "SELECT a.*, r.title, r.url, r.source, r.published FROM attributions a"
                " JOIN articles r ON r.namespace = a.namespace AND r.id = a.article_id"
                f" WHERE a.namespace = ? AND a.article_id IN ({','.join('?' * len(part))})"
                " ORDER BY a.article_id, a.position",
                (namespace, *part),
            ).fetchall():
                aid = str(r["article_id"])
                out.setdefault(aid, []).append(_quote(dict(r), texts[aid]))
        return out

    def find(
        self,
        namespace: str,
        who: str,
        topic: str | None = None,
        since: date | None = None,
        as_of: date | None = None,
        newest: int | None = None,
        articles: Collection[str] = (),
    ) -> list[Quote]:
        """`who`'s attributions, newest story first: a full name (with or without a title)
        finds that person, a lone surname everyone of that surname (their full names tell
        them apart), anything else the source as written. `newest`: only that many of the
        newest, and all of those in `articles`."""
        words = who.split()
        _titles, name = split_title(words) if words else ([], [])
        key = speaker_key(" ".join(name))
        if not key:
            return []
        # one query per key column: "speaker_key = ? OR surname = ?" would use neither index
        lookups = [("speaker_key", key)]
        if len(name) == 1:
            lookups.append(("surname", key.strip(".").removesuffix("’s")))
        rows: dict[tuple[str, int], dict[str, Any]] = {}
        for column, value in lookups:
            for r in self.db.execute(
                "SELECT a.*, r.title, r.url, r.source, r.published, r.published_day"
                " FROM attributions a JOIN articles r ON r.namespace = a.namespace AND r.id = a.article_id"
                f" WHERE a.namespace = ? AND a.{column} = ?",
                (namespace, value),
            ).fetchall():
                if _in_window(r["published_day"], since, as_of):
                    rows[(str(r["article_id"]), int(r["position"]))] = dict(r)
        if newest is not None and len(rows) > newest:
            order = sorted(rows, key=lambda k: (rows[k]["published"] or "", k[0]), reverse=True)
            rows = {k: rows[k] for n, k in enumerate(order) if n < newest or k[0] in articles}
        texts = self._texts(namespace, sorted({aid for aid, _ in rows}))
        out = [_quote(r, texts[str(r["article_id"])]) for r in rows.values()]
        if topic:
            out = [q for q in out if _mentions(q.text, topic)]
        out.sort(key=lambda q: (q.published or "", q.article_id), reverse=True)
        return _story_order(out)


def _in_window(day: int | None, since: date | None, as_of: date | None) -> bool:
    from_day = (since - date(1970, 1, 1)).days if since else None
    to_day = (as_of - date(1970, 1, 1)).days if as_of else None
    if day is None:
        return from_day is None
    return (from_day is None or day >= from_day) and (to_day is None or day <= to_day)


def _stems(text: str) -> set[str]:
    return {w.lower()[:5] for w in _WORD.findall(text) if len(w) > 2}


def _mentions(text: str, topic: str) -> bool:
    return bool(_stems(topic) & _stems(text))


def _extent(row: dict[str, object]) -> tuple[int, int]:
    parts = [(int(a), int(b)) for a, b in json.loads(str(row["content"]))]
    parts.append((int(str(row["cue_start"])), int(str(row["cue_end"]))))
    if row["source_start"] is not None:
        parts.append((int(str(row["source_start"])), int(str(row["source_end"]))))
    return min(a for a, _ in parts), max(b for _, b in parts)


def _quote(row: dict[str, Any], text: str) -> Quote:
    parts = tuple((int(a), int(b)) for a, b in json.loads(str(row["content"])))
    return Quote(
        article_id=str(row["article_id"]),
        title=str(row["title"]),
        url=str(row["url"]),
        source=str(row["source"]),
        published=row["published"] if isinstance(row["published"], str) else None,
        speaker=str(row["speaker"]),
        direct=bool(row["direct"]),
        text=" … ".join(text[a:b] for a, b in parts),
        content=parts,
        cue=text[int(str(row["cue_start"])) : int(str(row["cue_end"]))],
        extent=_extent(row),
    )


def _story_order(quotes: Sequence[Quote]) -> list[Quote]:
    """Newest story first; within a story, in the order the article gives them."""
    stories: dict[str, list[Quote]] = {}
    for q in quotes:
        stories.setdefault(q.article_id, []).append(q)
    return [q for group in stories.values() for q in sorted(group, key=lambda q: q.content)]
