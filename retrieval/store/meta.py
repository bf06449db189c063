"""The catalog's small tables: index metadata (`meta`, key → value) and LLM token usage."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime

from retrieval.store.database import Database


class MetaAndUsage:
    """Mixed into `Catalog`: reads and writes `db` under `lock`."""

    db: Database
    lock: threading.RLock

    # --- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # --- LLM token usage ------------------------------------------------------------------

    def record_usage(self, kind: str, usage: Mapping[str, int]) -> None:
        """One generated answer's (or map/reduce step's) token usage, for `stats`."""
        with self.lock:
            self.db.execute(
                "INSERT INTO llm_usage(at, kind, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    kind,
                    int(usage.get("prompt_tokens", 0)),
                    int(usage.get("completion_tokens", 0)),
                ),
            )

    def usage_totals(self) -> dict[str, int]:
        with self.lock:
            row = self.db.execute(
                "SELECT COUNT(*) AS n, COALESCE(SUM(prompt_tokens), 0) AS p,"
                " COALESCE(SUM(completion_tokens), 0) AS c,"
                " COALESCE(SUM(CASE WHEN kind = 'verify' THEN prompt_tokens + completion_tokens END), 0) AS v"
                " FROM llm_usage"
            ).fetchone()
        return {
            "llm_requests": int(row["n"]),
            "llm_prompt_tokens": int(row["p"]),
            "llm_completion_tokens": int(row["c"]),
            "llm_verify_tokens": int(row["v"]),  # of those, spent verifying citations
        }
