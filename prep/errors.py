"""Errors a user can cause; the CLI turns them into one-line messages."""

from __future__ import annotations

from .words import plural


class PrepError(Exception):
    """A problem with the user's input or environment, not a bug in prep."""


class PostingError(PrepError):
    """The posting could not be read or understood."""


class UnknownTopicError(PrepError):
    """A topic id given with --topic or --skip names no bank."""


class OutputError(PrepError):
    """The output could not be written."""


class BankError(PrepError):
    """A question bank is malformed; carries every problem found as file:line: message."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        summary = (
            problems[0]
            if len(problems) == 1
            else f"{problems[0]} (and {plural(len(problems) - 1, 'more problem')}; run `prep banks lint`)"
        )
        super().__init__(summary)
