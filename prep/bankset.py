"""The banks a run uses: the bundled ones plus a contributor's folders, parsed once and
then read from the on-disk cache.

A cache entry is untrusted like any file: it is rebuilt into banks only if every value
is what prep writes (ids, kinds, levels, links and text checked again), else the banks
are parsed from their files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import banks as banks_module
from . import cache
from .banks import (
    CATEGORIES,
    CHECKED_PATTERN,
    CHOICE_COUNTS,
    CLOZE_PATTERN,
    DIFFICULTIES,
    ID_PATTERN,
    IMAGE_PATTERN,
    KINDS,
    MAX_QUESTIONS,
    URL_PATTERN,
    Bank,
    Choice,
    Question,
    Reference,
    Star,
    bank_files,
    bundled_banks_dir,
    collector_paused,
    duplicate_question_ids,
    load_bank,
    read_bank_bytes,
)
from .errors import BankError


def load_banks(extra_folders: list[Path] | None = None) -> list[Bank]:
    """Bundled banks plus any in `extra_folders`; a bank there replaces a bundled one with its id.

    Parsed banks are cached, keyed by the bytes of every bank file, of the bank checker
    and of this module (which writes and validates the cached form).
    """
    with collector_paused():
        return _load_banks(extra_folders)


def _load_banks(extra_folders: list[Path] | None) -> list[Bank]:
    bundled = bank_files([bundled_banks_dir()])
    files = [*bundled, *bank_files(extra_folders or [])]
    contents = {path: read_bank_bytes(path) for path in files}
    digest = hashlib.sha256()
    for module in (Path(banks_module.__file__), Path(__file__)):
        source = module.read_bytes()
        digest.update(f"{len(source)}\0".encode() + source)
    for path, data in contents.items():
        digest.update(f"\0{path}\0{len(data)}\0".encode() + data)
    # One entry per set of banks (bundled alone, bundled plus a contributor's folder...).
    cache_name = f"banks-{digest.hexdigest()[:24]}"
    # A bank's id is its file's stem, and a later file replaces an earlier one with its id.
    expected_paths = {path.stem: path for path in files}
    cached = banks_from_plain(cache.read(cache_name), expected_paths)
    if cached is not None:
        return cached
    by_id: dict[str, Bank] = {}
    problems: list[str] = []
    for path, data in contents.items():
        try:
            bank = load_bank(path, data)
        except BankError as err:
            problems.extend(err.problems)
            continue
        previous = by_id.get(bank.id)
        if previous is not None and previous.path not in bundled:
            clash = f"; question ids such as {bank.questions[0].id!r} would clash" if bank.questions else ""
            problems.append(f"{path}: bank id {bank.id!r} is also defined in {previous.path}{clash}")
        by_id[bank.id] = bank
    banks = sorted(by_id.values(), key=lambda bank: bank.id)
    problems.extend(duplicate_question_ids(banks))
    if problems:
        raise BankError(problems)
    cache.write(cache_name, banks_to_plain(banks), keep=4)
    return banks


# The cache holds banks as plain JSON lists, field by field in the dataclasses' order,
# and rebuilds them only after checking every value the bank checker checks: an entry
# anyone could have written is never trusted further than a bank file.


def _references_to_plain(references: tuple[Reference, ...]) -> list:
    return [[reference.title, reference.url] for reference in references]


def _question_to_plain(question: Question) -> list:
    star = question.star
    return [
        question.id,
        question.kind,
        question.difficulty,
        question.question,
        question.answer,
        [[choice.text, choice.correct] for choice in question.choices],
        None if star is None else [star.situation, star.task, star.action, star.result],
        list(question.follow_ups),
        _references_to_plain(question.references),
        question.core,
    ]


def banks_to_plain(banks: list[Bank]) -> list:
    return [
        [
            bank.id,
            bank.name,
            bank.category,
            list(bank.aliases),
            list(bank.case_sensitive_aliases),
            _references_to_plain(bank.references),
            [_question_to_plain(question) for question in bank.questions],
            str(bank.path),
            bank.checked,
        ]
        for bank in banks
    ]


class _Invalid(Exception):
    """A cache entry that does not hold what prep writes."""


_KIND_SET, _DIFFICULTY_SET = frozenset(KINDS), frozenset(DIFFICULTIES)


def _text(value: object) -> str:
    # Control characters need no check here: cache.read refuses any entry holding one.
    if type(value) is not str or not value or ("![" in value and IMAGE_PATTERN.search(value)):
        raise _Invalid
    return value


def _texts(values: object) -> tuple[str, ...]:
    if type(values) is not list:
        raise _Invalid
    return tuple(map(_text, values))


def _references_from_plain(values: object) -> tuple[Reference, ...]:
    if type(values) is not list:
        raise _Invalid
    references = []
    for title, url in values:
        if type(url) is not str or not URL_PATTERN.fullmatch(url):
            raise _Invalid
        references.append(Reference(_text(title), url))
    return tuple(references)


def _question_from_plain(value: object, bank_id: str, id_prefix: str) -> Question:
    question_id, kind, difficulty, text, answer, choices, star, follow_ups, references, core = value
    if (
        type(question_id) is not str
        or type(text) is not str
        or type(answer) is not str
        or not text
        or not (answer or kind == "cloze")
        or ("![" in text and IMAGE_PATTERN.search(text))
        or ("![" in answer and IMAGE_PATTERN.search(answer))
        or not question_id.startswith(id_prefix)
        or not ID_PATTERN.match(question_id)
        or kind not in _KIND_SET
        or difficulty not in _DIFFICULTY_SET
        or type(core) is not bool
        or type(choices) is not list
        or (kind == "choice") != bool(choices)
        or (choices and len(choices) not in CHOICE_COUNTS)
        or (kind == "cloze" and not CLOZE_PATTERN.search(text))
        or (kind == "behavioural") != (star is not None)
        or (kind == "behavioural" and not follow_ups)
    ):
        raise _Invalid
    if choices:
        choices = tuple(Choice(_text(choice_text), correct) for choice_text, correct in choices)
        if sum(choice.correct is True for choice in choices) != 1 or any(type(c.correct) is not bool for c in choices):
            raise _Invalid
    if star is not None:
        star = Star(*_texts(star))
    return Question(
        question_id,
        bank_id,
        kind,
        difficulty,
        text,
        answer,
        tuple(choices),
        star,
        _texts(follow_ups) if follow_ups != [] else (),
        _references_from_plain(references) if references != [] else (),
        core,
    )


def banks_from_plain(value: object, paths: dict[str, Path]) -> list[Bank] | None:
    """Banks rebuilt from a cache entry, or None when anything in it is not as prep writes it;
    `paths` maps each bank id the entry must hold, and only those, to its file."""
    if type(value) is not list or len(value) != len(paths):
        return None
    banks = []
    try:
        for item in value:
            bank_id, name, category, aliases, case_sensitive, references, questions, path, checked = item
            if (
                type(bank_id) is not str
                or not ID_PATTERN.match(bank_id)
                or category not in CATEGORIES
                or bank_id not in paths
                or path != str(paths[bank_id])
                or type(checked) is not str
                or (checked and not CHECKED_PATTERN.match(checked))
                or type(questions) is not list
                or not 0 < len(questions) <= MAX_QUESTIONS
            ):
                raise _Invalid
            id_prefix = f"{bank_id}-"
            banks.append(
                Bank(
                    id=bank_id,
                    name=_text(name),
                    category=category,
                    aliases=_texts(aliases),
                    case_sensitive_aliases=_texts(case_sensitive),
                    references=_references_from_plain(references),
                    questions=tuple(_question_from_plain(question, bank_id, id_prefix) for question in questions),
                    path=paths[bank_id],
                    checked=checked,
                )
            )
    except (_Invalid, ValueError, TypeError):  # wrong shape: unpacking, iterating or hashing fails
        return None
    if len({bank.id for bank in banks}) != len(banks):
        return None
    return banks
