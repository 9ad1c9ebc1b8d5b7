"""The `prep` command: a thin layer over the library; the only module that imports click."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .banks import DIFFICULTIES, bank_files, bundled_banks_dir, lint, load_banks
from .build import build, merge_postings
from .errors import BankError, PrepError
from .posting import read_posting
from .topics import find_topics


def _banks_option(command):
    return click.option(
        "--banks", "bank_folders", multiple=True, type=click.Path(path_type=Path),
        help="Extra bank folder or file, used beside the bundled banks; a bank here replaces "
             "a bundled bank with the same id. Repeatable.",
    )(command)


def _load_banks(bank_folders: tuple[Path, ...]):
    try:
        return load_banks(list(bank_folders))
    except BankError as err:
        raise click.ClickException(str(err)) from None


def _read(source: str):
    try:
        return read_posting(source)
    except PrepError as err:
        raise click.ClickException(str(err)) from None


@click.group()
@click.version_option(package_name="prep")
def main() -> None:
    """Turn a job posting into interview preparation: an Anki deck, a study guide and a quiz."""


@main.command()
@click.argument("postings", nargs=-1, required=True)
@click.option("--out", "out_root", type=click.Path(path_type=Path), default=Path("decks"), show_default=True,
              help="Folder to write into; each posting gets a sub-folder named after it.")
@click.option("--name", help="Deck name (Company — Role) instead of the one detected in the posting.")
@click.option("--merge", is_flag=True, help="Build one combined deck from all the postings.")
@click.option("--max-per-topic", type=click.IntRange(min=1), help="At most this many questions per topic.")
@click.option("--level", "levels", multiple=True, type=click.Choice(DIFFICULTIES),
              help="Keep only questions of this difficulty. Repeatable.")
@_banks_option
def build_command(postings: tuple[str, ...], out_root: Path, name: str | None, merge: bool,
                  max_per_topic: int | None, levels: tuple[str, ...], bank_folders: tuple[Path, ...]) -> None:
    """Build an Anki deck and a Markdown study guide for each posting.

    POSTINGS are .txt/.md/.html files, - for standard input, or http(s) URLs.

    Example:

        prep build posting.txt

        prep build a.txt b.html --merge --name "Two offers" --max-per-topic 10
    """
    if name and len(postings) > 1 and not merge:
        raise click.UsageError("--name needs a single posting, or --merge")
    banks = _load_banks(bank_folders)
    read = [_read(source) for source in postings]
    targets = [merge_postings(read)] if merge and len(read) > 1 else read
    for posting in targets:
        try:
            result = build(posting, banks, out_root, name=name, max_per_topic=max_per_topic, levels=levels)
        except PrepError as err:
            raise click.ClickException(str(err)) from None
        _print_summary(result)


build_command.name = "build"


def _print_summary(result) -> None:
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
    click.echo(f"  wrote {result.deck_path}")
    click.echo(f"  wrote {result.guide_path}")


@main.command()
@click.argument("posting")
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON shape instead of text.")
@_banks_option
def topics(posting: str, as_json: bool, bank_folders: tuple[Path, ...]) -> None:
    """Show what a posting asks for, with evidence, without building anything.

    JSON shape: {"title", "company", "topics": [{"id", "name", "score", "evidence"}],
    "uncovered"}, topics strongest first.

    Example:

        prep topics posting.txt --json
    """
    banks = _load_banks(bank_folders)
    report = find_topics(_read(posting), banks)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        return
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
        click.echo(json.dumps([
            {"id": bank.id, "name": bank.name, "category": bank.category,
             "questions": len(bank.questions), "path": str(bank.path)}
            for bank in loaded
        ], indent=2, ensure_ascii=False))
        return
    for bank in loaded:
        click.echo(f"{bank.id:<24} {len(bank.questions):>4}  {bank.name}")
    click.echo(f"{len(loaded)} banks, {sum(len(bank.questions) for bank in loaded)} questions")
