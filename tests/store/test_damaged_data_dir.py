"""A damaged or unusable data dir is one line naming the path and the way out, never a traceback
(issue 24, section 2): a read-only data dir, NEWSDESK_DATA_DIR pointing at a file, a truncated state
database, a truncated vector store (which `newsdesk reindex` sets aside and rebuilds). Each case
runs the real `newsdesk` on a real data dir that a real `newsdesk ingest` filled."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_NEWS

NEWSDESK = str(Path(sys.executable).parent / "newsdesk")
QUESTION = "What did Mayor Okonkwo say about the ferry schedule?"


def newsdesk(data_dir: Path, *args: str, **more: str) -> subprocess.CompletedProcess[str]:
    """The installed console script (PYTHONPATH kept: this checkout's code) on `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "OPENAI_", "CHROMA_"))}
    env |= {"NEWSDESK_DATA_DIR": str(data_dir), **more}
    return subprocess.run(
        [NEWSDESK, *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the sample news in it, made by `newsdesk ingest` (copied by each test)."""
    data = tmp_path_factory.mktemp("filled") / "data"
    r = newsdesk(data, "ingest", str(SAMPLE_NEWS))
    assert r.returncode == 0, r.stderr
    return data


def copy_of(filled: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(filled, data)
    return data


def truncate_to_half(path: Path) -> None:
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)


def error_line(r: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command printed (rich may wrap it: the words are joined again)."""
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    return " ".join(r.stderr.split())


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make `folder` read-only in a way that holds for the user running the tests. They run as
    root here, and root ignores permission bits (chmod a-w changes nothing for it: `stats` then
    simply works), so as root the folder is made immutable (`chattr +i`: no file can be created
    in it, by root either; that is what a read-only mount does to SQLite, which must create its
    -wal and -shm files beside the database). As another user, chmod a-w does the same."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)], check=False).returncode:
        pytest.skip("cannot make a folder immutable here (no chattr, or a file system without it)")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_a_read_only_data_dir_names_the_folder_and_how_to_make_it_usable(
    filled: Path, tmp_path: Path
) -> None:
    data = copy_of(filled, tmp_path)
    db = data / "newsdesk.sqlite3"
    with read_only(data):
        # was: sqlite3.OperationalError: unable to open database file (a traceback), even for stats
        for command in ("stats", "sources"):
            line = error_line(newsdesk(data, command))
            assert line.startswith(
                f"error: cannot open {db} (unable to open database file): the data dir {data} "
                "must be writable"
            )
            assert "or point NEWSDESK_DATA_DIR at a writable copy" in line
        r = newsdesk(data, "health")
        assert r.returncode == 1 and r.stderr.startswith(f"unhealthy: cannot open {db}")
    assert newsdesk(data, "stats").returncode == 0  # writable again: nothing was harmed


def test_a_data_dir_that_is_a_file_says_so(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("not a folder\n")
    line = error_line(newsdesk(not_a_dir, "stats"))  # was: FileExistsError
    assert line == (
        f"error: the data dir {not_a_dir} is a file, not a folder (or lies under a file): point "
        "NEWSDESK_DATA_DIR at a folder, or move the file away"
    )
    line = error_line(newsdesk(not_a_dir / "sub", "sources"))
    assert line.startswith(f"error: the data dir {not_a_dir / 'sub'} is a file, not a folder")
    for command in (("bot",), ("bot", "feedback")):  # the bot stops at start, before Discord
        r = newsdesk(not_a_dir, *command, DISCORD_TOKEN="not-used")
        assert error_line(r).startswith(f"error: the data dir {not_a_dir} is a file, not a folder")


def test_a_truncated_state_database_says_it_is_damaged_and_what_can_be_done(
    filled: Path, tmp_path: Path
) -> None:
    data = copy_of(filled, tmp_path)
    db = data / "newsdesk.sqlite3"
    truncate_to_half(db)
    for command in (("stats",), ("ask", QUESTION)):
        line = error_line(newsdesk(data, *command))  # was: database disk image is malformed
        assert line == (
            f"error: the state database {db} is damaged (database disk image is malformed): the "
            "article texts are kept only there; restore it from a backup (or move it aside and try "
            "`sqlite3 newsdesk.sqlite3 .recover`), or move it aside and ingest the articles again"
        )


def test_a_truncated_vector_store_names_reindex_which_sets_it_aside_and_rebuilds_it(
    filled: Path, tmp_path: Path
) -> None:
    data = copy_of(filled, tmp_path)
    truncate_to_half(data / "chroma" / "chroma.sqlite3")
    damaged = (
        f"error: the vector store {data / 'chroma'} is damaged (error returned from database: (code: "
        "11) database disk image is malformed): run `newsdesk reindex` to set it aside and rebuild "
        "the vectors from the stored articles"
    )
    assert error_line(newsdesk(data, "stats")) == damaged  # was: chromadb InternalError
    assert error_line(newsdesk(data, "ask", QUESTION)) == damaged

    r = newsdesk(data, "reindex")  # was: the same InternalError, so no way out
    assert (r.returncode, r.stdout) == (0, "reindexed 5 article(s)\n"), r.stderr
    [aside] = data.glob("chroma.damaged-*")
    assert f"the vector store was damaged: moved it to {aside}; rebuilding the vectors" in " ".join(
        r.stderr.split()
    )
    assert newsdesk(data, "health").stdout == "ok: embedded chroma, sqlite state\n"
    r = newsdesk(data, "ask", QUESTION)
    assert r.returncode == 0 and "a painful but temporary change" in r.stdout
    assert "degraded" not in r.stdout
