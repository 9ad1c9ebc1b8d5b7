"""Write the Markdown study guide: strongest topics first, answers folded in <details>."""

from __future__ import annotations

import re

from .banks import CLOZE_PATTERN, Question
from .select import TopicSelection
from .topics import TopicReport

KIND_LABELS = {
    "qa": "question",
    "cloze": "fill in the blank",
    "choice": "multiple choice",
    "behavioural": "behavioural",
}
_FENCE = re.compile(r"^(```|~~~)", re.M)
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1", re.S)


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading, so the contents table can link to it."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def escape_html(markdown_text: str) -> str:
    """Bank Markdown with `<` escaped outside code, so no raw HTML reaches the guide."""
    if "<" not in markdown_text:
        return markdown_text
    parts = re.split(r"(^(?:```|~~~).*?^(?:```|~~~)[ \t]*$)", markdown_text, flags=re.M | re.S)
    escaped = []
    for index, part in enumerate(parts):
        if index % 2:  # a fenced code block
            escaped.append(part)
            continue
        pieces = []
        last = 0
        for span in _CODE_SPAN.finditer(part):
            pieces.append(part[last : span.start()].replace("<", "&lt;"))
            pieces.append(span.group())
            last = span.end()
        pieces.append(part[last:].replace("<", "&lt;"))
        escaped.append("".join(pieces))
    return "".join(escaped)


def section_heading(number: int, selection: TopicSelection) -> str:
    """A topic's heading in the guide; the quiz names it when it says what to reread."""
    return f"{number}. {selection.topic.name}"


def _inline(text: str) -> str:
    return " ".join(escape_html(text).split())


def render_guide(
    report: TopicReport,
    selections: list[TopicSelection],
    display_name: str,
    deck_file: str | None = None,
    days: int | None = None,
    quiz_command: str | None = None,
) -> str:
    posting = report.posting
    total = sum(len(selection.questions) for selection in selections)
    out = [f"# Interview prep: {_inline(display_name)}", ""]
    source = posting.source if posting.source != "-" else "standard input"
    out.append(
        f"Tailored by prep from `{source}`: {len(selections)} topics, {total} questions, "
        "strongest topics first. Answers are folded: try each question before you open it."
    )
    if deck_file:
        out.append(f"The same questions are in the Anki deck `{deck_file}` (File → Import).")
    if report.added or report.skipped:
        choices = [f"added {', '.join(report.added)} (--topic)"] if report.added else []
        choices += [f"skipped {', '.join(report.skipped)} (--skip)"] if report.skipped else []
        out += ["", f"Topics you chose: {'; '.join(choices)}."]
    out += ["", "## Contents", "", "| # | Topic | Weight | Questions |", "|---|---|---|---|"]
    headings = [section_heading(number, selection) for number, selection in enumerate(selections, 1)]
    for number, (heading, selection) in enumerate(zip(headings, selections, strict=True), 1):
        out.append(
            f"| {number} | [{_inline(selection.topic.name)}](#{github_anchor(heading)}) "
            f"| {selection.topic.score:g} | {len(selection.questions)} |"
        )
    if report.uncovered:
        out.append(
            f"| | [Requirements no bank covers](#{github_anchor('Requirements no bank covers')}) "
            f"| | {len(report.uncovered)} |"
        )
    if days:
        out += _study_plan(selections, headings, days, quiz_command)
    for number, (heading, selection) in enumerate(zip(headings, selections, strict=True), 1):
        out += ["", f"## {_inline(heading)}", ""]
        out += _why_it_matters(selection)
        for index, question in enumerate(selection.questions, 1):
            out += ["", f"### {number}.{index} · {question.difficulty} · {KIND_LABELS[question.kind]}", ""]
            out += _question_block(question)
        if selection.topic.bank.references:
            out += ["", "**References**", ""]
            out += [f"- [{_inline(ref.title)}]({ref.url})" for ref in selection.topic.bank.references]
    if report.uncovered:
        out += [
            "",
            "## Requirements no bank covers",
            "",
            "The posting asks for these too, and prep has no questions on them yet. "
            "Prepare them from the product's own documentation.",
            "",
        ]
        out += [f"- **{_inline(item.term)}**: {_inline(item.line)}" for item in report.uncovered]
    return "\n".join(out).rstrip() + "\n"


def _study_plan(
    selections: list[TopicSelection], headings: list[str], days: int, quiz_command: str | None
) -> list[str]:
    """Questions spread evenly over the days, strongest topics first."""
    total = sum(len(selection.questions) for selection in selections)
    per_day = -(-total // days)  # ceiling division
    plan: list[list[str]] = [[] for _ in range(days)]
    position = 0
    for number, (heading, selection) in enumerate(zip(headings, selections, strict=True), 1):
        first = 1
        remaining = len(selection.questions)
        while remaining:
            day = min(position // per_day, days - 1)
            take = min(remaining, per_day - position % per_day) if day < days - 1 else remaining
            last = first + take - 1
            span = f"{number}.{first}" if take == 1 else f"{number}.{first}–{number}.{last}"
            plan[day].append(f"[{_inline(selection.topic.name)}](#{github_anchor(heading)}) {span}")
            position += take
            remaining -= take
            first = last + 1
    out = ["", f"## Study plan: {days} days", "", f"About {per_day} questions a day, strongest topics first."]
    if quiz_command:
        out[-1] += f" End each day with `{quiz_command}` to test yourself."
    out.append("")
    for day, items in enumerate(plan, 1):
        out.append(f"- **Day {day}**: " + ("; ".join(items) if items else "review what you missed"))
    return out


def _why_it_matters(selection: TopicSelection) -> list[str]:
    evidence = selection.topic.evidence
    lines = [f"**Why it matters here** (weight {selection.topic.score:g}): the posting says", ""]
    lines += [f"> {_inline(line)}\n>" for line in evidence[:3]]
    if lines[-1].endswith("\n>"):
        lines[-1] = lines[-1][:-2]
    if len(evidence) > 3:
        lines += ["", f"…and {len(evidence) - 3} more lines."]
    return lines


def _details(summary: str, body: list[str]) -> list[str]:
    # Blank lines inside <details> let GitHub render the Markdown within.
    return [f"<details><summary>{summary}</summary>", "", *body, "", "</details>"]


def _question_block(question: Question) -> list[str]:
    text = escape_html(question.question)
    if question.kind == "cloze":
        blanked = CLOZE_PATTERN.sub("[…]", text)
        revealed = CLOZE_PATTERN.sub(lambda m: f"**{m.group(2)}**", text)
        body = [revealed] + (["", escape_html(question.answer)] if question.answer else [])
        return [blanked, "", *_details("Answer", body)]
    if question.kind == "choice":
        letters = "ABCDE"
        choices = [f"{letters[i]}. {_inline(choice.text)}  " for i, choice in enumerate(question.choices)]
        correct = next(i for i, choice in enumerate(question.choices) if choice.correct)
        body = [f"**{letters[correct]}.** {_inline(question.choices[correct].text)}", "", escape_html(question.answer)]
        return [text, "", *choices, "", *_details("Answer", body)]
    if question.kind == "behavioural":
        star = question.star
        assert star is not None, "the bank loader requires a STAR outline on behavioural questions"
        block = [
            text,
            "",
            *_details("What a strong answer shows", [escape_html(question.answer)]),
            "",
            "STAR worksheet: outline your own story.",
            "",
            "| | Hint | Your story |",
            "|---|---|---|",
        ]
        for label, hint in (
            ("Situation", star.situation),
            ("Task", star.task),
            ("Action", star.action),
            ("Result", star.result),
        ):
            block.append(f"| **{label}** | {_inline(hint).replace('|', '&#124;')} | |")
        return block + _follow_ups(question)
    return [text, "", *_details("Answer", [escape_html(question.answer)]), *_follow_ups(question)]


def _follow_ups(question: Question) -> list[str]:
    if not question.follow_ups:
        return []
    return ["", "Likely follow-ups:", "", *(f"- {_inline(item)}" for item in question.follow_ups)]
