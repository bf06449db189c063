"""A syndicated copy is not held by the claim of a killed process (issue 24, section 2).

A story being stored is claimed in the state database (`StoryIndex.claim`), and a copy arriving
meanwhile waits for it. `kill -9` of the process storing it left its claim behind for the claim's
ten-minute TTL, and a `newsdesk fetch` of a copy at another URL waited all that time, silently.
Here a real process takes the claim the way `newsdesk fetch` does (the page's own extraction and
signature) and is killed; the real `newsdesk fetch` of the copy then stores it at once, and
while the claiming process is alive it says that it waits, and for which process."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.feed_samples import article_page
from tests.support.http_server import LoopbackSite, site_in_thread

NEWSDESK = str(Path(sys.executable).parent / "newsdesk")
PARAGRAPHS = [
    "The harbour board approved the new ferry timetable on Tuesday after a long and heated debate.",
    "Night crossings will return in the autumn once the electric boats arrive, the board said.",
    "Fishermen at the quay said the change would cost them their early markets on the mainland.",
]
PAGE = article_page("Harbour board approves ferry timetable", PARAGRAPHS)

# A process that claims the story of the page at argv[2] (saved in argv[1]) as an ingest does,
# says so, and then takes its time storing it (until killed).
CLAIMER = """
import sys, time
from pathlib import Path
from retrieval.app import App
from retrieval.ingest.loaders import article_from_html
from retrieval.settings import Settings
from retrieval.web.dedup import signature
from retrieval.web.ingest import story_body

article = article_from_html(Path(sys.argv[1]).read_text(), sys.argv[2])
with App(Settings()) as app:
    assert app.stories.claim("default", article.id, signature(story_body(article))) is None
    print("claimed", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with site_in_thread() as s:
        s.page("/original", PAGE)  # the story a killed `newsdesk fetch` was storing
        s.page("/copy", PAGE)  # the same story at another outlet's URL
        yield s


def env_for(tmp_path: Path, site: LoopbackSite) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "OPENAI_", "CHROMA_"))}
    return env | {"NEWSDESK_DATA_DIR": str(tmp_path / "data"), "NEWSDESK_FETCH_ALLOW": site.host}


def start_claimer(tmp_path: Path, site: LoopbackSite, env: dict[str, str]) -> subprocess.Popen[str]:
    page = tmp_path / "page.html"
    page.write_text(PAGE)
    claimer = subprocess.Popen(
        [sys.executable, "-c", CLAIMER, str(page), site.url("/original")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert claimer.stdout is not None and claimer.stdout.readline() == "claimed\n"
    return claimer


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)  # reaped: a zombie would still count as running


def test_a_copy_is_not_held_by_the_claim_of_a_killed_process(tmp_path: Path, site: LoopbackSite) -> None:
    env = env_for(tmp_path, site)
    kill(start_claimer(tmp_path, site, env))
    started = time.monotonic()
    r = subprocess.run(  # was: waited for the claim's TTL, 600 s
        [NEWSDESK, "fetch", site.url("/copy")], capture_output=True, text=True, env=env, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("✓ added: Harbour board approves ferry timetable"), r.stdout
    assert site.url("/copy") in " ".join(r.stdout.split())
    assert time.monotonic() - started < 60


def test_a_copy_waiting_for_a_story_in_flight_says_for_which_process_and_goes_on_when_it_dies(
    tmp_path: Path, site: LoopbackSite
) -> None:
    env = env_for(tmp_path, site)
    claimer = start_claimer(tmp_path, site, env)
    fetch = subprocess.Popen(
        [NEWSDESK, "fetch", site.url("/copy")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in fetch.stderr or ()], daemon=True).start()
        waiting = lines.get(timeout=60)  # was: nothing, for ten minutes
        assert waiting.startswith("WARNING retrieval.web.dedup: waiting for story "), waiting
        assert f"{socket.gethostname()}:{claimer.pid}:" in waiting
        assert (
            "is still storing it (claimed " in waiting and "a claim not renewed for 600 s lapses" in waiting
        )
        time.sleep(1)
        assert fetch.poll() is None  # it waits while the claiming process runs
        kill(claimer)
        assert fetch.stdout is not None
        out = fetch.stdout.read()  # until it exits: at once now that the claimer is gone
        assert fetch.wait(60) == 0
        assert out.startswith("✓ added: Harbour board approves ferry timetable"), out
    finally:
        for process in (claimer, fetch):
            if process.poll() is None:
                kill(process)
