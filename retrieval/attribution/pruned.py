"""Cue words whose attributions were mostly wrong on the PolNeAR training split, found by
benchmarks/attribution_pruning.py (fewer than 25% of at least 8 right). Generated: do not
edit by hand."""

PRUNED_CUES = frozenset(
    [
        "accusing",  # 2 of 12 right
        "announcing",  # 2 of 10 right
        "appeared",  # 9 of 74 right
        "appears",  # 0 of 56 right
        "avoided",  # 1 of 11 right
        "booed",  # 1 of 11 right
        "calling",  # 20 of 104 right
        "celebrated",  # 2 of 10 right
        "charged",  # 7 of 33 right
        "citing",  # 3 of 30 right
        "claiming",  # 6 of 28 right
        "criticized",  # 0 of 8 right
        "criticizing",  # 2 of 15 right
        "declaring",  # 3 of 14 right
        "deemed",  # 3 of 13 right
        "defending",  # 4 of 17 right
        "denouncing",  # 2 of 14 right
        "determining",  # 1 of 9 right
        "embraced",  # 2 of 10 right
        "favored",  # 0 of 17 right
        "insisting",  # 1 of 9 right
        "intended",  # 0 of 15 right
        "know",  # 2 of 9 right
        "known",  # 4 of 76 right
        "launching",  # 1 of 9 right
        "maintains",  # 0 of 9 right
        "mocking",  # 1 of 9 right
        "opposed",  # 6 of 26 right
        "opposes",  # 1 of 12 right
        "passed",  # 6 of 32 right
        "plan",  # 2 of 19 right
        "planned",  # 5 of 22 right
        "pointing",  # 5 of 22 right
        "proposing",  # 1 of 10 right
        "questioning",  # 4 of 18 right
        "referencing",  # 0 of 10 right
        "refusing",  # 1 of 11 right
        "requested",  # 2 of 9 right
        "seemed",  # 8 of 75 right
        "seems",  # 5 of 48 right
        "thought",  # 3 of 20 right
        "threatening",  # 1 of 9 right
        "urging",  # 3 of 19 right
        "voted",  # 12 of 55 right
        "warning",  # 2 of 16 right
        "writing",  # 3 of 20 right
    ]
)
