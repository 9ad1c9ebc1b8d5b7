"""`prep quiz`: scripted answers through CliRunner, the printable quiz, and history."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from prep import find_topics, load_banks, make_plan, parse_posting
from prep.banks import Choice, Question
from prep.cli import main
from prep.quiz import QuizItem, draw_quiz, key_points, render_printable_quiz, run_quiz

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
    replies = iter(["z", "", "ABCDE"[right].lower(), "", "", "maybe", "yes"])
    result = run_quiz(
        [choice, open_question], lambda prompt: next(replies, None), lambda text, tone=None: said.append(text)
    )
    assert result.score == 2 and not result.stopped_early
    assert sum(line.startswith("Type a letter") for line in said) == 2  # "z" and "" were refused, then asked again
    assert sum(line.startswith("Type y (yes) or n (no)") for line in said) == 2  # so were "" and "maybe"
    assert any(line.startswith("Correct.") for line in said)
    assert open_question.question.answer in said


def test_wrong_choice_shows_the_right_letter_and_names_the_weakest_topic(selections):
    items = [item for item in draw_quiz(selections, count=200, seed=2) if item.question.kind == "choice"][:2]
    wrong = [next(str(i + 1) for i, c in enumerate(item.question.choices) if not c.correct) for item in items]
    replies = iter(wrong)
    said: list[str] = []
    result = run_quiz(items, lambda prompt: next(replies, None), lambda text, tone=None: said.append(text))
    assert result.score == 0
    assert any(line.startswith("Not quite: the answer is ") for line in said)
    assert result.weakest()[0][0] == items[0].topic_name


def test_ctrl_c_keeps_the_answers_so_far(selections):
    items = draw_quiz(selections, count=3, seed=4)

    def ask(prompt: str):
        raise KeyboardInterrupt

    result = run_quiz(items, ask, lambda text, tone=None: None)
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
    result = run("quiz", str(folder), "--topic", "Kafka", "--count", "3", "--seed", "1", input="2\nn\n\n" * 5)
    assert result.exit_code == 0, result.output
    assert "Apache Kafka" in result.output and re.search(r"Score: \d/3", result.output)
    assert "Weakest topics" in result.output and "-guide.md" in result.output  # the seed gives a miss
    progress = run("quiz", "--history")
    assert progress.exit_code == 0 and "/3" in progress.output and "Apache Kafka" in progress.output


def test_printable_quiz_has_lettered_choices_and_an_answer_key(tmp_path):
    target = tmp_path / "quiz.md"
    result = run("quiz", str(EXAMPLE_POSTING), "--count", "40", "--seed", "9", "--print", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text()
    questions, key = text.split("## Answer key")
    assert len(re.findall(r"^\d+\. ", questions, re.M)) == 40
    assert re.search(r"^ +A\. ", questions, re.M) and re.search(r"^ +D\. ", questions, re.M)
    assert questions.rstrip().endswith('<div style="page-break-before: always"></div>')  # the key starts a page
    assert len(re.findall(r"^\d+\. ", key, re.M)) == 40


def _item(question: Question, topic: str = "Apache Kafka", number: str = "1.1") -> QuizItem:
    return QuizItem(question, topic, "1. Apache Kafka", number)


def _blocks(tokens) -> list[tuple[str, int]]:
    """Top-level blocks of a markdown-it token stream: (type, items for a list, else 0)."""
    blocks = []
    for token in tokens:
        if token.level == 0 and token.nesting >= 0:
            blocks.append([token.type, 0])
        elif token.type == "list_item_open" and token.level == 1:
            blocks[-1][1] += 1
    return [tuple(block) for block in blocks]


LONG_ANSWER = (
    "Idempotent consumers:\n\n- **Dedup table** keyed by message id:\n\n  ```sql\n  INSERT INTO seen (id)\n"
    "  VALUES ($1) ON CONFLICT DO NOTHING;\n  ```\n\n- Commit the effect and the id **together**.\n\n"
    "```python\nif seen(msg.id):\n    return\n```\n\nThat is all."
)


@pytest.mark.parametrize("count", [1, 9, 10, 12, 105])
def test_printable_quiz_is_valid_commonmark_at_any_count(count):
    from markdown_it import MarkdownIt

    questions = [
        Question(f"q{n}", "kafka", "qa", "senior", "Consider this:\n\n```js\nconst a = 1;\n```\n\nWhy?", LONG_ANSWER)
        if n % 3
        else Question(
            f"q{n}",
            "kafka",
            "choice",
            "fundamental",
            "Which `acks` setting?",
            "**all** waits for\nthe in-sync replicas.",
            (Choice("acks=0", False), Choice("acks=all", True)),
        )
        for n in range(count)
    ]
    text = render_printable_quiz([_item(q) for q in questions], "Acme — Backend")
    tokens = MarkdownIt("commonmark").parse(text)
    blocks = _blocks(tokens)
    # Title, intro, the questions as one list, the page break, the key heading, the key as one list:
    # nothing of a question or an answer falls out of its list item.
    assert [kind for kind, _ in blocks] == [
        "heading_open",
        "paragraph_open",
        "ordered_list_open",
        "html_block",
        "heading_open",
        "ordered_list_open",
    ], blocks
    assert blocks[2][1] == count and blocks[5][1] == count
    key = text.split("## Answer key")[1]
    for number in (9, 10, 11, 100):
        if number <= count:
            continuation = key.split(f"\n{number}. ", 1)[1].split("\n", 1)[1]
            assert not continuation.strip() or re.match(r"\d+\. ", continuation)  # the key: one line per answer
    if count >= 11:
        assert "\n11. Consider this:" in text
        assert "\n    ```js\n" in text  # items 10+: continuation indented the width of "10. "


def test_key_points_cut_at_a_word_and_leave_no_markup_open():
    text = "The **dedup record** and the `side effect` must commit *atomically*, so a crash leaves both or neither."
    for limit in range(10, len(text)):
        cut = key_points(text, limit)
        assert len(cut) <= limit + 2 and cut.endswith(" …")
        assert cut.count("**") % 2 == 0 and cut.count("`") % 2 == 0
        assert cut.replace("**", "").count("*") % 2 == 0
        assert cut[:-2] in text
    assert key_points("- one\n- two\n\n```sh\nrm -rf /\n```\n", 100) == "one · two"


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


def test_terminal_quiz_renders_markdown_wrapped_at_words(history, monkeypatch):
    # rich takes the width from COLUMNS when stdout is not a terminal, as under CliRunner
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("NO_COLOR", raising=False)
    count = 12
    result = run("quiz", str(EXAMPLE_POSTING), "--count", str(count), "--seed", "3", input="\n\nB\ny\n" * 40)
    assert result.exit_code == 0, result.output
    assert "**" not in result.output and "`" not in result.output and "\x1b[" not in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())
    assert re.search(rf"^1/{count} · .+ · (fundamental|intermediate|senior)$", result.output, re.M)
    flowing = " ".join(result.output.split())
    items = draw_quiz(
        make_plan(find_topics(parse_posting(EXAMPLE_POSTING.read_text()), load_banks()), 140).selections(),
        count,
        seed=3,
    )
    for item in items:  # every word of every question is whole somewhere in the output
        for word in re.findall(r"[A-Za-z]{4,}", re.sub(r"\{\{c\d+::.*?\}\}", " ", item.question.question)):
            assert re.search(rf"(?<![A-Za-z]){word}(?![A-Za-z])", flowing), word
    saved = json.loads(history.read_text().splitlines()[0])
    assert len(saved["results"]) == count  # an empty Enter at a prompt was never graded


def test_empty_enter_at_a_choice_prompt_asks_again_without_grading(selections):
    choice = next(item for item in draw_quiz(selections, count=200, seed=1) if item.question.kind == "choice")
    prompts: list[str] = []
    replies = iter(["", "  ", ""])

    def ask(prompt: str):
        prompts.append(prompt)
        return next(replies, None)

    result = run_quiz([choice], ask, lambda text, tone=None: None)
    assert len(prompts) == 4 and result.answers == [] and result.stopped_early
