"""Write the Markdown study guide: strongest topics first, answers folded in <details>."""

from __future__ import annotations

import re

from .banks import CHOICE_LETTERS, CLOZE_PATTERN, Question
from .plan import StudyPlan, anki_daily_limit
from .select import TopicSelection
from .topics import TopicReport
from .untrusted import for_terminal
from .words import clip, plural

KIND_LABELS = {
    "qa": "question",
    "cloze": "fill in the blank",
    "choice": "multiple choice",
    "behavioural": "behavioural",
}
MAX_HEADING = 80
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


def question_heading(number: int, index: int, question: Question) -> tuple[str, bool]:
    """'2.3 How does MVCC …': what the question is about, so the outline is a table of
    contents; and whether the heading says the whole question (then it is not repeated)."""
    first = question.question.split("\n\n")[0]
    text = " ".join(re.sub(r"[`*_#>\[\]|<]", "", CLOZE_PATTERN.sub("…", first)).split())
    whole = first == question.question and question.kind != "cloze" and text == " ".join(first.split())
    if len(text) > MAX_HEADING:
        text, whole = clip(text, MAX_HEADING), False
    return f"{number}.{index} {text}", whole


def markdown_text(text: str) -> str:
    """Text from a posting (or a name) as literal Markdown on one line: no tag, link,
    image or emphasis in it works. Bank text is Markdown on purpose; posting text never is."""
    text = for_terminal(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|!#])", r"\\\1", text)


def _inline(text: str) -> str:
    return " ".join(escape_html(text).split())


def render_guide(
    report: TopicReport,
    plan: StudyPlan,
    display_name: str,
    deck_file: str | None = None,
    quiz_command: str | None = None,
    shared: dict[str, int] | None = None,
    posting_tag: str | None = None,
) -> str:
    """The study guide: the plan day by day, then each topic's planned questions."""
    posting = report.posting
    selections = plan.selections()
    out = [f"# Interview prep: {markdown_text(display_name)}", ""]
    source = posting.source if posting.source != "-" else "standard input"
    out.append(
        f"Tailored by prep from `{_code(source)}`: {plural(len(plan.items), 'question')} "
        f"({plural(plan.cards, 'Anki card')}) from {plural(len(selections), 'topic')}, planned over "
        f"{plural(plan.days, 'day')} at {plural(plan.per_day, 'new card')} a day. "
        "Answers are folded: try each question before you open it."
    )
    if deck_file:
        out += ["", *_how_to_study(deck_file, plan.per_day, posting_tag, shared or {})]
    if report.added or report.skipped:
        choices = [f"added {', '.join(report.added)} (--topic)"] if report.added else []
        choices += [f"skipped {', '.join(report.skipped)} (--skip)"] if report.skipped else []
        out += ["", f"Topics you chose: {'; '.join(choices)}."]
    headings = [section_heading(number, selection) for number, selection in enumerate(selections, 1)]
    out += _study_plan(plan, selections, headings, quiz_command)
    out += ["", "## Topics", "", "| # | Topic | Weight | Questions |", "|---|---|---|---|"]
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
    for number, (heading, selection) in enumerate(zip(headings, selections, strict=True), 1):
        out += ["", f"## {_inline(heading)}", ""]
        out += _why_it_matters(selection)
        for index, question in enumerate(selection.questions, 1):
            heading, whole = question_heading(number, index, question)
            out += ["", f"### {_inline(heading)}", ""]
            out += [f"*{question.difficulty} · {KIND_LABELS[question.kind]}*", ""]
            out += _question_block(question, repeat_question=not whole)
        references = selection.topic.bank.references
        if references:
            out += ["", "**Read more**: " + " · ".join(f"[{_inline(ref.title)}]({ref.url})" for ref in references[:4])]
    if report.uncovered:
        out += [
            "",
            "## Requirements no bank covers",
            "",
            "The posting asks for these too, and prep has no questions on them yet. "
            "Prepare them from the product's own documentation.",
            "",
        ]
        out += [f"- **{markdown_text(item.term)}**: {markdown_text(item.line)}" for item in report.uncovered]
    return "\n".join(out).rstrip() + "\n"


def _code(text: str) -> str:
    return for_terminal(text).replace("`", "'")


def _how_to_study(deck_file: str, per_day: int, posting_tag: str | None, shared: dict[str, int]) -> list[str]:
    lines = [
        f"**In Anki**: File → Import `{deck_file}`, then {anki_daily_limit(per_day)}: Anki serves "
        f"the new cards in the plan's order below, {plural(per_day, 'card')} a day.",
    ]
    if posting_tag:
        lines += [
            "",
            f"Every card of this posting is tagged `{posting_tag}`. To study exactly this posting when "
            "you have decks for several, create a filtered deck (Tools → Create Filtered Deck) with the "
            f"search `tag:{posting_tag}` and the order *Order due*: shared cards stay in the deck they "
            "were first imported into, and the filtered deck gathers them back in plan order.",
        ]
    if shared:
        listing = "; ".join(f"{count} with {markdown_text(name)}" for name, count in shared.items())
        lines += ["", f"Questions shared with your other postings (one card each, tagged with both): {listing}."]
    return lines


def _study_plan(
    plan: StudyPlan, selections: list[TopicSelection], headings: list[str], quiz_command: str | None
) -> list[str]:
    """Day by day, in the order Anki serves the cards: each day a few topic groups."""
    numbers = {selection.topic.id: number for number, selection in enumerate(selections, 1)}
    positions = {
        (selection.topic.id, question.id): index
        for selection in selections
        for index, question in enumerate(selection.questions, 1)
    }
    out = ["", f"## Study plan: {plural(plan.days, 'day')}", ""]
    hint = f" End each day with `{quiz_command} --day N` to test yourself on what you covered." if quiz_command else ""
    out += [f"About {plural(plan.per_day, 'new card')} a day, the posting's strongest topics first.{hint}", ""]
    for day, groups in plan.day_groups():
        cards = sum(item.cards for _, items in groups for item in items)
        parts = []
        for topic, items in groups:
            number = numbers[topic.id]
            first, last = (positions[(topic.id, items[i].question.id)] for i in (0, -1))
            span = f"{number}.{first}" if first == last else f"{number}.{first}–{number}.{last}"
            parts.append(f"[{_inline(topic.name)}](#{github_anchor(headings[number - 1])}) {span}")
        out.append(f"- **Day {day}** ({plural(cards, 'card')}): " + "; ".join(parts))
    return out


def _why_it_matters(selection: TopicSelection) -> list[str]:
    evidence = selection.topic.evidence
    lines = [f"**Why it matters here** (weight {selection.topic.score:g}): the posting says", ""]
    lines += [f"> {markdown_text(line)}\n>" for line in evidence[:3]]
    if lines[-1].endswith("\n>"):
        lines[-1] = lines[-1][:-2]
    if len(evidence) > 3:
        lines += ["", f"…and {plural(len(evidence) - 3, 'more line')}."]
    return lines


def _details(summary: str, body: list[str]) -> list[str]:
    # Blank lines inside <details> let GitHub render the Markdown within.
    return [f"<details><summary>{summary}</summary>", "", *body, "", "</details>"]


def _question_block(question: Question, repeat_question: bool = True) -> list[str]:
    text = escape_html(question.question)
    lead = [text, ""] if repeat_question else []
    if question.kind == "cloze":
        blanked = CLOZE_PATTERN.sub("[…]", text)
        revealed = CLOZE_PATTERN.sub(lambda m: f"**{m.group(2)}**", text)
        body = [revealed] + (["", escape_html(question.answer)] if question.answer else [])
        return [blanked, "", *_details("Answer", body)]
    if question.kind == "choice":
        choices = [f"{CHOICE_LETTERS[i]}. {_inline(choice.text)}  " for i, choice in enumerate(question.choices)]
        correct = next(i for i, choice in enumerate(question.choices) if choice.correct)
        body = [
            f"**{CHOICE_LETTERS[correct]}.** {_inline(question.choices[correct].text)}",
            "",
            escape_html(question.answer),
        ]
        return [*lead, *choices, "", *_details("Answer", body)]
    if question.kind == "behavioural":
        star = question.star
        assert star is not None, "the bank loader requires a STAR outline on behavioural questions"
        block = [
            *lead,
            *_details("What a strong answer shows", [escape_html(question.answer)]),
            "",
            "STAR worksheet: outline your own story.",
            "",
            "| | Hint | Your story |",
            "|---|---|---|",
        ]
        for label, hint in star.steps():
            block.append(f"| **{label}** | {_inline(hint).replace('|', '&#124;')} | |")
        return block + _follow_ups(question)
    return [*lead, *_details("Answer", [escape_html(question.answer)]), *_follow_ups(question)]


def _follow_ups(question: Question) -> list[str]:
    if not question.follow_ups:
        return []
    return ["", "Likely follow-ups:", "", *(f"- {_inline(item)}" for item in question.follow_ups)]
