"""The deck folder under attack: planted files, killed and concurrent builds, clashing names."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
import time
import zipfile

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prep.cli import main
from prep.deck import NOTE_TYPE_IDS, note_guid
from prep.deckdir import ManifestError, folder_lock, read_manifest, read_previous_deck, slugify

from .conftest import EXAMPLE_POSTING

deckdir = sys.modules["prep.deckdir"]


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def build(*args: str):
    result = run("build", *args)
    assert result.exit_code == 0, result.output
    return result


def folder_files(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def deck_fields(apkg) -> str:
    with zipfile.ZipFile(apkg) as archive:
        database = archive.read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    connection.deserialize(database)
    return " ".join(row[0] for row in connection.execute("select flds || ' ' || tags from notes"))


def planted_deck(path, notes: list[tuple[str, int, list[str], str]]) -> None:
    """A deck file with hand-made notes: (guid, note type id, fields, tags)."""
    connection = sqlite3.connect(":memory:")
    connection.execute("create table notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data)")
    for index, (guid, model_id, fields, tags) in enumerate(notes):
        connection.execute(
            "insert into notes values (?, ?, ?, ?, 0, ?, ?, '', 0, 0, '')",
            (index, guid, model_id, 1700000000, tags, "\x1f".join(fields)),
        )
    connection.commit()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", connection.serialize())
    path.write_bytes(buffer.getvalue())


# Security 1: the manifest and the previous deck are untrusted.


def test_planted_deck_notes_reach_cards_only_as_escaped_text(tmp_path, anki):
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "20")
    folder = next(out.glob("*/"))
    apkg = next(folder.glob("*.apkg"))
    script = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    qa = NOTE_TYPE_IDS["qa"]
    planted_deck(
        apkg,
        [
            # a retired-looking question, fields full of HTML
            (note_guid("kafka-made-up", "qa"), qa, [script, script, "", "", "", "", script, "kafka-made-up"], "x"),
            # another real question's GUID with forged text: must come from the banks instead
            (
                note_guid("postgresql-mvcc-basics", "qa"),
                qa,
                [script] * 7 + ["postgresql-mvcc-basics"],
                "prep::topic::kafka",
            ),
            # a GUID that is not the one prep derives from the question id: never carried
            ("forged-guid", qa, [script] * 7 + ["kafka-other"], ""),
        ],
    )
    result = build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "20")
    assert "1 note of questions removed from the banks kept and tagged prep::retired" in result.output
    fields = deck_fields(apkg)
    assert "<script>" not in fields and "<img" not in fields and "onerror" not in fields
    assert "alert(1)" in fields  # the retired note's old text survives as plain text
    assert "forged-guid" not in fields
    anki.import_deck(apkg)
    by_id = {note["QuestionId"]: note for note in anki.notes()}
    assert "<script" not in by_id["kafka-made-up"]["Question"]
    assert "prep::retired" in by_id["kafka-made-up"].tags
    if "postgresql-mvcc-basics" in by_id:  # carried as dropped, its text regenerated from the bank
        assert "<script" not in by_id["postgresql-mvcc-basics"]["Question"]


@pytest.mark.parametrize(
    "manifest",
    [
        "{not json",
        '{"version": 2, "name": "x", "source": "y", "per_day": 20, "topics": [], "plan": {}}',
        '{"version": 2, "name": "x", "source": "y", "per_day": NaN, "topics": [], "plan": []}',
        '{"version": 2, "name": "x", "source": "y", "per_day": 20, "topics": [{"id": "../x", "score": 1, '
        '"evidence": []}], "plan": []}',
        '{"version": 2, "name": "x", "source": "y", "per_day": 20, "topics": [], "plan": [["kafka-x", -3]]}',
        '{"version": 1, "notes": []}',
        "[]",
        "[" * 100000 + "]" * 100000,
        '{"version": 2, "name": "x", "source": "y", "per_day": 20, "topics": [{"id": "kafka", "score": 0, '
        '"evidence": []}], "plan": []}',
    ],
)
def test_damaged_manifest_is_a_one_line_error_for_build_and_quiz(tmp_path, manifest):
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    folder = next(out.glob("*/"))
    (folder / "prep-manifest.json").write_text(manifest)
    before = folder_files(folder)
    for result in (
        run("build", str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10"),
        run("quiz", str(folder), "--count", "1"),
    ):
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: ") and "is damaged" in result.output
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert folder_files(folder) == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=400), st.recursive(st.none() | st.integers() | st.text(), st.lists)))
def test_manifest_reader_gives_a_manifest_or_a_domain_error(tmp_path, data):
    path = tmp_path / "prep-manifest.json"
    path.write_bytes(data if isinstance(data, bytes) else json.dumps({"version": 2, "plan": data}).encode())
    try:
        read_manifest(tmp_path)
    except ManifestError:
        pass


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_deck_reader_never_raises_on_garbage(tmp_path, data):
    path = tmp_path / "deck.apkg"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", data)
    for content in (data, buffer.getvalue()):
        path.write_bytes(content)
        previous = read_previous_deck(path)
        assert isinstance(previous.notes, dict) and isinstance(previous.note_types, dict)


# Data safety 9: all or nothing, one build at a time.


class Killed(BaseException):
    """Stands in for kill -9: no except clause of prep's catches it."""


@pytest.mark.parametrize("kill_at", [1, 2, 3, 4, 6])
def test_a_build_killed_at_any_point_leaves_the_old_or_the_new_folder(tmp_path, monkeypatch, kill_at):
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    folder = next(out.glob("*/"))
    old = folder_files(folder)
    steps = {"count": 0}
    real_replace, real_fsync = deckdir.os.replace, deckdir.os.fsync

    def step(real):
        def wrapped(*args):
            steps["count"] += 1
            if steps["count"] == kill_at:
                raise Killed
            return real(*args)

        return wrapped

    monkeypatch.setattr(deckdir.os, "replace", step(real_replace))
    monkeypatch.setattr(deckdir.os, "fsync", step(real_fsync))
    with pytest.raises(Killed):
        from prep import PlanRequest, load_banks, read_posting
        from prep import build as build_in_process

        build_in_process(read_posting(str(EXAMPLE_POSTING)), load_banks(), out, PlanRequest(30))
    monkeypatch.undo()
    if folder.exists():
        assert folder_files(folder) == old  # the swap never happened: the old folder, whole
    # The next build cleans up and leaves one consistent folder.
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "30")
    assert [path.name for path in out.iterdir() if not path.name.endswith(".lock")] == [folder.name]
    manifest = json.loads((folder / "prep-manifest.json").read_text())
    fields = deck_fields(next(folder.glob("*.apkg")))
    assert all(question_id in fields for question_id, _ in manifest["plan"])
    assert "plan: 30 cards" in run("build", str(EXAMPLE_POSTING), "--out", str(out), "--cards", "30").output


def test_a_second_build_of_the_same_folder_stops_with_a_message(tmp_path):
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    folder = next(out.glob("*/"))
    before = folder_files(folder)
    with folder_lock(out, folder.name):
        result = run("build", str(EXAMPLE_POSTING), "--out", str(out), "--cards", "30")
    assert result.exit_code == 1 and "another prep build is writing" in result.output
    assert folder_files(folder) == before


def test_a_rebuild_after_an_interrupted_one_still_brings_the_fix_to_anki(tmp_path, anki):
    """A bank mistake, an interrupted build, an import, the fix, a rebuild: the fix arrives."""
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    folder = next(out.glob("*/"))
    anki.import_deck(next(folder.glob("*.apkg")))
    (folder / "prep-manifest.json").unlink()  # a manifest lost or behind the deck file
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10", "--name", "Northwind")
    fixed = next((out / "northwind").glob("*.apkg"))
    log = anki.import_deck(fixed)
    assert not log.conflicting


# Data safety 10: a folder that belongs to another posting is never overwritten.


def test_postings_whose_names_only_differ_in_symbols_or_script_get_their_own_folders():
    names = ["Acme — C++ Engineer", "Acme — C# Engineer", "Acme — C Engineer", "Acme — .NET Engineer"]
    assert len({slugify(name) for name in names}) == len(names)
    assert slugify("Яндекс — Backend разработчик") != slugify("Сбер — Backend разработчик")
    assert slugify("Яндекс — Backend разработчик") == "yandeks-backend-razrabotchik"
    assert slugify("メルカリ") != slugify("楽天") and slugify("メルカリ").startswith("posting-")


def test_same_folder_for_another_posting_is_refused(tmp_path, write):
    first = write("a/job.txt", "Requirements\n- Apache Kafka in production\n")
    second = write("b/job.txt", "Requirements\n- PostgreSQL replication\n")
    out = tmp_path / "out"
    build(str(first), "--out", str(out))
    before = folder_files(out / "job")
    result = run("build", str(second), "--out", str(out))
    assert result.exit_code == 1 and "holds the deck of 'job'" in result.output and "--name" in result.output
    assert folder_files(out / "job") == before
    build(str(second), "--out", str(out), "--name", "job")  # the user says so: replaced


def test_the_same_posting_rebuilds_through_any_path(tmp_path, write, monkeypatch):
    posting = write("postings/C + Go.txt", "Requirements\n- Apache Kafka in production\n")
    out = tmp_path / "out"
    build(str(posting), "--out", str(out))
    monkeypatch.chdir(tmp_path / "postings")
    build("C + Go.txt", "--out", str(out), "--cards", "5")
    monkeypatch.chdir(out)
    build("../postings/C + Go.txt", "--out", str(out), "--cards", "6")
    manifest_path = out / "c-go" / "prep-manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["source"] == str(posting) and len(manifest["plan"]) == 6
    # A deck built by a development version recorded the file as typed.
    manifest_path.write_text(json.dumps({**manifest, "source": "C + Go.txt"}))
    monkeypatch.chdir(tmp_path / "postings")
    build("C + Go.txt", "--out", str(out), "--cards", "7")


def test_a_folder_prep_did_not_write_is_never_replaced(tmp_path, write):
    posting = write("job.txt", "Kafka Engineer\nRequirements\n- Apache Kafka in production\n")
    mine = tmp_path / "out" / "kafka-engineer"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("my own notes")
    result = run("build", str(posting), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "holds files prep did not write (notes.txt)" in result.output
    assert (mine / "notes.txt").read_text() == "my own notes"


def test_a_symlinked_deck_folder_is_refused(tmp_path, write):
    posting = write("job.txt", "Kafka Engineer\nRequirements\n- Apache Kafka in production\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kafka-engineer").symlink_to(elsewhere)
    result = run("build", str(posting), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "symbolic link" in result.output
    assert not any(elsewhere.iterdir())


# Leftovers 12: killed builds' files are cleaned; a topic that drops out is tagged.


def test_leftovers_of_killed_builds_are_removed(tmp_path):
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    folder = next(out.glob("*/"))
    (out / f".{folder.name}.new-abc1234x").mkdir()  # as tempfile.mkdtemp names them
    (out / f".{folder.name}.new-abc1234x" / "half.apkg").write_bytes(b"PK")
    (out / f".{folder.name}.backup-2024").mkdir()  # the user's own: never touched
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [folder.name, f".{folder.name}.lock", f".{folder.name}.backup-2024"]
    )


@pytest.mark.parametrize(
    "planted",
    [".my-notes.md", ".git/objects", "my-export.apkg", "{slug}.apkg.d/f", "notes.txt"],
)
def test_anything_prep_did_not_write_stops_a_rebuild(tmp_path, planted):
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    folder = next(out.glob("*/"))
    path = folder / planted.format(slug=folder.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("mine")
    result = run("build", str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    assert result.exit_code == 1 and "holds files prep did not write" in result.output
    assert path.read_text() == "mine"


def test_questions_that_leave_the_plan_are_tagged_dropped(tmp_path, anki):
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--days", "3")
    folder = next(out.glob("*/"))

    def planned():
        return {qid for qid, _ in json.loads((folder / "prep-manifest.json").read_text())["plan"]}

    three_days = planned()
    anki.import_deck(next(folder.glob("*.apkg")))
    result = build(str(EXAMPLE_POSTING), "--out", str(out), "--days", "1")
    assert f"tagged prep::dropped::{folder.name}" in result.output
    anki.import_deck(next(folder.glob("*.apkg")))
    dropped = [note for note in anki.notes() if f"prep::dropped::{folder.name}" in note.tags]
    assert {note["QuestionId"] for note in dropped} == three_days - planned()
    assert all(f"prep::posting::{folder.name}" not in note.tags for note in dropped)


# Security 7: temporary files are fresh, never a name a planted symlink could catch.


def test_planted_symlinks_beside_the_outputs_are_never_followed(tmp_path, write):
    victim = write("victim.txt", "keep me")
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    folder = next(out.glob("*/"))
    for pid in range(1, 400):  # the names a predictable writer would use
        (out / f".{folder.name}.{pid}.tmp").symlink_to(victim)
    quiz = tmp_path / "quiz.md"
    (tmp_path / f".quiz.md.{1}.tmp").symlink_to(victim)
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    assert run("quiz", str(folder), "--count", "3", "--print", str(quiz)).exit_code == 0
    assert victim.read_text() == "keep me" and quiz.is_file() and not quiz.is_symlink()


def test_a_name_cannot_add_a_deck_level(tmp_path, anki):
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path), "--cards", "5", "--name", "Acme:::Evil::Deeper")
    anki.import_deck(next(tmp_path.glob("*/*.apkg")))
    assert anki.deck_names() == {"Default", "Interview Prep", "Interview Prep::Acme:Evil:Deeper"}


def planted_database(path, statements: list[str]) -> None:
    connection = sqlite3.connect(":memory:")
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", connection.serialize())
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize(
    "statements",
    [
        [  # a view that never returns: the read gives up, the build goes on
            "create view notes as with recursive c(x) as (select 1 union all select x + 1 from c) "
            "select 'g' guid, 1 mid, 1 mod, 'a' flds, '' tags from c where x < 0"
        ],
        [  # a note of prep's note type with the wrong number of fields
            "create table notes (guid, mid, mod, flds, tags)",
            f"insert into notes values ('{note_guid('kafka-ghost', 'qa')}', {NOTE_TYPE_IDS['qa']}, 1700000000, "
            "'x' || char(31) || 'kafka-ghost', '')",
        ],
        [  # note types nested too deep to parse, and an id no integer can hold
            "create table notes (guid, mid, mod, flds, tags)",
            "create table col (models)",
            'insert into col values (\'{"1": {"id": 1e999, "flds": ' + "[" * 5000 + "]" * 5000 + "}}')",
        ],
    ],
    ids=["endless-view", "wrong-field-count", "deep-models"],
)
def test_a_planted_deck_file_never_stops_or_hangs_a_build(tmp_path, statements):
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    apkg = next(out.glob("*/*.apkg"))
    planted_database(apkg, statements)
    started = time.monotonic()
    result = run("build", str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 10


def test_a_name_with_escape_sequences_reaches_nothing_raw(tmp_path, anki):
    name = "Acme\x1b]52;c;SGVsbG8=\x07 \x1b[31mRed\u202eevil\x9b2J"
    result = run("build", str(EXAMPLE_POSTING), "--out", str(tmp_path), "--cards", "5", "--name", name)
    assert result.exit_code == 0, result.output
    guide = next(tmp_path.glob("*/*-guide.md")).read_text()
    for text in (result.output, guide):
        assert not any(char in text for char in "\x1b\x07\x9b\u202e")
    anki.import_deck(next(tmp_path.glob("*/*.apkg")))
    assert not any(char in name for name in anki.deck_names() for char in "\x1b\x07\x9b\u202e")


def test_names_that_only_differ_in_another_script_get_their_own_folders(tmp_path, write):
    other = write("other.txt", (EXAMPLE_POSTING.parent / "larkspur-retail-integrations.txt").read_text())
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path), "--cards", "5", "--name", "東京 Backend")
    build(str(other), "--out", str(tmp_path), "--cards", "5", "--name", "大阪 Backend")
    assert len([path for path in tmp_path.iterdir() if path.is_dir()]) == 2
    taken = run("build", str(other), "--out", str(tmp_path), "--cards", "5", "--name", "東京 Backend ")
    assert taken.exit_code == 0  # the same name (spaces aside): the user replaces their own deck


def test_two_postings_for_one_folder_in_one_call_write_nothing(tmp_path, write):
    copy = write("copy.txt", EXAMPLE_POSTING.read_text())
    result = run("build", str(EXAMPLE_POSTING), str(copy), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "would both be written to" in result.output
    assert not (tmp_path / "out").exists()


def test_a_name_with_private_use_characters_rebuilds(tmp_path, write):
    posting = write("icon.txt", "Kafka Engineer \ue000\nRequirements\n- Apache Kafka in production\n")
    build(str(posting), "--out", str(tmp_path))
    build(str(posting), "--out", str(tmp_path))  # the manifest's name reads back as it was written


def test_a_fifo_planted_as_the_manifest_never_blocks(tmp_path):
    import os

    folder = tmp_path / "deck"
    folder.mkdir()
    os.mkfifo(folder / "prep-manifest.json")
    result = run("quiz", str(folder), "--count", "1")
    assert result.exit_code == 1 and "is not a regular file" in result.output


def test_a_planted_future_modification_time_is_not_kept(tmp_path):
    """A note time in the future would make Anki prefer prep's note over the user's edits
    on every import; read back, it counts as unknown and the note gets the build's time."""
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    apkg = next(out.glob("*/*.apkg"))
    with zipfile.ZipFile(apkg) as archive:
        database = archive.read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    connection.deserialize(database)
    future = int(time.time()) + 10 * 365 * 24 * 3600
    connection.execute("update notes set mod = ?", (future,))
    models = json.loads(connection.execute("select models from col").fetchone()[0])
    for model in models.values():
        model["mod"] = future
    connection.execute("update col set models = ?", (json.dumps(models),))
    connection.commit()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", connection.serialize())
    apkg.write_bytes(buffer.getvalue())
    assert read_previous_deck(apkg).notes == {} and read_previous_deck(apkg).note_types == {}

    build(str(EXAMPLE_POSTING), "--out", str(out), "--cards", "10")
    with zipfile.ZipFile(apkg) as archive:
        connection = sqlite3.connect(":memory:")
        connection.deserialize(archive.read("collection.anki2"))
    mods = [row[0] for row in connection.execute("select mod from notes")]
    models = json.loads(connection.execute("select models from col").fetchone()[0])
    mods += [model["mod"] for model in models.values()]
    assert mods and max(mods) <= time.time() + 1
