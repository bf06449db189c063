"""The engine: ingest, search, extractive answers and summaries, what is indexed, reindex; one
object the front ends talk to, built by `retrieval/app.py` from the clients it is given."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from retrieval.answer.attributed import AttributedAnswerer
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.search import Searcher, SearchFilters, passage_from
from retrieval.answer.summary import NOTHING_TO_SUMMARIZE, Summarizer
from retrieval.errors import BadInputError, ModelMismatchError, NotFoundError
from retrieval.ingest.articles import Article, normalize_url, source_of, url_id
from retrieval.ingest.chunking import Chunk, Chunker
from retrieval.ingest.embedding import Embedder
from retrieval.ingest.loaders import LoadProblem, load_path, too_long
from retrieval.results import Answer, ArticleInfo, IngestReport, Passage
from retrieval.settings import Settings
from retrieval.store.catalog import Catalog, article_from_row, day_number
from retrieval.store.index import Store
from retrieval.store.vectors import missing_vectors_note
from retrieval.web.dedup import StoryIndex

DEFAULT_NAMESPACE = "default"
NOTHING_INDEXED = (
    "Nothing has been indexed here yet, so there is nothing to answer from: add articles or feeds first."
)
Progress = Callable[[int], None]


def namespace_for_guild(guild_id: int | str | None) -> str:
    """Each Discord guild is its own namespace; the CLI's default (no --guild) is 'default'. An
    empty id is refused, as an empty path is: `--guild "$UNSET"` must not fall back to the
    default namespace, which DMs read when NEWSDESK_ALLOW_DMS is on."""
    if guild_id is None:
        return DEFAULT_NAMESPACE
    gid = str(guild_id).strip()
    if not gid:
        raise BadInputError(
            'an empty guild id (--guild ""; an unset variable?): give the numeric Discord server id, '
            "or leave --guild out for the default namespace"
        )
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", gid):
        raise BadInputError(f"invalid guild id {gid!r}: use the numeric Discord server id")
    return f"g{gid}"


def source_host(source: str) -> str:
    """The outlet a source filter names, as articles store it ('reuters.com'): a URL given
    instead is cut to its host, without scheme, path or www. ('https://www.reuters.com/x')."""
    host = source.strip().lower()
    if "/" in host:
        with contextlib.suppress(ValueError):  # not a URL after all ("https://[x"): kept as written
            host = source_of(host) or host
    return host.removeprefix("www.")


def check_summary_request(article: str | None, topic: str | None, since: date | None) -> None:
    """One article is summarised whole; a topic or a period is the coverage. An article with a
    topic or a time window would silently drop them, so that is refused."""
    if article and topic:
        raise BadInputError("summarise an article or a topic, not both: the article would ignore the topic")
    if article and since:
        raise BadInputError("an article is summarised whole: a time window does not apply to it")


class Engine:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        embedder: Embedder,
        chunker: Chunker,
        searcher: Searcher,
        answerer: ExtractiveAnswerer,
        summarizer: Summarizer,
        stories: StoryIndex,
        attributed: AttributedAnswerer | None = None,
    ):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.searcher = searcher
        self.answerer = answerer
        self.summarizer = summarizer
        self.stories = stories  # the syndicated-copy index (signatures and URLs of web stories)
        self.attributed = attributed  # "what did X say": X's attributions first (answer/attributed.py)
        self._gaps: dict[str, tuple[float, str | None]] = {}  # namespace → (checked, missing vectors)

    @property
    def _chunking(self) -> str:
        return f"cl100k_base/{self.chunker.max_tokens}/{self.chunker.overlap}"

    def check_chunking(self) -> None:
        """Remember how the index was chunked; a different setting needs `newsdesk reindex`."""
        built_with = self.catalog.get_meta("chunking")
        self._index_problem: str | None = None
        if built_with is None:
            self.catalog.set_meta("chunking", self._chunking)
        elif built_with != self._chunking:
            self._index_problem = (
                f"the index was chunked as {built_with} (encoding/tokens/overlap) but the settings say "
                f"{self._chunking}; run `newsdesk reindex` to rebuild it, or restore "
                "NEWSDESK_CHUNK_TOKENS and NEWSDESK_CHUNK_OVERLAP"
            )

    def _require_index(self) -> None:
        if self._index_problem:
            raise ModelMismatchError(self._index_problem)

    @property
    def catalog(self) -> Catalog:
        return self.store.catalog

    # --- ingest ---------------------------------------------------------------------------

    def ingest(
        self,
        articles: Iterable[Article | LoadProblem],
        namespace: str = DEFAULT_NAMESPACE,
        progress: Progress | None = None,
        batch_articles: int = 32,
    ) -> IngestReport:
        """Add or update articles. Unchanged articles are skipped; changed ones replace their chunks.

        Articles are embedded in batches; `progress(n)` is called after each batch with the
        number of inputs handled. Problems (bad lines, too-long articles) are reported, not raised.
        """
        self._require_index()
        report = IngestReport()
        batch: list[Article] = []
        for item in articles:
            if isinstance(item, LoadProblem):
                report.problems.append(str(item))
                if progress:
                    progress(1)
                continue
            batch.append(item)
            if len(batch) >= batch_articles:
                report.merge(self._ingest_batch(batch, namespace))
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            report.merge(self._ingest_batch(batch, namespace))
            if progress:
                progress(len(batch))
        return report

    def _ingest_batch(self, batch: list[Article], namespace: str) -> IngestReport:
        report = IngestReport()
        latest: dict[str, Article] = {}
        for a in batch:  # the same article twice in one batch: the last version wins
            if reason := too_long(a, self.settings.max_article_chars):  # files: checked by the loader
                report.problems.append(f"{a.origin}: {reason}" if a.origin else reason)
                continue
            latest[a.id] = a
        known = self.catalog.content_hashes(namespace, list(latest))
        todo: list[tuple[Article, list[Chunk]]] = []
        for a in latest.values():
            old = known.get(a.id)
            if old == a.content_hash:
                report.articles_skipped += 1
                continue
            chunks = self.chunker.chunk(a.id, a.text)
            if not chunks:
                report.problems.append(f"{a.origin or a.url or a.title}: no text to index; skipped")
                continue
            todo.append((a, chunks))
            if old is None:
                report.articles_added += 1
            else:
                report.articles_updated += 1
                row = self.catalog.article(namespace, a.id)
                report.chunks_removed += int(row["n_chunks"]) if row else 0
        if todo:
            texts = [f"{a.title}\n{c.text}" for a, chunks in todo for c in chunks]
            vectors = self.embedder.embed(texts)
            self.store.write(namespace, todo, vectors)
            report.chunks_added += len(texts)
        return report

    def ingest_paths(
        self,
        paths: Iterable[Path | str],
        namespace: str = DEFAULT_NAMESPACE,
        progress: Progress | None = None,
    ) -> IngestReport:
        def items() -> Iterator[Article | LoadProblem]:
            for p in paths:  # a str as typed: a missing one is named so
                yield from load_path(p, self.settings.max_article_chars)

        return self.ingest(items(), namespace, progress)

    # --- questions ------------------------------------------------------------------------

    def validate_question(self, question: str) -> str:
        q = " ".join((question or "").split())
        if not q:
            raise BadInputError("the question is empty: ask something, e.g. 'what did the mayor say?'")
        if len(q) > self.settings.max_question_chars:
            raise BadInputError(
                f"the question is too long ({len(q)} characters; the limit is "
                f"{self.settings.max_question_chars}): shorten it"
            )
        return q

    def search(
        self,
        query: str,
        namespace: str = DEFAULT_NAMESPACE,
        k: int | None = None,
        since: date | None = None,
        source: str | None = None,
        as_of: date | None = None,
    ) -> list[Passage]:
        """The best `k` passages (`NEWSDESK_TOP_K` when not given)."""
        query = self.validate_question(query)
        self._require_index()
        k = self.settings.top_k if k is None else k
        if k < 1 or k > 50:
            raise BadInputError("k must be between 1 and 50")
        src = source_host(source) if source else None
        return self.searcher.search(namespace, query, k, SearchFilters(since, as_of, src))

    def ask(
        self,
        question: str,
        namespace: str = DEFAULT_NAMESPACE,
        k: int | None = None,
        since: date | None = None,
        source: str | None = None,
        as_of: date | None = None,
    ) -> Answer:
        question = self.validate_question(question)
        passages = self.search(question, namespace, k, since, source, as_of)
        if not passages and not self.catalog.count_articles(namespace):
            return Answer(NOTHING_INDEXED, [], [], mode="none")
        filters = SearchFilters(since, as_of, source_host(source) if source else None)
        spoken = self.attributed.answer(question, namespace, passages, filters) if self.attributed else None
        answer = spoken or self.answerer.answer(question, passages)
        checked, gap = self._gaps.get(namespace, (0.0, None))
        if time.monotonic() - checked > 30:  # two counts: checked at most every 30 s
            gap = self.vector_gap(namespace)
            self._gaps[namespace] = (time.monotonic(), gap)
        if gap:
            answer.notes.append(gap)
        return answer

    def vector_gap(self, namespace: str | None = None) -> str | None:
        """Why results are degraded when chunks have no vector (and that `reindex` fixes it)."""
        namespaces = [namespace] if namespace else self.catalog.namespaces()
        chunks = self.catalog.counts(namespace)["chunks"]
        return missing_vectors_note(chunks, sum(self.store.vectors.count(ns) for ns in namespaces))

    def summarize(
        self,
        namespace: str = DEFAULT_NAMESPACE,
        article: str | None = None,
        topic: str | None = None,
        since: date | None = None,
        as_of: date | None = None,
        max_sentences: int = 6,
        max_articles: int = 30,
    ) -> Answer:
        check_summary_request(article, topic, since)
        if article:
            info = self.get_article(article, namespace)
            if info is None:
                raise NotFoundError(f"no article {article!r} is indexed here")
            passages = self._article_passages(namespace, info.id)
            return self.summarizer.summarize(passages, max_sentences=max_sentences)
        if topic:
            passages = self.search(topic, namespace, k=10, since=since, as_of=as_of)
            answer = self.summarizer.summarize(passages, topic=topic, max_sentences=max_sentences)
            # a topic nobody wrote about gets the same plain "nothing found" as a question
            probe = self.answerer.answer(topic, passages)
            if not probe.found:
                return Answer(probe.text, [], passages, mode="none")
            return answer
        if since is None:
            raise BadInputError("say what to summarise: an article, a topic, or a time window (--since)")
        ids = self.catalog.article_ids(
            namespace, since_day=day_number(since), until_day=day_number(as_of) if as_of else None
        )[:max_articles]
        passages = []
        for aid in ids:
            passages.extend(self._article_passages(namespace, aid)[:2])
        if not passages:
            return Answer(NOTHING_TO_SUMMARIZE, [], [], mode="none")
        return self.summarizer.summarize(passages, max_sentences=max_sentences)

    def _article_passages(self, namespace: str, article_id: str) -> list[Passage]:
        row = self.catalog.article(namespace, article_id)
        if row is None:
            return []
        return [passage_from(row, c) for c in self.catalog.article_chunks(namespace, article_id)]

    # --- what is indexed ------------------------------------------------------------------

    def sources(
        self, namespace: str = DEFAULT_NAMESPACE, query: str | None = None, limit: int = 20, offset: int = 0
    ) -> list[ArticleInfo]:
        return self.catalog.list_articles(namespace, query, limit, offset)

    def count_articles(self, namespace: str = DEFAULT_NAMESPACE, query: str | None = None) -> int:
        return self.catalog.count_articles(namespace, query)

    def get_article(self, ref: str, namespace: str = DEFAULT_NAMESPACE) -> ArticleInfo | None:
        ref = ref.strip()
        if not ref:
            return None
        by_url = url_id(ref) if "/" in ref or "." in ref else None
        info = self.catalog.find_article(namespace, ref, by_url)
        if info is None and by_url:
            info = self.catalog.find_article(namespace, normalize_url(ref), by_url)
        if info is None and by_url:
            # a syndicated copy's URL: the story is stored once, under the copy seen first
            owner = self.stories.owner_of(namespace, ref)
            info = self.catalog.find_article(namespace, owner) if owner else None
        return info

    def delete(self, ref: str, namespace: str = DEFAULT_NAMESPACE) -> ArticleInfo:
        info = self.get_article(ref, namespace)
        if info is None:
            raise NotFoundError(f"no article {ref!r} is indexed here")
        self.store.delete(namespace, info.id)
        # and its duplicate-detection rows: a deleted story can come back as new, and the URLs
        # it was seen at no longer count as its coverage
        self.stories.forget(namespace, info.id)
        return info

    def stats(self, namespace: str | None = None) -> dict[str, Any]:
        counts = self.catalog.counts(namespace)
        namespaces = [namespace] if namespace else self.catalog.namespaces()
        vectors = sum(self.store.vectors.count(ns) for ns in namespaces)
        gap = missing_vectors_note(counts["chunks"], vectors)
        return {
            **counts,
            "vectors": vectors,
            **({"problem": gap} if gap else {}),
            "namespaces": len(namespaces),
            **self.catalog.usage_totals(),
            "embedding_model": self.embedder.model_id,
            "data_dir": str(self.settings.data_dir),
            "backend": f"chroma server {self.settings.chroma_host}"
            if self.settings.chroma_host
            else "embedded chroma",
        }

    def reindex(self, namespace: str | None = None, progress: Progress | None = None) -> int:
        """Re-chunk and re-embed every stored article (after a model or chunking change).

        Article texts stay in the state database throughout, so an interrupted reindex loses nothing and a
        re-run completes it.
        """
        namespaces = [namespace] if namespace else self.catalog.namespaces()
        total = 0
        for ns in namespaces:
            self.store.drop_namespace(ns)
            batch: list[Article] = []
            for row in self.catalog.iter_articles(ns):
                batch.append(article_from_row(row))
                if len(batch) >= 32:
                    total += self._rewrite(batch, ns, progress)
                    batch = []
            if batch:
                total += self._rewrite(batch, ns, progress)
        self.catalog.set_meta("chunking", self._chunking)
        self._index_problem = None
        self._gaps.clear()
        return total

    def _rewrite(self, batch: list[Article], namespace: str, progress: Progress | None) -> int:
        todo = [(a, self.chunker.chunk(a.id, a.text)) for a in batch]
        texts = [f"{a.title}\n{c.text}" for a, chunks in todo for c in chunks]
        self.store.write(namespace, todo, self.embedder.embed(texts), new=False)
        if progress:
            progress(len(batch))
        return len(batch)
