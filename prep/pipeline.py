"""The whole pipeline: posting → topics → study plan → deck, study guide and quiz."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .banks import ID_PATTERN, Bank, Question
from .deck import (
    NOTE_TYPE_FIELDS,
    NOTE_TYPE_IDS,
    NoteSpec,
    context_html,
    deck_bytes,
    dropped_tag,
    note_guid,
    note_type_signatures,
    posting_deck,
    posting_tag,
    question_spec,
)
from .deckdir import (
    MANIFEST_NAME,
    DeckNote,
    Manifest,
    ManifestTopic,
    PreviousDeck,
    check_ownership,
    folder_lock,
    read_previous_deck,
    replace_folder,
    sibling_manifests,
    slugify,
    valid_tag,
)
from .errors import PostingError, PrepError
from .guide import render_guide
from .plan import DEFAULT_PER_DAY, StudyPlan, anki_daily_limit, card_count, make_plan
from .posting import Posting, PostingLine
from .quiz import draw_quiz, render_printable_quiz
from .render import save_render_cache
from .topics import TopicReport, find_topics
from .untrusted import for_terminal
from .words import clip, plural

RETIRED_TAG = "prep::retired"
PRINTABLE_QUIZ_SIZE = 20
MAX_QUOTE = 160  # characters of a posting line kept in the manifest
MAX_SOURCE = 1000  # a merge of many files: the manifest keeps the start of the list
MAX_NAME = 120  # characters of a deck name: a line in Anki's deck list and a guide heading
MAX_CONTEXT = 80  # characters of the posting line a card quotes: one short line on a phone
_KINDS_BY_NOTE_TYPE = {type_id: kind for kind, type_id in NOTE_TYPE_IDS.items()}


@dataclass(frozen=True)
class PlanRequest:
    """How much to plan: `cards` None means every question of every topic found."""

    cards: int | None
    per_day: int = DEFAULT_PER_DAY
    levels: tuple[str, ...] = ()
    max_per_topic: int | None = None


@dataclass(frozen=True)
class BuildResult:
    report: TopicReport
    plan: StudyPlan
    display_name: str
    out_dir: Path
    deck_path: Path
    guide_path: Path
    quiz_path: Path
    changed_notes: int  # notes Anki will add or update on import
    retired_count: int
    dropped_count: int
    shared: dict[str, int]  # other deck folders' names → questions this deck shares with them

    def to_json(self) -> dict:
        """The documented `prep build --json` shape (README): what was built, for scripts."""
        planned = {selection.topic.id: selection for selection in self.plan.selections()}
        report = self.report
        return {
            "name": self.display_name,
            "source": report.posting.source,
            "title": report.posting.title,
            "company": report.posting.company,
            "paths": {
                "folder": str(self.out_dir),
                "deck": str(self.deck_path),
                "guide": str(self.guide_path),
                "quiz": str(self.quiz_path),
            },
            "topics": [
                {
                    "id": topic.id,
                    "name": topic.name,
                    "score": topic.score,
                    "questions": len(planned[topic.id].questions) if topic.id in planned else 0,
                    "cards": sum(card_count(q) for q in planned[topic.id].questions) if topic.id in planned else 0,
                }
                for topic in self.plan.topics
            ],
            "plan": {
                "cards": self.plan.cards,
                "questions": len(self.plan.items),
                "days": self.plan.days,
                "per_day": self.plan.per_day,
                "by_day": [
                    {
                        "day": day,
                        "cards": sum(item.cards for _, items in groups for item in items),
                        "groups": [
                            {"topic": topic.id, "questions": [item.question.id for item in items]}
                            for topic, items in groups
                        ],
                    }
                    for day, groups in self.plan.day_groups()
                ],
            },
            "uncovered": [{"term": item.term, "line": item.line} for item in report.uncovered],
            "added": list(report.added),
            "skipped": list(report.skipped),
            "shared": [{"deck": name, "questions": count} for name, count in self.shared.items()],
            "notes": {"changed": self.changed_notes, "retired": self.retired_count, "dropped": self.dropped_count},
        }


@dataclass(frozen=True)
class _Prepared:
    report: TopicReport
    plan: StudyPlan
    display_name: str
    slug: str
    named_by_user: bool

    def manifest(self) -> Manifest:
        topics = tuple(
            ManifestTopic(topic.id, topic.score, tuple(_quote(line) for line in topic.evidence))
            for topic in self.plan.topics
        )
        plan = tuple((item.question.id, item.day) for item in self.plan.items)
        return Manifest(self.display_name, self.source, self.plan.per_day, topics, plan)

    @property
    def source(self) -> str:
        return clip(for_terminal(self.report.posting.source), MAX_SOURCE)


def merge_postings(postings: list[Posting]) -> Posting:
    """Several postings read as one, for a single combined deck named after all of them
    ("CarOnSale + On")."""
    lines: list[PostingLine] = [
        replace(line, origin=posting.company or posting.display_name) for posting in postings for line in posting.lines
    ]
    names = dict.fromkeys(posting.company or posting.display_name for posting in postings)
    return Posting(
        source=" + ".join(p.source for p in postings), title=None, company=" + ".join(names), lines=tuple(lines)
    )


def build(
    posting: Posting,
    banks: list[Bank],
    out_root: Path,
    request: PlanRequest,
    name: str | None = None,
    add_topics: tuple[str, ...] = (),
    skip_topics: tuple[str, ...] = (),
) -> BuildResult:
    """Build one posting's deck, guide and quiz into `out_root/<slug>/`."""
    return build_decks([posting], banks, out_root, request, name, add_topics, skip_topics)[0]


def build_decks(
    postings: list[Posting],
    banks: list[Bank],
    out_root: Path,
    request: PlanRequest,
    name: str | None = None,
    add_topics: tuple[str, ...] = (),
    skip_topics: tuple[str, ...] = (),
) -> list[BuildResult]:
    """Plan every posting first, then write each deck: a question two of them share is
    the same note in both decks, tagged with both postings. `add_topics`/`skip_topics`
    are topic ids the user adds or drops (see `find_topics`)."""
    prepared = [_prepare(posting, banks, request, name, add_topics, skip_topics) for posting in postings]
    slugs = [item.slug for item in prepared]
    if len(set(slugs)) < len(slugs):
        twice = next(slug for slug in slugs if slugs.count(slug) > 1)
        raise PrepError(
            f"two of these postings would both be written to {out_root / twice}; "
            "build them one at a time, each with its own --name"
        )
    batch = {item.slug: item.manifest() for item in prepared}
    return [_write(item, banks, out_root, batch) for item in prepared]


def _prepare(
    posting: Posting,
    banks: list[Bank],
    request: PlanRequest,
    name: str | None,
    add_topics: tuple[str, ...],
    skip_topics: tuple[str, ...],
) -> _Prepared:
    # A name is shown in the terminal, the guide and Anki's deck list: one printable line.
    display_name = clip(for_terminal(name if name is not None else posting.display_name), MAX_NAME)
    slug = slugify(display_name)
    if name is not None and not slug:
        raise PrepError(f"--name {for_terminal(name)!r} has no letters or digits to name a folder with; add some")
    report = find_topics(posting, banks, add=add_topics, skip=skip_topics)
    if not report.topics:
        raise PostingError(
            f"{posting.source}: no known topic found, so nothing was written; "
            "check it is a software job posting (`prep banks list` shows the topics prep knows)"
        )
    plan = make_plan(report, request.cards, request.per_day, request.levels, request.max_per_topic)
    if not plan.items:
        raise PrepError("no questions left after --level/--max-per-topic; loosen them")
    return _Prepared(report, plan, display_name, slug or "posting", name is not None)


def _write(item: _Prepared, banks: list[Bank], out_root: Path, batch: dict[str, Manifest]) -> BuildResult:
    out_dir = out_root / item.slug
    deck_path, guide_path, quiz_path = (
        out_dir / f"{item.slug}{suffix}" for suffix in (".apkg", "-guide.md", "-quiz.md")
    )
    with folder_lock(out_root, item.slug):
        check_ownership(out_dir, item.display_name, item.source, item.named_by_user)
        siblings = {**sibling_manifests(out_root, exclude=item.slug), **batch}
        siblings.pop(item.slug, None)
        shared = _shared_counts(item.plan, siblings)
        specs = _planned_specs(item, siblings)
        previous = read_previous_deck(deck_path)
        carried, retired, dropped = _carried_specs(item, previous.notes, {spec.guid for spec in specs}, banks, siblings)
        all_specs = [*specs, *carried]
        now = int(time.time())
        mods = _modification_times(all_specs, previous.notes, now)
        timestamp = max(*mods.values(), _note_types_time(previous, now))
        guide = render_guide(
            item.report,
            item.plan,
            item.display_name,
            deck_file=deck_path.name,
            quiz_command=f"prep quiz {out_dir}",
            shared=shared,
            posting_tag=posting_tag(item.slug),
        )
        quiz_items = draw_quiz(item.plan.selections(), count=PRINTABLE_QUIZ_SIZE, seed=item.slug)
        files = {
            deck_path.name: deck_bytes(all_specs, mods, _description(item), timestamp),
            guide_path.name: guide.encode("utf-8"),
            quiz_path.name: render_printable_quiz(quiz_items, item.display_name).encode("utf-8"),
            MANIFEST_NAME: item.manifest().to_json().encode("utf-8"),
        }
        save_render_cache()
        replace_folder(out_dir, files)
    changed = sum(
        1 for spec in all_specs if spec.guid not in previous.notes or previous.notes[spec.guid].mod != mods[spec.guid]
    )
    return BuildResult(
        item.report,
        item.plan,
        item.display_name,
        out_dir,
        deck_path,
        guide_path,
        quiz_path,
        changed,
        retired,
        dropped,
        shared,
    )


def _planned_specs(item: _Prepared, siblings: dict[str, Manifest]) -> list[NoteSpec]:
    deck = posting_deck(item.display_name)
    origins = {line.text: line.origin for line in item.report.posting.lines if line.origin}
    specs = []
    for planned in item.plan.items:
        line = best_evidence(planned.question, planned.topic.evidence)
        name = origins.get(line, item.display_name)  # a merged deck's card names its own posting
        postings = [(name, _quote(line, MAX_CONTEXT), item.slug)]
        postings += _sibling_postings(planned.question, siblings)
        specs.append(_spec(planned.question, planned.topic.name, deck, postings, name_postings=bool(origins)))
    return specs


def _sibling_postings(question: Question, siblings: dict[str, Manifest]) -> list[tuple[str, str, str]]:
    """(name, quote, slug) of every other deck in the folder whose plan has this question."""
    found = []
    for slug, manifest in sorted(siblings.items()):
        if question.id in manifest.planned:
            topic = next((t for t in manifest.topics if t.id == question.topic_id), None)
            line = best_evidence(question, topic.evidence if topic else ())
            found.append((manifest.name, _quote(line, MAX_CONTEXT), slug))
    return found


def _spec(
    question: Question, topic_name: str, deck: str, postings: list[tuple[str, str, str]], name_postings: bool = False
) -> NoteSpec:
    context = context_html([(name, quote) for name, quote, _ in postings], name_postings)
    return question_spec(question, topic_name, deck, context, tuple(posting_tag(slug) for _, _, slug in postings))


def _carried_specs(
    item: _Prepared,
    previous: dict[str, DeckNote],
    planned: set[str],
    banks: list[Bank],
    siblings: dict[str, Manifest],
) -> tuple[list[NoteSpec], int, int]:
    """Notes of the previous deck that this plan no longer holds. An import cannot delete a
    note, so they are carried with a tag that lets the user find them: questions gone from
    the banks (or whose kind changed) as prep::retired, questions this posting no longer
    plans as prep::dropped::<slug>. Only a note whose GUID is the one prep derives from its
    question id is carried, and its old text only as escaped plain text."""
    questions = {q.id: (bank, q) for bank in banks for q in bank.questions}
    deck = posting_deck(item.display_name)
    carried, retired, dropped = [], 0, 0
    for guid, note in sorted(previous.items()):
        kind = _KINDS_BY_NOTE_TYPE.get(note.model_id)
        if guid in planned or kind is None or len(note.fields) != len(NOTE_TYPE_FIELDS[kind]):
            continue
        question_id = note.fields[-1]
        if not ID_PATTERN.match(question_id) or note_guid(question_id, kind) != guid:
            continue
        bank, question = questions.get(question_id, (None, None))
        if question is not None and question.kind == kind:
            postings = _sibling_postings(question, siblings)
            spec = _spec(question, bank.name, deck, postings)
            carried.append(_with_tags(spec, (*spec.tags, dropped_tag(item.slug))))
            dropped += 1
        else:
            tags = tuple(tag for tag in note.tags if valid_tag(tag)) + (RETIRED_TAG,)
            fields = tuple(_plain_html(field) for field in note.fields[:-1]) + (question_id,)
            carried.append(NoteSpec(guid, kind, deck, fields, tuple(sorted(set(tags)))))
            retired += 1
    return carried, retired, dropped


def _with_tags(spec: NoteSpec, tags: tuple[str, ...]) -> NoteSpec:
    return NoteSpec(spec.guid, spec.kind, spec.deck, spec.fields, tuple(sorted(set(tags))))


def _plain_html(field: str) -> str:
    """A field read back from a deck file, reduced to escaped text: no tag survives."""
    text = html.unescape(re.sub(r"<[^>]*>?", " ", field[:20000]))
    return html.escape(" ".join(text.split()))


def _modification_times(specs: list[NoteSpec], previous: dict[str, DeckNote], now: int) -> dict[str, int]:
    """Each note keeps the time of its own last change, so Anki updates only the notes that
    changed (and a user's edits to every other note survive); a changed note gets a time
    newer than the one it had, even for two builds within a second."""
    mods = {}
    for spec in specs:
        old = previous.get(spec.guid)
        if old is not None and (old.model_id, old.fields, tuple(sorted(old.tags))) == spec.content():
            mods[spec.guid] = old.mod
        else:
            mods[spec.guid] = max(now, old.mod + 1) if old is not None else now
    return mods


def _note_types_time(previous: PreviousDeck, now: int) -> int:
    """The note types' time: kept while their fields, templates and CSS are unchanged, newer
    when they changed, so Anki takes a new card style on import (it updates a note type,
    like a note, only when the incoming one is newer)."""
    old = [previous.note_types.get(type_id) for type_id in NOTE_TYPE_IDS.values()]
    if all(old) and [entry[0] for entry in old] == list(note_type_signatures().values()):
        return max(entry[1] for entry in old)
    return max([now, *(entry[1] + 1 for entry in old if entry)])


def _shared_counts(plan: StudyPlan, siblings: dict[str, Manifest]) -> dict[str, int]:
    planned = {item.question.id for item in plan.items}
    counts = {}
    for manifest in siblings.values():
        shared = len(manifest.planned & planned)
        if shared:
            counts[manifest.name] = shared
    return dict(sorted(counts.items()))


def _description(item: _Prepared) -> str:
    """The deck's description in Anki: what it is for, what the plan holds, how to study it.
    Only what the plan decides goes in (no build date), so a rebuild stays byte-identical."""
    plan = item.plan
    topics = [selection.topic.name for selection in plan.selections()]
    named = ", ".join(html.escape(name) for name in topics[:4]) + (", …" if len(topics) > 4 else "")
    sources = " + ".join(html.escape(_source_name(source)) for source in item.report.posting.source.split(" + "))
    return (
        f"<p>Interview prep for <b>{html.escape(item.display_name)}</b>, built by prep from {sources}: "
        f"{plural(plan.cards, 'card')} over {plural(plan.days, 'day')} at {plural(plan.per_day, 'new card')} a day, "
        f"{plural(len(topics), 'topic')}, strongest first ({named}).</p>"
        f"<p><b>How to study</b>: {anki_daily_limit(plan.per_day)} and study every day; the order "
        "the new cards come in is the plan. Each card says where the posting asks for it. At the end of "
        "day N, test yourself with <code>prep quiz FOLDER --day N</code>, FOLDER being the one the deck file "
        f"came in; the study guide there, <code>{html.escape(item.slug)}-guide.md</code>, has the same plan "
        "with the answers.</p>"
    )


def _source_name(source: str) -> str:
    """A posting's source as the description names it: a URL whole, a file by its name."""
    return source if "://" in source else ("standard input" if source == "-" else Path(source).name)


def _quote(line: str, limit: int = MAX_QUOTE) -> str:
    """A posting line on one line, cut to `limit` characters at a word."""
    return clip(" ".join(line.split()), limit)


def best_evidence(question: Question, evidence: tuple[str, ...] | list[str]) -> str:
    """The posting line that best fits this question: most words in common with the
    question and its answer, the topic's strongest line on a tie ("" without evidence)."""
    if len(evidence) < 2:
        return evidence[0] if evidence else ""
    wanted = _content_words(f"{question.question} {question.answer}")
    return max(enumerate(evidence), key=lambda pair: (len(_content_words(pair[1]) & wanted), -pair[0]))[1]


_WORD = re.compile(r"[a-z][a-z0-9+#]*(?:[.-][a-z0-9+#]+)*")
_COMMON_WORDS = frozenset(
    "about after also and any are build but can does each experience for from has have how into its "
    "knowledge more most not one our such than that the their them then there these they this those "
    "through two use used using was what when which who why will with work working you your".split()
)


@lru_cache(maxsize=4096)  # evidence lines are compared with every question of their topic
def _content_words(text: str) -> frozenset[str]:
    return frozenset(
        word.rstrip("s") for word in _WORD.findall(text.lower()) if len(word) > 2 and word not in _COMMON_WORDS
    )
