"""The feedback store behind the answer buttons, and `newsdesk bot feedback`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from retrieval.results import Answer, Citation
from retrieval.store.feedback import FeedbackStore


def answer() -> Answer:
    cite = Citation(
        n=1,
        title="T",
        source="reuters.com",
        published=date(2017, 8, 17),
        url="https://reuters.com/a",
        quote="Valk said so.",
        article_id="a1",
        chunk_id="a1:0",
        spans=[(10, 26)],
    )
    return Answer(text="Valk said so [1].", citations=[cite], passages=[])


def test_votes_replace_per_user_and_count_per_namespace(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "db.sqlite3")
    ref = store.save_answer("g1", "what did Valk say?", answer())
    other = store.save_answer("g2", "q", answer())
    assert len(ref) == 12 and store.citations(ref) == answer().citations
    assert store.vote(ref, 1, 1) and store.vote(ref, 2, 1) and store.vote(ref, 1, -1)
    assert store.vote(other, 1, 1)
    assert not store.vote("000000000000", 1, 1)
    assert store.citations("000000000000") is None
    assert store.counts("g1") == {"answers": 1, "up": 1, "down": 1}
    assert store.counts() == {"answers": 2, "up": 2, "down": 1}
    with pytest.raises(ValueError):
        store.vote(ref, 1, 0)
    store.close()


def test_cli_prints_feedback_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path))
    store = FeedbackStore(tmp_path / "newsdesk.sqlite3")
    store.vote(store.save_answer("g42", "q", answer()), 7, 1)
    store.close()
    result = CliRunner().invoke(app, ["bot", "feedback", "--guild", "42"])
    assert result.exit_code == 0, result.output
    assert result.output == "answers: 1\nup: 1\ndown: 0\n"
