"""prep: turn a job posting into interview preparation (Anki deck, study guide, quiz)."""
__version__ = "0.1.0"

from .banks import Bank, Question, lint, load_bank, load_banks
from .build import BuildResult, build, merge_postings
from .errors import BankError, OutputError, PostingError, PrepError
from .posting import Posting, parse_posting, read_posting
from .select import TopicSelection, select_questions
from .topics import TopicMatch, TopicReport, find_topics

__all__ = [
    "Bank", "BankError", "BuildResult", "OutputError", "Posting", "PostingError", "PrepError", "Question",
    "TopicMatch", "TopicReport", "TopicSelection", "build", "find_topics", "lint", "load_bank", "load_banks",
    "merge_postings", "parse_posting", "read_posting", "select_questions",
]
