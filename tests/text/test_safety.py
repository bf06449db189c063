"""Hostile text on its own: mentions a chat client would ping with, invisible characters."""

from __future__ import annotations

from retrieval.text.safety import clean_untrusted, defuse_mentions


def test_mentions_are_defused() -> None:
    assert defuse_mentions("@everyone @here <@123> <@!45> <@&67> a@b.c") == (
        "@\u200beveryone @\u200bhere <@\u200b123> <@\u200b!45> <@\u200b&67> a@b.c"
    )


def test_invisible_characters_go_but_an_emoji_keeps_its_joiner() -> None:
    assert clean_untrusted("Dock\u202e gnik\u202c strike\u200b vote\ufeff") == "Dock gnik strike vote"
    assert clean_untrusted("Dock\u200dking") == "Dockking"  # a joiner between letters hides nothing
    assert clean_untrusted("\u200b\u200d\ufeff") == ""
    # in an emoji sequence the joiner is part of the character shown (🙋🏼‍♀️, 👨‍👩‍👧)
    assert clean_untrusted("🙋🏼\u200d♀️ I'm Nicole") == "🙋🏼\u200d♀️ I'm Nicole"
    assert clean_untrusted("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"
    assert clean_untrusted("\u200d♀ and ♀\u200d") == "♀ and ♀"  # not joining two pictographs
