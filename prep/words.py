"""Words for what users read: counted nouns ("1 topic", "2 topics"), lines cut at a word."""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """`count` and the word, in the plural unless the count is 1 ("1 card", "0 cards")."""
    return f"{count} {word if count == 1 else word + 's'}"


def clip(text: str, width: int) -> str:
    """The text, or its first words up to `width` characters and an ellipsis; never mid-word."""
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0].rstrip(" ,;:–—-")
    return (cut or text[: width - 1]) + "…"
