"""The `prep` command: a thin layer over the library; the only module that imports click."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from .banks import DIFFICULTIES, bank_files, bundled_banks_dir, lint
from .bankset import load_banks
from .errors import BankError, PrepError, UnknownTopicError
from .plan import DEFAULT_DAYS, DEFAULT_PER_DAY, card_count
from .posting import POSTING_SUFFIXES, read_posting
from .topics import find_topics
from .untrusted import for_terminal, printable
from .words import clip, plural

# `build` and `quiz` import their modules when they run: genanki and the renderer are
# most of prep's start-up time, and `prep topics` or `prep banks` need neither.


def _banks_option(command):
    return click.option(
        "--banks",
        "bank_folders",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Extra bank folder or file, used beside the bundled banks; a bank here replaces "
        "a bundled bank with the same id. Repeatable.",
    )(command)


def _level_option(command):
    return click.option(
        "--level",
        "levels",
        multiple=True,
        type=click.Choice(DIFFICULTIES),
        help="Keep only questions of this difficulty. Repeatable.",
    )(command)


def _topic_choice_options(command):
    command = click.option(
        "--skip",
        "skip_topics",
        multiple=True,
        metavar="ID",
        help="Drop this topic even if the posting asks for it (case-insensitive). Repeatable.",
    )(command)
    return click.option(
        "--topic",
        "add_topics",
        multiple=True,
        metavar="ID",
        help="Add this topic although the posting does not name it (case-insensitive). Repeatable.",
    )(command)


def _find_topics(posting, banks, add_topics: tuple[str, ...], skip_topics: tuple[str, ...]):
    try:
        return find_topics(posting, banks, add=add_topics, skip=skip_topics)
    except UnknownTopicError as err:
        raise click.BadParameter(str(err)) from None


def _load_banks(bank_folders: tuple[Path, ...]):
    try:
        return load_banks(list(bank_folders))
    except BankError as err:
        raise click.ClickException(for_terminal(str(err))) from None


def _warn(message: str) -> None:
    click.echo(f"Warning: {for_terminal(message)}", err=True)


def _read(source: str):
    if source == "-" and sys.stdin is not None and sys.stdin.isatty():
        click.echo("paste the posting, then Ctrl-D (Ctrl-Z and Enter on Windows)", err=True)
    try:
        return read_posting(source)
    except PrepError as err:
        # Server replies and file names end up in the message: one printable line.
        raise click.ClickException(for_terminal(str(err))) from None


class _PrepGroup(click.Group):
    def main(self, *args, **kwargs):
        # A console in a legacy code page (cp1252, cp437) cannot show Cyrillic or "→":
        # print what it can show instead of stopping with UnicodeEncodeError.
        for stream in (sys.stdout, sys.stderr):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                try:
                    reconfigure(errors="replace")
                except (ValueError, OSError):
                    pass
        return super().main(*args, **kwargs)


@click.group(cls=_PrepGroup)
@click.version_option(package_name="prep")
def main() -> None:
    """Turn a job posting into interview preparation: an Anki deck, a study guide and a quiz."""


def _plan_options(command):
    """--days / --interview / --cards / --all size the plan; --per-day paces it."""
    options = [
        click.option(
            "--days",
            type=click.IntRange(1, 365),
            help=f"Days left to study; the plan holds days × --per-day cards [default: {DEFAULT_DAYS}].",
        ),
        click.option(
            "--interview",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            help="Interview date (YYYY-MM-DD): plan the days from today until then.",
        ),
        click.option("--cards", type=click.IntRange(min=1), help="Plan this many Anki cards, whatever the days."),
        click.option("--all", "whole_banks", is_flag=True, help="Every question of every topic found, no budget."),
        click.option(
            "--per-day",
            type=click.IntRange(1, 1000),
            default=DEFAULT_PER_DAY,
            show_default=True,
            help="New cards a day (Anki's default is 20).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _plan_request(days, interview, cards, whole_banks, per_day, levels=(), max_per_topic=None):
    from .pipeline import PlanRequest

    chosen = [flag for flag, value in (("--days", days), ("--interview", interview), ("--cards", cards)) if value]
    chosen += ["--all"] if whole_banks else []
    if len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} both size the plan; give one of them")
    if interview is not None:
        days = (interview.date() - date.today()).days
        if days < 1:
            raise click.BadParameter(
                "the interview date is today or past; give a later date or --days", param_hint="--interview"
            )
    if whole_banks:
        budget = None
    else:
        budget = cards if cards is not None else (days or DEFAULT_DAYS) * per_day
    return PlanRequest(budget, per_day, tuple(levels), max_per_topic)


def _out_folder(_context: click.Context, _parameter: click.Parameter, value: str) -> Path:
    # An empty --out would mean the current folder (more likely a shell variable left
    # unset), and `-` a folder named "-" (more likely a wish for standard output).
    if not value.strip():
        raise click.BadParameter("is empty or only spaces; give a folder (the default is decks)")
    if value == "-":
        raise click.BadParameter("prep writes a deck folder, not standard output; give a folder (the default is decks)")
    return Path(value)


@main.command()
@click.argument("postings", nargs=-1, required=True)
@click.option(
    "--out",
    "out_root",
    type=click.Path(),
    default="decks",
    show_default=True,
    callback=_out_folder,
    help="Folder to write into; each posting gets a sub-folder named after it.",
)
@click.option("--name", help="Deck name (Company — Role) instead of the one detected in the posting.")
@click.option("--merge", is_flag=True, help="Build one combined deck from all the postings.")
@click.option("--json", "as_json", is_flag=True, help="Print what was built as the documented JSON shape.")
@_plan_options
@click.option("--max-per-topic", type=click.IntRange(min=1), help="At most this many questions per topic.")
@_level_option
@_topic_choice_options
@_banks_option
def build_command(
    postings: tuple[str, ...],
    out_root: Path,
    name: str | None,
    merge: bool,
    as_json: bool,
    days: int | None,
    interview,
    cards: int | None,
    whole_banks: bool,
    per_day: int,
    max_per_topic: int | None,
    levels: tuple[str, ...],
    add_topics: tuple[str, ...],
    skip_topics: tuple[str, ...],
    bank_folders: tuple[Path, ...],
) -> None:
    """Build an Anki deck, a study guide and a quiz for each posting, planned for the days left.

    POSTINGS are .txt/.md/.html files, - for standard input, or http(s) URLs.

    Example:

        prep build posting.txt --days 5

        prep build posting.txt --interview 2026-12-07

        prep build a.txt b.html --merge --name "Two offers"

        prep build posting.txt --topic system-design --skip sql
    """
    if name and len(postings) > 1 and not merge:
        raise click.UsageError("--name needs a single posting, or --merge")
    if postings.count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once; give - once and the other postings as files")
    request = _plan_request(days, interview, cards, whole_banks, per_day, levels, max_per_topic)
    from .pipeline import build_decks, merge_postings

    banks = _load_banks(bank_folders)
    read = [_read(source) for source in postings]
    targets = [merge_postings(read)] if merge and len(read) > 1 else read
    try:
        results = build_decks(
            targets, banks, out_root, request, name=name, add_topics=add_topics, skip_topics=skip_topics
        )
    except UnknownTopicError as err:  # every posting is planned before anything is written
        raise click.BadParameter(str(err)) from None
    except PrepError as err:
        raise click.ClickException(for_terminal(str(err))) from None
    if as_json:
        shapes = [result.to_json() for result in results]
        click.echo(json.dumps(shapes[0] if len(shapes) == 1 else shapes, indent=2, ensure_ascii=False))
        return
    for result in results:
        _print_summary(result)


build_command.name = "build"


def _wrapped(line: str, width: int = 100) -> str:
    """A long summary line wrapped at words, continued under its text."""
    import textwrap

    indent = " " * (len(line) - len(line.lstrip()) + 2)
    return textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def _print_summary(result) -> None:
    from .pipeline import RETIRED_TAG

    posting = result.report.posting
    plan = result.plan
    click.echo(f"{result.display_name}")
    if any(line.origin for line in posting.lines):
        click.echo(f"  merged from: {posting.company}")
    else:
        click.echo(f"  title: {posting.title or '(not found)'}   company: {posting.company or '(not found)'}")
    click.echo(
        f"  plan: {plural(plan.cards, 'card')} over {plural(plan.days, 'day')}, "
        f"about {plural(plan.per_day, 'new card')} a day "
        f"({plural(len(plan.items), 'question')}; a cloze with two blanks is two cards)"
    )
    planned = {selection.topic.id: selection for selection in plan.selections()}
    click.echo("  weight  topic (cards in the plan)")
    for topic in plan.topics:
        selection = planned.get(topic.id)
        cards = sum(card_count(q) for q in selection.questions) if selection else 0
        planned_cards = plural(cards, "card") if cards else "no cards: no time left for it"
        click.echo(f"  {topic.score:>6g}  {topic.name} ({planned_cards})")
    for day, groups in plan.day_groups()[:1]:
        click.echo(_wrapped(f"  day {day}: " + ", ".join(topic.name for topic, _ in groups)))
    if result.report.added or result.report.skipped:
        click.echo(
            f"  added: {', '.join(result.report.added) or '-'}   skipped: {', '.join(result.report.skipped) or '-'}"
        )
    if result.report.uncovered:
        click.echo(f"  {plural(len(result.report.uncovered), 'term')} no bank covers:")
        for item in result.report.uncovered:
            click.echo(f"    - {item.term}: {clip(item.line, 100)}")
    for name, count in result.shared.items():
        click.echo(f"  shares {plural(count, 'question')} with {name} (one note each, tagged with both postings)")
    click.echo(f"  Anki: {plural(result.changed_notes, 'note')} to add or update on import, the rest unchanged")
    if result.retired_count:
        click.echo(
            f"  {plural(result.retired_count, 'note')} of questions removed from the banks kept and tagged "
            f"{RETIRED_TAG}: in Anki, search tag:{RETIRED_TAG} to find and delete them"
        )
    if result.dropped_count:
        from .deck import dropped_tag

        tag = dropped_tag(result.out_dir.name)
        click.echo(
            f"  {plural(result.dropped_count, 'note')} of the last build no longer in this plan, tagged {tag}: "
            f"in Anki, search tag:{tag} to suspend or delete them"
        )
    for path in (result.deck_path, result.guide_path, result.quiz_path):
        click.echo(f"  wrote {path}")


@main.command()
@click.argument("postings", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON shape instead of text.")
@click.option("--explain", is_flag=True, help="Show, per topic, which words of which line matched and their weight.")
@_topic_choice_options
@_banks_option
def topics(
    postings: tuple[str, ...],
    as_json: bool,
    explain: bool,
    add_topics: tuple[str, ...],
    skip_topics: tuple[str, ...],
    bank_folders: tuple[Path, ...],
) -> None:
    """Show what a posting asks for, with evidence, without building anything.

    JSON shape: {"title", "company", "topics": [{"id", "name", "score", "evidence"}],
    "uncovered": [{"term", "line"}], "added", "skipped"}, topics strongest first. With
    several postings (or a folder of them), a list of those objects, each with its "source".

    Example:

        prep topics posting.txt --json

        prep topics posting.txt --explain --topic system-design --skip sql

        prep topics saved-postings/
    """
    banks = _load_banks(bank_folders)
    sources = _expand_folders(postings)
    reports = [_find_topics(_read(source), banks, add_topics, skip_topics) for source in sources]
    if as_json:
        if len(postings) == 1 and not Path(postings[0]).is_dir():
            click.echo(json.dumps(reports[0].to_json(), indent=2, ensure_ascii=False))
        else:
            listing = [
                {"source": printable(source), **report.to_json()}
                for source, report in zip(sources, reports, strict=True)
            ]
            click.echo(json.dumps(listing, indent=2, ensure_ascii=False))
        return
    for source, report in zip(sources, reports, strict=True):
        if len(sources) > 1:
            click.echo(f"== {printable(source)}")
        _print_topics(report, explain)


def _expand_folders(sources: tuple[str, ...]) -> list[str]:
    """Postings named directly, plus the posting files inside any folder given."""
    expanded = []
    for source in sources:
        folder = Path(source)
        if folder.is_dir():
            files = sorted(path for path in folder.iterdir() if path.suffix.lower() in POSTING_SUFFIXES)
            if not files:
                raise click.ClickException(f"{source}: no .txt, .md or .html postings in this folder")
            expanded += [str(path) for path in files]
        else:
            expanded.append(source)
    return expanded


def _print_topics(report, explain: bool = False) -> None:
    click.echo(f"title: {report.posting.title or '(not found)'}   company: {report.posting.company or '(not found)'}")
    if not report.topics:
        click.echo("no known topic found")
    for match in report.topics:
        click.echo(f"{match.score:>6g}  {match.id}  ({match.name})")
        for index, line in enumerate(match.evidence):
            if not explain:
                click.echo(f"          “{clip(line, 140)}”")
                continue
            words = match.matched[index] if index < len(match.matched) else ()
            weight = match.line_weights[index] if index < len(match.line_weights) else match.score
            click.echo(f"          [{weight:g}] “{clip(line, 140)}”")
            if words:
                click.echo(f"                matched: {', '.join(f'“{word}”' for word in words)}")
    if report.skipped:
        click.echo(f"skipped (--skip): {', '.join(report.skipped)}")
    if report.uncovered:
        click.echo("terms no bank covers:")
        for item in report.uncovered:
            click.echo(f"  - {item.term}: “{clip(item.line, 120)}”")


@main.group()
def banks() -> None:
    """Check and list question banks."""


@banks.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def banks_lint(paths: tuple[Path, ...]) -> None:
    """Check banks and report every problem as file:line: message.

    With no PATHS, checks the bundled banks. Exits non-zero when anything is wrong.

    Example:

        prep banks lint question_banks/kafka.yaml
    """
    try:
        problems = lint(list(paths) or [bundled_banks_dir()])
        checked = len(bank_files(list(paths) or [bundled_banks_dir()]))
    except BankError as err:
        if len(err.problems) == 1:
            raise click.ClickException(for_terminal(err.problems[0])) from None
        for problem in err.problems:
            click.echo(for_terminal(problem))
        raise click.ClickException(f"{len(err.problems)} problems with the paths given") from None
    for problem in problems:
        click.echo(for_terminal(problem))
    if problems:
        raise click.ClickException(f"{plural(len(problems), 'problem')} in {plural(checked, 'bank')}")
    click.echo(f"{plural(checked, 'bank')} OK")


@banks.command("list")
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON list of {id, name, category, questions, checked, path}."
)
@_banks_option
def banks_list(as_json: bool, bank_folders: tuple[Path, ...]) -> None:
    """List the banks with their question counts and the month each was last checked against its sources.

    Example:

        prep banks list --json
    """
    loaded = _load_banks(bank_folders)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": bank.id,
                        "name": bank.name,
                        "category": bank.category,
                        "questions": len(bank.questions),
                        "checked": bank.checked,
                        "path": for_terminal(str(bank.path)),
                    }
                    for bank in loaded
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for bank in loaded:
        click.echo(f"{bank.id:<24} {len(bank.questions):>4}  checked {bank.checked}  {for_terminal(bank.name)}")
    click.echo(f"{plural(len(loaded), 'bank')}, {plural(sum(len(bank.questions) for bank in loaded), 'question')}")


@main.command()
@click.argument("source", required=False)
@click.option("--count", default=10, show_default=True, type=click.IntRange(min=1), help="How many questions.")
@click.option(
    "--topic", "topics", multiple=True, metavar="ID", help="Only this topic id (case-insensitive). Repeatable."
)
@_level_option
@click.option("--seed", type=int, help="Same seed, same questions in the same order.")
@click.option(
    "--print",
    "print_path",
    metavar="FILE",
    help="Write a printable Markdown quiz (answer key at the end) to FILE instead of asking.",
)
@click.option("--history", "show_history", is_flag=True, help="Show past quiz scores and per-topic progress.")
@click.option("--day", type=click.IntRange(min=1), help="Only what the study plan has covered up to this day.")
@_banks_option
def quiz(
    source: str | None,
    count: int,
    topics: tuple[str, ...],
    levels: tuple[str, ...],
    seed: int | None,
    print_path: str | None,
    show_history: bool,
    day: int | None,
    bank_folders: tuple[Path, ...],
) -> None:
    """Quiz yourself on a posting's questions in the terminal.

    SOURCE is a posting (like `prep build`) or a folder `prep build` wrote.
    Multiple choice: type the letter or number. Open questions: think, press Enter
    to see the answer, then grade yourself y/n. Results go to a history file
    ($PREP_HISTORY, default ~/.local/share/prep/quiz-history.jsonl) so later
    quizzes lean toward what you missed.

    Example:

        prep quiz posting.txt --count 6 --seed 7

        prep quiz decks/acme-backend-engineer --day 2

        prep quiz decks/acme-backend-engineer --topic kafka --print kafka-quiz.md

        prep quiz --history
    """
    from .deckdir import load_deck_plan
    from .history import history_path, history_report, load_history, miss_rates, save_result
    from .plan import make_plan
    from .quiz import draw_quiz, printable_quiz_target, render_printable_quiz, run_quiz, write_printable_quiz

    try:
        history_file = history_path()
        if show_history:
            names = {bank.id: bank.name for bank in _load_banks(bank_folders)}
            history = load_history(history_file)
            if history.warning():
                _warn(history.warning())
            for line in history_report(history.sessions, names):
                click.echo(line)
            return
        if source is None:
            raise click.UsageError("give a posting or a deck folder to quiz on (or --history)")
        if source == "-" and print_path is None:
            raise click.UsageError(
                "with the posting on standard input there is nowhere to type answers; save the posting "
                "to a file, or build it and quiz on its folder (or use --print)"
            )
        if print_path is not None:
            try:
                printable_quiz_target(print_path)
            except PrepError as err:
                raise click.UsageError(str(err)) from None
        banks = _load_banks(bank_folders)
        if Path(source).is_dir():
            name, plan, guide_path = load_deck_plan(Path(source), banks)
        else:
            posting = _read(source)
            plan = make_plan(find_topics(posting, banks), DEFAULT_DAYS * DEFAULT_PER_DAY)
            name, guide_path = posting.display_name, None
        if day is not None and day > plan.days:
            raise click.BadParameter(f"the plan has {plural(plan.days, 'day')}", param_hint="--day")
        selections = plan.selections()  # numbered as in the guide, whatever the day
        covered = {item.question.id for item in plan.up_to(day).items} if day is not None else None
        topics = tuple(topic.lower() for topic in topics)
        unknown = sorted(set(topics) - {selection.topic.id for selection in selections})
        if unknown:
            available = ", ".join(selection.topic.id for selection in selections) or "none"
            raise click.UsageError(f"--topic {', '.join(unknown)} is not in this posting's topics ({available})")
        try:
            history = load_history(history_file)
        except PrepError as err:  # the quiz works without its history: it only leans less, and is not recorded
            _warn(f"{err}; this quiz is not recorded")
            history = None
        if history is not None and history.warning():
            _warn(history.warning())
        items = draw_quiz(
            selections,
            count,
            seed=seed,
            topics=topics,
            levels=levels,
            miss_rates=miss_rates(history.sessions if history else []),
            only=covered,
        )
        if not items:
            raise PrepError("no questions to ask: the posting matched no topic, or --topic/--level left none")
        if print_path is not None:
            write_printable_quiz(print_path, render_printable_quiz(items, name))
            click.echo(f"wrote {print_path} ({plural(len(items), 'question')} and an answer key)")
            return
        from .terminal import QuizTerminal

        terminal = QuizTerminal()
        result = run_quiz(items, terminal.ask, terminal.say)
        _print_quiz_summary(result, guide_path, terminal.say)
        try:
            if history is not None:
                save_result(history_file, name, result)
        except PrepError as err:  # the score is shown; only the record of it is lost
            _warn(str(err))
    except PrepError as err:
        raise click.ClickException(for_terminal(str(err))) from None


def _print_quiz_summary(result, guide_path: Path | None, say) -> None:
    """Score, a line per topic and the weakest topics, through the quiz's `say` (wrapped
    to the terminal, coloured where it takes colour)."""
    answered = len(result.answers)
    say("", "plain")
    if result.stopped_early:
        say(f"Stopped after {answered} of {result.total} questions.", "plain")
    say(f"Score: {result.score}/{answered}", "score")
    if not answered:
        return
    say("By topic:", "plain")
    for topic_name, _, correct, asked in result.per_topic():
        say(f"  {correct}/{asked}  {topic_name}", "right" if correct == asked else "wrong")
    weakest = result.weakest()
    if weakest:
        where = f"in {guide_path}" if guide_path else "in the study guide"
        say(f"Weakest topics: reread these sections {where}", "plain")
        for name, section, correct, asked in weakest[:3]:
            say(f'  {name} ({correct}/{asked}): "{section}"', "plain")
