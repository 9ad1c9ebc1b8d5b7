"""The quiz history: every quiz's answers, one JSON line per quiz, read back as
untrusted input (bounded to the newest part, every field checked) to weight the next
quiz toward past misses and to report progress.
"""

from __future__ import annotations

import json
import os
import stat
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from .banks import ID_PATTERN
from .errors import PrepError
from .quiz import QuizResult
from .untrusted import NONBLOCKING_OPEN, for_terminal, read_regular_tail
from .words import plural

HISTORY_ENV = "PREP_HISTORY"
# The history only grows; what is read of it is bounded (the newest part), so a huge
# file, or a device such as /dev/zero, can never make a quiz slow or hang.
MAX_HISTORY_BYTES = 4 * 1024 * 1024
MAX_HISTORY_SESSIONS = 10_000


def history_path() -> Path:
    """$PREP_HISTORY, else $XDG_DATA_HOME/prep/quiz-history.jsonl (~/.local/share by default)."""
    if os.environ.get(HISTORY_ENV):
        return Path(os.environ[HISTORY_ENV])
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "prep" / "quiz-history.jsonl"


@dataclass(frozen=True)
class Attempt:
    question_id: str
    topic_id: str
    correct: bool


@dataclass(frozen=True)
class Session:
    time: str
    deck: str
    attempts: tuple[Attempt, ...]


@dataclass
class History:
    """The readable sessions of a history file, oldest first, and how many lines were not."""

    path: Path
    sessions: list[Session] = field(default_factory=list)
    skipped: int = 0

    def warning(self) -> str | None:
        if not self.skipped:
            return None
        skipped = plural(self.skipped, "unreadable line")
        return f"skipped {skipped} in {self.path} (quizzes cut short or edited by hand)"


def load_history(path: Path) -> History:
    """Past quizzes, oldest first, from the newest part of the file; a line that is not a
    quiz prep wrote (cut by a full disk, edited, another file) is skipped and counted."""
    history = History(path)
    if str(path) == os.devnull:  # PREP_HISTORY=/dev/null: history turned off
        return history
    try:
        data, cut = read_regular_tail(path, MAX_HISTORY_BYTES)
    except FileNotFoundError:
        return history
    except OSError as err:
        raise PrepError(f"cannot read quiz history {path}: {err.strerror}; set {HISTORY_ENV} to a file") from None
    lines = data.split(b"\n")
    if cut:
        lines = lines[1:]  # starts mid-line
    lines = [line for line in lines if line.strip()][-MAX_HISTORY_SESSIONS:]
    for line in lines:
        session = _session(line)
        if session is None:
            history.skipped += 1
        else:
            history.sessions.append(session)
    return history


def _session(line: bytes) -> Session | None:
    try:
        record = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if type(record) is not dict or type(record.get("results")) is not list:
        return None
    when, deck = record.get("time", ""), record.get("deck", "")
    if type(when) is not str or type(deck) is not str:
        return None
    attempts = []
    for entry in record["results"]:
        if type(entry) is not dict:
            return None
        question_id, topic_id, correct = entry.get("id"), entry.get("topic"), entry.get("correct")
        if not (_is_id(question_id) and _is_id(topic_id) and type(correct) is bool):
            return None
        attempts.append(Attempt(question_id, topic_id, correct))
    if not attempts:
        return None
    return Session(for_terminal(when)[:32], for_terminal(deck)[:200], tuple(attempts))


def _is_id(value: object) -> bool:
    return type(value) is str and len(value) <= 200 and ID_PATTERN.match(value) is not None


def save_result(path: Path, name: str, result: QuizResult) -> None:
    """Append the quiz to the history, as one whole line or not at all."""
    if not result.answers or str(path) == os.devnull:
        return
    session = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "deck": name,
        "results": [
            {"id": item.question.id, "topic": item.question.topic_id, "correct": correct}
            for item, correct in result.answers
        ],
    }
    line = (json.dumps(session, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise PrepError(
            f"cannot save quiz history to {path}: {path.parent} is a file, not a folder; set {HISTORY_ENV} elsewhere"
        ) from None
    except OSError as err:
        raise PrepError(f"cannot save quiz history to {path}: {err.strerror}; set {HISTORY_ENV} elsewhere") from None
    try:
        # O_NONBLOCK: a FIFO without a reader fails at once instead of waiting.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | NONBLOCKING_OPEN, 0o644)
    except OSError as err:
        raise PrepError(f"cannot save quiz history to {path}: {err.strerror}; set {HISTORY_ENV} elsewhere") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PrepError(f"cannot save quiz history to {path}: not a regular file; set {HISTORY_ENV} to a file")
        try:
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(28, "No space left on device")
        except OSError as err:
            with suppress(OSError):
                os.ftruncate(fd, info.st_size)  # no half line for the next reader
            raise PrepError(
                f"cannot save quiz history to {path}: {err.strerror}; set {HISTORY_ENV} elsewhere"
            ) from None
    finally:
        os.close(fd)


def miss_rates(sessions: list[Session]) -> dict[str, float]:
    """Share of past attempts at each question that were missed."""
    attempts: dict[str, list[bool]] = {}
    for session in sessions:
        for attempt in session.attempts:
            attempts.setdefault(attempt.question_id, []).append(attempt.correct)
    return {qid: 1 - sum(marks) / len(marks) for qid, marks in attempts.items()}


def history_report(sessions: list[Session], topic_names: dict[str, str] | None = None) -> list[str]:
    """Lines for `prep quiz --history`: each quiz's score, then accuracy per topic (named
    from `topic_names`, topic id → name, where the id is known)."""
    if not sessions:
        return ["No quizzes yet."]
    lines = ["Quizzes:"]
    for session in sessions:
        correct = sum(attempt.correct for attempt in session.attempts)
        when = session.time[:16].replace("T", " ") or "?"
        lines.append(f"  {when}  {correct}/{len(session.attempts)}  {session.deck}")
    by_topic: dict[str, list[bool]] = {}
    for session in sessions:
        for attempt in session.attempts:
            by_topic.setdefault(attempt.topic_id, []).append(attempt.correct)
    lines.append("By topic (first half of attempts → second half):")
    for topic, marks in sorted(by_topic.items(), key=lambda pair: sum(pair[1]) / len(pair[1])):
        half = len(marks) // 2
        trend = f"{_percent(marks[:half])} → {_percent(marks[half:])}" if half else _percent(marks)
        name = for_terminal((topic_names or {}).get(topic, topic))
        lines.append(f"  {sum(marks):>3}/{len(marks):<3} {trend:<11} {name}")
    return lines


def _percent(marks: list[bool]) -> str:
    return f"{round(100 * sum(marks) / len(marks))}%"
