"""The `prep` command: a thin layer over the library; the only module that imports click."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .banks import DIFFICULTIES, bank_files, bundled_banks_dir, lint, load_banks
from .errors import BankError, PrepError
from .posting import POSTING_SUFFIXES, printable, read_posting
from .topics import find_topics

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


def _load_banks(bank_folders: tuple[Path, ...]):
    try:
        return load_banks(list(bank_folders))
    except BankError as err:
        raise click.ClickException(str(err)) from None


def _read(source: str):
    if source == "-" and sys.stdin is not None and sys.stdin.isatty():
        click.echo("paste the posting, then Ctrl-D (Ctrl-Z and Enter on Windows)", err=True)
    try:
        return read_posting(source)
    except PrepError as err:
        # Server replies and file names end up in the message: one printable line.
        raise click.ClickException(" ".join(printable(str(err)).split())) from None


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


@main.command()
@click.argument("postings", nargs=-1, required=True)
@click.option(
    "--out",
    "out_root",
    type=click.Path(path_type=Path),
    default=Path("decks"),
    show_default=True,
    help="Folder to write into; each posting gets a sub-folder named after it.",
)
@click.option("--name", help="Deck name (Company — Role) instead of the one detected in the posting.")
@click.option("--merge", is_flag=True, help="Build one combined deck from all the postings.")
@click.option("--max-per-topic", type=click.IntRange(min=1), help="At most this many questions per topic.")
@_level_option
@click.option("--days", type=click.IntRange(1, 90), help="Add a day-by-day study plan to the guide.")
@_banks_option
def build_command(
    postings: tuple[str, ...],
    out_root: Path,
    name: str | None,
    merge: bool,
    max_per_topic: int | None,
    levels: tuple[str, ...],
    days: int | None,
    bank_folders: tuple[Path, ...],
) -> None:
    """Build an Anki deck and a Markdown study guide for each posting.

    POSTINGS are .txt/.md/.html files, - for standard input, or http(s) URLs.

    Example:

        prep build posting.txt

        prep build a.txt b.html --merge --name "Two offers" --max-per-topic 10

        prep build posting.txt --days 5
    """
    if name and len(postings) > 1 and not merge:
        raise click.UsageError("--name needs a single posting, or --merge")
    from .build import build, merge_postings

    banks = _load_banks(bank_folders)
    read = [_read(source) for source in postings]
    targets = [merge_postings(read)] if merge and len(read) > 1 else read
    for posting in targets:
        try:
            result = build(posting, banks, out_root, name=name, max_per_topic=max_per_topic, levels=levels, days=days)
        except PrepError as err:
            raise click.ClickException(str(err)) from None
        _print_summary(result)


build_command.name = "build"


def _print_summary(result) -> None:
    from .build import RETIRED_TAG

    posting = result.report.posting
    click.echo(f"{result.display_name}")
    click.echo(f"  title: {posting.title or '(not found)'}   company: {posting.company or '(not found)'}")
    click.echo(f"  {len(result.selections)} topics, {result.note_count} cards:")
    for selection in result.selections:
        click.echo(f"    {selection.topic.score:>5g}  {selection.topic.name} ({len(selection.questions)} cards)")
    if result.report.uncovered:
        click.echo(f"  {len(result.report.uncovered)} requirements no bank covers:")
        for line in result.report.uncovered:
            click.echo(f"    - {line[:120]}")
    if result.retired_count:
        click.echo(
            f"  {result.retired_count} cards for questions removed from the banks are tagged "
            f"{RETIRED_TAG}: in Anki, search tag:{RETIRED_TAG} to find and delete them"
        )
    for path in (result.deck_path, result.guide_path, result.quiz_path):
        click.echo(f"  wrote {path}")


@main.command()
@click.argument("postings", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON shape instead of text.")
@_banks_option
def topics(postings: tuple[str, ...], as_json: bool, bank_folders: tuple[Path, ...]) -> None:
    """Show what a posting asks for, with evidence, without building anything.

    JSON shape: {"title", "company", "topics": [{"id", "name", "score", "evidence"}],
    "uncovered"}, topics strongest first. With several postings (or a folder of them),
    a list of those objects, each with its "source".

    Example:

        prep topics posting.txt --json

        prep topics saved-postings/
    """
    banks = _load_banks(bank_folders)
    sources = _expand_folders(postings)
    reports = [find_topics(_read(source), banks) for source in sources]
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
        _print_topics(report)


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


def _print_topics(report) -> None:
    click.echo(f"title: {report.posting.title or '(not found)'}   company: {report.posting.company or '(not found)'}")
    if not report.topics:
        click.echo("no known topic found")
    for match in report.topics:
        click.echo(f"{match.score:>6g}  {match.id}  ({match.name})")
        for line in match.evidence:
            click.echo(f"          “{line[:140]}”")
    if report.uncovered:
        click.echo("requirements no bank covers:")
        for line in report.uncovered:
            click.echo(f"  - {line[:140]}")


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
        raise click.ClickException(str(err)) from None
    for problem in problems:
        click.echo(problem)
    if problems:
        raise click.ClickException(f"{len(problems)} problems in {checked} banks")
    click.echo(f"{checked} banks OK")


@banks.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {id, name, category, questions, path}.")
@_banks_option
def banks_list(as_json: bool, bank_folders: tuple[Path, ...]) -> None:
    """List the banks with their question counts.

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
                        "path": str(bank.path),
                    }
                    for bank in loaded
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for bank in loaded:
        click.echo(f"{bank.id:<24} {len(bank.questions):>4}  {bank.name}")
    click.echo(f"{len(loaded)} banks, {sum(len(bank.questions) for bank in loaded)} questions")


@main.command()
@click.argument("source", required=False)
@click.option("--count", default=10, show_default=True, type=click.IntRange(min=1), help="How many questions.")
@click.option("--topic", "topics", multiple=True, help="Only this topic id. Repeatable.")
@_level_option
@click.option("--seed", type=int, help="Same seed, same questions in the same order.")
@click.option(
    "--print",
    "print_path",
    type=click.Path(path_type=Path),
    help="Write a printable Markdown quiz (answer key at the end) instead of asking.",
)
@click.option("--history", "show_history", is_flag=True, help="Show past quiz scores and per-topic progress.")
@_banks_option
def quiz(
    source: str | None,
    count: int,
    topics: tuple[str, ...],
    levels: tuple[str, ...],
    seed: int | None,
    print_path: Path | None,
    show_history: bool,
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

        prep quiz decks/acme-backend-engineer --topic kafka --print kafka-quiz.md

        prep quiz --history
    """
    from .build import atomic_write, load_deck_selections
    from .quiz import (
        draw_quiz,
        history_path,
        history_report,
        load_history,
        miss_rates,
        render_printable_quiz,
        run_quiz,
        save_result,
    )
    from .select import select_questions

    try:
        if show_history:
            for line in history_report(load_history(history_path())):
                click.echo(line)
            return
        if source is None:
            raise click.UsageError("give a posting or a deck folder to quiz on (or --history)")
        banks = _load_banks(bank_folders)
        if Path(source).is_dir():
            name, selections, guide_path = load_deck_selections(Path(source), banks)
        else:
            posting = _read(source)
            selections = select_questions(find_topics(posting, banks))
            name, guide_path = posting.display_name, None
        unknown = sorted(set(topics) - {selection.topic.id for selection in selections})
        if unknown:
            available = ", ".join(selection.topic.id for selection in selections) or "none"
            raise click.UsageError(f"--topic {', '.join(unknown)} is not in this posting's topics ({available})")
        history = history_path()
        items = draw_quiz(
            selections, count, seed=seed, topics=topics, levels=levels, miss_rates=miss_rates(load_history(history))
        )
        if not items:
            raise PrepError("no questions to ask: the posting matched no topic, or --topic/--level left none")
        if print_path is not None:
            text = render_printable_quiz(items, name)
            atomic_write(print_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
            click.echo(f"wrote {print_path} ({len(items)} questions and an answer key)")
            return
        result = run_quiz(items, _ask, click.echo)
        _print_quiz_summary(result, guide_path)
        save_result(history, name, result)
    except PrepError as err:
        raise click.ClickException(str(err)) from None


def _ask(prompt: str) -> str | None:
    click.echo(prompt, nl=False)
    line = sys.stdin.readline()
    if not sys.stdin.isatty():
        click.echo()  # piped answers are not echoed; keep the transcript readable
    return line if line else None


def _print_quiz_summary(result, guide_path: Path | None) -> None:
    answered = len(result.answers)
    click.echo()
    if result.stopped_early:
        click.echo(f"Stopped after {answered} of {result.total} questions.")
    click.echo(f"Score: {result.score}/{answered}")
    if not answered:
        return
    click.echo("By topic:")
    for topic_name, _, correct, asked in result.per_topic():
        click.echo(f"  {correct}/{asked}  {topic_name}")
    weakest = result.weakest()
    if weakest:
        where = f" in {guide_path}" if guide_path else " of the study guide"
        click.echo(
            "Weakest: "
            + "; ".join(
                f'{name} ({correct}/{asked}), reread section "{section}"{where}'
                for name, section, correct, asked in weakest[:3]
            )
        )
