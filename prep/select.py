"""Rank each topic's questions: what to study first when time is short."""

from __future__ import annotations

from dataclasses import dataclass

from .banks import DIFFICULTIES, Question
from .topics import TopicMatch


@dataclass(frozen=True)
class TopicSelection:
    topic: TopicMatch
    questions: tuple[Question, ...]


def ranked_questions(
    topic: TopicMatch, levels: tuple[str, ...] = (), max_per_topic: int | None = None
) -> list[Question]:
    """The topic's questions, most important first.

    Core questions (the ones every interviewer asks) lead, fundamentals first; the rest
    follow with difficulties interleaved, so a topic cut short still has some depth.
    `levels` keeps only those difficulties; `max_per_topic` caps the list.
    """
    candidates = [q for q in topic.bank.questions if not levels or q.difficulty in levels]
    core = sorted((q for q in candidates if q.core), key=lambda q: DIFFICULTIES.index(q.difficulty))
    by_level = [[q for q in candidates if not q.core and q.difficulty == level] for level in DIFFICULTIES]
    rest = [
        group[round_index]
        for round_index in range(max((len(group) for group in by_level), default=0))
        for group in by_level
        if round_index < len(group)
    ]
    ranked = core + rest
    return ranked if max_per_topic is None else ranked[:max_per_topic]
