"""Find the topics a posting asks for: bank aliases matched line by line.

Each match keeps its posting line as evidence. A topic's score starts from its best
line's section weight and each further line adds half the one before (a behavioural
topic counts its best line only), so a must-have requirement counts more than the
company blurb, repeats saturate, and benefits or job-board text count for nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .banks import COMMON_WORDS, Bank
from .errors import UnknownTopicError
from .posting import SECTION_WEIGHTS, Posting, PostingLine

MIN_SCORE = 0.5  # below this (one mention in the company blurb) a topic is noise
REPEAT_DECAY = 0.5  # each further line that mentions a topic counts half the one before
USER_ADDED_EVIDENCE = "(added by you with --topic)"
UNCOVERED_SECTIONS = ("responsibilities", "requirements", "nice_to_have")
# A real posting has a few dozen requirement lines; past these limits (a page dump, a
# log pasted by mistake) the list of uncovered lines stops being useful.
MAX_UNCOVERED = 50
UNCOVERED_SCAN_LINES = 2000

# Words that look like technology names: acronyms, CamelCase, C#, .NET, capitalised names.
_TERM = re.compile(
    r"(?<![\w.])(?:[A-Z]{2,6}s?|[A-Za-z]*[a-z][A-Z][A-Za-z]*|[A-Z][a-z]+[A-Z]\w*|"
    r"[A-Za-z]+[#+]+|\.[A-Za-z]+|[A-Z][A-Za-z]+)(?!\w|\.\w)"
)
_TERM_HINT = re.compile(r"[A-Z#+]")
_TERM_NUMBER = re.compile(r" \d{2,5}\b")
_LEAD_IN = re.compile(r"^[^:.!?]{1,60}:\s+")
_PROSE_WORD = re.compile(r"[A-Za-z][\w'’]*")
# ...and the common ones among them that name no skill.
_NOT_TERMS = frozenset(
    """
API APIs SDK SDKs UI UX I A AM PM US USA UK EU EMEA APAC IT HR CV OK OR AND THE TO OF IN ON FOR WITH YOU WE OUR
CEO CTO VP QA KPI KPIs OKR OKRs FTE B2B B2C SaaS PhD BSc MSc BS MS MBA UTC CET EST PST
English German French Spanish Russian Europe European Berlin London Remote Monday Friday
Strong Solid Deep Proven Experience Experienced Familiar Familiarity Knowledge Understanding
Ability Excellent Good Great Hands Bachelor Master Degree Senior Junior Lead Engineer
Engineers Engineering Developer Developers Backend Frontend Build Design Develop Own
Work Ensure Collaborate Partner Support Contribute Drive Implement Participate Influence
Impact Actively Skilled Plus Nice Bonus Must Years Year Team Teams Product Products
DevOps Computer Science Director Manager Talent Technologies Efforts Initiatives Fintech YoE
""".split()
)


def _near(first: str, then: str, words: int = 4) -> str:
    """`first`, then `then` within a few words on the same line."""
    return rf"\b(?:{first})\b(?:\W+\w+){{0,{words}}}?\W+(?:{then})"


def _any(*phrases: str) -> str:
    """Any of these phrases (regexes) as whole words."""
    return r"\b(?:" + "|".join(phrases) + r")\b"


# What a backend engineer builds, and the verbs for leading that work.
_SYSTEMS = _any(
    r"systems?", r"services?", r"platforms?", r"backends?", r"architectures?", r"infrastructures?",
    r"applications?", "apps", r"apis?", r"clusters?", r"databases?", r"solutions?", "software",
    r"products?", "code", "networking",
)  # fmt: skip
_LEAD = r"lead|leads|leading|led|drive|drives|driving|spearhead|spearheading|shepherd|champion"

# Concept grammars: how postings describe a topic without naming it, each a regex over
# one line (`_near(a, b)`: a, then b within a few words). Aliases name things; these
# catch descriptions of the work: "build and scale our platform", "lead initiatives",
# "secure, scalable solutions", "integrate with third-party APIs".
CONCEPTS: dict[str, tuple[str, ...]] = {
    "system-design": (
        _near("scale|scales|scaling", _SYSTEMS, 3),  # "scale our payments platform"
        _near("build|design|develop|grow|manage|managing|automate|operate|run", r"scal(?:e|ing)\b", 1),
        _near(
            r"operate|run|serve|build|design|develop|deploy|systems?|services?|applications?", r"at (?:\w+ )?scale\b"
        ),
        _near(r"large[- ]scale|resilient|fault[- ]tolerant|high[- ]performance|highly performant", _SYSTEMS, 3),
        _near(r"(?:re-?)?architect(?:ing)?", _SYSTEMS, 6),  # the verb: "architect and build services"
        _near("design|designs|designing", "(?:complex|large|distributed|scalable) systems", 3),
        _any("architectural design", r"system designs?"),
    ),
    "technical-leadership": (
        _near(
            _LEAD + "|help lead",
            _any(r"initiatives?", "technical(?:ly)?", "architecture", "(?:the )?design", "(?:the )?development")
            + "|"
            + _any("efforts", "best practices", "standards", r"projects?"),
            2,
        ),
        _near(
            "lead|leading|participate|participating|consult|contribute|contributing|involved",
            r"architect\w* (?:discussions?|decisions?|design)",
        ),
        _near(
            r"defin\w*|shap\w*|own|owning|guid\w*|evolv\w*|influenc\w*|input (?:on|into)|oversight",
            r"(?:\w+ )?architecture\b|technical designs?",
            6,
        ),
        _near(
            "set|setting|establish|define|defining|determine|uphold|own",
            r"(?:coding|engineering|technical|team) (?:standards|best practices|guidelines)"
            r"|best practices and direction",
            3,
        ),
        _any(
            r"subject matter experts?", r"technical leaders?", "expert and authority", r"technical (?:expertise|plans)"
        ),
    ),
    "web-security": (
        r"(?<!social )(?<!job )(?<!national )(?<!-)\bsecur(?:e|ity|ing)\b(?! clearance)(?! (?:a|the|funding)\b)",
        _any(r"vulnerabilit\w+", r"cryptograph\w+", r"safeguard\w*(?:\W+\w+){0,2}?\W+data", "data protection")
        + "|"
        + _any("seguridad", "sécurité", "sicherheit"),
    ),
    "product-impact": (
        _near("business|product|customer", r"goals|objectives|outcomes|value|focus|decisions?|decision-making", 2),
        _near(r"align\w*", r"(?:business|product|company) (?:goals|objectives|needs|priorities|strategy)", 5),
        _any(r"OKRs?", r"data[- ](?:oriented|informed)", r"leverag\w+ data", "product domain")
        + "|"
        + _any(r"besoins (?:métiers?|clients?|utilisateurs?)", r"orientación al cliente", r"kundenorientiert\w*"),
    ),
    "collaboration": (
        _any("interpersonal skills", "communication and collaboration", "collaborative (?:mindset|approach)"),
        _near(
            r"communicat\w*|work|working|collaborat\w*",
            "(?:the |our )?"
            + _any(
                r"clients?", "customers", "domain experts", "stakeholders", "(?:other |product |engineering )?teams"
            ),
            3,
        ),
    ),
    "rest-api": (
        _any(r"API endpoints?", "de APIs"),
        _near(r"build\w*|design\w*|develop\w*|implement\w*|maintain\w*|expos\w*|creat\w*|features", r"APIs\b", 4),
    ),
    "mentoring": (
        _any(r"less[- ]experienced", "role model", "people'?s development", r"career (?:growth|development) of")
        + "|"
        + _any("shape their (?:individual )?careers"),
        _near(
            "train|training|coach|coaching|grow|growing|develop|developing|upskill|upskilling",
            "(?:other |our |your )?" + _any("team ?members", "teammates", "team mates", "juniors"),
            1,
        ),
    ),
    "integration-patterns": (
        _near(
            r"build\w*|develop\w*|maintain\w*|safe|new|partner|external|customer|and",
            r"integrations\b(?!\W+(?:tests?|testing))",
            2,
        ),
        _near(
            "integrat(?:e|es|ed|ing|ion|ión|ação)",
            r"(?:\w+ )?"
            + _any("external", "third[- ]party", "3rd[- ]party", "partner", "vendor", "externos?", "externes?"),
            3,
        ),
        _any(r"sync(?:hroni[sz]\w+)? with"),
    ),
    "distributed-systems": (
        _near(
            "distributed",
            "(?:\\w+ )?" + _any("systems", r"databases?", r"data ?stores?", "technologies", "paradigms"),
            2,
        ),
        _any(r"redundan\w+", r"single points? of failure", r"master[- ](?:master|slave)"),
    ),
    "observability": (_near("monitor|monitors|monitored", _SYSTEMS + "|performance|health|uptime|production", 3),),
    "messaging": (
        _any(
            "eventing",
            "event[- ]based",
            r"asynchronous architectures?",
            "filas",
            "colas de mensajes",
            "files d'attente",
        ),
    ),
    # Case-sensitive coordinations: "AWS EC2, Glue, Lambda"; "PHP, Python, Go, Node".
    "serverless": (r"(?-i:\b(?:AWS|ECS|EC2|S3|SQS|SNS|Glue|Kubernetes|Fargate)\b(?:\W+\w+){0,4}?\W+Lambda\b)",),
    "nodejs": (r"(?-i:\b(?:PHP|Python|Go|Java|Ruby|Rust|Kotlin|Elixir),(?: \w+,){0,3} Node\b)",),
}
# A cheap test before a topic's grammars run: one of these must occur in the lowercased
# line (every grammar above needs one of them).
CONCEPT_TRIGGERS: dict[str, tuple[str, ...]] = {
    "system-design": ("scal", "architect", "resilient", "fault", "perform", "design"),
    "technical-leadership": ("lead", "led ", "driv", "spearhead", "shepherd", "champion", "architect", "input",
                             "oversight", "standards", "best practices", "expert", "technical"),
    "web-security": ("secur", "vulnerab", "cryptograph", "safeguard", "protection", "sécurité", "seguridad",
                     "sicherheit"),
    "product-impact": ("goal", "objective", "outcome", "value", "focus", "decision", "align", "okr", "data",
                       "product domain", "besoins", "orientación", "kundenorientiert"),
    "collaboration": ("interpersonal", "collaborat", "communicat", "work"),
    "rest-api": ("api",),
    "mentoring": ("experienced", "role model", "development", "career", "train", "coach", "grow", "develop",
                  "upskill"),
    "integration-patterns": ("integra", "sync"),
    "distributed-systems": ("distributed", "redundan", "single point", "master"),
    "observability": ("monitor",),
    "messaging": ("event", "asynchronous", "filas", "colas", "files d"),
    "serverless": ("lambda",),
    "nodejs": ("node",),
}  # fmt: skip
# Where an alias names a topic but the line means something else: "testing" as one step
# of a lifecycle ("deploying, testing and maintaining"), "monitoring of ads".
NOT_CONCEPTS: dict[str, str] = {
    "testing": r"\b\w+ing, testing\b(?!,? (?:frameworks?|tools?))|\btesting (?:and|&) (?:benchmark|maintain|deploy)\w*",
    "observability": r"\bmonitoring (?:of|your) (?!\w*\s*(?:systems?|services?|applications?|infrastructure))",
}


@lru_cache(maxsize=1)
def _compiled_concepts() -> tuple[re.Pattern[str], dict[str, frozenset[str]]]:
    """One pattern that finds every trigger in a line, and the topics each trigger wakes.

    A trigger that contains another ("development" holds "develop") is served by the
    shorter one, so no two triggers start at the same place and one overlapping scan
    finds them all.
    """
    triggers = {trigger for triggers in CONCEPT_TRIGGERS.values() for trigger in triggers}
    shortest = {trigger: min((t for t in triggers if t in trigger), key=len) for trigger in triggers}
    topics_by_trigger: dict[str, set[str]] = {}
    for topic_id, topic_triggers in CONCEPT_TRIGGERS.items():
        for trigger in topic_triggers:
            topics_by_trigger.setdefault(shortest[trigger], set()).add(topic_id)
    finder = re.compile("(?=(" + "|".join(re.escape(trigger) for trigger in sorted(topics_by_trigger)) + "))")
    return finder, {trigger: frozenset(ids) for trigger, ids in topics_by_trigger.items()}


@lru_cache(maxsize=None)
def _grammars(topic_id: str) -> tuple[re.Pattern[str], ...]:
    """A topic's grammars, compiled the first time a line wakes the topic: most postings
    wake a few topics, and compiling them all would cost more than reading the posting."""
    return tuple(re.compile(rule, re.I) for rule in CONCEPTS[topic_id])


@lru_cache(maxsize=1)
def _compiled_not_concepts() -> dict[str, re.Pattern[str]]:
    return {topic_id: re.compile(rule, re.I) for topic_id, rule in NOT_CONCEPTS.items()}


def concept_spans(text: str, banks_by_id: dict[str, Bank]) -> list[tuple[int, int, Bank]]:
    """Where a concept grammar describes a loaded bank's topic in one line."""
    finder, topics_by_trigger = _compiled_concepts()
    woken = {topic_id for trigger in set(finder.findall(text.lower())) for topic_id in topics_by_trigger[trigger]}
    spans = []
    for topic_id in sorted(woken):
        bank = banks_by_id.get(topic_id)
        if bank is None:
            continue
        for pattern in _grammars(topic_id):
            match = pattern.search(text)
            if match:
                spans.append((match.start(), match.end(), bank))
                break
    return spans


_PROPER_NAME_AFTER = re.compile(r"\s+(?:[A-Z][a-z]+|GmbH|AG|Inc|Ltd|LLC|SA|SAS)\b")
_COMPANY_VOICE = re.compile(r"^(?:We\b|We[’']re\b|Our\b|At [A-Z]|Founded\b|Launched\b)")


def line_spans(
    text: str,
    index: AliasIndex,
    banks_by_id: dict[str, Bank],
    *,
    describes_company: bool = False,
    company: str | None = None,
) -> list[tuple[int, int, Bank]]:
    """Alias and concept matches in one line, less the ones that mean something else.

    The company's name ("Ledgerly") and a Capitalised match followed by a name
    ("Scalable Capital", "Scalable GmbH") are names, not skills; concept grammars are
    not read in lines about the company.
    """
    names = [(m.start(), m.end()) for m in re.finditer(rf"(?<!\w){re.escape(company)}(?!\w)", text)] if company else []
    spans = [
        (start, end, bank)
        for start, end, bank in index.spans(text)
        if not any(name_start <= start < name_end for name_start, name_end in names)
        and not (
            text[start].isupper()
            and text[start + 1 : end].isalpha()
            and text[start + 1 : end].islower()
            and _PROPER_NAME_AFTER.match(text, end)
        )
    ]
    if not describes_company:
        spans += concept_spans(text, banks_by_id)
    if not spans:
        return spans
    not_concepts = _compiled_not_concepts()
    kept = []
    for start, end, bank in spans:
        guard = not_concepts.get(bank.id)
        if guard and any(m.start() <= start < m.end() for m in guard.finditer(text)):
            continue
        kept.append((start, end, bank))
    return kept


def _describes_company(line: PostingLine, company: str | None) -> bool:
    """A blurb line: the company speaking of itself, not of the candidate's work."""
    if line.section == "about":
        return True
    if line.section != "description":
        return False
    return bool(_COMPANY_VOICE.match(line.text)) or bool(company and line.text.startswith(company + " "))


@dataclass(frozen=True)
class TopicMatch:
    bank: Bank
    score: float
    evidence: tuple[str, ...]  # posting lines, the most telling first
    matched: tuple[tuple[str, ...], ...] = ()  # per evidence line, the words that matched
    line_weights: tuple[float, ...] = ()  # per evidence line, its weight

    @property
    def id(self) -> str:
        return self.bank.id

    @property
    def name(self) -> str:
        return self.bank.name


@dataclass(frozen=True)
class UncoveredTerm:
    term: str  # "Hyperswitch", "ISO 8583"
    line: str  # the posting line it comes from


@dataclass(frozen=True)
class TopicReport:
    posting: Posting
    topics: tuple[TopicMatch, ...]
    uncovered: tuple[UncoveredTerm, ...]
    added: tuple[str, ...] = ()  # topic ids the user added (--topic)
    skipped: tuple[str, ...] = ()  # topic ids the user dropped (--skip)

    def to_json(self) -> dict:
        """The documented `prep topics --json` shape."""
        return {
            "title": self.posting.title,
            "company": self.posting.company,
            "topics": [
                {"id": match.id, "name": match.name, "score": match.score, "evidence": list(match.evidence)}
                for match in self.topics
            ],
            "uncovered": [{"term": item.term, "line": item.line} for item in self.uncovered],
            "added": list(self.added),
            "skipped": list(self.skipped),
        }


def alias_pattern(alias: str) -> str:
    """Regex for one alias: word-bounded, space/hyphen-flexible, `*` for word endings."""
    open_ended = alias.endswith("*")
    words = re.split(r"[\s\-]+", alias.rstrip("*").strip())
    body = r"[\s\-]?".join(re.escape(word) for word in words if word)
    ending = r"\w*" if open_ended else ""
    return rf"(?<!\w){body}{ending}(?!\w)"


@dataclass(eq=False)
class _Alias:
    text: str
    case_sensitive: bool
    bank: Bank
    other_words: tuple[str, ...]  # a cheap test before the regex: each must occur in the line
    _compiled: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        # Compiled on first use: most aliases never meet their key word in a posting.
        if self._compiled is None:
            self._compiled = re.compile(alias_pattern(self.text), 0 if self.case_sensitive else re.I)
        return self._compiled


class AliasIndex:
    """Every bank's aliases, looked up by their most distinctive word.

    Trying a few hundred alias patterns on every line is slow. Instead each alias is
    filed under one of its words (the longest uncommon one: "closely" for "work closely
    with"); a line's words are looked up in that index, the other words of each
    candidate are checked as substrings, and only the survivors run their regex.
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
        self.stem_starts = {stem.lower()[:3] for stem, _ in self.by_stem}
        self._candidates: dict[str, tuple[_Alias, ...]] = {}
        self._hits: set[str] = set()  # words that some alias is filed under
        self._known: set[str] = set()  # words already looked up, hit or not

    def _add(self, alias: str, bank: Bank, case_sensitive: bool) -> None:
        words = [word if case_sensitive else word.lower() for word in _WORD.findall(alias)]
        if not words:
            return
        whole_words = words[:-1] if alias.rstrip().endswith("*") else words
        if not whole_words:  # "mentor*": filed under its stem
            self.by_stem.setdefault((words[0], case_sensitive), []).append(_Alias(alias, case_sensitive, bank, ()))
            return
        key = max(whole_words, key=lambda word: (not word.isdigit(), word.lower() not in COMMON_WORDS, len(word)))
        others = list(words)
        others.remove(key)
        self.by_word.setdefault((key, case_sensitive), []).append(_Alias(alias, case_sensitive, bank, tuple(others)))
        if len(words) > 1 and alias.lstrip(".")[len(words[0]) :][:1] in (" ", "-"):
            # "event driven" also matches "eventdriven", one word in the posting; with
            # "job queue*" that word is only a stem ("jobqueueing").
            joined = _Alias(alias, case_sensitive, bank, tuple(words[2:]))
            index = self.by_stem if len(words) == 2 and len(whole_words) == 1 else self.by_word
            index.setdefault((words[0] + words[1], case_sensitive), []).append(joined)

    def candidates(self, word: str) -> tuple[_Alias, ...]:
        cached = self._candidates.get(word)
        if cached is None and word.isdigit():  # aliases are never filed under a number
            return ()  # and numbers are not remembered: a long posting has too many
        if cached is None:
            lower = word.lower()
            found = [*self.by_word.get((lower, False), ()), *self.by_word.get((word, True), ())]
            for length in self.stem_lengths if lower[:3] in self.stem_starts else ():
                if length <= len(word):
                    found += [
                        *self.by_stem.get((lower[:length], False), ()),
                        *self.by_stem.get((word[:length], True), ()),
                    ]
            cached = self._candidates[word] = tuple(found)
            self._known.add(word)
            if found:
                self._hits.add(word)
        return cached

    def spans(self, text: str) -> list[tuple[int, int, Bank]]:
        """Alias matches in one line; a match inside a longer match of another topic is
        dropped (so "Postgre SQL" is PostgreSQL, not also SQL)."""
        words = set(_WORD.findall(text))
        for word in words - self._known:
            self.candidates(word)
        hits = words.intersection(self._hits)
        if not hits:
            return []
        lower = text.lower()
        viable: dict[_Alias, None] = {}
        for word in hits:
            for alias in self._candidates[word]:
                line = text if alias.case_sensitive else lower
                if all(other in line for other in alias.other_words):
                    viable[alias] = None
        if not viable:
            return []
        spans = [(match.start(), match.end(), alias.bank) for alias in viable for match in alias.pattern.finditer(text)]
        if len(spans) < 2:
            return spans
        return [
            (start, end, bank)
            for start, end, bank in spans
            if not any(
                other is not bank
                and other_start <= start
                and end <= other_end
                and other_end - other_start > end - start
                for other_start, other_end, other in spans
            )
        ]


_WORD = re.compile(r"\w+")


@lru_cache(maxsize=8)
def alias_index(banks: tuple[Bank, ...]) -> AliasIndex:
    return AliasIndex(banks)


def resolve_topic_ids(
    requested: tuple[str, ...] | list[str], banks: list[Bank], option: str = "--topic"
) -> tuple[str, ...]:
    """Bank ids for user-given ids, case-insensitively; an unknown id names the closest ones."""
    known = {bank.id.lower(): bank.id for bank in banks}
    resolved = []
    for wanted in requested:
        bank_id = known.get(wanted.strip().lower())
        if bank_id is None:
            import difflib  # only an unknown id pays for it

            close = difflib.get_close_matches(wanted.strip().lower(), list(known), n=3, cutoff=0.5)
            hint = f"; closest: {', '.join(known[key] for key in close)}" if close else ""
            raise UnknownTopicError(
                f"{option} {wanted!r} is not a known topic{hint} (`prep banks list` shows them all)"
            )
        if bank_id not in resolved:
            resolved.append(bank_id)
    return tuple(resolved)


def topic_score(line_weights: list[float], behavioural: bool = False) -> float:
    """A topic's score from the weights of the lines that mention it.

    The strongest line counts in full and each further line half the one before, so
    repeating a topic saturates (below twice its strongest line) instead of adding up.
    A behavioural topic counts its strongest line only: postings restate soft skills
    in many words, and a named technology must not rank below them.
    """
    ordered = sorted(line_weights, reverse=True)
    if behavioural:
        return ordered[0]
    return sum(weight * REPEAT_DECAY**rank for rank, weight in enumerate(ordered))


def find_topics(
    posting: Posting, banks: list[Bank], add: tuple[str, ...] | list[str] = (), skip: tuple[str, ...] | list[str] = ()
) -> TopicReport:
    """Score every bank against the posting; topics strongest first.

    `add` and `skip` are topic ids the user adds or drops (case-insensitive); an unknown
    id raises UnknownTopicError.
    """
    added, skipped = resolve_topic_ids(add, banks, "--topic"), resolve_topic_ids(skip, banks, "--skip")
    hits: dict[str, list[tuple[str, float, tuple[str, ...]]]] = {}
    uncovered: list[UncoveredTerm] = []
    seen_terms: set[str] = set()
    seen_lines: set[str] = set()
    by_id = {bank.id: bank for bank in banks}
    scanned_for_uncovered = 0
    index = alias_index(tuple(banks))
    title_line = posting.title_line
    for line in posting.lines:
        weight = SECTION_WEIGHTS["title"] if line.text == title_line else line.weight
        if weight == 0 or line.text in seen_lines or _is_bare_heading(line):
            continue
        seen_lines.add(line.text)
        spans = line_spans(
            line.text,
            index,
            by_id,
            describes_company=_describes_company(line, posting.company),
            company=posting.company,
        )
        words_by_topic: dict[str, list[str]] = {}
        for start, end, bank in spans:
            words_by_topic.setdefault(bank.id, []).append(line.text[start:end])
        for bank_id, words in words_by_topic.items():
            hits.setdefault(bank_id, []).append((line.text, weight, tuple(dict.fromkeys(words))))
        if (
            line.section in UNCOVERED_SECTIONS
            and len(uncovered) < MAX_UNCOVERED
            and scanned_for_uncovered < UNCOVERED_SCAN_LINES
            and not _NOT_A_REQUIREMENT.search(line.text)
        ):
            scanned_for_uncovered += 1
            for term in _uncovered_terms(line.text, spans, posting.company):
                if term.lower() not in seen_terms and not _taught(term, banks):
                    seen_terms.add(term.lower())
                    uncovered.append(UncoveredTerm(term, line.text))
    topics = []
    for bank_id, topic_hits in hits.items():
        behavioural = by_id[bank_id].category == "behavioural"
        score = round(topic_score([weight for _, weight, _ in topic_hits], behavioural), 2)
        if score < MIN_SCORE or bank_id in skipped:
            continue
        # The quote is the most telling line: the heaviest, and the title line last
        # ("… – Payments Platform" says least about why a topic matters).
        ordered = sorted(topic_hits, key=lambda hit: (hit[0] == title_line, -hit[1]))
        topics.append(
            TopicMatch(
                by_id[bank_id],
                score,
                tuple(text for text, _, _ in ordered),
                tuple(words for _, _, words in ordered),
                tuple(weight for _, weight, _ in ordered),
            )
        )
    found = {match.id for match in topics}
    scores = sorted(match.score for match in topics)
    # A topic the user adds weighs like a typical found topic: the median score.
    added_score = round(_median(scores), 2) if scores else 1.0
    topics += [
        TopicMatch(by_id[bank_id], added_score, (USER_ADDED_EVIDENCE,), ((),), (added_score,))
        for bank_id in added
        if bank_id not in found and bank_id not in skipped
    ]
    # On a tie, technology before soft skills.
    topics.sort(key=lambda match: (-match.score, match.bank.category == "behavioural", match.id))
    return TopicReport(
        posting=posting,
        topics=tuple(topics),
        uncovered=tuple(uncovered[:MAX_UNCOVERED]),
        added=added,
        skipped=skipped,
    )


def _is_bare_heading(line: PostingLine) -> bool:
    """A heading names a section ("Testing & Quality Automation:"); it is not evidence."""
    return line.heading or (line.text.endswith(":") and len(line.text.split()) <= 6)


# Lines about pay, notice, place, visas or the law name no skill to study.
_NOT_A_REQUIREMENT = re.compile(
    r"notice period|salar(?:y|ies)|compensation|[$€£]|\bvisas?\b|sponsorship|relocat|\blocat(?:ion|ed)\b|"
    r"time ?zones?|\bremote\b|\bhybrid\b|\boffice\b|equal opportunit|background check|authori[sz]ed to work|"
    r"citizenship|e-verify|privacy|accommodation|insurance|holidays?|vacation|\bPTO\b|401\(?k|pension|"
    r"kündigungsfrist|gehalt|préavis|salaire|зарплат|оклад",
    re.I,
)


@lru_cache(maxsize=8)
def _bank_text(banks: tuple[Bank, ...]) -> str:
    """The banks' questions, answers, choices and follow-ups as one lowercased text."""
    parts = []
    for bank in banks:
        for question in bank.questions:
            parts += [question.question, question.answer, *(choice.text for choice in question.choices)]
            parts += question.follow_ups
    return "\n".join(parts).lower()


def _taught(term: str, banks: list[Bank]) -> bool:
    """Whether some bank's questions or answers mention the term as a whole word."""
    text, lowered = _bank_text(tuple(banks)), term.lower()
    start = text.find(lowered)
    while start != -1:  # str.find, then a boundary check: far cheaper than a regex over all banks
        end = start + len(lowered)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after in "_#+"):
            return True
        start = text.find(lowered, start + 1)
    return False


def _uncovered_terms(text: str, spans: list[tuple[int, int, Bank]], company: str | None) -> list[str]:
    """Technical-looking words in a line that no topic match covers."""
    if text.endswith(":") or len(text.split()) < 4 or not _TERM_HINT.search(text, 1):
        return []  # headings name sections, not skills; no capital, '#' or '+' means no term
    lead_in = _LEAD_IN.match(text)  # "Deep Tech Skills: TypeScript, …"
    offset = lead_in.end() if lead_in else 0
    title_case = None
    terms = []
    for match in _TERM.finditer(text, offset):
        term = match.group()
        if (
            term in _NOT_TERMS
            or (company and term in company.split())
            or any(start <= match.start() < end for start, end, _ in spans)
        ):
            continue
        if term[0].isupper() and term[1:].islower():
            # A plain capitalised word counts only mid-sentence in ordinary prose
            # ("tools (Terraform)"), not at a sentence start or in Title Case.
            if title_case is None:
                title_case = all(word[0].isupper() for word in _PROSE_WORD.findall(text, offset) if len(word) > 3)
            before = text[: match.start()].rstrip()
            if title_case or not before or before[-1] in ".:!?;-–—" or before.endswith(("’s", "'s")):
                continue
        number = _TERM_NUMBER.match(text, match.end())  # "ISO 8583"
        terms.append(term + number.group() if number and term.isupper() else term)
    return terms


def _median(values: list[float]) -> float:
    """The median (the statistics module costs more to import than a build spends here)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
