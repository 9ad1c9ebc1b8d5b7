"""prep: turn a job posting into interview preparation (Anki deck, study guide, quiz)."""

__version__ = "0.1.0"

from .banks import Bank, Question, lint, load_bank
from .bankset import load_banks
from .errors import BankError, OutputError, PostingError, PrepError
from .plan import PlannedQuestion, StudyPlan, make_plan
from .posting import Posting, parse_posting, read_posting
from .select import TopicSelection, ranked_questions
from .topics import TopicMatch, TopicReport, find_topics


def __getattr__(name: str):
    # The deck writer pulls in genanki; `prep topics` and other readers should not pay for it.
    if name in ("BuildResult", "PlanRequest", "build", "build_decks", "merge_postings"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'prep' has no attribute {name!r}")


__all__ = [
    "Bank",
    "BankError",
    "BuildResult",
    "PlanRequest",
    "OutputError",
    "Posting",
    "PostingError",
    "PrepError",
    "Question",
    "TopicMatch",
    "TopicReport",
    "TopicSelection",
    "build",
    "build_decks",
    "find_topics",
    "lint",
    "load_bank",
    "load_banks",
    "merge_postings",
    "parse_posting",
    "read_posting",
    "ranked_questions",
    "make_plan",
    "PlannedQuestion",
    "StudyPlan",
]
