"""`prep quiz`: scripted answers through CliRunner, the printable quiz, and history."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from prep import find_topics, make_plan, parse_posting
from prep.cli import main
from prep.quiz import QuizItem, draw_quiz, run_quiz

from .conftest import EXAMPLE_POSTING


@pytest.fixture(autouse=True)
def history(tmp_path, monkeypatch):
    path = tmp_path / "history.jsonl"
    monkeypatch.setenv("PREP_HISTORY", str(path))
    return path


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture(scope="module")
def selections(banks):
    return make_plan(find_topics(parse_posting(EXAMPLE_POSTING.read_text()), banks), None).selections()


def test_scripted_answers_give_a_score_out_of_count(history):
    answers = "1\ny\n\n" * 30
    result = run("quiz", str(EXAMPLE_POSTING), "--count", "6", "--seed", "7", input=answers)
    assert result.exit_code == 0, result.output
    assert re.search(r"^Score: \d/6$", result.output, re.M)
    assert "By topic:" in result.output
    saved = [json.loads(line) for line in history.read_text().splitlines()]
    assert len(saved) == 1 and len(saved[0]["results"]) == 6


def test_same_seed_same_quiz():
    first = run("quiz", str(EXAMPLE_POSTING), "--count", "5", "--seed", "3", input="")
    second = run("quiz", str(EXAMPLE_POSTING), "--count", "5", "--seed", "3", input="")
    assert first.output == second.output


def test_closed_input_stops_cleanly_with_the_score_so_far():
    result = run("quiz", str(EXAMPLE_POSTING), "--count", "6", "--seed", "7", input="")
    assert result.exit_code == 0
    assert "Stopped after 0 of 6 questions." in result.output and "Score: 0/0" in result.output
    assert "Traceback" not in result.output


def test_choice_is_graded_at_once_and_open_questions_are_self_graded(selections):
    items = draw_quiz(selections, count=200, seed=1)
    choice = next(item for item in items if item.question.kind == "choice")
    open_question = next(item for item in items if item.question.kind == "qa")
    right = next(i for i, c in enumerate(choice.question.choices) if c.correct)
    said: list[str] = []
    replies = iter(["z", "ABCDE"[right].lower(), "", "y"])
    result = run_quiz([choice, open_question], lambda prompt: next(replies, None), said.append)
    assert result.score == 2 and not result.stopped_early
    assert any(line.startswith("Type a letter") for line in said)  # "z" was refused, then asked again
    assert any(line.startswith("Correct.") for line in said)
    assert open_question.question.answer in said


def test_wrong_choice_shows_the_right_letter_and_names_the_weakest_topic(selections):
    items = [item for item in draw_quiz(selections, count=200, seed=2) if item.question.kind == "choice"][:2]
    wrong = [next(str(i + 1) for i, c in enumerate(item.question.choices) if not c.correct) for item in items]
    replies = iter(wrong)
    said: list[str] = []
    result = run_quiz(items, lambda prompt: next(replies, None), said.append)
    assert result.score == 0
    assert any(line.startswith("Not quite: the answer is ") for line in said)
    assert result.weakest()[0][0] == items[0].topic_name


def test_ctrl_c_keeps_the_answers_so_far(selections):
    items = draw_quiz(selections, count=3, seed=4)

    def ask(prompt: str):
        raise KeyboardInterrupt

    result = run_quiz(items, ask, lambda text: None)
    assert result.stopped_early and result.answers == []


def test_draw_follows_topic_level_and_past_misses(selections):
    only_kafka = draw_quiz(selections, count=50, seed=5, topics=["kafka"], levels=["senior"])
    assert only_kafka and all(i.question.topic_id == "kafka" and i.question.difficulty == "senior" for i in only_kafka)
    everything = [item.question.id for item in draw_quiz(selections, count=1000, seed=0)]
    missed = everything[-1]  # the least likely question without history
    boosted = [draw_quiz(selections, count=20, seed=s, miss_rates={missed: 1.0}) for s in range(200)]
    plain = [draw_quiz(selections, count=20, seed=s) for s in range(200)]
    count = lambda quizzes: sum(missed in [i.question.id for i in quiz] for quiz in quizzes)  # noqa: E731
    assert count(boosted) > count(plain)


def test_quiz_from_a_built_deck_folder_and_history_report(tmp_path):
    built = run("build", str(EXAMPLE_POSTING), "--out", str(tmp_path))
    assert built.exit_code == 0
    folder = next(path for path in tmp_path.iterdir() if path.is_dir())
    quiz_md = next(folder.glob("*-quiz.md")).read_text()
    assert quiz_md.startswith("# Quiz: ") and "## Answer key" in quiz_md
    result = run("quiz", str(folder), "--topic", "kafka", "--count", "3", "--seed", "1", input="2\nn\n\n" * 5)
    assert result.exit_code == 0, result.output
    assert "Apache Kafka" in result.output and re.search(r"Score: \d/3", result.output)
    if "Weakest:" in result.output:
        assert "-guide.md" in result.output
    progress = run("quiz", "--history")
    assert progress.exit_code == 0 and "/3" in progress.output and "kafka" in progress.output


def test_printable_quiz_has_lettered_choices_and_an_answer_key(tmp_path):
    target = tmp_path / "quiz.md"
    result = run("quiz", str(EXAMPLE_POSTING), "--count", "40", "--seed", "9", "--print", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text()
    questions, key = text.split("## Answer key")
    assert len(re.findall(r"^## \d+\. ", questions, re.M)) == 40
    assert re.search(r"^A\. ", questions, re.M) and re.search(r"^D\. ", questions, re.M)
    assert len(re.findall(r"^\d+\. ", key, re.M)) == 40


@pytest.mark.parametrize(
    "args, message",
    [
        (["quiz"], "give a posting or a deck folder"),
        (["quiz", str(EXAMPLE_POSTING), "--topic", "cobol"], "--topic cobol is not in this posting's topics"),
    ],
)
def test_quiz_usage_errors(args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.output


def test_folder_without_manifest_is_a_clean_error(tmp_path):
    result = run("quiz", str(tmp_path))
    assert result.exit_code == 1 and "is not a deck folder written by `prep build`" in result.output


def test_quiz_item_sections_match_guide_numbering(selections):
    items = draw_quiz(selections, count=500, seed=0)
    sections = {item.guide_section for item in items}
    assert f"1. {selections[0].topic.name}" in sections
    assert all(isinstance(item, QuizItem) for item in items)


def test_quiz_on_standard_input_says_why_it_cannot_ask(tmp_path):
    result = CliRunner().invoke(main, ["quiz", "-"], input=EXAMPLE_POSTING.read_text())
    assert result.exit_code == 2 and "nowhere to type answers" in result.output
    printed = CliRunner().invoke(
        main, ["quiz", "-", "--print", str(tmp_path / "q.md")], input=EXAMPLE_POSTING.read_text()
    )
    assert printed.exit_code == 0, printed.output
