"""The whole pipeline: posting → topics → questions → deck and study guide."""

from __future__ import annotations

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
from .quiz import draw_quiz, render_printable_quiz
from .render import save_render_cache
from .select import TopicSelection, select_questions
from .topics import TopicMatch, TopicReport, find_topics

MANIFEST_NAME = "prep-manifest.json"
RETIRED_TAG = "prep::retired"
PRINTABLE_QUIZ_SIZE = 20


@dataclass(frozen=True)
class BuildResult:
    report: TopicReport
    selections: list[TopicSelection]
    display_name: str
    out_dir: Path
    deck_path: Path
    guide_path: Path
    quiz_path: Path
    note_count: int
    retired_count: int


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


def build(
    posting: Posting,
    banks: list[Bank],
    out_root: Path,
    name: str | None = None,
    max_per_topic: int | None = None,
    levels: tuple[str, ...] = (),
    days: int | None = None,
    add_topics: tuple[str, ...] = (),
    skip_topics: tuple[str, ...] = (),
) -> BuildResult:
    """Build one posting's deck and guide into `out_root/<slug>/`.

    `add_topics`/`skip_topics`: topic ids the user adds or drops (see `find_topics`)."""
    display_name = " ".join(name.split()) if name else posting.display_name
    slug = slugify(display_name)
    if name is not None and (not slug or any(part in name for part in ("/", "\\")) or name.strip().startswith(".")):
        raise PrepError(f"--name {name!r} cannot be used as a folder name; use letters, digits and spaces")
    slug = slug or "posting"
    report = find_topics(posting, banks, add=add_topics, skip=skip_topics)
    if not report.topics:
        raise PostingError(
            f"{posting.source}: no known topic found, so nothing was written; "
            "check it is a software job posting (`prep banks list` shows the topics prep knows)"
        )
    selections = select_questions(report, max_per_topic=max_per_topic, levels=levels)
    if not selections:
        raise PrepError("no questions left after --level/--max-per-topic; loosen them")
    specs = note_specs(selections, display_name)
    save_render_cache()
    out_dir = out_root / slug
    deck_path, guide_path, quiz_path = (out_dir / f"{slug}{suffix}" for suffix in (".apkg", "-guide.md", "-quiz.md"))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create {out_dir}: {err.strerror}; choose another folder with --out") from None
    manifest = read_manifest(out_dir)
    known_ids = {question.id for bank in banks for question in bank.questions}
    retired = _retired_specs(manifest, {spec.guid for spec in specs}, known_ids)
    notes = {spec.guid: _spec_record(spec) for spec in [*specs, *retired]}
    # Anki updates a note only when the incoming modification time is newer: keep the
    # old time while nothing changed (identical output), take a new one when anything did.
    previous = manifest.get("timestamp") if isinstance(manifest.get("timestamp"), (int, float)) else None
    if previous is not None and manifest.get("notes") == notes:
        timestamp = float(previous)
    else:  # strictly newer, even for two builds within one second
        timestamp = float(max(int(time.time()), int(previous or 0) + 1))
    guide = render_guide(
        report,
        selections,
        display_name,
        deck_file=deck_path.name,
        days=days,
        quiz_command=f"prep quiz {out_dir} --count 10",
    )
    quiz = render_printable_quiz(draw_quiz(selections, count=PRINTABLE_QUIZ_SIZE, seed=slug), display_name)
    new_manifest = {
        "version": 1,
        "name": display_name,
        "guide": guide_path.name,
        "timestamp": timestamp,
        "topics": [
            {
                "id": s.topic.id,
                "score": s.topic.score,
                "evidence": list(s.topic.evidence),
                "questions": [q.id for q in s.questions],
            }
            for s in selections
        ],
        "notes": notes,
    }
    atomic_write(deck_path, lambda tmp: write_deck([*specs, *retired], tmp, timestamp))
    atomic_write(guide_path, lambda tmp: tmp.write_text(guide, encoding="utf-8"))
    atomic_write(quiz_path, lambda tmp: tmp.write_text(quiz, encoding="utf-8"))
    manifest_text = json.dumps(new_manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    atomic_write(out_dir / MANIFEST_NAME, lambda tmp: tmp.write_text(manifest_text, encoding="utf-8"))
    return BuildResult(
        report, selections, display_name, out_dir, deck_path, guide_path, quiz_path, len(specs), len(retired)
    )


def read_manifest(out_dir: Path) -> dict:
    """What the last build into `out_dir` wrote, or {} if there is none (or it is unreadable)."""
    try:
        manifest = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) and manifest.get("version") == 1 else {}


def load_deck_selections(out_dir: Path, banks: list[Bank]) -> tuple[str, list[TopicSelection], Path]:
    """The deck name, selection and guide path of a folder `prep build` wrote."""
    manifest = read_manifest(out_dir)
    if not manifest:
        raise PrepError(
            f"{out_dir} is not a deck folder written by `prep build` (no {MANIFEST_NAME}); pass a posting instead"
        )
    by_id = {bank.id: bank for bank in banks}
    questions = {question.id: question for bank in banks for question in bank.questions}
    selections = []
    for topic in manifest["topics"]:
        if topic["id"] not in by_id:
            continue  # the bank is gone; its cards are still in Anki
        chosen = tuple(questions[qid] for qid in topic["questions"] if qid in questions)
        if chosen:
            match = TopicMatch(by_id[topic["id"]], topic["score"], tuple(topic["evidence"]))
            selections.append(TopicSelection(match, chosen))
    return manifest["name"], selections, out_dir / manifest["guide"]


def _retired_specs(manifest: dict, current_guids: set[str], known_ids: set[str]) -> list[NoteSpec]:
    """Notes of questions since removed from the banks. An .apkg import cannot delete a
    note, so they are carried, tagged prep::retired, for the user to find and delete."""
    retired = []
    for guid, record in sorted(manifest.get("notes", {}).items()):
        if guid in current_guids or record.get("question_id") in known_ids:
            continue
        tags = tuple(dict.fromkeys([*record["tags"], RETIRED_TAG]))
        retired.append(NoteSpec(guid, record["kind"], record["deck"], tuple(record["fields"]), tags))
    return retired


def _spec_record(spec: NoteSpec) -> dict:
    return {
        "question_id": spec.fields[-1],
        "kind": spec.kind,
        "deck": spec.deck,
        "fields": list(spec.fields),
        "tags": list(spec.tags),
    }


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
