"""benchmarks/claims.py: the real citation check over a claims item, written as a run file."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.claims import claim_outcomes, main
from retrieval.generate.citations import Decision

PASSAGE_1 = (
    "Gen. Anders Valk said on Tuesday that the joint drills with Solvane were routine and defensive. "
    "He added that 28,000 troops would take part in the exercises."
)
PASSAGE_2 = "Mayor Ada Okonkwo said the ferry schedule will change in June."
CLAIMS = [
    ("Valk said the joint drills with Solvane were routine and defensive [1].", [1], "supported", [1]),
    ("Okonkwo said the ferry schedule will change in June [1].", [1], "wrong_citation", [2]),
    ("The drills will be cancelled next year [2].", [2], "unsupported", []),
]


def item() -> dict:  # type: ignore[type-arg]
    claims = [
        {"i": i, "text": t, "cited": c, "label": label, "kind": label, "support": s, "note": "", "overlap": 0}
        for i, (t, c, label, s) in enumerate(CLAIMS)
    ]
    passages = [
        {
            "n": n,
            "article_id": f"a{n}",
            "url": f"u{n}",
            "title": f"T{n}",
            "source": "s",
            "published": "2023-03-09",
            "text": text,
        }
        for n, text in ((1, PASSAGE_1), (2, PASSAGE_2))
    ]
    return {
        "id": "t01",
        "question": "What about the drills?",
        "passages": passages,
        "answer": " ".join(c["text"] for c in claims),
        "claims": claims,
    }


def test_each_claim_gets_what_the_check_did_with_it(tmp_path: Path) -> None:
    gold = tmp_path / "dev.jsonl"
    gold.write_text(json.dumps(item()) + "\n", encoding="utf-8")
    out = tmp_path / "run.jsonl"
    assert main([str(gold), "--out", str(out), "--lexical"]) == 0
    [row] = [json.loads(line) for line in out.read_text().splitlines()]
    assert row == {
        "id": "t01",
        "claims": [
            {"i": 0, "kept": True, "cited": [1]},
            {"i": 1, "kept": True, "cited": [2]},
            {"i": 2, "kept": False, "cited": []},
        ],
    }


def test_a_claim_split_in_two_is_kept_if_a_part_is_and_unmatched_claims_are_left_out() -> None:
    claims = [{"i": 0, "text": "A b. C d [1]."}, {"i": 1, "text": "E f [2]."}]
    decisions = [Decision("A b.", False), Decision("C d.", True, [1]), Decision("Something else.", True, [2])]
    assert claim_outcomes(claims, decisions) == [{"i": 0, "kept": True, "cited": [1]}]
