"""The catalog in PostgreSQL (NEWSDESK_DATABASE_URL): shared by every newsdesk process.

Same tables as the SQLite catalog; the lexical index is a postings table
(`lex_postings`: term, chunk, column, positions) filled by SQLite's own FTS5 tokenizer
(`retrieval/store/lexicon.py`), and BM25 is FTS5's formula in SQL: k1 = 1.2, b = 0.75, the title
column weighted 2 and the body 1, IDF = ln((N − n + 0.5) / (n + 0.5)) (at least 1e-6) over
every chunk, document length = tokens in the row, phrases (a query word FTS5 splits, such as
"mayor's") matched at adjacent positions. The scores equal the embedded index's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from retrieval.ingest.articles import Article
from retrieval.ingest.chunking import Chunk
from retrieval.store.bm25 import LexicalHit
from retrieval.store.catalog import SCHEMA, Catalog
from retrieval.store.database import Database
from retrieval.store.lexicon import Fts5Tokenizer

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 2.0

PG_SCHEMA = (
    SCHEMA
    + """;
ALTER TABLE chunks ADD COLUMN IF NOT EXISTS body TEXT NOT NULL DEFAULT '';
ALTER TABLE chunks ADD COLUMN IF NOT EXISTS lex_len INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS lex_postings (
    term TEXT NOT NULL,
    chunk_rowid INTEGER NOT NULL REFERENCES chunks(rowid) ON DELETE CASCADE,
    col SMALLINT NOT NULL,
    positions INTEGER[] NOT NULL,
    PRIMARY KEY (term, chunk_rowid, col)
);
CREATE INDEX IF NOT EXISTS lex_postings_chunk ON lex_postings(chunk_rowid);
"""
)


class PostgresCatalog(Catalog):
    schema = PG_SCHEMA
    body_sql, body_join = "c.body", ""
    like_operator = "ILIKE"

    def __init__(self, target: Path | str | Database, max_df: float = 0.0):
        super().__init__(target, max_df)
        self.tokenizer = Fts5Tokenizer()

    def close(self) -> None:
        self.tokenizer.close()
        super().close()

    def put_article(self, conn: Database, namespace: str, article: Article, chunks: Sequence[Chunk]) -> None:
        self._delete_rows(conn, namespace, article.id)
        self._insert_article_row(conn, namespace, article, len(chunks))
        rows = [(article.title if ch.position == 0 else "", ch.text) for ch in chunks]
        tokens = self.tokenizer.tokenize_rows(rows)
        postings: list[tuple[str, int, int, list[int]]] = []
        for ch, (_title, body), doc in zip(chunks, rows, tokens, strict=True):
            rowid = conn.execute(
                'INSERT INTO chunks(namespace, article_id, position, start, "end", n_tokens, body, lex_len)'
                " VALUES (?,?,?,?,?,?,?,?) RETURNING rowid",
                (namespace, article.id, ch.position, ch.start, ch.end, ch.n_tokens, body, doc.length),
            ).fetchone()[0]
            postings.extend((term, rowid, col, plist) for (term, col), plist in doc.positions.items())
        if postings:
            conn.executemany(
                "INSERT INTO lex_postings(term, chunk_rowid, col, positions) VALUES (?, ?, ?, ?)", postings
            )

    def _delete_rows(self, conn: Database, namespace: str, article_id: str) -> int:
        n = conn.execute(  # postings go with their chunks (ON DELETE CASCADE)
            "DELETE FROM chunks WHERE namespace = ? AND article_id = ?", (namespace, article_id)
        ).rowcount
        conn.execute("DELETE FROM articles WHERE namespace = ? AND id = ?", (namespace, article_id))
        return int(n)

    def lexical_rows(self) -> int:
        with self.lock:
            return int(self.db.execute("SELECT COUNT(DISTINCT chunk_rowid) FROM lex_postings").fetchone()[0])

    # --- BM25 -----------------------------------------------------------------------------

    def _phrases(self, terms: Sequence[str]) -> list[list[str]]:
        return [self.tokenizer.phrase(t.replace('"', "")) for t in terms]

    @staticmethod
    def _phrase_sql(k: int, tokens: list[str]) -> tuple[str, list[object]]:
        """A CTE `ph{k}(cid, f)`: chunks where the phrase occurs, f = weighted occurrences."""
        joins = ""
        conds = []
        args: list[object] = []
        for i, tok in enumerate(tokens[1:], 1):
            joins += (
                f" JOIN lex_postings p{i} ON p{i}.chunk_rowid = p0.chunk_rowid"
                f" AND p{i}.col = p0.col AND p{i}.term = ?"
            )
            conds.append(f"x + {i} = ANY(p{i}.positions)")
            args.append(tok)
        if conds:
            hits = f"(SELECT COUNT(*) FROM unnest(p0.positions) AS x WHERE {' AND '.join(conds)})"
        else:
            hits = "cardinality(p0.positions)"
        sql = (
            f"ph{k} AS (SELECT cid, SUM(w * h) AS f FROM ("
            f"SELECT p0.chunk_rowid AS cid, CASE p0.col WHEN 0 THEN {TITLE_WEIGHT} ELSE 1.0 END AS w,"
            f" {hits} AS h FROM lex_postings p0{joins} WHERE p0.term = ?) AS q{k}"
            " WHERE h > 0 GROUP BY cid)"
        )
        return sql, [*args, tokens[0]]

    def _hits_sql(self, phrases: list[list[str]]) -> tuple[str, list[object]]:
        ctes: list[str] = []
        args: list[object] = []
        unions = []
        for k, tokens in enumerate(phrases):
            sql, a = self._phrase_sql(k, tokens)
            ctes.append(sql)
            args.extend(a)
            unions.append(f"SELECT {k} AS k, cid, f FROM ph{k}")
        ctes.append("hits AS (" + " UNION ALL ".join(unions) + ")")
        return ", ".join(ctes), args

    # no FTS5 here: `_rank` always ranks with the filters inside its one query
    PREFETCH = 0

    def _rank(
        self,
        namespace: str,
        terms: Sequence[str],
        limit: int,
        fsql: str,
        fargs: list[object],
        prefetch: int = 0,
    ) -> list[LexicalHit]:
        phrases = [p for p in self._phrases(terms) if p]
        if not phrases:
            return []
        ctes, args = self._hits_sql(phrases)
        raw_idf = "ln((s.n - i.nh + 0.5) / (i.nh + 0.5))"
        sql = (
            "WITH stats AS MATERIALIZED (SELECT COUNT(*)::float8 AS n, COALESCE(SUM(lex_len), 0)::float8 AS t"
            f" FROM chunks), {ctes},"
            " idf AS MATERIALIZED (SELECT k, COUNT(*)::float8 AS nh FROM hits GROUP BY k)"
            " SELECT c.rowid AS rowid, c.article_id AS article_id, c.position AS position,"
            f" SUM(CASE WHEN {raw_idf} <= 0 THEN 1e-6 ELSE {raw_idf} END"
            f" * (h.f * {K1 + 1.0}) / (h.f + {K1} * (1 - {B} + {B} * c.lex_len / (s.t / s.n)))) AS score"
            " FROM hits h JOIN idf i ON i.k = h.k CROSS JOIN stats s"
            " JOIN chunks c ON c.rowid = h.cid"
            " JOIN articles a ON a.namespace = c.namespace AND a.id = c.article_id"
            f" WHERE c.namespace = ?{fsql}"
            " GROUP BY c.rowid, c.article_id, c.position ORDER BY score DESC, c.rowid LIMIT ?"
        )
        with self.lock:
            rows = self.db.execute(sql, [*args, namespace, *fargs, limit]).fetchall()
        return [LexicalHit(r["rowid"], r["article_id"], r["position"], float(r["score"])) for r in rows]

    def _count_docs(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        with self.lock:
            total = int(self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
            df: dict[str, int] = {}
            for t, tokens in zip(terms, self._phrases(terms), strict=True):
                if not tokens:
                    df[t] = 0
                    continue
                ctes, args = self._hits_sql([tokens])
                df[t] = int(self.db.execute(f"WITH {ctes} SELECT COUNT(*) FROM hits", args).fetchone()[0])
        return total, df
