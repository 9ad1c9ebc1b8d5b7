"""Every command through CliRunner: happy paths, documented help, and clean errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from prep.cli import main

from .conftest import EXAMPLE_POSTING, ROOT


def run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    commands = []
    for name, command in group.commands.items():
        commands.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            commands += all_commands(command, f"{prefix}{name} ")
    return commands


@pytest.mark.parametrize("name, command", all_commands(main))
def test_every_command_has_help_and_is_in_the_readme(name, command):
    result = run(*name.split(), "--help")
    assert result.exit_code == 0
    assert command.help and len(command.help.strip()) > 20
    if not isinstance(command, click.Group):
        assert "Example:" in command.help, name
    assert f"prep {name}" in (ROOT / "README.md").read_text(), name


def test_build_writes_deck_and_guide_and_prints_a_summary(tmp_path):
    result = run("build", str(EXAMPLE_POSTING), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "northwind-logistics-senior-backend-engineer-payments"
    deck = folder / f"{folder.name}.apkg"
    guide = folder / f"{folder.name}-guide.md"
    assert deck.stat().st_size > 0 and guide.stat().st_size > 0
    assert "title: Senior Backend Engineer – Payments Platform" in result.output
    assert "company: Northwind Logistics" in result.output
    assert re.search(r"Apache Kafka \(\d+ cards\)", result.output)
    assert f"wrote {deck}" in result.output and f"wrote {guide}" in result.output
    assert not list(folder.glob(".*.tmp"))


def test_build_reads_stdin_and_honours_name_level_and_max(tmp_path):
    text = EXAMPLE_POSTING.read_text()
    result = run(
        "build",
        "-",
        "--out",
        str(tmp_path),
        "--name",
        "Acme Staff",
        "--level",
        "senior",
        "--max-per-topic",
        "2",
        input=text,
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "acme-staff" / "acme-staff.apkg").exists()
    counts = [int(n) for n in re.findall(r"\((\d+) cards\)", result.output)]
    assert counts and max(counts) <= 2
    guide = (tmp_path / "acme-staff" / "acme-staff-guide.md").read_text()
    assert "*fundamental ·" not in guide and "*senior ·" in guide


def test_build_several_postings_and_merge(tmp_path, write):
    other = write("other.txt", "Data Engineer at Foo\nRequirements\n- Apache Kafka and PostgreSQL\n")
    separate = run("build", str(EXAMPLE_POSTING), str(other), "--out", str(tmp_path / "separate"))
    assert separate.exit_code == 0, separate.output
    assert len(list((tmp_path / "separate").glob("*/*.apkg"))) == 2
    merged = run(
        "build", str(EXAMPLE_POSTING), str(other), "--merge", "--name", "Both", "--out", str(tmp_path / "merged")
    )
    assert merged.exit_code == 0, merged.output
    assert [p.name for p in (tmp_path / "merged").glob("*/*.apkg")] == ["both.apkg"]
    unnamed = run("build", str(EXAMPLE_POSTING), str(other), "--merge", "--out", str(tmp_path / "unnamed"))
    assert unnamed.output.startswith("Northwind Logistics + Data Engineer at Foo\n"), unnamed.output


def test_topics_json_is_the_documented_contract():
    result = run("topics", str(EXAMPLE_POSTING), "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert set(report) == {"title", "company", "topics", "uncovered", "added", "skipped"}
    assert all(set(item) == {"term", "line"} for item in report["uncovered"])
    ids = [topic["id"] for topic in report["topics"]]
    assert {"kafka", "postgresql", "oauth2", "system-design", "mentoring"} <= set(ids)
    scores = [topic["score"] for topic in report["topics"]]
    assert scores == sorted(scores, reverse=True)
    assert all(topic["evidence"] for topic in report["topics"])


def test_topics_text_output_shows_evidence():
    result = run("topics", str(EXAMPLE_POSTING))
    assert result.exit_code == 0
    assert "kafka  (Apache Kafka)" in result.output
    assert "“Hands-on experience with Kafka consumer groups, partitions and schema evolution”" in result.output


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the posting is empty"),
        (b"\x00\x01PK\x03\x04binary", "looks like a binary file"),
        (b"Our bakery sells bread and cakes. Apply in person.", "no known topic found, so nothing was written"),
    ],
)
def test_bad_postings_get_one_line_errors_and_write_nothing(tmp_path, write, content, message):
    posting = write("posting.txt", content)
    result = run("build", str(posting), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert result.output.count("\n") == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.*"))


def test_missing_file_directory_and_bad_url_are_clean_errors(tmp_path):
    for source, message in (
        (str(tmp_path / "nope.txt"), "no such file"),
        (str(tmp_path), "is a folder"),
        ("ftp://example.org/x", "only http:// and https://"),
    ):
        result = run("build", source, "--out", str(tmp_path / "out"))
        assert result.exit_code == 1, source
        assert result.output.startswith("Error: ") and message in result.output
    empty = run("topics", str(tmp_path))
    assert empty.exit_code == 1 and "no .txt, .md or .html postings in this folder" in empty.output


def test_topics_over_a_folder_lists_every_posting(tmp_path, write):
    write("a.txt", "Kafka Engineer\nRequirements\n- Apache Kafka\n")
    write("b.md", "# Database Engineer\n## Requirements\n- PostgreSQL\n")
    write("notes.json", "{}")
    result = run("topics", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)
    assert [Path(entry["source"]).name for entry in listing] == ["a.txt", "b.md"]
    assert listing[0]["topics"][0]["id"] == "kafka" and listing[1]["topics"][0]["id"] == "postgresql"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_folder_is_a_clean_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    result = run("build", str(EXAMPLE_POSTING), "--out", str(locked))
    assert result.exit_code == 1 and result.output.startswith("Error: cannot create")


def test_output_path_that_is_a_file_is_a_clean_error(tmp_path, write):
    blocker = write("blocker", "not a folder")
    result = run("build", str(EXAMPLE_POSTING), "--out", str(blocker))
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot create") and "--out" in result.output


@pytest.mark.parametrize(
    ("name", "folder"),
    [("../../etc", "etc"), ("a/b", "a-b"), ("/abs", "abs"), (".NET Engineer", "dotnet-engineer"), ("C/C++", "c-cpp")],
)
def test_any_name_becomes_a_folder_inside_the_output(tmp_path, name, folder):
    result = run("build", str(EXAMPLE_POSTING), "--out", str(tmp_path / "out"), "--name", name, "--cards", "5")
    assert result.exit_code == 0, result.output
    assert [path.name for path in (tmp_path / "out").iterdir() if not path.name.startswith(".")] == [folder]


def test_name_without_letters_or_digits_is_refused(tmp_path):
    result = run("build", str(EXAMPLE_POSTING), "--out", str(tmp_path / "out"), "--name", "...")
    assert result.exit_code == 1 and "no letters or digits" in result.output
    assert not (tmp_path / "out").exists()


def test_name_with_several_postings_needs_merge(write):
    other = write("o.txt", "Kafka Engineer\nRequirements\n- Kafka\n")
    result = run("build", str(EXAMPLE_POSTING), str(other), "--name", "X")
    assert result.exit_code == 2 and "--name needs a single posting" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["-", "-", "--merge"], "standard input (-) can be read only once"),
        ([str(EXAMPLE_POSTING), "--out", ""], "Invalid value for '--out': is empty"),
        ([str(EXAMPLE_POSTING), "--out", " "], "Invalid value for '--out': is empty or only spaces"),
        ([str(EXAMPLE_POSTING), "--out", "-"], "Invalid value for '--out': prep writes a deck folder, not standard"),
    ],
)
def test_build_arguments_that_cannot_be_meant_are_usage_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", *args], input=EXAMPLE_POSTING.read_text())
    assert result.exit_code == 2 and message in result.output, result.output
    assert not any(tmp_path.iterdir())


def test_python_dash_m_prep_runs():
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-m", "prep", "--help"], capture_output=True, text=True)
    assert completed.returncode == 0 and "Usage: prep" in completed.stdout


def test_build_adds_and_skips_topics(tmp_path):
    text = "Backend Engineer\nRequirements\n- Solid SQL and PostgreSQL\n- Apache Kafka in production\n"
    posting = tmp_path / "posting.txt"
    posting.write_text(text, encoding="utf-8")
    result = run("build", str(posting), "--out", str(tmp_path / "out"), "--topic", "system-design", "--skip", "sql")
    assert result.exit_code == 0, result.output
    assert "System design" in result.output and "SQL & relational" not in result.output
    assert "added: system-design   skipped: sql" in result.output
    manifest = json.loads(next((tmp_path / "out").glob("*/prep-manifest.json")).read_text())
    assert "system-design" in json.dumps(manifest) and '"sql-' not in json.dumps(manifest)
    guide = next((tmp_path / "out").glob("*/*-guide.md")).read_text()
    assert "Topics you chose: added system-design (--topic); skipped sql (--skip)." in guide


@pytest.mark.parametrize("command", ["build", "topics"])
def test_unknown_topic_id_is_a_one_line_usage_error(tmp_path, command):
    where = ["--out", str(tmp_path)] if command == "build" else []
    result = run(command, str(EXAMPLE_POSTING), *where, "--topic", "Kafak")
    assert result.exit_code == 2
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert error_lines == [
        "Error: Invalid value: --topic 'Kafak' is not a known topic; closest: kafka (`prep banks list` shows them all)"
    ]
    assert not list(tmp_path.glob("*/*.apkg"))


def test_topics_explain_shows_the_words_that_matched(tmp_path):
    posting = tmp_path / "posting.txt"
    posting.write_text("Requirements\n- Help us build and scale our merchant platform\n", encoding="utf-8")
    result = run("topics", str(posting), "--explain", "--topic", "KAFKA")
    assert result.exit_code == 0, result.output
    assert "[1] “Help us build and scale our merchant platform”" in result.output
    assert "matched: “scale our merchant platform”" in result.output
    assert "(added by you with --topic)" in result.output


def _readme_sections() -> dict[str, str]:
    """README text under each '### `prep COMMAND ...`' heading, by command name."""
    text = (ROOT / "README.md").read_text()
    sections = {}
    for match in re.finditer(r"^### `prep ([a-z ]+?)(?: [A-Z\[][^\n]*)?`\n(.*?)(?=^#{2,3} )", text, re.M | re.S):
        sections[match.group(1).strip()] = match.group(2)
    return sections


@pytest.mark.parametrize("name, command", [(n, c) for n, c in all_commands(main) if not isinstance(c, click.Group)])
def test_readme_option_tables_match_help(name, command):
    section = _readme_sections()[name]
    documented = {
        option
        for row in re.findall(r"^\| `([^|]*)` \|", section, re.M)
        for option in re.findall(r"--[a-z][a-z-]*", row)
    }
    options = {
        opt
        for param in command.params
        if isinstance(param, click.Option)
        for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--") and opt != "--help"
    }
    assert documented == options, name


def test_shell_completion_in_the_readme_works():
    assert "_PREP_COMPLETE=bash_source prep" in (ROOT / "README.md").read_text()
    result = CliRunner().invoke(main, [], prog_name="prep", env={"_PREP_COMPLETE": "bash_source"})
    assert result.exit_code == 0 and "_prep_completion" in result.output


def test_build_json_is_the_documented_shape(tmp_path):
    result = run("build", str(EXAMPLE_POSTING), "--out", str(tmp_path), "--days", "2", "--json")
    assert result.exit_code == 0, result.output
    built = json.loads(result.output)
    assert set(built) == {
        "name", "source", "title", "company", "paths", "topics", "plan",
        "uncovered", "added", "skipped", "shared", "notes",
    }  # fmt: skip
    assert set(built["paths"]) == {"folder", "deck", "guide", "quiz"}
    assert all(Path(path).exists() for path in built["paths"].values())
    assert all(set(topic) == {"id", "name", "score", "questions", "cards"} for topic in built["topics"])
    plan = built["plan"]
    assert set(plan) == {"cards", "questions", "days", "per_day", "by_day"}
    assert (plan["days"], plan["per_day"]) == (2, 20) and plan["cards"] <= 40
    assert [day["day"] for day in plan["by_day"]] == [1, 2]
    assert sum(day["cards"] for day in plan["by_day"]) == plan["cards"] == sum(t["cards"] for t in built["topics"])
    groups = [group for day in plan["by_day"] for group in day["groups"]]
    assert sum(len(group["questions"]) for group in groups) == plan["questions"]
    assert built["notes"] == {"changed": plan["questions"], "retired": 0, "dropped": 0}
    assert all(set(item) == {"term", "line"} for item in built["uncovered"])
    other = tmp_path / "other.txt"
    other.write_text("Data Engineer at Foo\nRequirements\n- Apache Kafka and PostgreSQL\n", encoding="utf-8")
    both = json.loads(run("build", str(EXAMPLE_POSTING), str(other), "--out", str(tmp_path), "--json").output)
    assert isinstance(both, list) and len(both) == 2 and both[1]["shared"][0]["questions"] > 0


def test_build_summary_plurals_and_lines():
    from prep.words import plural

    assert [plural(n, "topic") for n in (0, 1, 2)] == ["0 topics", "1 topic", "2 topics"]
    result = run("banks", "lint", str(ROOT / "question_banks" / "kafka.yaml"))
    assert result.output.strip() == "1 bank OK"
