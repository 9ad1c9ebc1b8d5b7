"""The study plan: what fits the days left, in the order the real Anki scheduler serves it."""

from __future__ import annotations

import json
import shutil
import statistics
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from prep import find_topics, load_banks, make_plan, parse_posting
from prep.cli import main
from prep.plan import card_count

from .conftest import EXAMPLE_POSTING, EXAMPLES, ROOT

SECOND_POSTING = EXAMPLES / "larkspur-retail-integrations.txt"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def build(*args: str):
    result = run("build", *args)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def report():
    return find_topics(parse_posting(EXAMPLE_POSTING.read_text(), "northwind.txt"), load_banks())


def test_budget_counts_cards_as_anki_does(report):
    plan = make_plan(report, 60, per_day=20)
    assert 58 <= plan.cards <= 60  # a question whose cards would overflow is left out
    assert plan.cards == sum(card_count(item.question) for item in plan.items)
    assert plan.days == 3
    for _, groups in plan.day_groups():
        day_cards = sum(item.cards for _, items in groups for item in items)
        assert day_cards <= 20 + 1  # a cloze that starts a day may spill one card over
    assert len({item.question.id for item in plan.items}) == len(plan.items)


def test_strongest_topic_first_and_later_days_widen(report):
    plan = make_plan(report, 140)
    scores = [item.topic.score for item in plan.items for _ in range(item.cards)]
    half = len(scores) // 2
    assert statistics.mean(scores[:half]) >= statistics.mean(scores[half:])
    days = plan.day_groups()
    assert days[0][1][0][0] == report.topics[0]
    topics_seen = [len({topic.id for day, groups in days[:n] for topic, _ in groups}) for n in (1, len(days))]
    assert topics_seen[0] < topics_seen[1]
    # A day is a few coherent groups: one topic's questions on a day sit together.
    for _, groups in days:
        ids = [topic.id for topic, _ in groups]
        assert len(ids) == len(set(ids)) <= 6


def test_core_and_fundamental_questions_lead_each_topic(report):
    plan = make_plan(report, 140)
    for selection in plan.selections():
        first = selection.questions[0]
        assert first.core or first.difficulty == "fundamental"


def test_every_topic_gets_a_first_look_when_time_allows(report):
    planned = {selection.topic.id for selection in make_plan(report, 140).selections()}
    assert planned == {topic.id for topic in report.topics}
    one_day = make_plan(report, 10)
    assert {s.topic.id for s in one_day.selections()} < planned  # one short day: strongest topics only


def test_plan_without_budget_holds_every_question(report):
    plan = make_plan(report, None)
    assert len(plan.items) == sum(len(topic.bank.questions) for topic in report.topics)


def test_build_summary_states_the_plan(tmp_path):
    result = build(str(EXAMPLE_POSTING), "--out", str(tmp_path), "--days", "3")
    assert "plan: 60 cards over 3 days, about 20 new cards a day" in result.output
    assert "day 1: " in result.output
    manifest = json.loads(next(tmp_path.glob("*/prep-manifest.json")).read_text())
    assert max(day for _, day in manifest["plan"]) == 3


def test_interview_date_sets_the_days(tmp_path):
    interview = (date.today() + timedelta(days=4)).isoformat()
    result = build(str(EXAMPLE_POSTING), "--out", str(tmp_path), "--interview", interview, "--per-day", "10")
    assert "plan: 40 cards over 4 days, about 10 new cards a day" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "3", "--cards", "10"], "--days and --cards both size the plan"),
        (["--interview", "2001-01-01"], "the interview date is today or past"),
        (["--interview", "next week"], "does not match the format"),
    ],
)
def test_bad_plan_options_are_usage_errors(tmp_path, args, message):
    result = run("build", str(EXAMPLE_POSTING), "--out", str(tmp_path), *args)
    assert result.exit_code == 2 and message in result.output
    assert not any(tmp_path.iterdir())


def test_quiz_day_keeps_to_what_the_plan_covered(tmp_path):
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path), "--days", "5")
    folder = next(tmp_path.glob("*/"))
    manifest = json.loads((folder / "prep-manifest.json").read_text())
    day_one = {question_id for question_id, day in manifest["plan"] if day == 1}
    printed = tmp_path / "quiz.md"
    result = run("quiz", str(folder), "--day", "1", "--count", "50", "--print", str(printed))
    assert result.exit_code == 0, result.output
    asked = printed.read_text()
    assert f"{len(day_one)} questions" in asked
    too_far = run("quiz", str(folder), "--day", "9", "--count", "1")
    assert too_far.exit_code == 2 and "the plan has 5 days" in too_far.output


def served_order(anki, per_day: int | None = None):
    """The cards the real scheduler serves, as (question id, card ordinal)."""
    col = anki.col
    deck_id = col.decks.id_for_name("Interview Prep")
    col.decks.select(deck_id)
    if per_day is not None:
        config = col.decks.config_dict_for_deck_id(deck_id)
        config["new"]["perDay"] = per_day
        col.decks.update_config(config)
    queued = col.sched.get_queued_cards(fetch_limit=2000).cards
    return [(col.get_card(card.card.id).note()["QuestionId"], col.get_card(card.card.id).ord) for card in queued]


def test_anki_serves_the_plan_in_order_with_default_options(tmp_path, anki, report):
    build(str(EXAMPLE_POSTING), "--out", str(tmp_path / "out"), "--days", "7")
    folder = next((tmp_path / "out").glob("*/"))
    manifest = json.loads((folder / "prep-manifest.json").read_text())
    anki.import_deck(next(folder.glob("*.apkg")))
    scores = {topic["id"]: topic["score"] for topic in manifest["topics"]}
    topic_of = {question.id: question.topic_id for bank in load_banks() for question in bank.questions}

    first_day = served_order(anki)
    assert len(first_day) == 20
    median = statistics.median(scores.values())
    assert all(scores[topic_of[qid]] >= median for qid, _ in first_day)
    assert topic_of[first_day[0][0]] == manifest["topics"][0]["id"]

    everything = served_order(anki, per_day=9999)
    assert 100 <= len(everything) <= 140
    # Anki's default sort puts a cloze's second card after the day's first cards; the
    # first cards of every note come in exactly the plan's order.
    planned = [question_id for question_id, _ in manifest["plan"]]
    assert [qid for qid, ordinal in everything if ordinal == 0] == planned
    ranked = [scores[topic_of[qid]] for qid, _ in everything]
    half = len(ranked) // 2
    assert statistics.mean(ranked[:half]) >= statistics.mean(ranked[half:])


def test_two_postings_share_notes_and_tag_each_posting(tmp_path, anki):
    build(str(EXAMPLE_POSTING), str(SECOND_POSTING), "--out", str(tmp_path / "out"))
    folders = sorted(path for path in (tmp_path / "out").iterdir() if path.is_dir())
    planned = {
        folder.name: {qid for qid, _ in json.loads((folder / "prep-manifest.json").read_text())["plan"]}
        for folder in folders
    }
    shared = set.intersection(*planned.values())
    assert shared
    for folder in folders:
        anki.import_deck(next(folder.glob("*.apkg")))
    notes = anki.notes()
    assert len(notes) == len(set.union(*planned.values()))  # no duplicates
    for slug, question_ids in planned.items():
        tagged = {note["QuestionId"] for note in notes if f"prep::posting::{slug}" in note.tags}
        assert tagged == question_ids
    shared_note = next(note for note in notes if note["QuestionId"] in shared)
    assert shared_note["Context"].count("Asked for") == 2


def test_rebuild_updates_only_the_changed_note_and_keeps_user_edits(tmp_path, anki):
    banks = tmp_path / "banks"
    banks.mkdir()
    kafka = banks / "kafka.yaml"
    shutil.copy(ROOT / "question_banks" / "kafka.yaml", kafka)
    out = tmp_path / "out"
    build(str(EXAMPLE_POSTING), "--out", str(out), "--banks", str(banks))
    apkg = next(out.glob("*/*.apkg"))
    anki.import_deck(apkg)
    notes = {note["QuestionId"]: note for note in anki.notes()}
    edited = notes["kafka-consumer-groups"]
    edited["Answer"] += "<p>My own mnemonic.</p>"
    anki.col.update_note(edited)

    text = kafka.read_text()
    marker = "  - id: kafka-topics-partitions-offsets\n"
    start = text.index(marker)
    answer = text.index("answer: |\n", start) + len("answer: |\n")
    kafka.write_text(text[:answer] + "      Changed in the bank.\n" + text[answer:])
    result = build(str(EXAMPLE_POSTING), "--out", str(out), "--banks", str(banks))
    assert "Anki: 1 note to add or update on import" in result.output
    log = anki.import_deck(apkg)

    assert len(log.updated) == 1 and not log.new and not log.conflicting
    notes = {note["QuestionId"]: note for note in anki.notes()}
    assert "Changed in the bank." in notes["kafka-topics-partitions-offsets"]["Answer"]
    assert "My own mnemonic." in notes["kafka-consumer-groups"]["Answer"]


def test_a_question_whose_kind_changes_becomes_a_new_note(tmp_path, anki, write):
    banks = tmp_path / "banks"
    banks.mkdir()
    kafka = banks / "kafka.yaml"
    shutil.copy(ROOT / "question_banks" / "kafka.yaml", kafka)
    posting = str(write("kafka.txt", "Kafka Engineer\nRequirements\n- Run Apache Kafka in production\n"))
    out = tmp_path / "out"
    build(posting, "--out", str(out), "--banks", str(banks))
    apkg = next(out.glob("*/*.apkg"))
    anki.import_deck(apkg)
    # The same id, now a behavioural prompt (a new note type in Anki).
    text = kafka.read_text()
    start = text.index("  - id: kafka-consumer-groups\n")
    end = text.index("\n  - id: ", start + 1) + 1
    changed = text[start:end].replace("kind: qa", "kind: behavioural", 1)
    changed += "    star: {situation: s, task: t, action: a, result: r}\n    follow_ups: [Why?]\n"
    kafka.write_text(text[:start] + changed + text[end:])
    result = build(posting, "--out", str(out), "--banks", str(banks))
    assert "1 note of questions removed from the banks kept and tagged prep::retired" in result.output
    log = anki.import_deck(apkg)
    assert len(log.new) == 1 and not log.conflicting
    versions = [note for note in anki.notes() if note["QuestionId"] == "kafka-consumer-groups"]
    assert len(versions) == 2
    assert sum("prep::retired" in note.tags for note in versions) == 1


@pytest.mark.parametrize("per_day", [1, 2, 3])
def test_a_day_smaller_than_a_cloze_still_plans(report, per_day):
    plan = make_plan(report, None, per_day=per_day)
    days = [item.day for item in plan.items]
    assert days == sorted(days) and set(days) == set(range(1, plan.days + 1))
