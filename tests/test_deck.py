"""The deck, proven by importing it into a fresh collection of the real Anki library."""

from __future__ import annotations

import shutil
import time

from click.testing import CliRunner

from prep.cli import main
from prep.deck import FIELD_IDS, NOTE_TYPE_FIELDS, NOTE_TYPE_IDS, TEMPLATE_IDS

from .conftest import EXAMPLE_POSTING, ROOT

DECK_NAME = "Northwind Logistics — Senior Backend Engineer – Payments Platform"


def build(*args: str):
    result = CliRunner().invoke(main, ["build", *args])
    assert result.exit_code == 0, result.output
    return result


def test_note_types_are_frozen():
    # Anki updates notes in place only while a note type keeps its id and fields.
    # If this fails you changed a note type: give it a new id on purpose instead.
    assert NOTE_TYPE_IDS == {"qa": 1842016501, "cloze": 1842016502, "choice": 1842016503, "behavioural": 1842016504}
    common = ["References", "Topic", "Level", "Context", "QuestionId"]
    assert NOTE_TYPE_FIELDS == {
        "qa": ["Question", "Answer", "FollowUps", *common],
        "cloze": ["Text", "Extra", *common],
        "choice": ["Question", "Choices", "Answer", "Explanation", *common],
        "behavioural": ["Prompt", "StrongAnswer", "Star", "FollowUps", *common],
    }
    # Field and template ids (Anki 2.1.67+ merges a changed note type by them): a renamed
    # field keeps its id, a new field gets a new one.
    assert FIELD_IDS == {
        "qa": {
            "Question": 1431521476,
            "Answer": 10121066,
            "FollowUps": 1784185506,
            "References": 966189536,
            "Topic": 1399527784,
            "Level": 395960993,
            "Context": 1041489088,
            "QuestionId": 1018336153,
        },
        "cloze": {
            "Text": 54012658,
            "Extra": 1317305719,
            "References": 1835092020,
            "Topic": 283311048,
            "Level": 1467263443,
            "Context": 855002368,
            "QuestionId": 48186374,
        },
        "choice": {
            "Question": 1305237195,
            "Choices": 368357490,
            "Answer": 710681505,
            "Explanation": 314049156,
            "References": 1744950343,
            "Topic": 1240597201,
            "Level": 1515713078,
            "Context": 1598110048,
            "QuestionId": 1624707673,
        },
        "behavioural": {
            "Prompt": 224738262,
            "StrongAnswer": 353627612,
            "Star": 1057394697,
            "FollowUps": 1822420308,
            "References": 737799778,
            "Topic": 216999453,
            "Level": 83354089,
            "Context": 812311779,
            "QuestionId": 387947899,
        },
    }
    assert TEMPLATE_IDS == {"qa": 1866256859, "cloze": 746172938, "choice": 2017955586, "behavioural": 1750457437}


def test_deck_imports_into_anki_as_one_deck_with_tags(tmp_path, anki):
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path))
    apkg = next(tmp_path.glob("*/*.apkg"))
    log = anki.import_deck(apkg)
    notes = anki.notes()
    assert len(log.new) == len(notes) >= 60
    assert not log.conflicting
    # One deck per posting: subdecks would make Anki serve topics alphabetically.
    assert anki.deck_names() == {"Default", "Interview Prep", f"Interview Prep::{DECK_NAME}"}
    assert all(f"prep::posting::{apkg.stem}" in note.tags for note in notes)
    topics = {tag for note in notes for tag in note.tags if tag.startswith("prep::topic::")}
    assert {"prep::topic::kafka", "prep::topic::postgresql", "prep::topic::system-design"} <= topics
    kafka_notes = [note for note in notes if "prep::topic::kafka" in note.tags]
    assert kafka_notes
    kinds = {tag for note in notes for tag in note.tags if tag.startswith("prep::kind::")}
    assert kinds == {"prep::kind::qa", "prep::kind::cloze", "prep::kind::choice", "prep::kind::behavioural"}
    assert all(any(tag.startswith("prep::level::") for tag in note.tags) for note in notes)
    # One posting: the context is the posting line that best fits the question, one short line.
    contexts = [note["Context"] for note in kafka_notes]
    assert all(context.startswith("“") and len(context) <= 85 for context in contexts)
    assert len(set(contexts)) > 1  # chosen per question, not one quote for the whole topic


def test_rebuild_imports_with_no_new_or_conflicting_notes(tmp_path, anki):
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path / "first"))
    first = next(tmp_path.glob("first/*/*.apkg"))
    anki.import_deck(first)
    count = len(anki.notes())
    # Again into the same folder (nothing changed), then into a fresh folder.
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path / "first"))
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path / "second"))
    for apkg in (first, next(tmp_path.glob("second/*/*.apkg"))):
        log = anki.import_deck(apkg)
        assert not log.new and not log.conflicting
    assert len(anki.notes()) == count


def test_unchanged_rebuild_writes_identical_files(tmp_path, monkeypatch):
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path))
    files = sorted(tmp_path.glob("*/*"))
    before = {path.name: path.read_bytes() for path in files}
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)  # an hour later, nothing changed
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path))
    assert {path.name: path.read_bytes() for path in files} == before


def test_edited_answer_updates_the_note_in_place(tmp_path, anki):
    banks = tmp_path / "banks"
    banks.mkdir()
    shutil.copy(ROOT / "question_banks" / "kafka.yaml", banks / "kafka.yaml")
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path / "out"), "--banks", str(banks))
    apkg = next(tmp_path.glob("out/*/*.apkg"))
    anki.import_deck(apkg)
    count = len(anki.notes())
    text = (banks / "kafka.yaml").read_text()
    assert "answer: |\n" in text
    (banks / "kafka.yaml").write_text(text.replace("answer: |\n", "answer: |\n      EDITED ANSWER.\n"))
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path / "out"), "--banks", str(banks))
    log = anki.import_deck(apkg)
    assert not log.new and not log.conflicting and log.updated
    assert len(anki.notes()) == count
    assert any("EDITED ANSWER." in field for note in anki.notes() for field in note.fields)


def test_a_question_shared_by_two_postings_is_one_note(tmp_path, write, anki):
    other = write(
        "other.txt",
        "Platform Engineer\n\nRequirements:\n- Operate Apache Kafka clusters and Kafka Connect\n"
        "- Strong PostgreSQL skills\n",
    )
    build(str(EXAMPLE_POSTING), str(other), "--out", str(tmp_path / "out"))
    decks = sorted(tmp_path.glob("out/*/*.apkg"))
    assert len(decks) == 2
    logs = [anki.import_deck(apkg) for apkg in decks]
    kafka_notes = [note for note in anki.notes() if "prep::topic::kafka" in note.tags]
    assert len({note.guid for note in kafka_notes}) == len(kafka_notes)
    assert logs[1].duplicate or logs[1].updated  # the shared questions matched existing notes
    assert not logs[1].conflicting


def test_a_new_card_style_reaches_anki_without_touching_notes(tmp_path, anki, monkeypatch):
    from prep import deck

    build(str(EXAMPLE_POSTING), "--out", str(tmp_path), "--cards", "10")
    apkg = next(tmp_path.glob("*/*.apkg"))
    anki.import_deck(apkg)
    monkeypatch.setattr(deck, "_CARD_CSS", deck._CARD_CSS + "\n.card { letter-spacing: .01em; }\n")
    deck.note_type.cache_clear()
    later = time.time() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    result = build(str(EXAMPLE_POSTING), "--out", str(tmp_path), "--cards", "10")
    deck.note_type.cache_clear()
    assert "Anki: 0 notes to add or update" in result.output
    log = anki.import_deck(apkg)
    assert not log.updated and not log.new
    qa_type = anki.col.models.get(deck.NOTE_TYPE_IDS["qa"])
    assert "letter-spacing: .01em" in qa_type["css"]


def test_note_type_ids_arrive_without_a_conflicting_note_type(tmp_path, anki, monkeypatch):
    # A collection that has the note types as decks before field/template ids had them.
    import genanki

    import prep.deck

    with_ids = prep.deck.note_type

    def without_ids(kind):
        model = with_ids(kind)
        fields = [{"name": field["name"]} for field in model.fields]
        templates = [{key: template[key] for key in ("name", "qfmt", "afmt")} for template in model.templates]
        return genanki.Model(model.model_id, model.name, fields, templates, css=model.css, model_type=model.model_type)

    monkeypatch.setattr(prep.deck, "note_type", without_ids)
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path / "old"))
    monkeypatch.setattr(prep.deck, "note_type", with_ids)
    anki.import_deck(next(tmp_path.glob("old/*/*.apkg")))
    note_types = len(anki.col.models.all_names_and_ids())
    notes = len(anki.notes())
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)  # a later build: its notes and note types are newer
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path / "new"))
    log = anki.import_deck(next(tmp_path.glob("new/*/*.apkg")))
    assert not log.conflicting and not log.new and log.updated
    assert len(anki.col.models.all_names_and_ids()) == note_types and len(anki.notes()) == notes
    anki.col.models._clear_cache()  # the import went through the backend
    for kind, type_id in NOTE_TYPE_IDS.items():
        note_type = anki.col.models.get(type_id)
        assert [field["id"] for field in note_type["flds"]] == list(FIELD_IDS[kind].values())
        assert note_type["tmpls"][0]["id"] == TEMPLATE_IDS[kind]


def test_context_quotes_the_posting_line_that_fits_the_question(banks):
    from prep.pipeline import MAX_CONTEXT, _quote, best_evidence

    def context_quote(question, evidence):
        return _quote(best_evidence(question, evidence), MAX_CONTEXT)

    question = next(q for bank in banks for q in bank.questions if q.id == "postgresql-partial-index")
    evidence = (
        "Strong PostgreSQL skills and experience running it in production at scale for many years now",
        "Index design and query plans in PostgreSQL: partial indexes, EXPLAIN ANALYZE",
    )
    assert (
        context_quote(question, evidence)
        == "Index design and query plans in PostgreSQL: partial indexes, EXPLAIN ANALYZE"
    )
    assert context_quote(question, evidence[:1]).endswith("…") and len(context_quote(question, evidence[:1])) <= 80
    assert context_quote(question, ()) == ""


def test_deck_description_says_what_the_plan_holds_and_how_to_study(tmp_path, anki):
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path), "--days", "3")
    anki.import_deck(next(tmp_path.glob("*/*.apkg")))
    deck = anki.col.decks.by_name(f"Interview Prep::{DECK_NAME}")
    description = deck["desc"]
    assert "northwind-payments-backend.txt" in description and "60 cards over 3 days" in description
    assert "How to study" in description and "--day N" in description and "-guide.md" in description


def test_a_merged_deck_card_names_the_posting_it_quotes(tmp_path, anki, write):
    other = write("lark.txt", (ROOT / "examples" / "larkspur-retail-integrations.txt").read_text())
    result = build(str(EXAMPLE_POSTING), str(other), "--merge", "--out", str(tmp_path), "--cards", "60")
    assert "merged from: Northwind Logistics + Backend Engineer, Store Integrations" in result.output
    anki.import_deck(next(tmp_path.glob("*/*.apkg")))
    contexts = {note["Context"] for note in anki.notes()}
    assert any("Asked for <b>Northwind Logistics</b>" in context for context in contexts)
    assert any("Asked for <b>Backend Engineer, Store Integrations</b>" in context for context in contexts)
    assert not any(" + " in context for context in contexts)
