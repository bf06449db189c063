"""The scores the watch thresholds were set from: topics × fictional articles, each pair's lexical
share, dense cosine, mean, and whether it matches (retrieval/follow/matching.py).

    .venv/bin/python -m benchmarks.watch_scores

Articles: samples/news, tests/data and tests/follow/stories.py, indexed in a temporary data dir
(IDF from that index, as a watch sees it); vectors as ingest stores them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.common import REPO
from retrieval.app import App
from retrieval.follow.matching import best_sentence, dense_score, match
from retrieval.ingest.articles import Article
from retrieval.ingest.loaders import load_path
from retrieval.settings import Settings
from tests.follow.stories import FARES, FIRE, FIRE_FOLLOW_UP, HARVEST, LIBRARY

NS = "scores"
# (topic, the titles it should match: the rest must not)
TOPICS = [
    ("Port Aldery ferry schedule", ("Port Aldery to cut", "Ferry union threatens", "Mayor and ferry union")),
    ("ferry strike", ("Ferry union threatens", "Mayor and ferry union")),
    ("seal colony", ("Grey seal colony",)),
    ("harbour dredging costs", ("Harbour board delays",)),
    ("Dravia military drills", ("Arvenia and Kestria",)),
    ("ferry fire", ("Fire breaks out", "Kestrel Bay ferry fire")),
    ("Kestrel Bay ferry", ("Fire breaks out", "Kestrel Bay ferry fire", "Kestrel Bay ferry fares")),
    ("Brandvold", ("Fire breaks out",)),
    ("Okonkwo", ("Port Aldery to cut", "Ferry union threatens", "Mayor and ferry union")),
    ("apple prices", ("Wendle Valley",)),
    ("library", ("Port Aldery library", "Kestrel Bay library")),
    ("stock market crash", ()),
    ("election results", ()),
]


def articles() -> list[Article]:
    found: list[Article] = []
    for path in [
        *sorted((REPO / "samples" / "news").iterdir()),
        *sorted((REPO / "tests" / "data").glob("*.txt")),
    ]:
        found += [a for a in load_path(path, 10**7) if isinstance(a, Article)]
    return [*found, FIRE, FIRE_FOLLOW_UP, FARES, HARVEST, LIBRARY]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, App(Settings(NEWSDESK_DATA_DIR=Path(tmp))) as app:
        docs = articles()
        app.engine.ingest(docs, NS)
        checker = app.watch_checker
        views = [checker.view(NS, a) for a in docs]
        wrong = 0
        print("| topic | article | lexical | dense | mean | matches | expected |")
        print("|---|---|---|---|---|---|---|")
        for text, expected in TOPICS:
            topic = checker.topic(checker.add(NS, text))
            for view in views:
                _, lexical = best_sentence(topic, view)
                dense = dense_score(topic, view)
                hit = match(topic, view) is not None
                should = view.article.title.startswith(expected)
                wrong += hit != should
                if lexical or dense >= 0.3 or hit or should:  # the rest: nothing in common
                    title = view.article.title[:45]
                    mean = (lexical + dense) / 2
                    row = f"| {text} | {title} | {lexical:.2f} | {dense:.2f} | {mean:.2f} |"
                    print(f"{row} {'yes' if hit else 'no'} | {'yes' if should else 'no'} |")
        print(
            f"\n{len(TOPICS)} topics × {len(docs)} articles, {wrong} pair(s) judged otherwise than expected"
        )


if __name__ == "__main__":
    main()
