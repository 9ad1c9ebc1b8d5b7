"""Write the Anki deck with genanki.

Note types are a compatibility surface: Anki only updates notes in place when the
note type id and its fields are unchanged, so the ids and field lists below are
frozen (tests/test_deck.py fails if they change), and so are the field and template
ids (Anki 2.1.67+ merges a changed note type by them when the user asks it to). A
changed note type must get a new id on purpose.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import re
import sqlite3
import time
import zipfile
from dataclasses import dataclass
from functools import lru_cache

import genanki

from .banks import CHOICE_LETTERS, Question, Reference
from .deckdir import note_type_signature
from .render import highlight_css, to_html, to_inline_html

ROOT_DECK = "Interview Prep"

COMMON_FIELDS = ["References", "Topic", "Level", "Context", "QuestionId"]
NOTE_TYPE_FIELDS = {
    "qa": ["Question", "Answer", "FollowUps", *COMMON_FIELDS],
    "cloze": ["Text", "Extra", *COMMON_FIELDS],
    "choice": ["Question", "Choices", "Answer", "Explanation", *COMMON_FIELDS],
    "behavioural": ["Prompt", "StrongAnswer", "Star", "FollowUps", *COMMON_FIELDS],
}
NOTE_TYPE_IDS = {"qa": 1842016501, "cloze": 1842016502, "choice": 1842016503, "behavioural": 1842016504}
# Field and template ids (Anki 2.1.67+ matches fields and templates by them, so a future
# change to a note type can be merged on import instead of arriving as a conflicting copy).
# Frozen like the fields: a renamed field keeps its id, a new field gets a new random one.
FIELD_IDS = {
    "qa": {
        "Question": 1431521476,
        "Answer": 10121066,
        "FollowUps": 1784185506,
        "References": 966189536,
        "Topic": 1399527784,
        "Level": 395960993,
        "Context": 1041489088,
        "QuestionId": 1018336153,
    },
    "cloze": {
        "Text": 54012658,
        "Extra": 1317305719,
        "References": 1835092020,
        "Topic": 283311048,
        "Level": 1467263443,
        "Context": 855002368,
        "QuestionId": 48186374,
    },
    "choice": {
        "Question": 1305237195,
        "Choices": 368357490,
        "Answer": 710681505,
        "Explanation": 314049156,
        "References": 1744950343,
        "Topic": 1240597201,
        "Level": 1515713078,
        "Context": 1598110048,
        "QuestionId": 1624707673,
    },
    "behavioural": {
        "Prompt": 224738262,
        "StrongAnswer": 353627612,
        "Star": 1057394697,
        "FollowUps": 1822420308,
        "References": 737799778,
        "Topic": 216999453,
        "Level": 83354089,
        "Context": 812311779,
        "QuestionId": 387947899,
    },
}
TEMPLATE_IDS = {"qa": 1866256859, "cloze": 746172938, "choice": 2017955586, "behavioural": 1750457437}
NOTE_TYPE_NAMES = {
    "qa": "prep: Question & answer",
    "cloze": "prep: Cloze",
    "choice": "prep: Multiple choice",
    "behavioural": "prep: Behavioural prompt",
}

_HEADER = '<div class="meta">{{Topic}} · {{Level}}</div>'
_CONTEXT = '{{#Context}}<div class="context">{{Context}}</div>{{/Context}}'
_REFERENCES = '{{#References}}<div class="refs">{{References}}</div>{{/References}}'
_FOLLOW_UPS = (
    '{{#FollowUps}}<div class="followups"><div class="label">Follow-ups</div>{{FollowUps}}</div>{{/FollowUps}}'
)
_TEMPLATES = {
    "qa": (
        f'{_HEADER}<div class="question">{{{{Question}}}}</div>{_CONTEXT}',
        f'{{{{FrontSide}}}}<hr id="answer"><div class="answer">{{{{Answer}}}}</div>{_FOLLOW_UPS}{_REFERENCES}',
    ),
    "cloze": (
        f'{_HEADER}<div class="question">{{{{cloze:Text}}}}</div>{_CONTEXT}',
        f'{_HEADER}<div class="question">{{{{cloze:Text}}}}</div>{_CONTEXT}<hr id="answer">'
        f'{{{{#Extra}}}}<div class="answer">{{{{Extra}}}}</div>{{{{/Extra}}}}{_REFERENCES}',
    ),
    "choice": (
        f'{_HEADER}<div class="question">{{{{Question}}}}</div><div class="choices">{{{{Choices}}}}</div>{_CONTEXT}',
        f'{{{{FrontSide}}}}<hr id="answer"><div class="answer correct">{{{{Answer}}}}</div>'
        f'<div class="explanation">{{{{Explanation}}}}</div>{_REFERENCES}',
    ),
    "behavioural": (
        f'{_HEADER}<div class="question">{{{{Prompt}}}}</div>{_CONTEXT}',
        f'{{{{FrontSide}}}}<hr id="answer"><div class="label">What a strong answer shows</div>'
        f'<div class="answer">{{{{StrongAnswer}}}}</div>'
        f'<div class="label">STAR</div><div class="star">{{{{Star}}}}</div>{_FOLLOW_UPS}{_REFERENCES}',
    ),
}

_CARD_CSS = """
.card { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 18px; line-height: 1.5; text-align: left; color: #1f2328; background: #ffffff;
  max-width: 42em; margin: 0 auto; padding: 12px 16px; }
.meta { font-size: 13px; color: #57606a; text-transform: uppercase; letter-spacing: .04em; margin-bottom: 8px; }
.question { font-size: 20px; font-weight: 600; }
.question p, .answer p { margin: .4em 0; }
.context { margin-top: 14px; padding: 6px 10px; border-left: 3px solid #d0d7de; font-size: 14px; color: #57606a; }
.label { font-size: 13px; font-weight: 600; color: #57606a; text-transform: uppercase; margin-top: 12px; }
.choices ol { list-style: upper-alpha; padding-left: 1.6em; }
.choices li { margin: .35em 0; }
.correct { font-weight: 600; color: #1a7f37; }
.explanation, .star, .followups { margin-top: 10px; }
.star dl { margin: 0; } .star dt { font-weight: 600; margin-top: 6px; } .star dd { margin-left: 1em; }
.refs { margin-top: 14px; font-size: 13px; color: #57606a; }
.refs a { color: #0969da; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em;
  background: #eff1f3; padding: .1em .3em; border-radius: 4px; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; padding: 10px; border-radius: 6px; font-size: 14px;
  line-height: 1.4; background: #f6f8fa; }
pre code { background: none; padding: 0; white-space: inherit; }
table { border-collapse: collapse; max-width: 100%; } td, th { border: 1px solid #d0d7de; padding: 4px 8px;
  overflow-wrap: break-word; hyphens: auto; }
.cloze { font-weight: 700; color: #0969da; }
hr#answer { border: none; border-top: 1px solid #d0d7de; margin: 14px 0; }
.star { border-left: 3px solid #d0d7de; padding-left: 10px; }
.nightMode.card, .night_mode .card, .nightMode .card { color: #e6edf3; background: #0d1117; }
.nightMode .meta, .nightMode .context, .nightMode .label, .nightMode .refs,
.night_mode .meta, .night_mode .context, .night_mode .label, .night_mode .refs { color: #9198a1; }
.nightMode .context, .night_mode .context { border-left-color: #3d444d; }
.nightMode .correct, .night_mode .correct { color: #3fb950; }
.nightMode .cloze, .night_mode .cloze, .nightMode .refs a, .night_mode .refs a { color: #4493f8; }
.nightMode code, .night_mode code { background: #262c36; }
.nightMode pre, .night_mode pre { background: #161b22; }
.nightMode hr#answer, .night_mode hr#answer { border-top-color: #3d444d; }
.nightMode td, .nightMode th, .night_mode td, .night_mode th, .nightMode .star, .night_mode .star {
  border-color: #3d444d; }
@media (max-width: 480px) {
  .card { font-size: 16px; padding: 8px; } .question { font-size: 18px; } pre { font-size: 12px; padding: 8px; }
  table { font-size: 14px; } td, th { padding: 3px 5px; }
}
"""


@lru_cache(maxsize=None)
def note_type(kind: str) -> genanki.Model:
    front, back = _TEMPLATES[kind]
    # genanki copies these dicts into the note type's JSON as they are, "id" included.
    return genanki.Model(
        NOTE_TYPE_IDS[kind],
        NOTE_TYPE_NAMES[kind],
        fields=[{"name": name, "id": FIELD_IDS[kind][name]} for name in NOTE_TYPE_FIELDS[kind]],
        templates=[{"name": "Card", "id": TEMPLATE_IDS[kind], "qfmt": front, "afmt": back}],
        css=_CARD_CSS + highlight_css(),
        model_type=genanki.Model.CLOZE if kind == "cloze" else genanki.Model.FRONT_BACK,
    )


def note_type_signatures() -> dict[int, str]:
    """What Anki compares to decide whether an imported note type changed."""
    signatures = {}
    for kind, type_id in NOTE_TYPE_IDS.items():
        model = note_type(kind)
        templates = [(template["qfmt"], template["afmt"]) for template in model.templates]
        signatures[type_id] = note_type_signature([field["name"] for field in model.fields], templates, model.css)
    return signatures


def deck_id(name: str) -> int:
    """Stable deck id from the deck's name (Anki ids are positive 63-bit integers)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:7], "big")


def note_guid(question_id: str, kind: str) -> str:
    """One question is one note everywhere: across rebuilds and across postings. The kind
    is part of it, because Anki cannot move a note to another note type on import: a
    question whose kind changes becomes a new note, and the old one is retired."""
    return genanki.guid_for("prep", question_id, kind)


def deck_name_part(text: str) -> str:
    """Anki uses `::` to nest decks; a posting name must not create extra levels."""
    return " ".join(re.sub(r":{2,}", ":", text).split())


def posting_deck(posting_name: str) -> str:
    """One deck per posting, no topic subdecks: Anki gathers new cards deck by deck, so a
    single deck is what lets the card positions be the plan (topics are tags)."""
    return f"{ROOT_DECK}::{deck_name_part(posting_name)}"


def posting_tag(slug: str) -> str:
    return f"prep::posting::{slug}"


def dropped_tag(slug: str) -> str:
    """A note this posting's plan held before and holds no longer."""
    return f"prep::dropped::{slug}"


@dataclass(frozen=True)
class NoteSpec:
    """A note as it goes into the deck: kept plain so builds can be compared."""

    guid: str
    kind: str
    deck: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]

    def content(self) -> tuple:
        """What Anki overwrites on import: when this changes, the note needs a newer time."""
        return (NOTE_TYPE_IDS[self.kind], self.fields, tuple(sorted(self.tags)))


def question_spec(question: Question, topic_name: str, deck: str, context: str, tags: tuple[str, ...]) -> NoteSpec:
    """The note for a bank question, with its topic, difficulty and kind tags added."""
    own_tags = (
        f"prep::topic::{question.topic_id}",
        f"prep::level::{question.difficulty}",
        f"prep::kind::{question.kind}",
    )
    return NoteSpec(
        guid=note_guid(question.id, question.kind),
        kind=question.kind,
        deck=deck,
        fields=_fields(question, topic_name, context),
        tags=tuple(sorted({*own_tags, *tags})),
    )


def context_html(quotes: list[tuple[str, str]], name_postings: bool = False) -> str:
    """Where the posting asks for this: its line, quoted; with several postings (or
    `name_postings`, in a deck merged from several), one 'Asked for <b>Acme</b>: “…”' each."""
    if len(quotes) == 1 and not name_postings:
        return f"“{html.escape(quotes[0][1])}”" if quotes[0][1] else ""
    return " · ".join(
        f"Asked for <b>{html.escape(name)}</b>" + (f": “{html.escape(quote)}”" if quote else "")
        for name, quote in quotes
    )


class _TimedNote(genanki.Note):
    """A note that carries its own modification time: Anki updates a note on import only
    when the incoming one is newer, so each note's time is its own last change."""

    def __init__(self, mod: int, **kwargs):
        super().__init__(**kwargs)
        self.mod = mod

    def write_to_db(self, cursor, timestamp: float, deck_id, id_gen):
        return super().write_to_db(cursor, self.mod, deck_id, id_gen)


def deck_bytes(specs: list[NoteSpec], mods: dict[str, int], description: str, timestamp: int) -> bytes:
    """The .apkg: notes in `specs` order are the new-card order Anki serves. `timestamp`
    dates the note types and decks; each note carries its own time from `mods`."""
    decks: dict[str, genanki.Deck] = {}
    for position, spec in enumerate(specs):
        deck = decks.setdefault(spec.deck, genanki.Deck(deck_id(spec.deck), spec.deck, description=description))
        deck.add_note(
            _TimedNote(
                mods[spec.guid],
                model=note_type(spec.kind),
                fields=list(spec.fields),
                tags=list(spec.tags),
                guid=spec.guid,
                due=position,
            )
        )
    # genanki's write_to_file stamps the zip with the wall clock and leaves its temporary
    # database behind; building the database in memory and stamping the zip with the
    # newest note's time keeps an unchanged rebuild byte-identical, and is faster.
    package = genanki.Package(list(decks.values()))
    connection = sqlite3.connect(":memory:")
    package.write_to_db(connection.cursor(), timestamp, itertools.count(timestamp * 1000))
    connection.commit()
    database = connection.serialize()
    connection.close()
    stamp = time.gmtime(timestamp)[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(zipfile.ZipInfo("collection.anki2", stamp), database, zipfile.ZIP_DEFLATED, 1)
        archive.writestr(zipfile.ZipInfo("media", stamp), "{}", zipfile.ZIP_DEFLATED, 1)
    return buffer.getvalue()


def _references_html(references: tuple[Reference, ...]) -> str:
    return " · ".join(
        f'<a href="{html.escape(ref.url, quote=True)}">{html.escape(ref.title)}</a>' for ref in references
    )


def _list_html(items: tuple[str, ...], ordered: bool = False) -> str:
    if not items:
        return ""
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{to_inline_html(item)}</li>" for item in items) + f"</{tag}>"


def _fields(question: Question, topic_name: str, context: str) -> tuple[str, ...]:
    common = (_references_html(question.references), html.escape(topic_name), question.difficulty, context, question.id)
    if question.kind == "qa":
        return (to_html(question.question), to_html(question.answer), _list_html(question.follow_ups), *common)
    if question.kind == "cloze":
        return (to_html(question.question), to_html(question.answer) if question.answer else "", *common)
    if question.kind == "choice":
        correct = next(i for i, choice in enumerate(question.choices) if choice.correct)
        answer = f"{CHOICE_LETTERS[correct]}. {to_inline_html(question.choices[correct].text)}"
        choices = _list_html(tuple(choice.text for choice in question.choices), ordered=True)
        return (to_html(question.question), choices, answer, to_html(question.answer), *common)
    star = question.star
    assert star is not None, "the bank loader requires a STAR outline on behavioural questions"
    star_html = (
        "<dl>" + "".join(f"<dt>{label}</dt><dd>{to_inline_html(text)}</dd>" for label, text in star.steps()) + "</dl>"
    )
    return (to_html(question.question), to_html(question.answer), star_html, _list_html(question.follow_ups), *common)
