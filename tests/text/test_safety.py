"""Hostile text on its own: mentions a chat client would ping with."""

from __future__ import annotations

from retrieval.text.safety import defuse_mentions


def test_mentions_are_defused() -> None:
    assert defuse_mentions("@everyone @here <@123> <@!45> <@&67> a@b.c") == (
        "@\u200beveryone @\u200bhere <@\u200b123> <@\u200b!45> <@\u200b&67> a@b.c"
    )
