"""One question bank: a YAML file checked at the boundary into frozen dataclasses, and the linter.

Every problem is reported as `file:line: message`, so a contributor can jump to it.
"""

from __future__ import annotations

import gc
import random
import re
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import BankError
from .untrusted import CONTROL_CHARACTERS, FileTooLarge, read_regular, strip_control

try:  # libyaml's composer is several times faster; fall back where it is missing.
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

# The checker needs only to tell booleans and nulls from text; PyYAML's resolver tries
# a dozen patterns on every scalar, most of a large bank's load time.
_IMPLICIT_TAGS = {
    **dict.fromkeys("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF".split(), "bool"),
    **dict.fromkeys(["", "~", "null", "Null", "NULL"], "null"),
}


class _Loader(_BaseLoader):
    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0]:
            return f"tag:yaml.org,2002:{_IMPLICIT_TAGS.get(value, 'str')}"
        return super().resolve(kind, value, implicit)


KINDS = ("qa", "cloze", "choice", "behavioural")
CHOICE_LETTERS = "ABCDE"  # choices are shown lettered
CHOICE_COUNTS = range(3, len(CHOICE_LETTERS) + 1)  # a choice question gives 3 to 5
DIFFICULTIES = ("fundamental", "intermediate", "senior")
CATEGORIES = ("technical", "behavioural")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CLOZE_PATTERN = re.compile(r"\{\{c(\d+)::(.+?)\}\}", re.S)

# Aliases that would fire on ordinary prose. A name that is also one of these words
# belongs in `case_sensitive_aliases` or in a longer phrase.
COMMON_WORDS = frozenset(
    """
a about above access action after again against all also always an and any api apis
application apps are as at available back based be because been before being best
better between big both build builder building business but by can care change
class clean client close cloud code come common company complete core could create
customer customers data day deliver delivery design develop development did do does
doing done down drive each early easy end engineer engineering ensure even event
events every experience express fast feature features few find first flow for from
front full function functions get give go good great grow growth guide hands have
help high how idea ideas if impact in into is it its just keep key know large last
lead leader leading learn level life like line live long look made make many market
may more most move much must need new next no node not now of off on one only open
or other our out over own part people plan platform play point power problem process
product products production quality quick rate react real report rest
result results right run rust safe scale see service services set share should ship
simple small so solution some spring stack start state stay step store strong such
support swift system systems take team teams tech test tested than that the
their them then there these they thing think this those through time to tool tools
top track trust try two under up us use user users value very want way we well what
when where which while who will with work working world would write you your
""".split()
)

TOPIC_KEYS = {"id", "name", "category", "checked", "aliases", "case_sensitive_aliases", "references", "questions"}
TOPIC_REQUIRED = ("id", "name", "category", "checked", "aliases", "references", "questions")
QUESTION_KEYS = {
    "id",
    "kind",
    "difficulty",
    "core",
    "question",
    "answer",
    "choices",
    "star",
    "follow_ups",
    "references",
}
CHECKED_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Limits for one bank file (documented in CONTRIBUTING.md). The largest bundled bank is
# under 40 KB with 40 questions; a bigger file is split into several banks.
MAX_BANK_BYTES = 2 * 1024 * 1024
MAX_QUESTIONS = 5000
# A Markdown image, inline or by reference: a card would fetch it from the network on
# every review, and prep bundles no media.
IMAGE_PATTERN = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\s*[(\[]")
# Characters that end or break a Markdown link, or need quoting in HTML.
_URL_FORBIDDEN = r"\s<>()\[\]{}\"'`\\" + CONTROL_CHARACTERS.pattern[1:-1]
URL_FORBIDDEN = re.compile(f"[{_URL_FORBIDDEN}]")
URL_PATTERN = re.compile(f"https?://[^/?#@:{_URL_FORBIDDEN}]+(?::[0-9]+)?(?:[/?#][^{_URL_FORBIDDEN}]*)?")
QUESTION_REQUIRED = ("id", "kind", "difficulty", "question")
STAR_KEYS = ("situation", "task", "action", "result")


@dataclass(frozen=True)
class Reference:
    title: str
    url: str


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool


@dataclass(frozen=True)
class Star:
    situation: str
    task: str
    action: str
    result: str

    def steps(self) -> tuple[tuple[str, str], ...]:
        """("Situation", hint), … in STAR order, as cards, guide and quiz show them."""
        return tuple((key.capitalize(), getattr(self, key)) for key in STAR_KEYS)


@dataclass(frozen=True)
class Question:
    id: str
    topic_id: str
    kind: str
    difficulty: str
    question: str
    answer: str
    choices: tuple[Choice, ...] = ()
    star: Star | None = None
    follow_ups: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    core: bool = False  # a question every interviewer of this topic asks: the plan serves it first


@dataclass(frozen=True, eq=False)  # identity: banks are loaded once and used as cache keys
class Bank:
    id: str
    name: str
    category: str
    aliases: tuple[str, ...]
    case_sensitive_aliases: tuple[str, ...]
    references: tuple[Reference, ...]
    questions: tuple[Question, ...]
    path: Path
    checked: str = ""  # the month ("2026-11") the answers were last checked against the references


def bundled_banks_dir() -> Path:
    """The banks shipped with prep: inside the installed package, or the repo checkout."""
    installed = Path(__file__).parent / "question_banks"
    return installed if installed.is_dir() else Path(__file__).parent.parent / "question_banks"


def bank_files(folders: list[Path]) -> list[Path]:
    """YAML files in the given folders (or the files themselves), in a stable order.

    Only regular files: a FIFO or device (even one named `*.yaml`) is refused by name,
    never opened, so it cannot hang prep."""
    files: list[Path] = []
    problems: list[str] = []
    for folder in folders:
        mode = _file_mode(folder, problems, missing="no such bank file or folder")
        if mode is None:
            continue
        if stat.S_ISDIR(mode):
            for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
                path_mode = _file_mode(path, problems, missing="no such file (a broken link?)")
                if path_mode is not None and not stat.S_ISREG(path_mode):
                    problems.append(f"{path}: not a regular file; a bank is a .yaml file")
                elif path_mode is not None:
                    files.append(path)
        elif stat.S_ISREG(mode):
            files.append(folder)
        else:
            problems.append(
                f"{folder}: not a regular file or folder (a device or FIFO); give a bank .yaml file or a folder"
            )
    if problems:
        raise BankError(problems)
    return files


def _file_mode(path: Path, problems: list[str], missing: str) -> int | None:
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        problems.append(f"{path}: {missing}")
    except OSError as err:
        problems.append(f"{path}: cannot read: {err.strerror}")
    return None


@contextmanager
def collector_paused():
    """Parsing creates hundreds of thousands of acyclic objects, and the cyclic garbage
    collector rescanning them all is most of the time a large bank set takes (50,000
    questions: 6 s with it, 1.5 s without). Nothing parsed here forms a cycle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_bank_bytes(path: Path) -> bytes:
    try:
        return read_regular(path, MAX_BANK_BYTES)
    except FileTooLarge as err:
        raise BankError(
            [f"{path}: {err.size / 1e6:.1f} MB, over the {MAX_BANK_BYTES // 2**20} MB a bank may hold; split it"]
        ) from None
    except OSError as err:
        raise BankError([f"{path}: cannot read: {err.strerror}"]) from None


def lint(paths: list[Path]) -> list[str]:
    """Every problem in the banks at `paths`, as `file:line: message` lines."""
    problems: list[str] = []
    banks: list[Bank] = []
    for path in bank_files(paths):
        try:
            with collector_paused():
                banks.append(load_bank(path, strict=True))
        except BankError as err:
            problems.extend(err.problems)
    problems.extend(duplicate_question_ids(banks))
    return problems


def duplicate_question_ids(banks: list[Bank]) -> list[str]:
    first_seen: dict[str, Path] = {}
    problems = []
    for bank in banks:
        for question in bank.questions:
            if question.id in first_seen and first_seen[question.id] != bank.path:
                problems.append(f"{bank.path}: question id {question.id!r} is also used in {first_seen[question.id]}")
            first_seen.setdefault(question.id, bank.path)
    return problems


def load_bank(path: Path, data: bytes | None = None, strict: bool = False) -> Bank:
    """Parse and check one bank file (or its bytes); raise BankError listing every problem.

    Control characters in the text are problems when `strict` (the linter), and are
    removed otherwise, so a bank can never drive the terminal or hide text in a card."""
    checker = _Checker(path, strict)
    try:
        text = (read_bank_bytes(path) if data is None else data).decode("utf-8")
    except UnicodeDecodeError:
        raise BankError([f"{path}:1: not UTF-8 text"]) from None
    try:
        _refuse_anchors(path, text)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise BankError([f"{path}:{line}: invalid YAML: {reason}"]) from None
    if root is None:
        raise BankError([f"{path}:1: empty file; a bank is a mapping with {', '.join(TOPIC_REQUIRED)}"])
    bank = checker.bank(root)
    if checker.problems:
        raise BankError(sorted(checker.problems, key=_line_number))
    assert bank is not None
    return bank


def _refuse_anchors(path: Path, text: str) -> None:
    """Anchors and aliases let a few lines stand for megabytes of questions; banks write
    every text out. Checked on the event stream, before any alias is expanded."""
    if "&" not in text and "*" not in text:
        return
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise BankError(
                [
                    f"{path}:{event.start_mark.line + 1}: YAML anchors and aliases (&name, *name) are not "
                    "allowed in banks; write the text out (quote text that starts with & or *)"
                ]
            )


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a reference link, or None: http(s) with a host, and nothing
    that would end a Markdown link or an HTML attribute early."""
    if not url.startswith(("https://", "http://")):
        return "must start with https:// or http://"
    if URL_FORBIDDEN.search(url):
        return "must not contain spaces, brackets, parentheses, angle brackets or quotes; percent-encode them"
    if not URL_PATTERN.fullmatch(url):
        return "needs a host name and an optional port: https://host/path"
    return None


def _line_number(problem: str) -> int:
    match = re.search(r":(\d+): ", problem)
    return int(match.group(1)) if match else 0


class _Checker:
    """Walks the YAML node tree, collecting problems with their line numbers."""

    def __init__(self, path: Path, strict: bool = False):
        self.path = path
        self.strict = strict
        self.problems: list[str] = []

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(f"{self.path}:{node.start_mark.line + 1}: {message}")

    def mapping(
        self, node: yaml.Node, what: str, allowed: set[str], required: tuple[str, ...]
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping")
            return None
        fields: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in allowed:
                self.problem(key_node, f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")
            elif key in fields:
                self.problem(key_node, f"duplicate key {key!r} in {what}")
            else:
                fields[key] = value_node
        for key in required:
            if key not in fields:
                self.problem(node, f"{what} is missing {key!r}")
        return fields

    def text(self, node: yaml.Node | None, what: str) -> str:
        if node is None:
            return ""
        if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            self.problem(node, f"{what} must be text")
            return ""
        value = str(node.value)
        control = CONTROL_CHARACTERS.search(value)
        if control:
            if self.strict:
                self.problem(
                    node,
                    f"{what} contains the control character U+{ord(control.group()):04X} (a terminal escape, "
                    "bidi override or invisible character); remove it",
                )
            value = strip_control(value)
        value = value.strip()
        if not value:
            self.problem(node, f"{what} is empty")
        elif "![" in value and IMAGE_PATTERN.search(value):
            self.problem(
                node,
                f"{what} has a Markdown image; cards would load it from the network on every review, "
                "so link to it instead: [what it shows](https://...)",
            )
        return value

    def sequence(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list")
            return []
        return list(node.value)

    def choice_of(self, node: yaml.Node | None, what: str, options: tuple[str, ...]) -> str:
        value = self.text(node, what)
        if node is not None and value and value not in options:
            self.problem(node, f"{what} {value!r} is not one of: {', '.join(options)}")
        return value

    def references(self, node: yaml.Node | None, what: str) -> tuple[Reference, ...]:
        references = []
        for item in self.sequence(node, what):
            fields = self.mapping(item, f"a reference in {what}", {"title", "url"}, ("title", "url"))
            if fields is None:
                continue
            url = self.text(fields.get("url"), "reference url")
            problem = url_problem(url) if url else None
            if problem:
                self.problem(fields["url"], f"reference url {url!r} {problem}")
            references.append(Reference(self.text(fields.get("title"), "reference title"), url))
        return tuple(references)

    def aliases(self, node: yaml.Node | None, what: str, case_sensitive: bool) -> tuple[str, ...]:
        aliases = []
        for item in self.sequence(node, what):
            alias = self.text(item, "an alias")
            if not alias:
                continue
            if not re.search(r"\w", alias):
                self.problem(item, f"alias {alias!r} has no letters or digits")
            elif not case_sensitive and alias.lower().rstrip("*") in COMMON_WORDS:
                self.problem(
                    item,
                    f"alias {alias!r} is a common English word and would fire on ordinary text; "
                    "use a longer phrase or case_sensitive_aliases",
                )
            elif "*" in alias.rstrip("*") or alias.startswith("*"):
                self.problem(item, f"alias {alias!r}: '*' is only allowed at the end")
            aliases.append(alias)
        return tuple(aliases)

    def bank(self, root: yaml.Node) -> Bank | None:
        fields = self.mapping(root, "the bank", TOPIC_KEYS, TOPIC_REQUIRED)
        if fields is None:
            return None
        bank_id = self.text(fields.get("id"), "id")
        if bank_id and not ID_PATTERN.match(bank_id):
            self.problem(fields["id"], f"id {bank_id!r} must be lowercase letters, digits and hyphens")
        elif bank_id and bank_id != self.path.stem:
            self.problem(fields["id"], f"id {bank_id!r} must match the file name {self.path.stem!r}")
        aliases = self.aliases(fields.get("aliases"), "aliases", case_sensitive=False)
        if "aliases" in fields and not aliases:
            self.problem(fields["aliases"], "aliases must list at least one way postings name the topic")
        case_sensitive_aliases = self.aliases(
            fields.get("case_sensitive_aliases"), "case_sensitive_aliases", case_sensitive=True
        )
        references = self.references(fields.get("references"), "the bank's references")
        if "references" in fields and not references:
            self.problem(
                fields["references"], "references must list the primary sources the answers were checked against"
            )
        question_nodes = self.sequence(fields.get("questions"), "questions")
        if "questions" in fields and not question_nodes:
            self.problem(fields["questions"], "questions is empty")
        if len(question_nodes) > MAX_QUESTIONS:
            self.problem(
                fields["questions"],
                f"{len(question_nodes)} questions, over the {MAX_QUESTIONS} a bank may hold; split it",
            )
            question_nodes = []
        seen_ids: set[str] = set()
        questions = []
        for node in question_nodes:
            question = self.question(node, bank_id)
            if question is None:
                continue
            if question.id in seen_ids:
                self.problem(node, f"duplicate question id {question.id!r}")
            seen_ids.add(question.id)
            questions.append(question)
        return Bank(
            checked=self.month(fields.get("checked"), "checked"),
            id=bank_id,
            name=self.text(fields.get("name"), "name"),
            category=self.choice_of(fields.get("category"), "category", CATEGORIES),
            aliases=aliases,
            case_sensitive_aliases=case_sensitive_aliases,
            references=references,
            questions=tuple(questions),
            path=self.path,
        )

    def question(self, node: yaml.Node, bank_id: str) -> Question | None:
        fields = self.mapping(node, "a question", QUESTION_KEYS, QUESTION_REQUIRED)
        if fields is None:
            return None
        question_id = self.text(fields.get("id"), "question id")
        if question_id and not (ID_PATTERN.match(question_id) and question_id.startswith(f"{bank_id}-")):
            self.problem(
                fields["id"],
                f"question id {question_id!r} must start with {bank_id + '-'!r} "
                "and use lowercase letters, digits and hyphens",
            )
        what = f"question {question_id or '?'}"
        kind = self.choice_of(fields.get("kind"), f"{what}: kind", KINDS)
        difficulty = self.choice_of(fields.get("difficulty"), f"{what}: difficulty", DIFFICULTIES)
        text = self.text(fields.get("question"), f"{what}: question")
        if "answer" not in fields and kind != "cloze":
            self.problem(node, f"{what} is missing 'answer'")
        answer = self.text(fields.get("answer"), f"{what}: answer")
        if kind == "choice" and "choices" not in fields:
            self.problem(node, f"{what} is a choice question without 'choices'")
        if kind == "behavioural" and "star" not in fields:
            self.problem(node, f"{what} is behavioural but has no 'star' outline")
        choices = self.choices(fields.get("choices"), what) if kind == "choice" else ()
        # Authors tend to write the right answer first; show choices in an order that
        # is shuffled per question but the same in every build, card, guide and quiz.
        if choices:
            choices = tuple(random.Random(question_id).sample(choices, len(choices)))
        if kind != "choice" and "choices" in fields:
            self.problem(fields["choices"], f"{what}: choices are only for kind 'choice'")
        star = self.star(fields.get("star"), what) if kind == "behavioural" else None
        if kind != "behavioural" and "star" in fields:
            self.problem(fields["star"], f"{what}: star is only for kind 'behavioural'")
        follow_ups = tuple(
            self.text(item, f"{what}: a follow-up") for item in self.sequence(fields.get("follow_ups"), "follow_ups")
        )
        if kind == "behavioural" and not follow_ups:
            self.problem(node, f"{what}: behavioural questions need follow_ups")
        if kind == "cloze" and text and not CLOZE_PATTERN.search(text):
            self.problem(fields["question"], f"{what}: a cloze question needs at least one {{{{c1::...}}}} deletion")
        return Question(
            id=question_id,
            topic_id=bank_id,
            kind=kind,
            difficulty=difficulty,
            question=text,
            answer=answer,
            choices=choices,
            star=star,
            follow_ups=follow_ups,
            references=self.references(fields.get("references"), f"{what}: references"),
            core=self.flag(fields.get("core"), f"{what}: core"),
        )

    def flag(self, node: yaml.Node | None, what: str) -> bool:
        if node is None:
            return False
        if node.tag != "tag:yaml.org,2002:bool":
            self.problem(node, f"{what} must be true or false")
            return False
        return str(node.value).lower() in ("true", "yes", "on")

    def month(self, node: yaml.Node | None, what: str) -> str:
        if node is None:
            return ""
        value = self.text(node, what)
        if value and not CHECKED_PATTERN.match(value):
            self.problem(node, f"{what} {value!r} must be a month written YYYY-MM, such as 2026-11")
        return value

    def choices(self, node: yaml.Node | None, what: str) -> tuple[Choice, ...]:
        if node is None:
            return ()
        choices = []
        for item in self.sequence(node, f"{what}: choices"):
            fields = self.mapping(item, f"{what}: a choice", {"text", "correct"}, ("text", "correct"))
            if fields is None:
                continue
            correct_node = fields.get("correct")
            if correct_node is not None and correct_node.tag != "tag:yaml.org,2002:bool":
                self.problem(correct_node, f"{what}: correct must be true or false")
            correct = correct_node is not None and str(correct_node.value).lower() in ("true", "yes", "on")
            choices.append(Choice(self.text(fields.get("text"), f"{what}: choice text"), correct))
        if len(choices) not in CHOICE_COUNTS:
            self.problem(node, f"{what}: needs {CHOICE_COUNTS[0]} to {CHOICE_COUNTS[-1]} choices, has {len(choices)}")
        if sum(choice.correct for choice in choices) != 1:
            self.problem(node, f"{what}: exactly one choice must have correct: true")
        elif len(choices) > 1:
            right = next(len(choice.text) for choice in choices if choice.correct)
            longest_wrong = max(len(choice.text) for choice in choices if not choice.correct)
            if right > 1.5 * longest_wrong and right - longest_wrong > 15:
                self.problem(
                    node,
                    f"{what}: the correct choice is far longer than every other one, which gives "
                    "it away; move detail into the answer or make the others as specific",
                )
        return tuple(choices)

    def star(self, node: yaml.Node | None, what: str) -> Star | None:
        if node is None:
            return None
        fields = self.mapping(node, f"{what}: star", set(STAR_KEYS), STAR_KEYS)
        if fields is None:
            return None
        return Star(*(self.text(fields.get(key), f"{what}: star {key}") for key in STAR_KEYS))
