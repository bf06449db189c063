"""A fictional story followed over two weeks, for the timeline and "latest" tests.

The Lowmoor ferry strike, 2026-03-02 to 2026-03-12, in seven reports from five outlets:
a strike vote (and a wire copy of it, syndicated: stored once, two outlets), the strike's first
day in two write-ups by two outlets (one development) and a council's bus plan the same day
(another development), talks resuming, and the deal that ends it. Two articles that share a
word with the story but are not about it (a rail strike elsewhere, a Lowmoor library) and an
old report from January (outside a 30-day window) must not be entries.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from retrieval.ingest.articles import Article
from retrieval.web.dedup import StoryIndex
from retrieval.web.ingest import IngestOutcome, WebIngestor
from tests.support.fake_openai import Reply

TOPIC = "Lowmoor ferry strike"

VOTE_TEXT = (
    "Ferry crews on the Lowmoor crossing voted by 212 to 31 on Monday to strike from Thursday, "
    "the Coastal Seafarers Union said.\n\n"
    "The union wants a pay rise of nine percent after two years of frozen wages, while the operator, "
    "Lowmoor Sound Ferries, has offered four.\n\n"
    "About six thousand passengers use the crossing on a working day, most of them commuters to "
    "the mainland."
)
VOTE = Article(
    title="Lowmoor ferry crews vote to strike over pay",
    text=VOTE_TEXT,
    url="https://harbourtimes.example/2026/03/02/lowmoor-ferry-strike-vote",
    published=date(2026, 3, 2),
)
VOTE_WIRE = Article(  # the same story, syndicated: a wire service's copy with a tagline
    title="Lowmoor ferry crews vote for strike over pay",
    text=VOTE_TEXT + "\n\nThis story was distributed by the Coast Wire service.",
    url="https://coastwire.example/wire/lowmoor-ferry-strike-vote",
    published=date(2026, 3, 2),
)
HALTED = Article(
    title="Lowmoor ferries halted as strike begins",
    text=(
        "No ferries crossed Lowmoor Sound on Thursday as the first strike by ferry crews in "
        "thirty years began at dawn.\n\n"
        "Pickets stood at both terminals, and the operator cancelled all 48 scheduled sailings "
        "of the day.\n\n"
        "Commuters queued for the single road bridge, forty kilometres to the north."
    ),
    url="https://citypost.example/news/lowmoor-ferries-halted",
    published=date(2026, 3, 5),
)
STRANDED = Article(
    title="Commuters stranded on first day of Lowmoor ferry strike",
    text=(
        "Thousands of commuters were stranded on Thursday after the operator cancelled all 48 "
        "sailings across Lowmoor Sound on the first day of the ferry strike.\n\n"
        "Pickets at the terminals said the crews would stay out until the operator improved "
        "its pay offer.\n\n"
        "Some commuters drove the long way round by the road bridge to the north."
    ),
    url="https://valleynews.example/lowmoor-ferry-strike-commuters",
    published=date(2026, 3, 5),
)
BUSES = Article(
    title="Lowmoor council lays on buses during ferry strike",
    text=(
        "Lowmoor council said on Thursday it will run twenty free shuttle buses a day via the "
        "northern road bridge for as long as the ferry strike lasts.\n\n"
        "The council leader, Mira Hollis, said the service would cost the town about ninety "
        "thousand crowns a week.\n\n"
        "Schools on the island will open an hour later to let pupils catch the buses."
    ),
    url="https://islandvoice.example/lowmoor-council-strike-buses",
    published=date(2026, 3, 5),
)
TALKS = Article(
    title="Lowmoor ferry strike talks resume with mediator",
    text=(
        "The union and Lowmoor Sound Ferries returned to talks on Monday with a state mediator, "
        "the first meeting since the ferry strike began.\n\n"
        "Neither side spoke to reporters after six hours of talks in the harbour office.\n\n"
        "Crews remain on strike and no sailings are planned this week."
    ),
    url="https://harbourtimes.example/2026/03/09/lowmoor-ferry-talks",
    published=date(2026, 3, 9),
)
DEAL = Article(
    title="Lowmoor ferry strike ends with pay deal",
    text=(
        "The Lowmoor ferry strike ended on Thursday after crews accepted a pay rise of six "
        "percent this year and three percent next year.\n\n"
        "The first sailings will leave both terminals at six on Saturday morning, the operator "
        "said.\n\n"
        "Union members approved the deal by 198 votes to 40."
    ),
    url="https://citypost.example/news/lowmoor-ferry-deal",
    published=date(2026, 3, 12),
)
OLD = Article(  # matches the topic's words best of all, but is weeks older than the rest
    title="Lowmoor ferry strike: will the Lowmoor ferry crews strike?",
    text=(
        "A Lowmoor ferry strike is possible this spring, the Coastal Seafarers Union warned on "
        "Tuesday, as pay talks with the Lowmoor ferry operator stalled.\n\n"
        "The union said a strike ballot of Lowmoor ferry crews could follow within weeks."
    ),
    url="https://islandvoice.example/lowmoor-ferry-strike-warning",
    published=date(2026, 1, 20),
)
RAIL = Article(  # a strike, but not this one
    title="Brenholm rail workers strike over rosters",
    text=(
        "Train drivers in Brenholm went on strike on Friday over new weekend rosters, halting "
        "all services on the coastal line.\n\n"
        "The rail operator said it would run replacement coaches between the main stations.\n\n"
        "The drivers' union said the strike would last two days."
    ),
    url="https://valleynews.example/brenholm-rail-strike",
    published=date(2026, 3, 6),
)
LIBRARY = Article(  # Lowmoor, but not the strike
    title="Lowmoor library reopens after roof repairs",
    text=(
        "The Lowmoor town library reopened on Saturday after eight months of repairs to its "
        "roof, which was damaged in the January storms.\n\n"
        "The children's reading room has moved to the ground floor and the café has new opening "
        "hours."
    ),
    url="https://islandvoice.example/lowmoor-library-reopens",
    published=date(2026, 3, 7),
)

STORY = [VOTE, VOTE_WIRE, HALTED, STRANDED, BUSES, TALKS, DEAL]
OTHERS = [OLD, RAIL, LIBRARY]


# the timeline of TOPIC as of 2026-03-14 (default 30-day window): (date, text, outlets)
ENTRIES = [
    (
        "2026-03-02",
        "Ferry crews on the Lowmoor crossing voted by 212 to 31 on Monday to strike from Thursday, "
        "the Coastal Seafarers Union said. [1]",
        ["coastwire.example", "harbourtimes.example"],
    ),
    (
        "2026-03-05",
        "No ferries crossed Lowmoor Sound on Thursday as the first strike by ferry crews in thirty "
        "years began at dawn. [2]",
        ["citypost.example", "valleynews.example"],
    ),
    (
        "2026-03-05",
        "Lowmoor council said on Thursday it will run twenty free shuttle buses a day via the "
        "northern road bridge for as long as the ferry strike lasts. [3]",
        ["islandvoice.example"],
    ),
    (
        "2026-03-09",
        "The union and Lowmoor Sound Ferries returned to talks on Monday with a state mediator, the "
        "first meeting since the ferry strike began. [4]",
        ["harbourtimes.example"],
    ),
    (
        "2026-03-12",
        "The Lowmoor ferry strike ended on Thursday after crews accepted a pay rise of six percent "
        "this year and three percent next year. [5]",
        ["citypost.example"],
    ),
]


# a scripted model for the summaries: a line per day, one unsupported by its report
LINES = {
    "2026-03-02": "Ferry crews on the Lowmoor crossing voted by 212 to 31 to strike from Thursday [1].",
    # one fact from each of the day's two reports
    "2026-03-05": (
        "No ferries crossed Lowmoor Sound on Thursday [1]. Thousands of commuters were stranded [2]."
    ),
    "buses": "The council will charge commuters 50 crowns for each bus ride [1].",  # not in the report
    "2026-03-09": "The union and the operator returned to talks on Monday with a state mediator [1].",
    "2026-03-12": "The strike ended on Thursday after crews accepted a pay rise of six percent [1].",
}


def respond(body: dict[str, Any]) -> Reply:
    prompt = body["messages"][-1]["content"]
    day = re.search(r"These passages are the reports of (\S+) about the story: Lowmoor ferry strike", prompt)
    assert day is not None
    return Reply.text(LINES["buses" if "shuttle buses" in prompt else day.group(1)])


def ingest_story(engine: object, stories: StoryIndex, namespace: str) -> list[IngestOutcome]:
    """Every fixture article, through the web ingest path (the wire copy is found a duplicate)."""
    outcomes = WebIngestor(engine, stories, clock=lambda: 0.0).ingest([*STORY, *OTHERS], namespace)  # type: ignore[arg-type]
    assert [o.status for o in outcomes].count("duplicate") == 1, [(o.url, o.status) for o in outcomes]
    return outcomes
