"""The study plan: which questions fit the days left, and the order Anki serves them.

A step between finding topics and writing outputs. Deck, guide and quiz all read the
same `StudyPlan`, so the order a user studies in is one order everywhere.

The rule, in short (README "The study plan" says it for users):
- the budget is days × new cards a day, counted as Anki counts cards (a cloze with
  two deletions is two cards);
- each topic ranks its own questions: core questions first, then the rest with
  difficulties interleaved, fundamentals leading;
- the ranked questions are cut into blocks of BLOCK questions; a block's priority is
  its place in its topic, stretched by how much weaker its topic is than the
  posting's strongest: `(block + HEAD_START) / relative weight`. The budget takes the
  highest priorities, and they are served in that order, so the strongest topics come
  first, later days widen to weaker ones, and a day holds a few whole blocks;
- every topic found gets at least its first MIN_PER_TOPIC questions when the budget
  allows, served where their priority puts them (late, for a weak topic);
- each day is then regrouped topic by topic (strongest first, fundamentals first
  within a topic), so a day reads as a few coherent groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from .banks import CLOZE_PATTERN, DIFFICULTIES, Question
from .select import TopicSelection, ranked_questions
from .topics import TopicMatch, TopicReport

DEFAULT_DAYS = 7
DEFAULT_PER_DAY = 20  # Anki's default "new cards/day"
BLOCK = 5  # questions of one topic studied together
# How far ahead of weaker topics the strongest one starts: with 2, a topic of half
# the top weight gets its first block once the strongest topic has had two.
HEAD_START = 2.0
MIN_PER_TOPIC = 2


@dataclass(frozen=True)
class PlannedQuestion:
    question: Question
    topic: TopicMatch
    day: int  # 1-based
    cards: int  # as Anki counts them


@dataclass(frozen=True)
class StudyPlan:
    items: tuple[PlannedQuestion, ...]  # in the order Anki serves them
    per_day: int
    topics: tuple[TopicMatch, ...]  # every topic found, strongest first

    @property
    def days(self) -> int:
        return self.items[-1].day if self.items else 0

    @property
    def cards(self) -> int:
        return sum(item.cards for item in self.items)

    def up_to(self, day: int | None) -> StudyPlan:
        """The part of the plan studied by the end of `day` (all of it for None)."""
        if day is None:
            return self
        return StudyPlan(tuple(item for item in self.items if item.day <= day), self.per_day, self.topics)

    def selections(self) -> list[TopicSelection]:
        """Planned questions per topic, strongest topic first, each in served order."""
        by_topic: dict[str, list[Question]] = {}
        for item in self.items:
            by_topic.setdefault(item.topic.id, []).append(item.question)
        return [TopicSelection(topic, tuple(by_topic[topic.id])) for topic in self.topics if topic.id in by_topic]

    def day_groups(self) -> list[tuple[int, list[tuple[TopicMatch, list[PlannedQuestion]]]]]:
        """For each day: its topic groups in served order."""
        days: dict[int, list[tuple[TopicMatch, list[PlannedQuestion]]]] = {}
        for item in self.items:
            groups = days.setdefault(item.day, [])
            if not groups or groups[-1][0].id != item.topic.id:
                groups.append((item.topic, []))
            groups[-1][1].append(item)
        return sorted(days.items())


def card_count(question: Question) -> int:
    """Cards Anki makes from the question's note: one per distinct cloze number."""
    if question.kind != "cloze":
        return 1
    return max(1, len({match.group(1) for match in CLOZE_PATTERN.finditer(question.question)}))


def make_plan(
    report: TopicReport,
    budget: int | None,
    per_day: int = DEFAULT_PER_DAY,
    levels: tuple[str, ...] = (),
    max_per_topic: int | None = None,
) -> StudyPlan:
    """Plan at most `budget` cards (None: every ranked question) at `per_day` cards a day."""
    ranked = {topic.id: ranked_questions(topic, levels, max_per_topic) for topic in report.topics}
    top_score = max((topic.score for topic in report.topics), default=1.0)
    candidates = []  # (priority, topic rank, question rank, topic, question)
    for topic_rank, topic in enumerate(report.topics):
        weight = max(topic.score / top_score, 1e-6)
        for rank, question in enumerate(ranked[topic.id]):
            candidates.append(((rank // BLOCK + HEAD_START) / weight, topic_rank, rank, topic, question))
    candidates.sort(key=lambda candidate: candidate[:3])
    chosen = _fit_budget(candidates, budget)
    chosen.sort(key=lambda candidate: candidate[:3])
    return StudyPlan(_served_order(chosen, per_day), per_day, report.topics)


def _fit_budget(candidates: list, budget: int | None) -> list:
    if budget is None:
        return list(candidates)
    floor = [candidate for candidate in candidates if candidate[2] < MIN_PER_TOPIC]
    if sum(card_count(candidate[4]) for candidate in floor) > budget:
        floor = []  # too little time for every topic: strongest first, nothing more
    chosen, used = list(floor), sum(card_count(candidate[4]) for candidate in floor)
    taken = {id(candidate) for candidate in floor}
    for candidate in candidates:
        cards = card_count(candidate[4])
        if id(candidate) in taken or used + cards > budget:
            continue
        chosen.append(candidate)
        used += cards
    return chosen


def _served_order(chosen: list, per_day: int) -> tuple[PlannedQuestion, ...]:
    """Cut the priority order into days of `per_day` cards, then group each day by topic.

    A note belongs to the day of its first card, as Anki gathers a day's new cards by
    position: a cloze whose second card falls past the day's limit still starts that day.
    """
    days: list[list] = []
    served_cards = 0
    for candidate in chosen:
        day = min(served_cards // per_day, len(days))  # a cloze wider than a day does not skip one
        if day == len(days):
            days.append([])
        days[day].append(candidate)
        served_cards += card_count(candidate[4])
    items = []
    for day, day_candidates in enumerate(days, 1):
        day_candidates.sort(
            key=lambda c: (c[1], DIFFICULTIES.index(c[4].difficulty), not c[4].core, c[2]),
        )
        items += [PlannedQuestion(c[4], c[3], day, card_count(c[4])) for c in day_candidates]
    return tuple(items)


def anki_daily_limit(per_day: int) -> str:
    """How to get `per_day` new cards a day in Anki: its default is 20."""
    if per_day == DEFAULT_PER_DAY:
        return "keep the deck's default options (20 new cards a day)"
    return f"set the deck's New cards/day to {per_day} (Deck options → Daily limits)"
