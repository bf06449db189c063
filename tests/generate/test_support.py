"""support.py's sentence-level judgement, rule by rule, on fictional sentences: what a fair
paraphrase may change and what it may not."""

from __future__ import annotations

import numpy as np

from retrieval.generate.claimcues import read
from retrieval.generate.support import Judge, View, merge, polarity, recitable
from retrieval.results import Passage


def view(text: str) -> View:
    return View.of(Passage("c:1", "a", 0, 0, len(text), text, "T", "u", "Meridian Wire", None))


def why(claim: str, passage: str) -> str:
    """What failed, or "" when the passage supports the claim."""
    return Judge().judge(claim, read(claim), view(passage)).why


def test_numbers_may_change_their_unit_word_or_be_spelt_out_but_not_their_value() -> None:
    source = "Police in Halden arrested 35 people outside the harbour office on Monday."
    assert why("Halden police detained 35 protesters outside the harbour office.", source) == ""
    assert why("Halden police detained 53 protesters outside the harbour office.", source) == (
        "a number they do not state"
    )
    source = "The Ostra volcano is erupting for the first time in nearly 40 years."
    assert why("The Ostra volcano is erupting for the first time in almost four decades.", source) == ""
    assert why("The Ostra volcano is erupting for the first time in almost three decades.", source) != ""
    source = "Each day in custody will count as 1.5 days toward her sentence, the Tarvos court ruled."
    assert why("The Tarvos court ruled each day in custody counts as one and a half days.", source) == ""
    source = "The floods in Vell were the worst in over a decade."
    assert why("The Vell floods were the worst in more than ten years.", source) == ""


def test_a_name_may_be_the_initials_of_the_passages_name_but_not_another_name() -> None:
    source = "The drug was approved by the US Food and Drug Administration for the Ostra clinic."
    assert why("The FDA approved the drug for the Ostra clinic.", source) == ""
    assert why("The FTC approved the drug for the Ostra clinic.", source) == "a name they do not mention"
    source = "She studied law at the State University of New York at Halden."
    assert why("She studied law at SUNY Halden.", source) == ""


def test_a_name_may_be_given_in_full_where_the_passage_gives_it_in_full_elsewhere() -> None:
    source = (
        "Ada Okonkwo never did. "
        "Okonkwo, whose quick thinking won the Halden final, has died at 72, her son said."
    )
    assert why("Ada Okonkwo, whose quick thinking won the Halden final, has died at 72.", source) == ""
    assert why("Lena Okonkwo, whose quick thinking won the Halden final, has died at 72.", source) == (
        "a name they do not mention"
    )


def test_a_title_moved_between_two_alike_names_is_a_swap() -> None:
    source = (
        "Okonkwo has support from Harbour Council Chair Ada Brenn of Halden and Harbour Council "
        "Treasurer Lars Vell of Ostra."
    )
    claim = "Okonkwo is backed by Harbour Council Chair Ada Brenn of Halden and Treasurer Lars Vell of Ostra."
    assert why(claim, source) == ""
    claim = "Okonkwo is backed by Harbour Council Treasurer Ada Brenn of Halden and Chair Lars Vell of Ostra."
    assert why(claim, source) == "another name in its place"
    source = "New Halden Rep. Ada Brenn launched her bid on Friday."
    assert why("New Halden's Ada Brenn launched her bid on Friday.", source) == ""


def test_claims_and_alleges_are_speech_verbs() -> None:
    source = "The plaintiff, Ada Okonkwo, claims on behalf of Halden savers that Brenn misused the fund."
    assert why("Okonkwo claims on behalf of Halden savers that Brenn misused the fund.", source) == ""
    assert why("The Halden board claims on behalf of savers that Brenn misused the fund.", source) == (
        "said by someone else"
    )


def test_a_sentence_opening_with_neither_names_no_one_called_neither() -> None:
    source = "Both Mayor Ada Okonkwo and Gov. Lars Brenn have said the notice will likely end within days."
    assert read("Neither Okonkwo nor Brenn gave a date.").names == {"okonkwo", "brenn"}
    assert why("Mayor Okonkwo and Gov. Brenn said the notice will likely end within days.", source) == ""


def test_an_outcome_is_reversed_unless_the_claim_states_both_outcomes() -> None:
    source = "The Halden Rovers rarely won before Brenn arrived in 1990. After that season they rarely lost."
    assert (
        why(
            "The Halden Rovers rarely won before Brenn arrived in 1990, and after that they rarely lost.",
            source,
        )
        == ""
    )
    assert why("The Halden Rovers rarely lost before Brenn arrived in 1990.", source) == (
        "the outcome is reversed"
    )


def test_an_outcome_word_with_several_opposites_is_checked_against_each() -> None:
    source = "The Vell river reached 14 feet at Halden on Monday, surpassing the record of 1918."
    assert why("The Vell river peaked at 14 feet at Halden, short of the record of 1918.", source) == (
        "the outcome is reversed"
    )
    source = "The Vell river reached 14 feet at Halden on Monday, exceeding the record of 1918."
    assert why("The Vell river peaked at 14 feet at Halden, short of the record of 1918.", source) == (
        "the outcome is reversed"
    )


def test_a_hedge_is_kept_in_kind_and_only_where_the_claim_restates_what_it_bears_on() -> None:
    source = (
        "Engineers in Halden have worked for nearly a century on this clean, potentially limitless power."
    )
    claim = "Halden engineers have worked for nearly a century on clean power that will be limitless."
    assert why(claim, source) == "drops a hedge"  # "nearly" is of extent; "potentially", of certainty
    claim = "Halden engineers have worked for nearly a century on clean, possibly limitless power."
    assert why(claim, source) == ""
    source = "Average temperatures in Vell rose 2.3 degrees since 1950, and could increase another 5 degrees."
    claim = "Average temperatures in Vell have climbed 2.3 degrees since 1950."
    assert why(claim, source) == ""  # "could" bears on the increase the claim does not restate


def test_all_over_a_counted_set_is_no_generalisation() -> None:
    source = "Officials in Vell confirmed that no beer will be sold at the eight stadiums of the cup."
    assert why("Vell officials confirmed a beer ban at all eight stadiums of the cup.", source) == ""
    assert (
        why("Vell officials confirmed a beer ban at all stadiums of the cup.", source) == "adds an absolute"
    )


def test_a_negation_is_judged_against_any_one_of_the_aligned_sentences() -> None:
    source = (
        "The Halden report, led by former judge Ada Okonkwo and released Monday, found the Ostra league "
        "failed to protect its players. The report found abuse had become systemic across many teams."
    )
    claim = "A report led by former judge Ada Okonkwo found abuse had become systemic across Ostra teams."
    assert why(claim, source) == ""  # the first sentence's "failed to" is about something else
    source = "Okonkwo said the results of the Ostra trial were better than in earlier trials."
    claim = "Okonkwo said the results of the Ostra trial were not better than in earlier trials."
    assert why(claim, source) == "negation differs"


def test_a_negating_verb_negates_an_action_not_a_thing() -> None:
    assert read("Brenn refused to comment on the Ostra talks.").negated == 1
    assert read("The council stopped funding the Vell ferry.").negated == 1
    assert read("Halden is the only city still trying to stop transmission.").negated == 0


class Close:
    """A stand-in for MiniLM: every text gets the same vector (cosine 1), or orthogonal ones."""

    dimension = 2
    model_id = "close"

    def __init__(self, close: bool) -> None:
        self.close = close
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.close:
            return np.ones((len(texts), 2)) / np.sqrt(2)
        return np.eye(len(texts), max(2, len(texts)))


def test_the_embedder_overrules_the_word_share_tests_for_a_paraphrase_only() -> None:
    source = "Ostra spokesman Lars Brenn declined to reveal details about the Halden announcement."
    claim = "Ostra's Lars Brenn would not elaborate further on the Halden plans."
    assert why(claim, source) == "names without what it says of them"
    for close, expected in ((True, ""), (False, "names without what it says of them")):
        verdict = Judge(Close(close)).judge(claim, read(claim), view(source))
        assert verdict.why == expected
    claim = "Ostra's Lars Brenn would not elaborate further on the 2019 Halden plans."
    embedder = Close(True)
    assert Judge(embedder).judge(claim, read(claim), view(source)).why == "a number they do not state"
    assert embedder.calls == 0  # a number, name, speaker or polarity mismatch is never overruled


def test_a_sentence_moves_to_an_uncited_passage_only_when_one_sentence_there_holds_it() -> None:
    source = view(
        "The Halden store sells shirts and jackets on its website and through Amazon and Etsy. "
        "Its products, according to the FTC, are marketed through social media."
    )
    claim = "The FTC fined the Halden store for marketing its products on Amazon and Etsy."
    verdict = Judge().judge(claim, read(claim), source, semantic=False)
    assert verdict.ok and len(verdict.aligned) == 2
    assert not recitable(read(claim), verdict, source)
    claim = "The Halden store sells shirts through Amazon and Etsy."
    verdict = Judge().judge(claim, read(claim), source, semantic=False)
    assert recitable(read(claim), verdict, source)


def test_not_un_is_positive() -> None:
    assert read("It was not unusual for Brenn to visit the Halden yard.").negated == 0
    assert read("It wasn't uncommon for Brenn to visit the Halden yard.").negated == 0
    assert read("It was not understood why Brenn visited the Halden yard.").negated == 1


def test_an_opposite_under_a_negation_is_no_reversed_outcome() -> None:
    best = read("Brenn often spoke to Halden players who were not born before the 1990 final.")
    other = read("Brenn remained a fixture of the Halden club.")
    parts, union = [best, other], merge([best, other])
    claim = read("Brenn remained a fixture and spoke to Halden players born after the 1990 final.")
    assert polarity(claim, parts, union) == ""  # "born after" restates "not born before"
    best = read("Brenn often spoke to Halden players who were born before the 1990 final.")
    parts, union = [best, other], merge([best, other])
    assert polarity(claim, parts, union) == "the outcome is reversed"
