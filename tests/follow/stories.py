"""Fictional reports for the watch tests: one story told by two outlets (a syndicated copy and a
follow-up), a second story on the same ferry, and reports about other things."""

from __future__ import annotations

from datetime import date

from retrieval.ingest.articles import Article

FIRE = Article(
    title="Fire breaks out on Kestrel Bay ferry as passengers are evacuated",
    text=(
        "KESTREL BAY — A fire broke out in the engine room of the Kestrel Bay ferry Marram on "
        "Tuesday morning, and all 84 passengers were taken off by lifeboat crews.\n\n"
        "Harbourmaster Ilse Brandvold said the fire was put out within forty minutes and nobody "
        'was hurt. "The crew did exactly what they trained for," Brandvold said.\n\n'
        "The Marram is one of two boats on the crossing to Tarn Island. Sailings were cancelled "
        "for the rest of the day while the vessel was towed back to the harbour."
    ),
    url="https://harbourgazette.example/2026/05/05/kestrel-bay-ferry-fire",
    source="harbourgazette.example",
    published=date(2026, 5, 5),
)

# the wire copy another outlet ran word for word under its own headline
FIRE_COPY = Article(
    title="Passengers evacuated after Kestrel Bay ferry fire",
    text=FIRE.text,
    url="https://islandvoice.example/news/kestrel-bay-ferry-fire",
    source="islandvoice.example",
    published=date(2026, 5, 5),
)

# a follow-up report of the same story by a third outlet, the next day
FIRE_FOLLOW_UP = Article(
    title="Kestrel Bay ferry fire blamed on fuel leak in engine room",
    text=(
        "Investigators said on Wednesday that a fuel leak in the engine room started the fire on "
        "the Kestrel Bay ferry Marram, which forced the evacuation of 84 passengers on Tuesday.\n\n"
        "The ferry operator said the Marram would stay out of service for at least two weeks and "
        "that a chartered boat would cover the Tarn Island crossing."
    ),
    url="https://coastalherald.example/2026/05/06/ferry-fire-fuel-leak",
    source="coastalherald.example",
    published=date(2026, 5, 6),
)

FARES = Article(
    title="Kestrel Bay ferry fares to rise by 8 percent in June",
    text=(
        "Tickets on the Kestrel Bay ferry to Tarn Island will cost 8 percent more from June 1, the "
        "operator announced on Thursday, blaming higher fuel and wage costs.\n\n"
        "A return fare for an adult rises to 14 crowns. Island residents keep their half-price "
        "cards, the council's transport committee said."
    ),
    url="https://harbourgazette.example/2026/05/07/ferry-fares-rise",
    source="harbourgazette.example",
    published=date(2026, 5, 7),
)

HARVEST = Article(
    title="Wendle Valley growers report a record apple harvest",
    text=(
        "Orchards in the Wendle Valley picked more apples this autumn than in any year since "
        "records began, the growers' cooperative said on Monday.\n\n"
        "Warm spring weather and few late frosts helped, said the cooperative's chair, Osric "
        "Pell, who warned that prices for growers would fall."
    ),
    url="https://farmweekly.example/2026/05/05/wendle-apple-harvest",
    source="farmweekly.example",
    published=date(2026, 5, 5),
)

LIBRARY = Article(
    title="Kestrel Bay library extends its opening hours",
    text=(
        "The public library in Kestrel Bay will open until 9 pm on weekdays from next month, the "
        "town council said on Tuesday.\n\n"
        "Librarian Maren Aas said evening hours were the most requested change in the library's "
        "survey of readers. @everyone is welcome at the first late opening on June 3."
    ),
    url="https://harbourgazette.example/2026/05/05/library-hours",
    source="harbourgazette.example",
    published=date(2026, 5, 5),
)
