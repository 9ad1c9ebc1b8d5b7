"""Counted nouns for what users read: "1 topic", "2 topics"."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count` and the word, in the plural unless the count is 1 ("1 card", "0 cards")."""
    return f"{count} {word if count == 1 else many or word + 's'}"
