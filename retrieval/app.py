"""The composition root: every client newsdesk uses, built once from `Settings`, shared, closed
together. The CLI, the Discord bot and the benchmarks all start here.

    with App(Settings()) as app:          # nothing is built yet
        app.engine.ask("what did the mayor say?")   # builds the database, Chroma, the embedder
        async with app.online():           # the async clients, in the running event loop
            answer = await app.answering.ask(...)

Each client is built on first use, so a command that only lists feeds never loads the
embedding model or opens Chroma. The backends are chosen here and nowhere else: the state
database is SQLite in the data dir or PostgreSQL (`NEWSDESK_DATABASE_URL`), the vectors live in
Chroma on disk or a Chroma server (`CHROMA_HOST`), the embedder is the local MiniLM or an
OpenAI-compatible endpoint. The async clients (the HTTP fetcher's connection pool and the
OpenAI client) belong to one event loop: `online()` builds them in it and closes them at its end.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import openai
from openai import AsyncOpenAI

from retrieval.answer.attributed import AttributedAnswerer
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.search import Searcher
from retrieval.answer.summary import Summarizer
from retrieval.answering import Answering
from retrieval.attribution.store import AttributionStore
from retrieval.engine import Engine
from retrieval.errors import DamagedVectorsError
from retrieval.follow.checker import WatchChecker, build_checker
from retrieval.follow.timeline import Timelines
from retrieval.follow.watches import WatchStore
from retrieval.generate.chat import build_client
from retrieval.generate.llm import LLMAnswerer
from retrieval.generate.support import Judge
from retrieval.ingest.chunking import Chunker
from retrieval.ingest.embedding import Embedder, LocalEmbedder, OpenAIEmbedder
from retrieval.settings import Settings
from retrieval.store.backend import open_catalog
from retrieval.store.catalog import Catalog
from retrieval.store.database import Database
from retrieval.store.feedback import FeedbackStore
from retrieval.store.index import Store
from retrieval.store.journal import IngestJournal
from retrieval.store.lease import Lease
from retrieval.store.lexicon import Fts5Tokenizer
from retrieval.store.opening import open_state_database, open_vector_client, set_aside_vectors
from retrieval.store.vectors import Vectors
from retrieval.text.tokens import load_encoding
from retrieval.web.dedup import StoryIndex
from retrieval.web.feedstore import FeedStore
from retrieval.web.fetch import Fetcher
from retrieval.web.policy import FetchPolicy
from retrieval.web.transport import build_http_client


def build_embedder(settings: Settings) -> Embedder:
    """The local MiniLM (offline), or an OpenAI-compatible embeddings endpoint."""
    if settings.embedder == "openai":
        client = openai.OpenAI(
            api_key=settings.openai_api_key or "unused",
            base_url=settings.openai_base_url or None,
            timeout=settings.llm_timeout,
        )
        return OpenAIEmbedder(client, settings.embedding_model)
    return LocalEmbedder(batch_size=settings.embed_batch_size, threads=settings.embed_threads)


class App:
    """Every client, built once on first use. `embedder=` and `chroma_client=` hand in ones
    already built (tests share one loaded model; `migrate` and benchmarks their own Chroma)."""

    def __init__(
        self, settings: Settings, *, embedder: Embedder | None = None, chroma_client: Any | None = None
    ) -> None:
        self.settings = settings
        self._given_embedder = embedder
        self._given_chroma = chroma_client
        self._http: httpx.AsyncClient | None = None
        self._llm_client: AsyncOpenAI | None = None

    # --- the state database and what lives in it -------------------------------------------

    @cached_property
    def database(self) -> Database:
        """The one connection to the state database: SQLite in the data dir, or PostgreSQL."""
        return open_state_database(self.settings)

    @cached_property
    def catalog(self) -> Catalog:
        return open_catalog(self.database, self.settings.lexical_max_df)

    @cached_property
    def feedback(self) -> FeedbackStore:
        return FeedbackStore(self.database)

    @cached_property
    def feeds(self) -> FeedStore:
        return FeedStore(self.database)

    @cached_property
    def stories(self) -> StoryIndex:
        """The syndicated-copy index, shared by every path that brings web articles in, so a
        story arriving two ways at once is stored once (StoryIndex.claim)."""
        return StoryIndex(self.database)

    @cached_property
    def journal(self) -> IngestJournal:
        """The order new and changed articles were stored in (the watches read it)."""
        return IngestJournal(self.database)

    @cached_property
    def watches(self) -> WatchStore:
        return WatchStore(self.database)

    @cached_property
    def watch_checker(self) -> WatchChecker:
        """Matches newly stored articles against the watches (needs the engine: model, vectors)."""
        return build_checker(self.engine, self.watches, self.settings.watch_max_per_hour)

    def lease(self, name: str, holder: str, ttl: float) -> Lease:
        return Lease(self.database, name, holder, ttl)

    # --- vectors, model, engine -------------------------------------------------------------

    @cached_property
    def attributions(self) -> AttributionStore:
        """Who said what: attributions extracted at ingest, beside the chunks."""
        return AttributionStore(self.database)

    @cached_property
    def chroma(self) -> Any:
        """The Chroma client (a server, or the store in the data dir); a damaged or unusable data
        dir is a StoreError naming the path and the way out (retrieval/store/opening.py)."""
        return self._given_chroma or open_vector_client(self.settings)

    def reopen_damaged_vectors(self) -> Path | None:
        """For `newsdesk reindex`: when the embedded vector store's files are damaged, set them
        aside (`chroma.damaged-<time>`, returned) and open a fresh store in their place, to be
        filled from the article texts in the state database. None when the store opened."""
        try:
            self.chroma  # noqa: B018 - opened here, to see whether it can be
            return None
        except DamagedVectorsError:
            moved = set_aside_vectors(self.settings)
        self.chroma  # noqa: B018
        return moved

    @cached_property
    def embedder(self) -> Embedder:
        return self._given_embedder or build_embedder(self.settings)

    @cached_property
    def tokenizer(self) -> Fts5Tokenizer:
        return Fts5Tokenizer()

    @cached_property
    def engine(self) -> Engine:
        settings = self.settings
        embedder, catalog = self.embedder, self.catalog  # the model first: a lower peak at start-up
        vectors = Vectors(self.chroma, embedder.model_id)
        engine = Engine(
            settings,
            Store(catalog, vectors, self.attributions, self.journal),
            embedder,
            Chunker(load_encoding(), settings.chunk_tokens, settings.chunk_overlap),
            Searcher(catalog, vectors, embedder, self.tokenizer, recency_days=settings.recency_days),
            ExtractiveAnswerer(doc_frequency=catalog.doc_frequency),
            Summarizer(),
            self.stories,
            AttributedAnswerer(self.attributions, catalog, doc_frequency=catalog.doc_frequency),
        )
        engine.check_chunking()
        return engine

    @cached_property
    def timelines(self) -> Timelines:
        """Stories followed over time: timelines and "latest" answers, over the engine's index."""
        return Timelines.for_engine(self.engine)

    # --- the async clients: one event loop's ----------------------------------------------

    @cached_property
    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy.from_settings(self.settings)

    @property
    def fetcher(self) -> Fetcher:
        """The web fetcher (its connection pool is built on first use, inside `online()`)."""
        if self._http is None:
            max_connections = max(20, self.settings.feed_concurrency * 2)
            self._http = build_http_client(self.fetch_policy, max_connections=max_connections)
        return Fetcher(self._http, self.fetch_policy)

    @property
    def llm(self) -> LLMAnswerer | None:
        """The model that writes answers, when an OpenAI-compatible endpoint is configured."""
        if not self.settings.llm_enabled:
            return None
        if self._llm_client is None:
            self._llm_client = build_client(self.settings)
            self._llm = LLMAnswerer.from_settings(
                self._llm_client,
                self.settings,
                on_usage=self.catalog.record_usage,
                judge=Judge(self.embedder),  # the embedder the engine already loaded
            )
        return self._llm

    @property
    def answering(self) -> Answering:
        """Extractive answers first, then the model when one is configured."""
        return Answering(self.engine, self.llm, self.timelines)

    @contextlib.asynccontextmanager
    async def online(self) -> AsyncIterator[App]:
        """Use the async clients inside; they are closed, in this loop, when it ends."""
        try:
            yield self
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        http, self._http = self._http, None
        llm_client, self._llm_client = self._llm_client, None
        if http is not None:
            await http.aclose()
        if llm_client is not None:
            await llm_client.close()

    # --- closing ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close what was built (the async clients must have been closed by `online()`)."""
        built = self.__dict__
        if "tokenizer" in built:
            self.tokenizer.close()
        if "catalog" in built:
            self.catalog.close()  # the PostgreSQL catalog's tokenizer, then the database
        elif "database" in built:
            self.database.close()

    def __enter__(self) -> App:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
