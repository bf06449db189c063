"""One typed settings object, read from the environment and `.env` when it is built (never at import)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting newsdesk reads. `.env.example` documents each one."""

    # An empty value (`CHROMA_HOST=` as `.env.example` has it) means unset: the default applies.
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,
    )

    # Storage
    data_dir: Path = Field(default=Path("./data"), alias="NEWSDESK_DATA_DIR")
    chroma_host: str | None = Field(default=None, alias="CHROMA_HOST")
    chroma_port: int = Field(default=8000, alias="CHROMA_PORT", ge=1, le=65535)
    chroma_ssl: bool = Field(default=False, alias="CHROMA_SSL")
    chroma_auth_token: str | None = Field(default=None, alias="CHROMA_AUTH_TOKEN")
    # Shared state (articles, BM25, feeds, feedback, leases) for several processes: a
    # postgresql:// URL. Unset: SQLite in the data dir (one process, or processes on one host).
    database_url: str | None = Field(default=None, alias="NEWSDESK_DATABASE_URL")

    # Chunking and embedding
    chunk_tokens: int = Field(default=220, alias="NEWSDESK_CHUNK_TOKENS", ge=32, le=1000)
    chunk_overlap: int = Field(default=30, alias="NEWSDESK_CHUNK_OVERLAP", ge=0, le=500)
    embedder: Literal["local", "openai"] = Field(default="local", alias="NEWSDESK_EMBEDDER")
    embedding_model: str = Field(default="text-embedding-3-small", alias="NEWSDESK_EMBEDDING_MODEL")
    embed_batch_size: int = Field(default=32, alias="NEWSDESK_EMBED_BATCH", ge=1, le=512)
    embed_threads: int = Field(default=0, alias="NEWSDESK_EMBED_THREADS", ge=0)

    # Search and answers
    top_k: int = Field(default=5, alias="NEWSDESK_TOP_K", ge=1, le=50)
    # news fades: a passage's fused score is weighted 1 / (1 + age_days / N), age counted from
    # the question's "as of" date (today by default); 0 turns the weighting off
    recency_days: float = Field(default=30.0, alias="NEWSDESK_RECENCY_DAYS", ge=0)
    # > 0: BM25 in two passes; words in more than this share of all chunks only rank the
    # candidates the rarer words found (0: one exact pass)
    lexical_max_df: float = Field(default=0.0, alias="NEWSDESK_LEXICAL_MAX_DF", ge=0, le=1)
    max_question_chars: int = Field(default=1000, alias="NEWSDESK_MAX_QUESTION_CHARS", ge=1)
    max_article_chars: int = Field(default=2_000_000, alias="NEWSDESK_MAX_ARTICLE_CHARS", ge=1)

    # Generation (OpenAI-compatible); with no key the answers are extractive
    openai_api_key: str | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    llm_model: str = Field(default="gpt-4o-mini", alias="NEWSDESK_LLM_MODEL")
    llm_timeout: float = Field(default=60.0, alias="NEWSDESK_LLM_TIMEOUT", gt=0)
    llm_context_tokens: int = Field(default=16000, alias="NEWSDESK_LLM_CONTEXT_TOKENS", ge=1)
    llm_reply_tokens: int = Field(default=800, alias="NEWSDESK_LLM_REPLY_TOKENS", ge=1)
    # after the offline citation check: "model" asks the model to verify the kept sentences
    # (one extra request per answer), "offline" does not; unset = "model" when a model is set
    verify: Literal["offline", "model"] | None = Field(default=None, alias="NEWSDESK_VERIFY")

    # Discord
    discord_token: str | None = Field(default=None, alias="DISCORD_TOKEN")
    discord_api_base: str | None = Field(default=None, alias="NEWSDESK_DISCORD_API_BASE")
    discord_gateway_url: str | None = Field(default=None, alias="NEWSDESK_DISCORD_GATEWAY_URL")
    discord_admin_role: str | None = Field(default=None, alias="NEWSDESK_ADMIN_ROLE")
    discord_allow_dms: bool = Field(default=False, alias="NEWSDESK_ALLOW_DMS")
    ask_cooldown_seconds: float = Field(default=5.0, alias="NEWSDESK_ASK_COOLDOWN", ge=0)
    discord_shards: str | None = Field(default=None, alias="NEWSDESK_SHARDS")  # "auto" or a number
    discord_shard_ids: str | None = Field(default=None, alias="NEWSDESK_SHARD_IDS")  # "0,1": this process's
    discord_message_content: bool = Field(default=False, alias="NEWSDESK_DISCORD_MESSAGE_CONTENT")

    # Web fetching and feeds
    fetch_allow: str = Field(default="", alias="NEWSDESK_FETCH_ALLOW")
    fetch_max_bytes: int = Field(default=5 * 1024 * 1024, alias="NEWSDESK_FETCH_MAX_BYTES", ge=1)
    fetch_timeout: float = Field(default=15.0, alias="NEWSDESK_FETCH_TIMEOUT", gt=0)
    feed_concurrency: int = Field(default=8, alias="NEWSDESK_FEED_CONCURRENCY", ge=1, le=64)
    feeds_poll_in_bot: bool = Field(default=True, alias="NEWSDESK_FEEDS_POLL_IN_BOT")
    feeds_channel: int | None = Field(default=None, alias="NEWSDESK_FEEDS_CHANNEL", ge=0)
    poller_lease_seconds: float = Field(default=60.0, alias="NEWSDESK_POLLER_LEASE", ge=1, le=3600)

    # Watches: at most this many stories posted per watch in any hour (more wait for the next)
    watch_max_per_hour: int = Field(default=5, alias="NEWSDESK_WATCH_MAX_PER_HOUR", ge=1, le=100)

    @model_validator(mode="after")
    def _relations(self) -> Settings:
        """Settings that are each in range but do not fit together."""
        if self.chunk_overlap >= self.chunk_tokens:
            raise PydanticCustomError(
                "relation",
                "NEWSDESK_CHUNK_OVERLAP ({overlap}) must be smaller than NEWSDESK_CHUNK_TOKENS ({tokens})",
                {"overlap": self.chunk_overlap, "tokens": self.chunk_tokens},
            )
        if self.llm_reply_tokens >= self.llm_context_tokens:
            raise PydanticCustomError(
                "relation",
                "NEWSDESK_LLM_REPLY_TOKENS ({reply}) must be smaller than "
                "NEWSDESK_LLM_CONTEXT_TOKENS ({context})",
                {"reply": self.llm_reply_tokens, "context": self.llm_context_tokens},
            )
        return self

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "newsdesk.sqlite3"

    @property
    def state_db(self) -> Path | str:
        """Where articles, BM25, feeds and feedback live: the PostgreSQL URL, or the SQLite file."""
        return self.database_url or self.sqlite_path

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_api_key)

    @property
    def verify_with_model(self) -> bool:
        """Whether a generated answer's kept sentences are verified by the model too."""
        return self.llm_enabled and self.verify != "offline"


def settings_problems(err: ValidationError) -> list[str]:
    """One line per bad setting, named as it is set (`NEWSDESK_CHUNK_TOKENS: ...`). The value is
    repeated unless it is a secret (a token, a key, a password, or a database URL holding one)."""
    lines = []
    for e in err.errors():
        name = ".".join(str(part) for part in e["loc"]) or "settings"
        if e["type"] == "relation":  # between settings: the message names both
            lines.append(e["msg"])
            continue
        secret = name.endswith(("_TOKEN", "_KEY", "PASSWORD")) or name == "NEWSDESK_DATABASE_URL"
        got = "" if secret or "input" not in e else f" (got {e['input']!r})"
        lines.append(f"{name}: {e['msg']}{got}")
    return lines
