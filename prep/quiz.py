"""Quizzes from the tailored selection: drawn, run in a terminal, printed.

The runner takes `ask` and `say` callables instead of touching a terminal, so the CLI
decides how to talk to the user and tests can script the answers.
"""

from __future__ import annotations

import os
import random
import re
import stat
from collections.abc import Callable, Collection, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from .banks import CHOICE_LETTERS, CLOZE_PATTERN, Question
from .errors import PrepError
from .guide import escape_html, markdown_text, section_heading
from .select import TopicSelection
from .untrusted import for_terminal, replace_file
from .words import plural

GRADES = {"y": True, "yes": True, "n": False, "no": False}


@dataclass(frozen=True)
class QuizItem:
    question: Question
    topic_name: str
    guide_section: str  # the study-guide heading to reread, e.g. "3. PostgreSQL"
    guide_number: str = ""  # the question's number in the study guide, e.g. "3.2"


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
        (
            QuizItem(question, selection.topic.name, section_heading(number, selection), f"{number}.{index}"),
            selection.topic.score,
        )
        for number, selection in enumerate(selections, 1)
        for index, question in enumerate(selection.questions, 1)
    ]


def draw_quiz(
    selections: list[TopicSelection],
    count: int,
    seed: int | str | None = None,
    topics: Iterable[str] = (),
    levels: Iterable[str] = (),
    miss_rates: dict[str, float] | None = None,
    only: Collection[str] | None = None,
) -> list[QuizItem]:
    """Draw `count` questions, weighted toward strong topics and past misses; `only`
    keeps to those question ids (what the plan has covered by a day), numbered as in
    the whole guide.

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
        if only is not None and question.id not in only:
            continue
        weight = topic_weight * (1 + 2 * (miss_rates or {}).get(question.id, 0.0))
        keyed.append((rng.random() ** (1 / weight), item))
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _, item in keyed[:count]]


def run_quiz(items: list[QuizItem], ask: Callable[[str], str | None], say: Callable[..., None]) -> QuizResult:
    """Ask each question; input ending (`ask` returns None) or Ctrl-C stops the quiz
    with the answers so far. `say(text)` shows bank Markdown; `say(text, tone)` a plain
    line in a tone: "progress", "right", "wrong", "hint", "label" ("plain" and "score" for summaries)."""
    result = QuizResult(total=len(items))
    for number, item in enumerate(items, 1):
        question = item.question
        say(f"{number}/{len(items)} · {item.topic_name} · {question.difficulty}", "progress")
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
    say(
        "  \n".join(
            f"**{letter}.** {choice.text}" for letter, choice in zip(CHOICE_LETTERS, question.choices, strict=False)
        )
    )
    right = next(i for i, choice in enumerate(question.choices) if choice.correct)
    last = CHOICE_LETTERS[len(question.choices) - 1]
    while True:  # an empty or unreadable reply asks again: it is never graded
        reply = ask(f"Your answer (A-{last}): ")
        if reply is None:
            return None
        picked = _choice_index(reply.strip(), len(question.choices))
        if picked is not None:
            break
        say(f"Type a letter A-{last} or a number 1-{len(question.choices)}.", "hint")
    if picked == right:
        say("Correct.", "right")
    else:
        say(f"Not quite: the answer is {CHOICE_LETTERS[right]}.", "wrong")
    say(question.answer)
    return picked == right


def _choice_index(reply: str, count: int) -> int | None:
    if len(reply) == 1 and reply.upper() in CHOICE_LETTERS[:count]:
        return CHOICE_LETTERS.index(reply.upper())
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
        say(CLOZE_PATTERN.sub(lambda match: f"**{match.group(2)}**", question.question))
    if question.kind == "behavioural":
        say("What a strong answer shows:", "label")
    if question.answer:
        say(question.answer)
    while True:  # only y/yes/n/no grade: anything else, Enter included, asks again
        reply = ask("Did you get it? [y/n] ")
        if reply is None:
            return None
        grade = reply.strip().lower()
        if grade in GRADES:
            return GRADES[grade]
        say("Type y (yes) or n (no).", "hint")


BLANK = "\\_" * 6  # escaped: a line of bare underscores would be a thematic break
PAGE_BREAK = '<div style="page-break-before: always"></div>'
# Room to write under an open question when printed; an empty block GitHub shows as nothing.
WRITING_ROOM = '<div style="height: 3.5em"></div>'


def render_printable_quiz(items: list[QuizItem], name: str) -> str:
    """A Markdown quiz to print: numbered questions (choices lettered, room to write under
    open ones), then the answer key on a new page. Valid CommonMark at any count: each
    item's continuation lines are indented to the width of its number."""
    open_count = sum(item.question.kind != "choice" for item in items)
    out = [
        f"# Quiz: {markdown_text(name)}",
        "",
        f"{plural(len(items), 'question')}: {len(items) - open_count} multiple choice, "
        f"{open_count} to answer in your own words. The answer key, on its own page at the end, gives the start "
        "of each answer; the study guide (its number is in each question's label) has the whole answer.",
        "",
    ]
    for number, item in enumerate(items, 1):
        question = item.question
        text = CLOZE_PATTERN.sub(lambda _: BLANK, question.question) if question.kind == "cloze" else question.question
        where = f" · guide {item.guide_number}" if item.guide_number else ""
        label = markdown_text(f"{item.topic_name} · {question.difficulty}{where}")
        block = _labelled(escape_html(text).strip(), f"*({label})*")
        if question.kind == "choice":
            choices = [
                f"{letter}. {escape_html(choice.text)}"
                for letter, choice in zip(CHOICE_LETTERS, question.choices, strict=False)
            ]
            block += "  \n" + "  \n".join(choices)
        else:
            block += "\n" + WRITING_ROOM  # an HTML block may interrupt a paragraph: the item stays tight
        out += [_list_item(number, block)]
    out += ["", PAGE_BREAK, "", "## Answer key", ""]
    for number, item in enumerate(items, 1):
        out.append(_list_item(number, _answer_key(item)))  # one paragraph each: a tight list
    return "\n".join(out).rstrip() + "\n"


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
    try:
        replace_file(path, text.encode("utf-8"), 0o644)
    except OSError as err:
        raise PrepError(f"cannot write {path}: {err.strerror}; give --print a file in a folder you can write") from None
    return path


_BLOCK_START = re.compile(r"^\s*(```|~~~|[-*+] |\d+[.)] |#|>|\||    )")


def _labelled(text: str, label: str) -> str:
    """The question with its label at the end of its first paragraph (on a line of its
    own before it when the question opens with code, a list or a table)."""
    lines = text.splitlines()
    if _BLOCK_START.match(lines[0]):
        return f"{label}\n\n{text}"
    end = next((i for i, line in enumerate(lines[1:], 1) if not line.strip() or _BLOCK_START.match(line)), len(lines))
    lines[end - 1] = f"{lines[end - 1].rstrip()} {label}"
    return "\n".join(lines)


def _answer_key(item: QuizItem) -> str:
    """The key to check yourself with: the right letter or words, then the answer's
    opening points; the study guide has the whole answer (its number is in the question's label)."""
    question = item.question
    if question.kind == "choice":
        right = next(i for i, choice in enumerate(question.choices) if choice.correct)
        return f"**{CHOICE_LETTERS[right]}.** {key_points(question.answer, KEY_LENGTH - 45)}"
    if question.kind == "cloze":
        hidden = ", ".join(match.group(2) for match in CLOZE_PATTERN.finditer(question.question))
        points = key_points(question.answer, max(0, KEY_LENGTH - 80 - len(hidden))) if question.answer else ""
        return f"**{escape_html(' '.join(hidden.split()))}**" + (f". {points}" if points else "")
    return key_points(question.answer, KEY_LENGTH)


# Characters of an answer in the printed key (its opening points, the guide has the rest):
# short enough that the key of a 20-question quiz fits on one page.
KEY_LENGTH = 135
_LIST_MARKER = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,2}[.)])\s+")
_FENCE_LINE = re.compile(r"^\s*(```|~~~)")
_SENTENCE_END = re.compile(r"(?<![.\s]\w)(?<!e\.g)(?<!i\.e)(?<!vs)[.!?](?= [A-Z*`])")


def key_points(answer: str, limit: int) -> str:
    """An answer's Markdown flattened to one paragraph of at most `limit` characters,
    cut at a word with no code span or emphasis left open; code blocks are left out and
    list items joined with " · "."""
    pieces, in_fence = [], False
    for line in answer.splitlines():
        if _FENCE_LINE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or not line.strip():
            continue
        marker = _LIST_MARKER.match(line)
        text = line[marker.end() :] if marker else line
        if marker or not pieces:
            pieces.append(text.strip())
        else:
            pieces[-1] += " " + text.strip()
    flat = " · ".join(" ".join(piece.split()) for piece in pieces)
    flat = escape_html(flat)
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1].rsplit(" ", 1)[0]
    sentence_end = max((match.end() for match in _SENTENCE_END.finditer(cut)), default=0)
    if sentence_end >= limit * 7 // 10:  # a whole sentence reads better than a longer fragment
        cut = cut[:sentence_end]
    while open_marker := next((marker for marker in ("`", "**", "*", "_") if _open_marker(cut, marker)), None):
        cut = cut[: cut.rindex(open_marker)].rstrip()
    return cut.rstrip(" ·,;:—-") + " …"


def _open_marker(text: str, marker: str) -> bool:
    if marker == "`":
        return text.count("`") % 2 == 1
    if marker == "**":
        return text.count("**") % 2 == 1
    outside_code = re.sub(r"`[^`]*`", "", text).replace("**", "")
    if marker == "_":  # intraword underscores (snake_case) are not emphasis
        return len(re.findall(r"(?<!\w)_|_(?!\w)", outside_code)) % 2 == 1
    return outside_code.count("*") % 2 == 1


def _list_item(number: int, text: str) -> str:
    """An ordered-list item: continuation lines indented to the width of "N. ", so they
    stay inside the item ("10. " is 4 wide, "9. " 3)."""
    marker = f"{number}. "
    pad = " " * len(marker)
    lines = text.strip("\n").splitlines()
    return "\n".join([marker + lines[0]] + [f"{pad}{line}" if line.strip() else "" for line in lines[1:]])
