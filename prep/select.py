"""Choose which questions go into a posting's deck, guide and quiz."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .banks import DIFFICULTIES, Question
from .topics import TopicMatch, TopicReport

MIN_SHARE = 0.4  # the weakest topic found still gets this share of its bank


@dataclass(frozen=True)
class TopicSelection:
    topic: TopicMatch
    questions: tuple[Question, ...]


def select_questions(
    report: TopicReport, max_per_topic: int | None = None, levels: tuple[str, ...] = ()
) -> list[TopicSelection]:
    """Strongest topics first; each topic's share of its bank follows its score.

    The strongest topic keeps every question, weaker ones proportionally fewer (at
    least 40%); `max_per_topic` caps every topic and `levels` keeps only those
    difficulties. Trimming alternates difficulties so a short deck stays mixed.
    """
    if not report.topics:
        return []
    top_score = report.topics[0].score
    selections = []
    for topic in report.topics:
        candidates = [q for q in topic.bank.questions if not levels or q.difficulty in levels]
        share = MIN_SHARE + (1 - MIN_SHARE) * min(1.0, topic.score / top_score)
        count = math.ceil(len(candidates) * share)
        if max_per_topic is not None:
            count = min(count, max_per_topic)
        chosen = _interleave_by_difficulty(candidates)[:count]
        chosen.sort(key=lambda q: (DIFFICULTIES.index(q.difficulty), candidates.index(q)))
        if chosen:
            selections.append(TopicSelection(topic, tuple(chosen)))
    return selections


def _interleave_by_difficulty(questions: list[Question]) -> list[Question]:
    by_level = [[q for q in questions if q.difficulty == level] for level in DIFFICULTIES]
    interleaved = []
    for round_index in range(max((len(group) for group in by_level), default=0)):
        interleaved.extend(group[round_index] for group in by_level if round_index < len(group))
    return interleaved
