"""Quizzes from the tailored selection: drawn, run in a terminal, printed, remembered.

The runner takes `ask` and `say` callables instead of touching a terminal, so the CLI
decides how to talk to the user and tests can script the answers.
"""

from __future__ import annotations

import json
import os
import random
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from .banks import CLOZE_PATTERN, ID_PATTERN, Question
from .errors import PrepError
from .guide import escape_html, section_heading
from .select import TopicSelection
from .untrusted import NONBLOCKING_OPEN, for_terminal, read_regular_tail

LETTERS = "ABCDE"
HISTORY_ENV = "PREP_HISTORY"
GRADES_CORRECT = {"y", "yes", "good", "easy", "g", "e"}
# The history only grows; what is read of it is bounded (the newest part), so a huge
# file, or a device such as /dev/zero, can never make a quiz slow or hang.
MAX_HISTORY_BYTES = 4 * 1024 * 1024
MAX_HISTORY_SESSIONS = 10_000


@dataclass(frozen=True)
class QuizItem:
    question: Question
    topic_name: str
    guide_section: str  # the study-guide heading to reread, e.g. "3. PostgreSQL"


@dataclass
class QuizResult:
    answers: list[tuple[QuizItem, bool]] = field(default_factory=list)
    total: int = 0
    stopped_early: bool = False

    @property
    def score(self) -> int:
        return sum(correct for _, correct in self.answers)

    def per_topic(self) -> list[tuple[str, str, int, int]]:
        """(topic name, guide section, correct, asked) per topic, in the order first asked."""
        table: dict[str, list] = {}
        for item, correct in self.answers:
            row = table.setdefault(item.question.topic_id, [item.topic_name, item.guide_section, 0, 0])
            row[2] += correct
            row[3] += 1
        return [tuple(row) for row in table.values()]

    def weakest(self) -> list[tuple[str, str, int, int]]:
        """Topics with at least one miss, lowest share correct first."""
        missed = [row for row in self.per_topic() if row[2] < row[3]]
        return sorted(missed, key=lambda row: (row[2] / row[3], -row[3]))


def quiz_items(selections: list[TopicSelection]) -> list[tuple[QuizItem, float]]:
    """Every selected question with its topic's weight."""
    return [
        (QuizItem(question, selection.topic.name, section_heading(number, selection)), selection.topic.score)
        for number, selection in enumerate(selections, 1)
        for question in selection.questions
    ]


def draw_quiz(
    selections: list[TopicSelection],
    count: int,
    seed: int | str | None = None,
    topics: Iterable[str] = (),
    levels: Iterable[str] = (),
    miss_rates: dict[str, float] | None = None,
) -> list[QuizItem]:
    """Draw `count` questions, weighted toward strong topics and past misses.

    Weighted sampling without replacement (Efraimidis–Spirakis): each question gets the
    key u^(1/weight), and the largest keys win. Same seed, same quiz.
    """
    wanted_topics, wanted_levels = set(topics), set(levels)
    rng = random.Random(seed)
    keyed = []
    for item, topic_weight in quiz_items(selections):
        question = item.question
        if wanted_topics and question.topic_id not in wanted_topics:
            continue
        if wanted_levels and question.difficulty not in wanted_levels:
            continue
        weight = topic_weight * (1 + 2 * (miss_rates or {}).get(question.id, 0.0))
        keyed.append((rng.random() ** (1 / weight), item))
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _, item in keyed[:count]]


def run_quiz(items: list[QuizItem], ask: Callable[[str], str | None], say: Callable[[str], None]) -> QuizResult:
    """Ask each question; input ending (`ask` returns None) or Ctrl-C stops the quiz
    with the answers so far."""
    result = QuizResult(total=len(items))
    for number, item in enumerate(items, 1):
        question = item.question
        say(f"\n[{number}/{len(items)}] {item.topic_name} · {question.difficulty}")
        try:
            correct = _ask_choice(question, ask, say) if question.kind == "choice" else _ask_open(question, ask, say)
        except KeyboardInterrupt:
            correct = None
        if correct is None:
            result.stopped_early = True
            break
        result.answers.append((item, correct))
    return result


def _ask_choice(question: Question, ask, say) -> bool | None:
    say(question.question)
    for letter, choice in zip(LETTERS, question.choices, strict=False):
        say(f"  {letter}. {choice.text}")
    right = next(i for i, choice in enumerate(question.choices) if choice.correct)
    while True:
        reply = ask(f"Your answer (A-{LETTERS[len(question.choices) - 1]}): ")
        if reply is None:
            return None
        picked = _choice_index(reply.strip(), len(question.choices))
        if picked is not None or not reply.strip():
            break
        say(f"Type a letter A-{LETTERS[len(question.choices) - 1]} or a number 1-{len(question.choices)}.")
    verdict = "Correct." if picked == right else f"Not quite: the answer is {LETTERS[right]}."
    say(f"{verdict} {question.answer}")
    return picked == right


def _choice_index(reply: str, count: int) -> int | None:
    if len(reply) == 1 and reply.upper() in LETTERS[:count]:
        return LETTERS.index(reply.upper())
    if reply.isdigit() and 1 <= int(reply) <= count:
        return int(reply) - 1
    return None


def _ask_open(question: Question, ask, say) -> bool | None:
    if question.kind == "cloze":
        say(CLOZE_PATTERN.sub("[…]", question.question))
    else:
        say(question.question)
    if ask("Think of your answer, then press Enter to see it. ") is None:
        return None
    if question.kind == "cloze":
        say(CLOZE_PATTERN.sub(lambda match: match.group(2), question.question))
    if question.kind == "behavioural":
        say("What a strong answer shows:")
    if question.answer:
        say(question.answer)
    reply = ask("Did you get it? [y/n] ")
    if reply is None:
        return None
    return reply.strip().lower() in GRADES_CORRECT


def render_printable_quiz(items: list[QuizItem], name: str) -> str:
    """A Markdown quiz: questions first (choices lettered), the answer key at the end."""
    out = [f"# Quiz: {markdown_text(name)}", "", f"{len(items)} questions. The answer key is at the end.", ""]
    for number, item in enumerate(items, 1):
        question = item.question
        text = CLOZE_PATTERN.sub("_____", question.question) if question.kind == "cloze" else question.question
        out += [f"## {number}. {markdown_text(item.topic_name)} · {question.difficulty}", "", escape_html(text), ""]
        if question.kind == "choice":
            out += [
                f"{letter}. {escape_html(choice.text)}  "
                for letter, choice in zip(LETTERS, question.choices, strict=False)
            ]
            out.append("")
    out += ["## Answer key", ""]
    for number, item in enumerate(items, 1):
        question = item.question
        if question.kind == "choice":
            right = next(i for i, choice in enumerate(question.choices) if choice.correct)
            key = f"**{LETTERS[right]}.** {escape_html(question.answer)}"
        elif question.kind == "cloze":
            hidden = ", ".join(match.group(2) for match in CLOZE_PATTERN.finditer(question.question))
            key = f"**{escape_html(hidden)}**" + (f". {escape_html(question.answer)}" if question.answer else "")
        else:
            key = escape_html(question.answer)
        out += [f"{number}. {_indent(key)}", ""]
    return "\n".join(out).rstrip() + "\n"


def markdown_text(text: str) -> str:
    """A name as literal Markdown text on one line: no tag, link, image or emphasis in it works."""
    text = for_terminal(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|!#])", r"\\\1", text)


def printable_quiz_target(raw: str) -> Path:
    """The file `--print` names, or PrepError saying why it cannot be one."""
    if not raw.strip():
        raise PrepError("--print needs a file path, such as --print quiz.md")
    path = Path(raw)
    shown = for_terminal(raw)
    if raw.endswith(("/", os.sep)) or path.is_dir():
        raise PrepError(f"--print {shown} is a folder; give a file path, such as --print {shown.rstrip('/')}/quiz.md")
    if not path.parent.is_dir():
        raise PrepError(f"--print {shown}: no folder {for_terminal(str(path.parent))}; create it or give another path")
    with suppress(OSError):
        if not stat.S_ISREG(path.stat().st_mode):
            raise PrepError(f"--print {shown} is not a regular file; give a file path, such as --print quiz.md")
    return path


def write_printable_quiz(raw_path: str, text: str) -> Path:
    """Write the printable quiz to the file `raw_path` names, whole or not at all."""
    path = printable_quiz_target(raw_path)
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise PrepError(f"cannot write {path}: {err.strerror}; give --print a file in a folder you can write") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as err:
        raise PrepError(f"cannot write {path}: {err.strerror}; give --print a file in a folder you can write") from None
    finally:
        with suppress(OSError):
            os.unlink(tmp)
    return path


def _indent(text: str) -> str:
    """Continuation lines of a numbered list item must be indented to stay inside it."""
    return "\n".join(line if index == 0 or not line else f"   {line}" for index, line in enumerate(text.splitlines()))


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
        lines = "line" if self.skipped == 1 else "lines"
        return f"skipped {self.skipped} unreadable {lines} in {self.path} (quizzes cut short or edited by hand)"


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


def history_report(sessions: list[Session]) -> list[str]:
    """Lines for `prep quiz --history`: each quiz's score, then accuracy per topic."""
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
        lines.append(f"  {topic:<24} {sum(marks)}/{len(marks)}  {trend}")
    return lines


def _percent(marks: list[bool]) -> str:
    return f"{round(100 * sum(marks) / len(marks))}%"
