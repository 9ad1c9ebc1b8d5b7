"""Hostile banks, cache entries, quiz history and `--print` targets (issues #13, #14).

Each case builds its input in the test and runs the CLI: the exit code, one line naming
the problem and what to do, no traceback, no control character in what reaches the
terminal, nothing half-written, and a few seconds at most (an alarm fails a hang).
"""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prep import cache, load_banks, render, untrusted
from prep.banks import MAX_BANK_BYTES, MAX_QUESTIONS, Bank, bank_files, bundled_banks_dir
from prep.bankset import banks_from_plain, banks_to_plain
from prep.cli import main
from prep.history import load_history
from prep.untrusted import CONTROL_CHARACTERS

from .conftest import EXAMPLE_POSTING, FIXTURES, write_file

WIDGETS = (FIXTURES / "good" / "widgets.yaml").read_text()
WIDGET_POSTING = "Widget Engineer at Acme\nRequirements\n- Years of widget experience\n- The gizmo framework\n"
GOOD_SESSION = {
    "time": "2026-01-02T10:00:00+0000",
    "deck": "Acme — Widgets",
    "results": [{"id": "widgets-what", "topic": "widgets", "correct": True}],
}
TIME_LIMIT = 10


def line_of(text: str) -> int:
    """The line of the fixture bank that holds `text`, as a lint message numbers it."""
    return next(number for number, line in enumerate(WIDGETS.splitlines(), 1) if text in line)


ANSWER_LINE = line_of("answer: A small **component**.")


@dataclass
class Env:
    """What a case prepared: CLI arguments, environment, and files to check afterwards."""

    tmp: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    input: str | None = None

    def file(self, name: str, content: str | bytes) -> Path:
        return write_file(self.tmp / name, content)

    def bank(self, text: str, name: str = "widgets.yaml") -> Path:
        self.file(f"banks/{name}", text)
        return self.tmp / "banks"

    def fifo(self, name: str) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
        return path

    def history(self, lines: list[bytes | str | dict]) -> Path:
        encoded = [
            line if isinstance(line, bytes) else (json.dumps(line) if isinstance(line, dict) else line).encode()
            for line in lines
        ]
        path = self.file("history.jsonl", b"\n".join(encoded) + b"\n")
        self.env["PREP_HISTORY"] = str(path)
        return path


@dataclass
class Case:
    id: str
    prepare: Callable[[Env], None]
    exit_code: int
    message: str  # a regular expression the output must contain
    absent: tuple[str, ...] = ()  # strings the output must not contain
    check: Callable[[Env], None] | None = None


def widgets_with(old: str, new: str) -> str:
    assert old in WIDGETS, old
    return WIDGETS.replace(old, new, 1)


def generated_bank(questions: int, bank_id: str = "widgets", answer: str = "Short.") -> str:
    lines = [
        f"id: {bank_id}",
        "name: Generated",
        "category: technical",
        "checked: 2026-11",
        "aliases:",
        f"  - zzq{bank_id}",
        "references:",
        "  - title: Example",
        "    url: https://example.org/",
        "questions:",
    ]
    for number in range(questions):
        lines += [
            f"  - id: {bank_id}-q{number}",
            "    kind: qa",
            "    difficulty: fundamental",
            f"    question: What is item {number}?",
            f"    answer: {answer}",
        ]
    return "\n".join(lines) + "\n"


# --- banks -------------------------------------------------------------------------

ESC_ANSWER = widgets_with("answer: A small **component**.", 'answer: "A small \\e]52;c;aGFja2Vk\\a component."')


def _lint(text: str, name: str = "widgets.yaml"):
    def prepare(env: Env) -> None:
        env.args = ["banks", "lint", str(env.bank(text, name))]

    return prepare


def _list(text: str, name: str = "widgets.yaml"):
    def prepare(env: Env) -> None:
        env.args = ["banks", "list", "--banks", str(env.bank(text, name))]

    return prepare


def _topics_with_bank(text: str):
    def prepare(env: Env) -> None:
        posting = env.file("posting.txt", WIDGET_POSTING)
        env.args = ["topics", str(posting), "--banks", str(env.bank(text))]

    return prepare


def _bank_name_is(expected: str):
    def check(env: Env) -> None:
        banks = {bank.id: bank for bank in load_banks([env.tmp / "banks"])}
        assert banks["widgets"].name == expected

    return check


def _fifo_in_banks(env: Env) -> None:
    env.fifo("banks/evil.yaml")
    env.args = ["banks", "list", "--banks", str(env.tmp / "banks")]


def _fifo_linted(env: Env) -> None:
    env.args = ["banks", "lint", str(env.fifo("banks/evil.yaml"))]


def _symlink_loop(env: Env) -> None:
    (env.tmp / "loop.yaml").symlink_to(env.tmp / "loop.yaml")
    env.args = ["banks", "list", "--banks", str(env.tmp / "loop.yaml")]


def _folder_named_yaml(env: Env) -> None:
    (env.tmp / "banks" / "odd.yaml").mkdir(parents=True)
    env.args = ["banks", "lint", str(env.tmp / "banks")]


def _control_file_name(env: Env) -> None:
    env.args = ["banks", "lint", str(env.bank(WIDGETS, "wid\x1b[2Jgets.yaml"))]


def _laughs(levels: int) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        previous = chr(ord("a") + level - 1)
        lines.append(f"{chr(ord('a') + level)}: &{chr(ord('a') + level)} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


BANK_CASES = [
    Case(
        "esc-osc52-linted",
        _lint(ESC_ANSWER),
        1,
        rf"widgets\.yaml:{ANSWER_LINE}: .*answer contains the control character U\+001B",
    ),
    Case("esc-osc52-stripped-on-list", _list(ESC_ANSWER), 0, r"widgets .* Widget engineering"),
    Case("esc-osc52-stripped-on-topics", _topics_with_bank(ESC_ANSWER), 0, r"widgets"),
    Case(
        "c1-csi-in-name-linted",
        _lint(widgets_with("name: Widget engineering", 'name: "Widget\\x9b2J engineering"')),
        1,
        rf"widgets\.yaml:{line_of('name: Widget engineering')}: name contains the control character U\+009B",
    ),
    Case(
        "c1-csi-in-name-stripped",
        _list(widgets_with("name: Widget engineering", 'name: "Widget\\x9b2J engineering"')),
        0,
        r"Widget engineering",  # the whole CSI sequence goes, not only its C1 byte
        check=_bank_name_is("Widget engineering"),
    ),
    Case(
        "bidi-override-linted",
        _lint(widgets_with("question: What is a widget?", "question: What is a \u202ewidget?")),
        1,
        r"question widgets-what: question contains the control character U\+202E",
    ),
    Case(
        "zero-width-in-alias-linted",
        _lint(widgets_with("  - gizmo framework", "  - gizmo\u200b framework")),
        1,
        r"an alias contains the control character U\+200B",
    ),
    Case(
        "zero-width-in-alias-stripped",
        _topics_with_bank(widgets_with("  - widget*", "  - wid\u200bget*")),
        0,
        r"widgets",
    ),
    Case("control-in-file-name", _control_file_name, 1, r"must match the file name"),
    Case(
        "anchor-and-alias-linted",
        _lint(widgets_with("answer: A small **component**.", "answer: &a A small component.\n    follow_ups: [*a]")),
        1,
        rf"widgets\.yaml:{ANSWER_LINE}: YAML anchors and aliases .* are not allowed",
    ),
    Case(
        "anchor-and-alias-refused-on-load",
        _list(widgets_with("answer: A small **component**.", "answer: &a A small component.\n    follow_ups: [*a]")),
        1,
        r"anchors and aliases",
    ),
    Case("billion-laughs", _list(_laughs(9)), 1, r"widgets\.yaml:1: YAML anchors and aliases"),
    Case(
        "markdown-image-linted",
        _lint(
            widgets_with("answer: A small **component**.", "answer: A ![pixel](https://tracker.example/p.png) part.")
        ),
        1,
        rf"widgets\.yaml:{ANSWER_LINE}: question widgets-what: answer has a Markdown image",
    ),
    Case(
        "reference-image-linted",
        _lint(widgets_with("question: What is a widget?", "question: What is ![a widget][1]?")),
        1,
        r"has a Markdown image",
    ),
    *[
        Case(f"reference-url-{label}", _lint(widgets_with("https://example.org/widgets", url)), 1, message)
        for label, url, message in [
            (
                "javascript",
                "javascript:alert(1)",
                rf"widgets\.yaml:{line_of('url: https://example.org/widgets')}: reference url .* must start with https://",
            ),
            ("space", "https://example.org/a b", r"must not contain spaces"),
            ("breakout", '"https://example.org/)<img src=x onerror=alert(1)>"', r"must not contain spaces, brackets"),
            ("quote", '"https://example.org/a\'b"', r"quotes"),
            ("no-host", "https:///path", r"needs a host name"),
        ]
    ],
    Case("over-the-size-cap", _list(generated_bank(1, answer="x" * (MAX_BANK_BYTES + 10))), 1, r"over the 2 MB"),
    Case("over-the-question-cap", _list(generated_bank(MAX_QUESTIONS + 1)), 1, r"5001 questions, over the 5000"),
    Case("fifo-in-banks-folder", _fifo_in_banks, 1, r"evil\.yaml: not a regular file; a bank is a \.yaml file"),
    Case("fifo-linted", _fifo_linted, 1, r"evil\.yaml: not a regular file or folder"),
    Case(
        "dev-zero-as-banks",
        lambda env: env.args.extend(["banks", "list", "--banks", "/dev/zero"]),
        1,
        r"/dev/zero: not a regular file or folder \(a device or FIFO\); give a bank \.yaml file",
        absent=("no such bank",),
    ),
    Case("symlink-loop", _symlink_loop, 1, r"loop\.yaml: cannot read: Too many levels of symbolic links"),
    Case("folder-named-yaml", _folder_named_yaml, 1, r"odd\.yaml: not a regular file"),
    Case(
        "missing-banks",
        lambda env: env.args.extend(["banks", "list", "--banks", str(env.tmp / "nope")]),
        1,
        "no such bank file or folder",
    ),
]


# --- cache ---------------------------------------------------------------------------


def _cache_at(path_of: Callable[[Env], str], command: str = "banks"):
    def prepare(env: Env) -> None:
        env.env["PREP_CACHE_DIR"] = path_of(env)
        if command == "banks":
            env.args = ["banks", "list"]
        else:
            env.args = ["build", str(EXAMPLE_POSTING), "--out", str(env.tmp / "decks")]

    return prepare


def _a_file(env: Env) -> str:
    return str(env.file("cache-file", "not a folder"))


def _read_only_cache(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(untrusted.tempfile, "mkstemp", refuse)


def _full_disk_cache(monkeypatch):
    real_mkstemp = tempfile.mkstemp

    def full(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        device = os.open("/dev/full", os.O_WRONLY)
        os.dup2(device, fd)
        os.close(device)
        return fd, name

    monkeypatch.setattr(untrusted.tempfile, "mkstemp", full)


def _no_temporary_files(env: Env) -> None:
    assert not [path for path in env.tmp.rglob("*.tmp")], list(env.tmp.rglob("*.tmp"))


CACHE_CASES = [
    Case("cache-dir-is-a-file", _cache_at(_a_file), 0, r"\d+ banks, \d+ questions"),
    Case("cache-dir-is-dev-null", _cache_at(lambda env: "/dev/null"), 0, r"\d+ banks, \d+ questions"),
    Case("cache-dir-under-a-file", _cache_at(lambda env: f"{_a_file(env)}/sub"), 0, r"\d+ banks, \d+ questions"),
    Case("cache-dir-is-dev-full-on-build", _cache_at(lambda env: "/dev/full", "build"), 0, r"wrote .*\.apkg"),
    Case("cache-under-proc", _cache_at(lambda env: "/proc/self/prep-cache", "build"), 0, r"wrote .*\.apkg"),
]


# --- quiz history and --print ----------------------------------------------------------


def _history_lines(lines: list, args: tuple[str, ...] = ("quiz", "--history")):
    def prepare(env: Env) -> None:
        env.history(lines)
        env.args = list(args)
        env.input = "1\ny\n" * 4

    return prepare


def _history_at(path_of: Callable[[Env], str], quiz: bool = False):
    def prepare(env: Env) -> None:
        env.env["PREP_HISTORY"] = path_of(env)
        if quiz:
            env.args = ["quiz", str(EXAMPLE_POSTING), "--count", "2", "--seed", "1"]
            env.input = "1\ny\n" * 4
        else:
            env.args = ["quiz", "--history"]

    return prepare


def _cut_mid_character() -> bytes:
    line = json.dumps({**GOOD_SESSION, "deck": "Яндекс — Backend"}, ensure_ascii=False).encode()
    return line[: line.index("Я".encode()) + 1]


WRONG_TYPES = [
    "[]",
    "1",
    '"a string"',
    "null",
    '{"results": "x"}',
    '{"results": [1]}',
    '{"results": [{"id": 5, "topic": "widgets", "correct": true}]}',
    '{"results": [{"id": "widgets-what", "topic": "widgets", "correct": "yes"}]}',
    '{"results": [{"id": "widgets-what", "topic": "widgets", "correct": NaN}]}',
    '{"time": 12, "results": [{"id": "widgets-what", "topic": "widgets", "correct": true}]}',
    '{"results": [{"id": "\\u001b[2J", "topic": "widgets", "correct": true}]}',
    "[" * 100_000,
]


def _huge_history(env: Env) -> None:
    line = json.dumps(GOOD_SESSION).encode() + b"\n"
    path = env.file("history.jsonl", line * (20 * 1024 * 1024 // len(line)))
    env.env["PREP_HISTORY"] = str(path)
    env.args = ["quiz", "--history"]


def _print_to(target: Callable[[Env], str]):
    def prepare(env: Env) -> None:
        env.env["PREP_HISTORY"] = str(env.tmp / "history.jsonl")
        env.args = ["quiz", str(EXAMPLE_POSTING), "--count", "3", "--print", target(env)]

    return prepare


def _folder(env: Env) -> str:
    (env.tmp / "out").mkdir()
    return str(env.tmp / "out")


def _hostile_names(env: Env) -> None:
    bank = widgets_with("name: Widget engineering", "name: <img src=x onerror=alert(1)> Widgets")
    posting = env.file("posting.txt", "<img src=x onerror=alert(2)> **Engineer** at [Acme](https://e.example)\n")
    posting.write_text(posting.read_text() + WIDGET_POSTING.split("\n", 1)[1])
    env.args = ["quiz", str(posting), "--banks", str(env.bank(bank)), "--print", str(env.tmp / "quiz.md")]


def _names_escaped(env: Env) -> None:
    text = (env.tmp / "quiz.md").read_text()
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; Widgets" in text


HISTORY_CASES = [
    Case(
        "history-line-cut-mid-character",
        _history_lines([GOOD_SESSION, _cut_mid_character()]),
        0,
        r"skipped 1 unreadable line in .*history\.jsonl",
    ),
    Case(
        "history-lines-of-wrong-types",
        _history_lines([GOOD_SESSION, *WRONG_TYPES, GOOD_SESSION]),
        0,
        rf"skipped {len(WRONG_TYPES)} unreadable lines in .*history\.jsonl",
        check=lambda env: None,
    ),
    Case(
        "history-bad-lines-do-not-stop-a-quiz",
        _history_lines(
            [*WRONG_TYPES, _cut_mid_character()], ("quiz", str(EXAMPLE_POSTING), "--count", "2", "--seed", "1")
        ),
        0,
        r"Score: \d/2",
    ),
    Case(
        "history-deck-name-with-escapes",
        _history_lines([{**GOOD_SESSION, "deck": "Acme \x1b]0;pwned\x07 \u202eWidgets"}]),
        0,
        r"1/1  Acme Widgets",  # the OSC sequence goes whole, its payload too
    ),
    Case("history-is-dev-zero", _history_at(lambda env: "/dev/zero"), 1, r"/dev/zero: not a regular file"),
    Case("history-is-dev-full", _history_at(lambda env: "/dev/full"), 1, r"/dev/full: not a regular file"),
    Case("history-is-dev-null", _history_at(lambda env: "/dev/null"), 0, r"No quizzes yet\."),
    Case("history-is-a-fifo", _history_at(lambda env: str(env.fifo("h.fifo"))), 1, r"not a regular file"),
    Case("history-is-a-folder", _history_at(lambda env: str(env.tmp)), 1, r"cannot read quiz history .*: is a folder"),
    Case("history-of-20-mb", _huge_history, 0, r"By topic"),
    Case(
        "quiz-with-history-on-dev-full",
        _history_at(lambda env: "/dev/full", quiz=True),
        0,
        r"Warning: cannot read quiz history /dev/full: not a regular file.*this quiz is not recorded(?s:.*)Score: \d/2",
    ),
    Case(
        "quiz-with-history-under-a-file",
        _history_at(lambda env: f"{_a_file(env)}/history.jsonl", quiz=True),
        0,
        r"Warning: cannot read quiz history .*cache-file/history\.jsonl: Not a directory; set PREP_HISTORY to a file; "
        r"this quiz is not recorded(?s:.*)Score: \d/2",
    ),
    Case(
        "quiz-with-history-a-fifo",
        _history_at(lambda env: str(env.fifo("h.fifo")), quiz=True),
        0,
        r"h\.fifo: not a regular file.*; this quiz is not recorded(?s:.*)Score: \d/2",
    ),
    Case("print-to-root", _print_to(lambda env: "/"), 2, r"--print / is a folder; give a file path", ("--out",)),
    Case("print-to-empty", _print_to(lambda env: ""), 2, r"--print needs a file path, such as --print quiz\.md"),
    Case(
        "print-to-folder-slash",
        _print_to(lambda env: "some-folder/"),
        2,
        r"--print some-folder/ is a folder; give a file path, such as --print some-folder/quiz\.md",
        ("--out",),
    ),
    Case("print-to-existing-folder", _print_to(_folder), 2, r"is a folder; give a file path", ("--out",)),
    Case("print-to-device", _print_to(lambda env: "/dev/null"), 2, r"/dev/null is not a regular file", ("--out",)),
    Case(
        "print-to-missing-folder",
        _print_to(lambda env: str(env.tmp / "no" / "such" / "quiz.md")),
        2,
        r"no folder .*no/such; create it",
    ),
    Case("print-hostile-names", _hostile_names, 0, r"wrote .*quiz\.md", check=_names_escaped),
]


ALL_CASES = BANK_CASES + CACHE_CASES + HISTORY_CASES


@pytest.fixture
def alarm():
    """A hang fails the case instead of stalling the suite."""

    def timeout(signum, frame):
        raise TimeoutError("the case did not finish in time")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(TIME_LIMIT * 3)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.id for case in ALL_CASES])
def test_hostile_file(case: Case, tmp_path, monkeypatch, alarm):
    env = Env(tmp_path)
    env.env.setdefault("PREP_HISTORY", str(tmp_path / "default-history.jsonl"))
    monkeypatch.chdir(tmp_path)
    case.prepare(env)
    for name, value in env.env.items():
        monkeypatch.setenv(name, value)
    start = time.monotonic()
    result = CliRunner().invoke(main, env.args, input=env.input)
    elapsed = time.monotonic() - start
    output = result.output  # stdout and stderr, as the terminal shows them
    assert result.exit_code == case.exit_code, output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output
    assert re.search(case.message, output), output
    for absent in case.absent:
        assert absent not in output
    assert not CONTROL_CHARACTERS.search(output), repr(output)
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == (case.exit_code != 0), output
    assert elapsed < TIME_LIMIT, f"{case.id} took {elapsed:.1f} s"
    _no_temporary_files(env)
    if case.check:
        case.check(env)


@pytest.mark.parametrize("break_cache", [_read_only_cache, _full_disk_cache], ids=["read-only", "full-disk"])
def test_a_cache_that_cannot_be_written_never_stops_a_build(break_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("PREP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(render, "_rendered", None)
    break_cache(monkeypatch)
    result = CliRunner().invoke(main, ["build", str(EXAMPLE_POSTING), "--out", str(tmp_path / "decks")])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "Warning" not in result.output
    assert not list((tmp_path / "cache").glob("*")), "a failed cache write leaves nothing behind"


# --- forged cache entries ------------------------------------------------------------------


@pytest.fixture
def filled_cache(tmp_path, monkeypatch):
    """A private cache holding the bundled banks and every card rendering of a build."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("PREP_CACHE_DIR", str(folder))
    monkeypatch.setattr(render, "_rendered", None)
    monkeypatch.setattr(render, "_rendered_checked", set())
    result = CliRunner().invoke(main, ["build", str(EXAMPLE_POSTING), "--out", str(tmp_path / "first")])
    assert result.exit_code == 0, result.output
    monkeypatch.setattr(render, "_rendered", None)
    monkeypatch.setattr(render, "_rendered_checked", set())
    assert list(folder.glob("banks-*.json")) and list(folder.glob("render-*.json"))
    return folder


def _entry_name(path: Path) -> str:
    return path.name.rsplit("-", 1)[0]


def _card_fields(out: Path) -> str:
    apkg = next(out.rglob("*.apkg"))
    with zipfile.ZipFile(apkg) as archive:
        database = out / "collection.anki2"
        database.write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(database) as connection:
        fields = "\n".join(row[0] for row in connection.execute("select flds from notes"))
    database.unlink()
    return fields


class Exploit:
    """Unpickling this runs `touch <marker>`: what a planted pickle cache could do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_pickle_never_runs(filled_cache, tmp_path):
    marker = tmp_path / "pwned"
    exploit = pickle.dumps(Exploit(marker))
    for entry in list(filled_cache.glob("*.json")):
        entry.write_bytes(exploit)
        entry.with_suffix(".pickle").write_bytes(exploit)
    posting = tmp_path / "posting.txt"
    posting.write_text(EXAMPLE_POSTING.read_text())
    result = CliRunner().invoke(main, ["topics", str(posting)])
    assert result.exit_code == 0, result.output
    built = CliRunner().invoke(main, ["build", str(posting), "--out", str(tmp_path / "out")])
    assert built.exit_code == 0, built.output
    assert not marker.exists()
    assert not list(filled_cache.glob("*.pickle")), "old pickle entries are removed, never read"


def test_a_forged_render_cache_never_reaches_a_card(filled_cache, tmp_path):
    (entry,) = filled_cache.glob("render-*.json")
    key, blocks, inlines = cache.read(_entry_name(entry))
    bad = '<script>alert(1)</script><img src="https://tracker.example/p.png">'
    forged = [key, {markdown: bad for markdown in blocks}, {markdown: bad for markdown in inlines}]
    cache.write(_entry_name(entry), forged)
    assert cache.read(_entry_name(entry)) == forged, "a well-formed forgery: only validation can stop it"
    result = CliRunner().invoke(main, ["build", str(EXAMPLE_POSTING), "--out", str(tmp_path / "second")])
    assert result.exit_code == 0, result.output
    fields = _card_fields(tmp_path / "second")
    assert "<script" not in fields and "<img" not in fields and "tracker.example" not in fields
    assert _card_fields(tmp_path / "second") == _card_fields(tmp_path / "first")


@pytest.mark.parametrize(
    "forge",
    [
        lambda banks: banks[0][6][0].__setitem__(4, "\x1b]52;c;aGFja2Vk\x07 forged"),  # control character
        lambda banks: banks[0][6][0].__setitem__(4, "forged ![x](https://tracker.example/p.png)"),  # image
        lambda banks: banks[0].__setitem__(7, "/etc/passwd"),  # a path that is not a bank file
        lambda banks: banks[0][6][0].__setitem__(1, "exec"),  # an unknown kind
        lambda banks: banks[0][5].append(["x", "javascript:alert(1)"]),  # a reference that is not http(s)
        lambda banks: banks[0][6].clear(),  # a bank without questions
        lambda banks: banks.__setitem__(0, {"id": "forged"}),  # wrong shape
    ],
    ids=["control", "image", "path", "kind", "url", "empty", "shape"],
)
def test_a_forged_bank_cache_is_a_miss(filled_cache, forge):
    expected = load_banks()
    (entry,) = filled_cache.glob("banks-*.json")
    plain = cache.read(_entry_name(entry))
    forge(plain)
    cache.write(_entry_name(entry), plain, keep=4)
    banks = load_banks()
    assert [(bank.id, bank.name, bank.questions) for bank in banks] == [
        (bank.id, bank.name, bank.questions) for bank in expected
    ]
    assert "forged" not in json.dumps([bank.questions[0].answer for bank in banks])


def test_render_cache_accepts_everything_the_renderer_writes(banks):
    """Otherwise a warm cache would re-render on every run."""
    texts = [
        text
        for bank in banks
        for question in bank.questions
        for text in (question.question, question.answer, *(choice.text for choice in question.choices))
        if text
    ]
    extra = ["| a | b |\n|:-|-:|\n| 1 | 2 |", "1. one\n2. two", "> quote", "```c++\nint x;\n```", "[rel](docs/a.md)"]
    for text in texts + extra:
        assert render.is_renderer_html(render._markdown().render(text).strip()), text


def test_images_render_as_links_never_as_img():
    html = render._markdown().render("See ![the pixel](https://tracker.example/p.png) and ![local](x.png).")
    assert "<img" not in html
    assert '<a href="https://tracker.example/p.png">the pixel</a>' in html and "local" in html
    assert "<img" not in render.to_inline_html("![x](https://tracker.example/p.png)")


def test_fifty_thousand_questions_load_in_seconds(tmp_path, monkeypatch):
    """The cap is per bank (5,000 questions); ten banks at the cap are 50,000."""
    monkeypatch.setenv("PREP_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "banks"
    folder.mkdir()
    for number in range(10):
        (folder / f"gen{number}.yaml").write_text(generated_bank(MAX_QUESTIONS, f"gen{number}"))
    start = time.monotonic()
    cold = load_banks([folder])
    cold_seconds = time.monotonic() - start
    start = time.monotonic()
    warm = load_banks([folder])
    warm_seconds = time.monotonic() - start
    assert sum(len(bank.questions) for bank in cold if bank.id.startswith("gen")) == 50_000
    assert [bank.questions for bank in warm] == [bank.questions for bank in cold]
    # A hang guard, not a benchmark (bench/run.py measures): about 1.5 s cold, 0.3 s warm.
    assert cold_seconds < 20 and warm_seconds < 10


# --- hypothesis: the readers of files prep reads back -------------------------------------------


@pytest.fixture(scope="module")
def hypothesis_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hypothesis-cache")
    patcher = pytest.MonkeyPatch()
    patcher.setenv("PREP_CACHE_DIR", str(folder))
    expected = [(bank.id, bank.questions) for bank in load_banks()]
    (entry,) = folder.glob("banks-*.json")
    yield entry, expected
    patcher.undo()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=8), children, max_size=6),
    max_leaves=40,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_random_bytes_as_a_bank_cache_entry_are_a_miss(hypothesis_cache, data):
    entry, expected = hypothesis_cache
    entry.write_bytes(data)
    assert [(bank.id, bank.questions) for bank in load_banks()] == expected


def _bank_paths() -> dict[str, Path]:
    return {path.stem: path for path in bank_files([bundled_banks_dir()])}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000), st.booleans())
def test_the_cache_reader_turns_any_bytes_into_a_miss(hypothesis_cache, data, with_header):
    entry, _ = hypothesis_cache
    entry.write_bytes((cache._header(data) if with_header else b"") + data)
    value = cache.read(_entry_name(entry))
    assert value is None or json.loads(json.dumps(value)) == value
    assert banks_from_plain(value, _bank_paths()) is None


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_well_formed_but_wrong_bank_cache_entries_are_a_miss(value):
    assert banks_from_plain(value, _bank_paths()) is None


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_bank_cache_entry_changed_anywhere_is_a_miss_or_valid_banks(banks, data):
    """One value replaced deep inside a real entry: the rebuild refuses it or yields banks."""
    plain = banks_to_plain(banks)
    node = plain
    while True:
        index = data.draw(st.integers(0, len(node) - 1)) if node else 0
        if not node or not isinstance(node[index], list) or data.draw(st.booleans()):
            break
        node = node[index]
    if node:
        node[index] = data.draw(json_values)
    else:
        node.append(data.draw(json_values))
    rebuilt = banks_from_plain(plain, _bank_paths())
    assert rebuilt is None or all(isinstance(bank, Bank) for bank in rebuilt)


def _forge(plain: list, kind: str, change) -> list:
    """The entry with `change` applied to the first question of `kind` (question fields:
    id, kind, difficulty, question, answer, choices, star, follow_ups, references, core)."""
    question = next(q for bank in plain for q in bank[6] if q[1] == kind)
    change(question)
    return plain


@pytest.mark.parametrize(
    "kind, change",
    [
        ("choice", lambda q: q.__setitem__(5, q[5] + [["another wrong choice", False]] * 40)),
        ("choice", lambda q: q.__setitem__(5, [c for c in q[5] if c[1]] + [c for c in q[5] if not c[1]][:1])),
        ("cloze", lambda q: q.__setitem__(3, "A cloze with nothing hidden.")),
        ("behavioural", lambda q: q.__setitem__(7, [])),
    ],
    ids=["40 choices", "2 choices", "cloze without a deletion", "behavioural without follow-ups"],
)
def test_bank_cache_entries_a_bank_file_could_not_hold_are_a_miss(banks, kind, change):
    """What the bank checker refuses in a file, the cache reader refuses in an entry
    (40 choices ran out of choice letters and crashed the guide)."""
    assert banks_from_plain(banks_to_plain(banks), _bank_paths()) is not None
    assert banks_from_plain(_forge(banks_to_plain(banks), kind, change), _bank_paths()) is None


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=500), json_values.map(lambda value: json.dumps(value).encode())))
def test_random_render_cache_entries_never_reach_the_output(monkeypatch_session_cache, data):
    folder = monkeypatch_session_cache
    (folder / f"render-{_version()}.json").write_bytes(data)
    render._rendered = None
    render._rendered_checked = set()
    assert render.to_html("**bold** `code`") == "<p><strong>bold</strong> <code>code</code></p>"


@pytest.fixture(scope="module")
def monkeypatch_session_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render-cache")
    patcher = pytest.MonkeyPatch()
    patcher.setenv("PREP_CACHE_DIR", str(folder))
    yield folder
    patcher.undo()
    render._rendered = None
    render._rendered_checked = set()


def _version() -> str:
    from prep import __version__

    return __version__


history_lines = st.lists(
    st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda value: json.dumps(value).encode()),
        st.just(json.dumps(GOOD_SESSION).encode()),
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(history_lines)
def test_any_history_file_loads_or_skips(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("history") / "history.jsonl"
    path.write_bytes(b"\n".join(lines))
    history = load_history(path)
    good = sum(line == json.dumps(GOOD_SESSION).encode() for line in lines)
    assert len(history.sessions) >= good
    assert len(history.sessions) + history.skipped == sum(bool(line.strip()) for line in b"\n".join(lines).split(b"\n"))
    for session in history.sessions:
        assert not CONTROL_CHARACTERS.search(session.deck + session.time)
