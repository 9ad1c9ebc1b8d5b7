"""The whole pipeline: posting → topics → questions → deck and study guide."""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .banks import Bank
from .deck import NoteSpec, note_specs, write_deck
from .errors import OutputError, PostingError, PrepError
from .guide import render_guide
from .posting import Posting, PostingLine
from .select import TopicSelection, select_questions
from .topics import TopicReport, find_topics

MANIFEST_NAME = "prep-manifest.json"


@dataclass(frozen=True)
class BuildResult:
    report: TopicReport
    selections: list[TopicSelection]
    display_name: str
    out_dir: Path
    deck_path: Path
    guide_path: Path
    note_count: int


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > 60:  # cut at a word boundary, not mid-word
        slug = slug[:61].rsplit("-", 1)[0]
    return slug


def merge_postings(postings: list[Posting]) -> Posting:
    """Several postings read as one, for a single combined deck."""
    lines: list[PostingLine] = [line for posting in postings for line in posting.lines]
    return Posting(source=" + ".join(p.source for p in postings), title=None, company=None, lines=tuple(lines))


def build(posting: Posting, banks: list[Bank], out_root: Path, name: str | None = None,
          max_per_topic: int | None = None, levels: tuple[str, ...] = ()) -> BuildResult:
    """Build one posting's deck and guide into `out_root/<slug>/`."""
    display_name = " ".join(name.split()) if name else posting.display_name
    slug = slugify(display_name)
    if name is not None and (not slug or any(part in name for part in ("/", "\\")) or name.strip().startswith(".")):
        raise PrepError(f"--name {name!r} cannot be used as a folder name; use letters, digits and spaces")
    slug = slug or "posting"
    report = find_topics(posting, banks)
    if not report.topics:
        raise PostingError(f"{posting.source}: no known topic found, so nothing was written; "
                           "check it is a software job posting (`prep banks list` shows the topics prep knows)")
    selections = select_questions(report, max_per_topic=max_per_topic, levels=levels)
    if not selections:
        raise PrepError("no questions left after --level/--max-per-topic; loosen them")
    specs = note_specs(selections, display_name)
    out_dir = out_root / slug
    deck_path = out_dir / f"{slug}.apkg"
    guide_path = out_dir / f"{slug}-guide.md"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create {out_dir}: {err.strerror}; choose another folder with --out") from None
    manifest = _read_manifest(out_dir / MANIFEST_NAME)
    note_hashes = {spec.guid: _spec_hash(spec) for spec in specs}
    # Anki updates a note only when the incoming modification time is newer: keep the
    # old time while nothing changed (identical output), take a new one when anything did.
    previous = manifest.get("timestamp") if isinstance(manifest.get("timestamp"), (int, float)) else None
    if previous is not None and manifest.get("notes") == note_hashes:
        timestamp = float(previous)
    else:  # strictly newer, even for two builds within one second
        timestamp = float(max(int(time.time()), int(previous or 0) + 1))
    guide = render_guide(report, selections, display_name, deck_file=deck_path.name)
    atomic_write(deck_path, lambda tmp: write_deck(specs, tmp, timestamp))
    atomic_write(guide_path, lambda tmp: tmp.write_text(guide, encoding="utf-8"))
    manifest_text = json.dumps({"timestamp": timestamp, "notes": note_hashes}, indent=1, sort_keys=True) + "\n"
    atomic_write(out_dir / MANIFEST_NAME, lambda tmp: tmp.write_text(manifest_text, encoding="utf-8"))
    return BuildResult(report, selections, display_name, out_dir, deck_path, guide_path, len(specs))


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary file in the same folder, then rename over `path`, so an
    interrupted build never leaves a truncated file where a good one was."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror}; choose another folder with --out") from None
    finally:
        tmp.unlink(missing_ok=True)


def _spec_hash(spec: NoteSpec) -> str:
    payload = json.dumps([spec.kind, spec.deck, spec.fields, spec.tags], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}
