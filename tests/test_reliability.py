"""Weeks of study must survive rebuilds; bad input must never crash or half-write."""

from __future__ import annotations

import shutil
import sys

import pytest
from click.testing import CliRunner

from prep.cli import main

from .conftest import EXAMPLE_POSTING, FIXTURES, ROOT


def run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def build(*args: str) -> None:
    result = run("build", *args)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def kafka_copy(tmp_path):
    """A bank folder with an editable copy of the Kafka bank, overriding the bundled one."""
    folder = tmp_path / "banks"
    folder.mkdir()
    shutil.copy(ROOT / "question_banks" / "kafka.yaml", folder / "kafka.yaml")
    return folder / "kafka.yaml"


def review_every_card(anki) -> None:
    for card_id in anki.col.find_cards(""):
        card = anki.col.get_card(card_id)
        card.start_timer()
        anki.col.sched.answerCard(card, 3)


def test_review_edit_rebuild_reimport_keeps_history(tmp_path, anki, kafka_copy):
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--banks", str(kafka_copy.parent))
    apkg = next(out.glob("*/*.apkg"))
    anki.import_deck(apkg)
    review_every_card(anki)
    reviews = anki.col.db.scalar("select count() from revlog")
    scheduled = anki.col.db.all("select id, ivl, due, reps from cards order by id")
    assert reviews == len(scheduled) > 60

    text = kafka_copy.read_text()
    kafka_copy.write_text(text.replace("answer: |\n", "answer: |\n      Revised in the bank.\n"))
    build(str(EXAMPLE_POSTING), "--out", str(out), "--banks", str(kafka_copy.parent))
    log = anki.import_deck(apkg)

    assert not log.new and not log.conflicting
    assert log.updated
    assert any("Revised in the bank." in note["Answer"] for note in anki.notes() if "Answer" in note.keys())
    assert anki.col.db.scalar("select count() from revlog") == reviews
    assert anki.col.db.all("select id, ivl, due, reps from cards order by id") == scheduled


def test_removed_question_is_carried_as_retired(tmp_path, anki, kafka_copy, write):
    # A posting with one topic gets that whole bank, so removing a question changes nothing else.
    posting = str(write("kafka.txt", "Kafka Engineer\nRequirements\n- Run Apache Kafka in production\n"))
    out = tmp_path / "out"
    build(posting, "--out", str(out), "--banks", str(kafka_copy.parent))
    apkg = next(out.glob("*/*.apkg"))
    anki.import_deck(apkg)
    count = len(anki.notes())
    text = kafka_copy.read_text()
    start = text.index("\n  - id: kafka-")
    end = text.index("\n  - id: kafka-", start + 1)
    removed_id = text[start:end].split("id: ", 1)[1].split("\n", 1)[0]
    kafka_copy.write_text(text[:start] + text[end:])

    result = build(posting, "--out", str(out), "--banks", str(kafka_copy.parent))
    assert "1 note of questions removed from the banks kept and tagged prep::retired" in result.output
    log = anki.import_deck(apkg)
    assert not log.new and not log.conflicting
    notes = anki.notes()
    assert len(notes) == count
    retired = [note for note in notes if "prep::retired" in note.tags]
    assert [note["QuestionId"] for note in retired] == [removed_id]
    # Still carried on the next build, until the question comes back.
    again = build(posting, "--out", str(out), "--banks", str(kafka_copy.parent))
    assert "1 note of questions removed" in again.output


def test_two_builds_give_identical_notes_and_guide(tmp_path):
    import sqlite3
    import zipfile

    def contents(folder):
        apkg = next(folder.glob("*/*.apkg"))
        with zipfile.ZipFile(apkg) as archive:
            (folder / "db").write_bytes(archive.read("collection.anki2"))
        rows = sqlite3.connect(folder / "db").execute("select guid, flds, tags from notes order by guid").fetchall()
        return rows, next(folder.glob("*/*-guide.md")).read_text().replace(str(folder), "OUT")

    build(str(EXAMPLE_POSTING), "--out", str(tmp_path / "a"))
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path / "b"))
    assert contents(tmp_path / "a") == contents(tmp_path / "b")


def test_interrupted_write_keeps_the_previous_deck(tmp_path, monkeypatch):
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path))
    apkg = next(tmp_path.glob("*/*.apkg"))
    before = apkg.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sys.modules["prep.deckdir"].os, "fsync", disk_full)
    result = run(
        "build",
        str(EXAMPLE_POSTING),
        "--out",
        str(tmp_path),
        "--name",
        "Northwind Logistics — Senior Backend Engineer – Payments Platform",
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot write") and "No space left on device" in result.output
    assert apkg.read_bytes() == before
    assert not list(tmp_path.rglob("*.tmp")) and not list(tmp_path.glob(".*.new-*"))


def test_oversized_posting_is_refused(tmp_path, write):
    big = write("big.txt", b"Kafka engineer\n" + b"a" * (16 * 1024 * 1024 + 10))
    result = run("topics", str(big))
    assert result.exit_code == 1 and "larger than 16 MB" in result.output


def test_latin1_and_odd_unicode_postings_work(tmp_path, write):
    latin = write(
        "latin.txt",
        "Ingénieur Backend\nAnforderungen\n- Erfahrung mit Kafka und PostgreSQL – wichtig\n".encode("cp1252"),
    )
    odd = write(
        "odd.txt",
        "Backend\u00a0Engineer\nRequirements\n- Event\u2011driven systems on Apache\u00a0Kafka \U0001f680\n"
        "- \u202eRTL\u202c text and zero\u200bwidth joiners\n",
    )
    for posting in (latin, odd):
        result = run("topics", str(posting), "--json")
        assert result.exit_code == 0, result.output
        assert '"kafka"' in result.output


GOOD_BANK = (FIXTURES / "good" / "widgets.yaml").read_text()


@pytest.mark.parametrize(
    "bank_text, message",
    [
        ("id: widgets\nname: [oops\n", "widgets.yaml:3: invalid YAML"),
        (
            GOOD_BANK.replace("category: technical\n", "category: technical\ncolour: blue\n"),
            "widgets.yaml:4: unknown key 'colour'",
        ),
    ],
)
def test_bad_banks_stop_a_build_with_file_and_line(tmp_path, bank_text, message):
    folder = tmp_path / "banks"
    folder.mkdir()
    (folder / "widgets.yaml").write_text(bank_text)
    result = run("build", str(EXAMPLE_POSTING), "--out", str(tmp_path / "out"), "--banks", str(folder))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert not (tmp_path / "out").exists()


def test_duplicate_question_ids_stop_a_build(tmp_path):
    folder = tmp_path / "banks"
    folder.mkdir()
    (folder / "widgets.yaml").write_text(GOOD_BANK)
    (folder / "widgets.yml").write_text(GOOD_BANK)
    result = run("build", str(EXAMPLE_POSTING), "--out", str(tmp_path / "out"), "--banks", str(folder))
    assert result.exit_code == 1
    assert "bank id 'widgets' is also defined in" in result.output
    assert "question ids such as 'widgets-what' would clash" in result.output
    assert not (tmp_path / "out").exists()


def test_unreachable_url_is_a_clean_error(tmp_path):
    result = run("build", "http://127.0.0.1:9/job", "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and result.output.startswith("Error: http://127.0.0.1:9/job: cannot fetch")
    assert not (tmp_path / "out").exists()
