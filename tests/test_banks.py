"""Bank loading and `prep banks lint` / `prep banks list`."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from prep import BankError, load_bank
from prep.cli import main

from .conftest import FIXTURES, ROOT

FLAGSHIP = {"kafka", "postgresql", "oauth2", "system-design", "mentoring"}
WAVE_ONE = FLAGSHIP | {
    "rabbitmq",
    "messaging",
    "sql",
    "nosql",
    "caching",
    "rest-api",
    "graphql",
    "grpc",
    "web-security",
    "payments",
    "integration-patterns",
    "distributed-systems",
    "microservices",
    "serverless",
    "cloud",
    "containers",
    "infrastructure-as-code",
    "typescript",
    "nodejs",
    "nestjs",
    "testing",
    "ci-cd",
    "observability",
    "incident-response",
    "technical-leadership",
    "collaboration",
    "product-impact",
}


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_bundled_banks_lint_clean():
    result = run("banks", "lint")
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ banks OK", result.output)


def test_bundled_banks_meet_the_standards(banks):
    by_id = {bank.id: bank for bank in banks}
    for bank in banks:
        minimum = 30 if bank.id in FLAGSHIP else 20
        assert len(bank.questions) >= minimum, bank.id
        assert {q.difficulty for q in bank.questions} == {"fundamental", "intermediate", "senior"}, bank.id
        kinds = {q.kind for q in bank.questions}
        assert ("behavioural" in kinds) if bank.category == "behavioural" else {"qa", "cloze", "choice"} <= kinds, (
            bank.id
        )
        assert bank.references, bank.id
    assert FLAGSHIP <= set(by_id)


def test_banks_list_json_lists_every_bank_with_counts():
    result = run("banks", "list", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert {"id", "name", "questions", "path"} <= set(listed[0])
    files = sorted(path.stem for path in (ROOT / "question_banks").glob("*.yaml"))
    assert [entry["id"] for entry in listed] == files
    assert all(entry["questions"] > 0 for entry in listed)
    assert all(re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", entry["checked"]) for entry in listed)


def test_banks_list_text_shows_totals():
    result = run("banks", "list")
    assert result.exit_code == 0
    assert re.search(r"^\d+ banks, \d+ questions$", result.output, re.M)
    assert re.search(r"^kafka +\d+  checked 20\d\d-\d\d  Apache Kafka$", result.output, re.M)


def test_contributing_example_is_a_valid_bank(tmp_path):
    text = (ROOT / "CONTRIBUTING.md").read_text()
    example = re.search(r"## A complete example.*?```yaml\n(.*?)```", text, re.S).group(1)
    bank_id = yaml.safe_load(example)["id"]
    (tmp_path / f"{bank_id}.yaml").write_text(example)
    bank = load_bank(tmp_path / f"{bank_id}.yaml")
    assert {q.kind for q in bank.questions} == {"qa", "cloze", "choice", "behavioural"}


def test_good_fixture_lints_clean():
    result = run("banks", "lint", str(FIXTURES / "good"))
    assert result.exit_code == 0, result.output
    assert "1 bank OK" in result.output


def test_broken_banks_report_every_problem_with_file_and_line():
    result = run("banks", "lint", str(FIXTURES / "broken"))
    assert result.exit_code == 1
    widgets = "tests/fixtures/broken/widgets.yaml"
    expected = [
        f"{widgets}:4: unknown key 'colour' in the bank",
        f"{widgets}:7: alias 'team' is a common English word",
        f"{widgets}:12: question widgets-what is missing 'answer'",
        f"{widgets}:14: question widgets-what: difficulty 'easy' is not one of: fundamental, intermediate, senior",
        f"{widgets}:16: duplicate question id 'widgets-what'",
        f"{widgets}:21: question widgets-what: needs 3 to 5 choices, has 2",
        f"{widgets}:21: question widgets-what: exactly one choice must have correct: true",
        f"{widgets}:31: question widgets-tell: the correct choice is far longer than every other one",
        f"{widgets}:38: question id 'gadgets-story' must start with 'widgets-'",
        f"{widgets}:38: question gadgets-story is behavioural but has no 'star' outline",
        f"{widgets}:46: question widgets-cloze: a cloze question needs at least one {{{{c1::...}}}} deletion",
        f"{widgets}:1: the bank is missing 'checked'",
        "tests/fixtures/broken/gadgets.yaml:14: invalid YAML",
    ]
    for message in expected:
        assert any(line.endswith(message) or message in line for line in result.output.splitlines()), message
    assert "Error: 14 problems in 2 banks" in result.output


def test_duplicate_question_ids_across_banks_are_reported(tmp_path):
    # Ids must start with the bank id, so a clash means a copied bank, e.g. in two folders.
    (tmp_path / "widgets.yaml").write_text((FIXTURES / "good" / "widgets.yaml").read_text())
    result = run("banks", "lint", str(tmp_path), str(FIXTURES / "good"))
    assert result.exit_code == 1
    assert "question id 'widgets-what' is also used in" in result.output


def test_a_malformed_extra_bank_stops_other_commands_with_one_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("id: bad\nname: a: b\n")
    result = run("banks", "list", "--banks", str(tmp_path))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "bad.yaml:2: invalid YAML" in result.output
    assert "Traceback" not in result.output


def test_extra_bank_folder_adds_and_overrides(tmp_path):
    (tmp_path / "widgets.yaml").write_text((FIXTURES / "good" / "widgets.yaml").read_text())
    result = run("banks", "list", "--json", "--banks", str(tmp_path))
    ids = [entry["id"] for entry in json.loads(result.output)]
    assert "widgets" in ids and "kafka" in ids


def test_missing_bank_path_is_a_clean_error():
    result = run("banks", "lint", "no/such/folder")
    assert result.exit_code == 1
    assert "no such bank file or folder" in result.output


def test_yaml_tags_cannot_construct_objects(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("id: evil\nname: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(BankError):
        load_bank(path)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *"abc:-[]{}'\"#&*!|>\n\t ",
                "id: ",
                "questions:\n",
                "  - ",
                "kind: qa\n",
                "\xff",
                "!!python/name:os.system",
                "{{c1::x}}",
                "correct: true\n",
            ]
        ),
        max_size=80,
    ).map("".join)
)
def test_any_text_as_a_bank_gives_a_bank_error_not_a_crash(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"
    path.write_text(text)
    with pytest.raises(BankError):
        load_bank(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("checked: 2026-11", "checked: 2026-13", "checked '2026-13' must be a month written YYYY-MM"),
        ("checked: 2026-11", "checked: last week", "checked 'last week' must be a month written YYYY-MM"),
        ("difficulty: fundamental", "difficulty: fundamental\n    core: often", "core must be true or false"),
    ],
)
def test_checked_month_and_core_flag_are_linted(tmp_path, old, new, message):
    text = (FIXTURES / "good" / "widgets.yaml").read_text()
    assert old in text
    (tmp_path / "widgets.yaml").write_text(text.replace(old, new, 1))
    result = run("banks", "lint", str(tmp_path / "widgets.yaml"))
    assert result.exit_code == 1 and message in result.output
