"""Find the topics a posting asks for: bank aliases matched line by line.

Each match keeps its posting line as evidence; a topic's score is the sum of its
evidence lines' section weights, so a must-have requirement counts more than the
company blurb, and benefits or job-board text count for nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .banks import Bank
from .posting import SECTION_WEIGHTS, Posting

MIN_SCORE = 0.5  # below this (one mention in the company blurb) a topic is noise
UNCOVERED_SECTIONS = ("responsibilities", "requirements", "nice_to_have")

# Words that look technical (acronyms, CamelCase, C#, .NET, CI/CD) but name no skill.
_TERM = re.compile(r"(?<![\w.])(?:[A-Z]{2,6}s?|[A-Za-z]*[a-z][A-Z][A-Za-z]*|[A-Z][a-z]+[A-Z]\w*|"
                   r"[A-Za-z]+[#+]+|\.[A-Za-z]+|[A-Z][A-Za-z]+)(?!\w|\.\w)")
_NOT_TERMS = frozenset("""
API APIs SDK SDKs UI UX I A AM PM US USA UK EU EMEA APAC IT HR CV OK OR AND THE TO OF IN ON FOR WITH YOU WE OUR
CEO CTO VP QA KPI KPIs OKR OKRs FTE B2B B2C SaaS PhD BSc MSc BS MS MBA UTC CET EST PST
English German French Spanish Russian Europe European Berlin London Remote Monday Friday
Strong Solid Deep Proven Experience Experienced Familiar Familiarity Knowledge Understanding
Ability Excellent Good Great Hands Bachelor Master Degree Senior Junior Lead Engineer
Engineers Engineering Developer Developers Backend Frontend Build Design Develop Own
Work Ensure Collaborate Partner Support Contribute Drive Implement Participate Influence
Impact Actively Skilled Plus Nice Bonus Must Years Year Team Teams Product Products
""".split())


@dataclass(frozen=True)
class TopicMatch:
    bank: Bank
    score: float
    evidence: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.bank.id

    @property
    def name(self) -> str:
        return self.bank.name


@dataclass(frozen=True)
class TopicReport:
    posting: Posting
    topics: tuple[TopicMatch, ...]
    uncovered: tuple[str, ...]

    def to_json(self) -> dict:
        """The documented `prep topics --json` shape."""
        return {
            "title": self.posting.title,
            "company": self.posting.company,
            "topics": [
                {"id": match.id, "name": match.name, "score": match.score, "evidence": list(match.evidence)}
                for match in self.topics
            ],
            "uncovered": list(self.uncovered),
        }


def alias_pattern(alias: str) -> str:
    """Regex for one alias: word-bounded, space/hyphen-flexible, `*` for word endings."""
    open_ended = alias.endswith("*")
    words = re.split(r"[\s\-]+", alias.rstrip("*").strip())
    body = r"[\s\-]?".join(re.escape(word) for word in words if word)
    ending = r"\w*" if open_ended else ""
    return rf"(?<!\w){body}{ending}(?!\w)"


@dataclass
class _Alias:
    text: str
    case_sensitive: bool
    lead: int  # characters before the first word: 1 for ".net"
    bank: Bank
    _compiled: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        # Compiled on first use: most aliases never meet their first word in a posting.
        if self._compiled is None:
            self._compiled = re.compile(alias_pattern(self.text), 0 if self.case_sensitive else re.I)
        return self._compiled


class AliasIndex:
    """Every bank's aliases, looked up by the first word they start with.

    Trying a few hundred alias patterns at every position of a posting is slow; looking
    up each word of the posting in a dict and trying only the aliases that start with it
    keeps matching fast on long postings and many banks.
    """

    def __init__(self, banks: tuple[Bank, ...]):
        self.by_word: dict[tuple[str, bool], list[_Alias]] = {}
        self.by_stem: dict[tuple[str, bool], list[_Alias]] = {}  # single-word aliases ending in *
        for bank in banks:
            for alias in bank.aliases:
                self._add(alias, bank, case_sensitive=False)
            for alias in bank.case_sensitive_aliases:
                self._add(alias, bank, case_sensitive=True)
        self.stem_lengths = sorted({len(stem) for stem, _ in self.by_stem}, reverse=True)
        self._candidates: dict[str, tuple[_Alias, ...]] = {}

    def _add(self, alias: str, bank: Bank, case_sensitive: bool) -> None:
        words = re.findall(r"\w+", alias)
        if not words:
            return
        entry = _Alias(alias, case_sensitive, alias.index(words[0]), bank)
        first = words[0] if case_sensitive else words[0].lower()
        if len(words) == 1 and alias.rstrip().endswith("*"):
            self.by_stem.setdefault((first, case_sensitive), []).append(entry)
            return
        self.by_word.setdefault((first, case_sensitive), []).append(entry)
        after_first = alias[entry.lead + len(words[0]):]
        if len(words) > 1 and after_first[:1] in (" ", "-"):
            # "event driven" also matches "eventdriven", which is one word in the posting.
            joined = first + (words[1] if case_sensitive else words[1].lower())
            self.by_word.setdefault((joined, case_sensitive), []).append(entry)

    def candidates(self, word: str) -> tuple[_Alias, ...]:
        cached = self._candidates.get(word)
        if cached is None:
            lower = word.lower()
            found = [*self.by_word.get((lower, False), ()), *self.by_word.get((word, True), ())]
            for length in self.stem_lengths:
                if length <= len(word):
                    found += [*self.by_stem.get((lower[:length], False), ()), *self.by_stem.get((word[:length], True), ())]
            cached = self._candidates[word] = tuple(found)
        return cached

    def spans(self, text: str) -> list[tuple[int, int, Bank]]:
        """Alias matches in one line; a match inside a longer match of another topic is
        dropped (so "Postgre SQL" is PostgreSQL, not also SQL)."""
        spans = []
        for word in _WORD.finditer(text):
            for alias in self.candidates(word.group()):
                match = alias.pattern.match(text, word.start() - alias.lead)
                if match:
                    spans.append((match.start(), match.end(), alias.bank))
        if len(spans) < 2:
            return spans
        return [
            (start, end, bank)
            for start, end, bank in spans
            if not any(
                other is not bank and other_start <= start and end <= other_end and other_end - other_start > end - start
                for other_start, other_end, other in spans
            )
        ]


_WORD = re.compile(r"\w+")


@lru_cache(maxsize=8)
def alias_index(banks: tuple[Bank, ...]) -> AliasIndex:
    return AliasIndex(banks)


def find_spans(text: str, banks: list[Bank]) -> list[tuple[int, int, Bank]]:
    """Alias matches in one line (see AliasIndex.spans)."""
    return alias_index(tuple(banks)).spans(text)


def find_topics(posting: Posting, banks: list[Bank]) -> TopicReport:
    """Score every bank against the posting; topics strongest first."""
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    uncovered: list[str] = []
    seen_lines: set[str] = set()
    by_id = {bank.id: bank for bank in banks}
    index = alias_index(tuple(banks))
    title_line = next((line.text for line in posting.lines if posting.title and posting.title in line.text), None)
    for line in posting.lines:
        weight = SECTION_WEIGHTS["title"] if line.text == title_line else line.weight
        if weight == 0 or line.text in seen_lines:
            continue
        seen_lines.add(line.text)
        spans = index.spans(line.text)
        for bank_id in dict.fromkeys(bank.id for _, _, bank in spans):
            scores[bank_id] = scores.get(bank_id, 0.0) + weight
            evidence.setdefault(bank_id, []).append(line.text)
        if line.section in UNCOVERED_SECTIONS and not line.heading and _uncovered_terms(line.text, spans, posting.company):
            uncovered.append(line.text)
    topics = [
        TopicMatch(by_id[bank_id], round(score, 2), tuple(evidence[bank_id]))
        for bank_id, score in scores.items()
        if score >= MIN_SCORE
    ]
    topics.sort(key=lambda match: (-match.score, match.id))
    return TopicReport(posting=posting, topics=tuple(topics), uncovered=tuple(uncovered))


def _uncovered_terms(text: str, spans: list[tuple[int, int, Bank]], company: str | None) -> list[str]:
    """Technical-looking words in a line that no alias match covers."""
    if text.endswith(":") or len(text.split()) < 4:
        return []  # headings name sections, not skills
    lead_in = re.match(r"^[^:.!?]{1,60}:\s+", text)  # "Deep Tech Skills: TypeScript, …"
    offset = lead_in.end() if lead_in else 0
    words = re.findall(r"[A-Za-z][\w'’]*", text[offset:])
    title_case = all(word[0].isupper() for word in words if len(word) > 3)
    terms = []
    for match in _TERM.finditer(text):
        term = match.group()
        if match.start() < offset or term in _NOT_TERMS or (company and term in company.split()) or any(start <= match.start() < end for start, end, _ in spans):
            continue
        if term[0].isupper() and term[1:].islower():
            # A plain capitalised word counts only mid-sentence in ordinary prose
            # ("tools (Terraform)"), not at a sentence start or in Title Case.
            before = text[:match.start()].rstrip()
            if title_case or not before or before[-1] in ".:!?;-–—" or before.endswith(("’s", "'s")):
                continue
        terms.append(term)
    return terms
