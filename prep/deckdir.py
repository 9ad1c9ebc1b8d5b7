"""The deck folder `decks/<slug>/`: what prep writes there, and what it reads back.

Everything here is read as untrusted: a manifest or a deck file may have been cut
short, edited or planted. Readers validate shapes and bounds and never hand raw text
on; the writer replaces the whole folder at once, under a lock, so a killed or
concurrent build never leaves a new deck beside an old guide.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import sqlite3
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .banks import ID_PATTERN, Bank
from .errors import OutputError, PrepError
from .plan import PlannedQuestion, StudyPlan, card_count
from .topics import TopicMatch
from .untrusted import FileTooLarge, NotRegularFile, for_terminal, read_regular

MANIFEST_NAME = "prep-manifest.json"
MANIFEST_VERSION = 2
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MAX_DECK_BYTES = 256 * 1024 * 1024
MAX_SIBLINGS = 200
# A modification time prep accepts from a deck it reads back: from 2000-01-01 to a day
# from now (clocks drift). A planted time in the future would be kept for every unchanged
# note, and Anki would then let that note overwrite the user's edits on each import.
MIN_MOD = 946684800
MAX_MOD_AHEAD = 24 * 3600
_TAG = re.compile(r"^prep::[a-z]+::[a-z0-9-]+$|^prep::[a-z]+$")
_TRANSLITERATION = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
        **{"ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
        **{"ъ": "", "ь": "", "ю": "yu", "я": "ya", "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe"},
    }
)
_SYMBOL_WORDS = ((re.compile(r"c\+\+", re.I), " cpp "), (re.compile(r"c#", re.I), " csharp "))
_SYMBOL_WORDS += ((re.compile(r"(?<![\w])\.net\b", re.I), " dotnet "), (re.compile(r"f#", re.I), " fsharp "))


def slugify(text: str) -> str:
    """A folder name that keeps what tells postings apart: Cyrillic is transliterated,
    C++/C#/.NET become words, and long names are cut at a word."""
    for pattern, word in _SYMBOL_WORDS:
        text = pattern.sub(word, text)
    text = text.lower().translate(_TRANSLITERATION)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > 60:
        slug = slug[:61].rsplit("-", 1)[0]
    # Letters with no Latin spelling here ("東京", "大阪") would vanish and let two names
    # share a folder: a short hash of the whole name keeps them apart.
    if any(char.isalnum() and not _latin(char) for char in text):
        slug = "-".join(filter(None, [slug or "posting", hashlib.sha256(text.encode()).hexdigest()[:8]]))
    return slug


def _latin(char: str) -> bool:
    return bool(unicodedata.normalize("NFKD", char).encode("ascii", "ignore"))


@dataclass(frozen=True)
class ManifestTopic:
    id: str
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    """What one build wrote: enough for `prep quiz` and for sibling decks' tags."""

    name: str
    source: str
    per_day: int
    topics: tuple[ManifestTopic, ...]
    plan: tuple[tuple[str, int], ...]  # (question id, day) in served order

    @cached_property
    def planned(self) -> frozenset[str]:
        """The question ids of the plan, to look up (a sibling's plan is asked once per note)."""
        return frozenset(question_id for question_id, _ in self.plan)

    def to_json(self) -> str:
        data = {
            "version": MANIFEST_VERSION,
            "name": self.name,
            "source": self.source,
            "per_day": self.per_day,
            "topics": [{"id": t.id, "score": t.score, "evidence": list(t.evidence)} for t in self.topics],
            "plan": [[question_id, day] for question_id, day in self.plan],
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


class ManifestError(PrepError):
    """A manifest that is not what prep writes."""


def read_manifest(out_dir: Path) -> Manifest | None:
    """The manifest in `out_dir`, None if there is none; ManifestError if it is damaged."""
    path = out_dir / MANIFEST_NAME
    damaged = f"delete {out_dir} and build again, or build with another --out"
    try:  # opened without blocking and checked on the open file: a FIFO or device is refused
        raw = read_regular(path, MAX_MANIFEST_BYTES)
    except FileNotFoundError:
        return None
    except FileTooLarge:
        raise ManifestError(f"{path} is damaged (too large); {damaged}") from None
    except NotRegularFile:
        raise ManifestError(f"{path} is not a regular file; delete it and build again") from None
    except OSError as err:
        raise ManifestError(f"cannot read {path}: {err.strerror}") from None
    try:
        return _manifest_from(json.loads(raw.decode("utf-8")))
    except (ValueError, TypeError, KeyError, RecursionError) as err:
        raise ManifestError(f"{path} is damaged ({err}); {damaged}") from None


def _manifest_from(data: object) -> Manifest:
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        raise ValueError(f"not a version {MANIFEST_VERSION} manifest")
    topics = tuple(
        ManifestTopic(_id(topic["id"]), _score(topic["score"]), tuple(_text(line) for line in _list(topic["evidence"])))
        for topic in _list(data["topics"])
    )
    plan = tuple((_id(item[0]), _day(item[1])) for item in _list(data["plan"]) if _pair(item))
    per_day = data["per_day"]
    if not isinstance(per_day, int) or isinstance(per_day, bool) or not 1 <= per_day <= 10000:
        raise ValueError("per_day out of range")
    return Manifest(_text(data["name"]), _text(data["source"]), per_day, topics, plan)


def _list(value: object) -> list:
    if not isinstance(value, list) or len(value) > 100000:
        raise ValueError("expected a list")
    return value


def _pair(value: object) -> bool:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("expected [question id, day]")
    return True


def _id(value: object) -> str:
    if not isinstance(value, str) or len(value) > 200 or not ID_PATTERN.match(value):
        raise ValueError("bad id")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or len(value) > 2000:
        raise ValueError("bad text")
    return for_terminal(value)  # the same filter the writer used, so names compare equal


def _score(value: object) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
        raise ValueError("bad score")
    return float(value)


def _day(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10000:
        raise ValueError("bad day")
    return value


@dataclass(frozen=True)
class DeckNote:
    """A note as the previous deck file holds it, validated."""

    guid: str
    model_id: int
    mod: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class PreviousDeck:
    """What the deck file of the last build holds: its notes by GUID, and for each note
    type it defines, a signature of its fields, templates and CSS with its time."""

    notes: dict[str, DeckNote]
    note_types: dict[int, tuple[str, int]]


def note_type_signature(fields: list[str], templates: list[tuple[str, str]], css: str) -> str:
    return hashlib.sha256(json.dumps([fields, templates, css]).encode()).hexdigest()


def read_previous_deck(path: Path) -> PreviousDeck:
    """The deck prep wrote before; empty when there is none or it is unreadable.

    Used only to tell which notes and note types changed (and when they last did) and
    which questions were retired: nothing read here reaches a card without being re-escaped.
    """
    empty = PreviousDeck({}, {})
    try:
        if not path.is_file() or path.stat().st_size > MAX_DECK_BYTES:
            return empty
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("collection.anki2")
            if info.file_size > MAX_DECK_BYTES:
                return empty
            database = archive.read(info)
        if not database.startswith(b"SQLite format 3\0"):  # sqlite cannot deserialize anything else
            return empty
        connection = sqlite3.connect(":memory:")
        try:
            connection.deserialize(database)
            # A planted file could make `notes` a view that never ends: read tables only,
            # and give up on any query that runs longer than a real deck's would.
            connection.set_progress_handler(_give_up_after(20_000_000), 1000)
            tables = {row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")}
            if "notes" not in tables:
                return empty
            rows = connection.execute("select guid, mid, mod, flds, tags from notes limit 200000").fetchall()
            models = _models_json(connection) if "col" in tables else None
        finally:
            connection.close()
    except (OSError, KeyError, zipfile.BadZipFile, sqlite3.Error, RuntimeError, ValueError):
        return empty  # sqlite3.OperationalError ("interrupted") included: the deck is ignored
    notes = {}
    latest = int(time.time()) + MAX_MOD_AHEAD
    for guid, model_id, mod, fields, tags in rows:
        if not all(isinstance(v, str) for v in (guid, fields, tags)) or not all(
            isinstance(v, int) for v in (model_id, mod)
        ):
            continue
        if not MIN_MOD <= mod <= latest or len(guid) > 64:
            continue
        notes[guid] = DeckNote(guid, model_id, mod, tuple(fields.split("\x1f")), tuple(tags.split()))
    return PreviousDeck(notes, _note_types(models, latest))


def _give_up_after(steps: int):
    """A sqlite progress handler (called every 1000 virtual-machine steps) that interrupts
    the query once it has run `steps` of them."""
    calls = iter(range(steps // 1000))
    return lambda: next(calls, None) is None


def _models_json(connection: sqlite3.Connection) -> object:
    try:
        row = connection.execute("select models from col limit 1").fetchone()
    except sqlite3.Error:  # a deck without note types still tells which notes it held
        return None
    return row[0] if row else None


def _note_types(models_json: object, latest: int) -> dict[int, tuple[str, int]]:
    try:
        models = json.loads(models_json) if isinstance(models_json, str) else {}
        signatures = {}
        for model in models.values() if isinstance(models, dict) else ():
            fields = [field["name"] for field in model["flds"]]
            templates = [(template["qfmt"], template["afmt"]) for template in model["tmpls"]]
            if all(isinstance(v, str) for v in [*fields, *(t for pair in templates for t in pair), model["css"]]):
                mod = model["mod"]
                if isinstance(mod, int) and MIN_MOD <= mod <= latest:
                    signatures[int(model["id"])] = (note_type_signature(fields, templates, model["css"]), mod)
        return signatures
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError):
        return {}


def valid_tag(tag: str) -> bool:
    return bool(_TAG.match(tag)) and len(tag) <= 120


def sibling_manifests(out_root: Path, exclude: str) -> dict[str, Manifest]:
    """Manifests of the other deck folders under `out_root`, by slug; damaged ones are skipped."""
    siblings: dict[str, Manifest] = {}
    try:
        folders = sorted(entry for entry in out_root.iterdir() if entry.is_dir() and not entry.name.startswith("."))
    except OSError:
        return siblings
    for folder in folders[:MAX_SIBLINGS]:
        if folder.name == exclude or slugify(folder.name) != folder.name:
            continue
        with contextlib.suppress(ManifestError):
            manifest = read_manifest(folder)
            if manifest is not None:
                siblings[folder.name] = manifest
    return siblings


def check_ownership(out_dir: Path, name: str, source: str, named_by_user: bool) -> None:
    """Refuse to replace a folder that holds anything but this posting's deck: files prep did
    not write (dot-files and folders too), or another posting's deck. `--name` may take
    over a deck of the same name, never one of another."""
    if out_dir.is_symlink():
        raise OutputError(f"{out_dir} is a symbolic link; prep writes only real folders: remove it or choose --out")
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir} exists and is not a folder; choose another --out or --name")
    slug = out_dir.name
    ours = {f"{slug}.apkg", f"{slug}-guide.md", f"{slug}-quiz.md", MANIFEST_NAME}
    try:
        manifest = read_manifest(out_dir)
        foreign = [
            entry.name
            for entry in out_dir.iterdir()
            if entry.name not in ours or entry.is_symlink() or not entry.is_file()
        ]
    except OSError as err:
        raise OutputError(f"cannot read {out_dir}: {err.strerror}; choose another --out") from None
    if foreign:
        shown = ", ".join(for_terminal(entry) for entry in sorted(foreign)[:3])
        raise OutputError(f"{out_dir} holds files prep did not write ({shown}); choose another --out or --name")
    if manifest is None:
        if any(out_dir.iterdir()):
            raise OutputError(f"{out_dir} is not a deck folder written by prep; choose another --out or --name")
        return
    if named_by_user and manifest.name != name:
        raise OutputError(f"{out_dir} holds the deck of {manifest.name!r}; choose another --name")
    if not named_by_user and (manifest.name != name or not _same_source(manifest.source, source)):
        raise OutputError(
            f"{out_dir} holds the deck of {manifest.name!r} (from {manifest.source}); "
            f"give this posting its own folder with --name, or pass --name {name!r} to replace it"
        )


def _same_source(recorded: str, source: str) -> bool:
    """Whether a manifest's source is this posting's. Decks built by development versions
    of prep recorded a file as typed; such a path is read from the current folder."""
    return recorded == source or (recorded != "-" and "://" not in recorded and os.path.abspath(recorded) == source)


@contextlib.contextmanager
def folder_lock(out_root: Path, slug: str) -> Iterator[None]:
    """Only one build writes a deck folder at a time; a second one stops with a message."""
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        fd = os.open(out_root / f".{slug}.lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as err:
        raise OutputError(f"cannot create {out_root}: {err.strerror}; choose another folder with --out") from None
    try:
        _lock_or_refuse(fd, out_root / slug)
        _recover(out_root, slug)
        yield
    finally:
        os.close(fd)


def _lock_or_refuse(fd: int, out_dir: Path) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: a byte-range lock does the same job
        import msvcrt

        lock, args = msvcrt.locking, (msvcrt.LK_NBLCK, 1)
    else:
        lock, args = fcntl.flock, (fcntl.LOCK_EX | fcntl.LOCK_NB,)
    try:
        lock(fd, *args)
    except OSError:
        raise OutputError(f"another prep build is writing {out_dir}; wait for it to finish and run again") from None


def _recover(out_root: Path, slug: str) -> None:
    """Undo what a killed build left: a half-written new folder, or a swap cut in the middle."""
    out_dir = out_root / slug
    ours = re.compile(rf"\.{re.escape(slug)}\.(?:new|old)-[a-z0-9_]{{8}}")  # what mkdtemp made for us
    for leftover in sorted(out_root.glob(f".{slug}.*-*")):
        if not ours.fullmatch(leftover.name) or not leftover.is_dir() or leftover.is_symlink():
            continue
        if leftover.name.startswith(f".{slug}.old-") and not out_dir.exists():
            os.replace(leftover, out_dir)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def replace_folder(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write `files` into a fresh folder beside `out_dir`, then swap it in: readers see
    the old folder or the new one, never a mix. Call under `folder_lock`."""
    out_root, slug = out_dir.parent, out_dir.name
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{slug}.new-", dir=out_root))
    except OSError as err:
        raise OutputError(f"cannot write in {out_root}: {err.strerror}; choose another folder with --out") from None
    umask = os.umask(0)
    os.umask(umask)
    old = None
    try:
        os.chmod(staging, 0o777 & ~umask)
        for name, data in files.items():
            fd = os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{slug}.old-", dir=out_root))
            os.replace(out_dir, old)
        os.replace(staging, out_dir)
    except OSError as err:
        if old is not None and not out_dir.exists():
            os.replace(old, out_dir)
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write {out_dir}: {err.strerror}; choose another folder with --out") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def load_deck_plan(out_dir: Path, banks: list[Bank]) -> tuple[str, StudyPlan, Path]:
    """The deck name, study plan and guide path of a folder `prep build` wrote."""
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise PrepError(
            f"{out_dir} is not a deck folder written by `prep build` (no {MANIFEST_NAME}); pass a posting instead"
        )
    by_id = {bank.id: bank for bank in banks}
    questions = {question.id: question for bank in banks for question in bank.questions}
    topics = {t.id: TopicMatch(by_id[t.id], t.score, t.evidence) for t in manifest.topics if t.id in by_id}
    items = []
    for question_id, day in manifest.plan:
        question = questions.get(question_id)
        if question is not None and question.topic_id in topics:  # a question since removed is skipped
            items.append(PlannedQuestion(question, topics[question.topic_id], day, card_count(question)))
    plan = StudyPlan(tuple(items), manifest.per_day, tuple(topics.values()))
    slug = out_dir.resolve().name
    return manifest.name, plan, out_dir / f"{slug}-guide.md"
