"""Read a job posting (file, stdin or URL) into clean lines tagged with their section.

Real postings arrive as text with inline HTML, whole web pages, or pasted text wrapped
in job-board chrome. The reader keeps one requirement per line, knows which section
each line sits in (requirements weigh more than the company blurb; benefits and
job-board text weigh nothing), and guesses the role title and company.
"""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

from .errors import PostingError

MAX_POSTING_BYTES = 16 * 1024 * 1024
URL_TIMEOUT_SECONDS = 15
COMPANY_SCAN_LINES = 150
POSTING_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")

# Section kinds, and how much a topic mentioned there counts.
SECTION_WEIGHTS = {
    "title": 1.5,
    "responsibilities": 1.0,
    "requirements": 1.0,
    "description": 0.8,
    "nice_to_have": 0.6,
    "about": 0.3,
    "benefits": 0.0,
    "application": 0.0,
    "boilerplate": 0.0,
    "not_wanted": 0.0,
}
JOB_SECTIONS = ("responsibilities", "requirements", "description", "nice_to_have")

# Heading vocabulary, checked in this order; the first kind whose pattern matches wins.
_HEADING_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.I))
    for kind, pattern in (
        (
            "boilerplate",
            r"related jobs|similar jobs|other (?:jobs|openings)|interview tips|job alerts?|"
            r"salary range|work culture|before the interview|during the interview|additional tips|"
            r"final thoughts?|share this job|report this job|jobs? trends|career growth guide|"
            r"looking for .+ job\b|improve my chances|people also|recommended jobs|"
            r"похожие вакансии|ähnliche jobs",
        ),
        (
            "not_wanted",
            r"do not (?:submit|apply)|don'?t (?:submit|apply)|not (?:a fit|for you|looking for)|"
            r"(?:this|the) role is not|you (?:are|will) not|we (?:do not|don'?t) need",
        ),
        (
            "nice_to_have",
            r"nice[ -]to[ -]have|bonus|a plus|good to have|preferred|desirable|would be great|"
            r"extra credit|wünschenswert|von vorteil|plus(?:punkte)?\b|будет плюсом|"
            r"un plus|deseable",
        ),
        (
            "benefits",
            r"benefits?|perks|what we offer|we offer|^why\b|what'?s in it for you|compensation|"
            r"what you get|wir bieten|was wir bieten|deine vorteile|мы предлагаем|условия|"
            r"nous offrons|ofrecemos|avantages",
        ),
        (
            "application",
            r"how to apply|apply now|equal opportunit|interested in this job|ready to apply|"
            r"privacy|diversity|bewerb|next steps|hiring process|recruitment process|screening",
        ),
        (
            "requirements",
            r"requirements?|qualifications?|what you bring|what we'?re looking for|"
            r"what we are looking for|who you are|your profile|your story|must[ -]have|"
            r"skills|about you|you have|you bring|what you('ll)? need|competenc|experience|"
            r"profil|anforderungen|was du mitbringst|qualifikation|требования|"
            r"ожидаем|мы ждем|votre profil|requisitos",
        ),
        (
            "responsibilities",
            r"responsibilit|what you('ll| will)? do|what you('ll| will) be doing|your mission|"
            r"your role|about the role|the role|duties|your tasks|day[ -]to[ -]day|"
            r"you('ll| will) do|aufgaben|обязанности|предстоит|vos missions|"
            r"responsabilidades|mission",
        ),
        (
            "about",
            r"about us|about the company|who we are|meet the team|our team|our company|the company|"
            r"company (?:overview|profile|description)|our story|"
            r"über uns|о компании|о нас|qui sommes",
        ),
        (
            "description",
            r"job description|description|overview|summary|job details|role details|"
            r"stellenbeschreibung|описание",
        ),
    )
)

_ROLE_WORDS = re.compile(
    r"\b(engineer|developer|architect|programmer|scientist|analyst|sre|devops|consultant|specialist|"
    r"administrator|tech ?lead|team lead|lead|head of|cto|vp|director|manager|entwickler\w*|ingenieur\w*|"
    r"разработчик\w*|инженер\w*|développeur|desarrollador)\b",
    re.I,
)
_GENDER_TAG = re.compile(r"\s*\((?:[fmwdx]\s*/\s*)+[fmwdx]\)|\s*\((?:all genders?|any gender)\)", re.I)
_BULLET = re.compile(r"^\s*(?:[•·▪◦●‣∙*\-–—]|\d{1,2}[.)])\s+")
_INLINE_BULLETS = re.compile(r"\s*[•·▪◦●]\s*")
_HAS_BULLET = re.compile(r"[•·▪◦●]")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
# Where a saved posting came from: a URL, or a repository path pinned to a commit
# ("source: owner/repo:jobs/Nodejs/…/README.md@<sha>"); its words are not the posting's.
_SOURCE_LINE = re.compile(r"^(?:source|url)\s*:\s*(?:https?://|\S+@[0-9a-f]{7,40}$)", re.I)
# "The role does not require technical leadership", "React is not required".
_RULED_OUT = re.compile(
    r"\b(?:does not|doesn't|do not|don't|will not|won't) (?:require|need)\b|"
    r"\bnot (?:required|needed|necessary|expected)\b|\bno need for\b",
    re.I,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\u00ad": None})
_FULL_PAGE = re.compile(r"<(?:!doctype|html|body|head)\b", re.I)
_ANY_TAG = re.compile(r"</?(?:p|div|li|ul|ol|h[1-6]|br|span|strong|b|em|i|a|section|table|tr|td)\b[^>]*>", re.I)
_COMPANY_PATTERNS = (
    re.compile(r"^(?:company|employer|unternehmen|компания)\s*:\s*(?P<name>[^,;|]{2,60})$", re.I),
    re.compile(r"\b(?:position|role|job|opening|vacancy) at (?P<name>[A-Z][\w&.\-]*(?: [A-Z][\w&.\-]*){0,3})"),
    re.compile(
        r"\b(?:[Ww]e[’']re|[Ww]e are) (?P<name>[A-Z][\w&.\-]*(?: [A-Z][\w&.\-]*){0,2})\s*(?:[—–,-]|\ba\b|\bis\b)"
    ),
    re.compile(r"^At (?P<name>[A-Z][\w&.\-]*(?: [A-Z][\w&.\-]*){0,2}), "),
    re.compile(r"\b[Jj]oin (?P<name>[A-Z][\w&.\-]*(?: [A-Z][\w&.\-]*){0,2})(?: as\b| and\b|[.!,])"),
    re.compile(r"^(?P<name>[A-Z][\w&.\-]*(?: [A-Z][\w&.\-]*){0,3}) (?:is )?hiring\b"),
    # Job-board header "Photon - Jersey City, NJ".
    re.compile(r"^(?P<name>[A-Z][\w&.]*(?: [A-Z][\w&.]*){0,3}) [-–—|] [A-Z][\w .'-]+, [A-Z]{2}$"),
)
_TITLE_IN_SENTENCE = re.compile(
    r"^(?:The|An?|As an?|We(?:'re| are) looking for an?|We(?:'re| are) hiring an?) "
    r"(?P<title>(?:[A-Z][\w/+.#-]*\s){0,5}?[A-Z][\w/+.#-]*)\s+(?:will|is|builds|owns|designs|works|to)\b"
)
_NOT_COMPANY = {
    "We",
    "You",
    "Our",
    "The",
    "This",
    "A",
    "An",
    "Us",
    "It",
    "Senior",
    "Remote",
    "Hybrid",
    "Full",
    "Part",
    "Posted",
    "Location",
    "Apply",
    "Job",
    "Jobs",
}


@dataclass(frozen=True)
class PostingLine:
    text: str
    section: str
    heading: bool = False

    @property
    def weight(self) -> float:
        """How much a topic named on this line counts; nothing where the line rules it out."""
        ruled_out = ("not" in self.text or "n't" in self.text or "no " in self.text) and _RULED_OUT.search(self.text)
        return 0.0 if ruled_out else SECTION_WEIGHTS[self.section]


@dataclass(frozen=True)
class Posting:
    source: str
    title: str | None
    company: str | None
    lines: tuple[PostingLine, ...]
    title_line: str | None = None  # the line the title was read from, if it came from a line

    @property
    def display_name(self) -> str:
        """`Company — Role`, or whichever part is known, or the file's name."""
        parts = [part for part in (self.company, self.title) if part]
        return " — ".join(parts) if parts else _source_stem(self.source)


def read_posting(source: str, stdin: BinaryIO | None = None) -> Posting:
    """Read a posting from a path, `-` (stdin) or an http(s) URL."""
    raw = _read_bytes(source, stdin)
    return parse_posting(decode(raw), source)


def parse_posting(text: str, source: str = "<text>") -> Posting:
    """Turn posting text (plain, Markdown or HTML) into section-tagged lines."""
    raw_lines, page_title = _text_lines(text)
    lines = _assign_sections(raw_lines)
    if not lines:
        raise PostingError(f"{source}: the posting has no readable text")
    title, title_index = _detect_title(lines, page_title)
    company = _detect_company(lines, title_index, page_title)
    if title and company and title.startswith(company + " "):
        title = title[len(company) + 1 :]  # job boards prefix the company: "On Senior Backend Engineer"
    title_line = lines[title_index].text if title_index is not None else None
    return Posting(source=source, title=title, company=company, lines=tuple(lines), title_line=title_line)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM, or UTF-16 with BOM), else Windows-1252, else Latin-1."""
    if not raw.strip():
        raise PostingError("the posting is empty")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    sample = raw[:65536]
    if b"\x00" in sample or _binary_ratio(sample) > 0.1:
        raise PostingError("the posting looks like a binary file; save it as text, Markdown or HTML")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    if "Ã" in text or "â€" in text or "Â" in text:
        import ftfy  # only pasted text that went through a wrong encoding pays for the import

        text = ftfy.fix_text(text)
    return text


def _binary_ratio(sample: bytes) -> float:
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return control / max(len(sample), 1)


def _read_bytes(source: str, stdin: BinaryIO | None) -> bytes:
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        raw = stream.read(MAX_POSTING_BYTES + 1)
    elif re.match(r"^[a-z][a-z0-9+.-]*://", source, re.I):
        raw = _fetch(source)
    else:
        path = Path(source)
        if path.is_dir():
            raise PostingError(f"{source} is a folder; give a posting file (.txt, .md or .html)")
        if not path.exists():
            raise PostingError(f"{source}: no such file")
        try:
            with path.open("rb") as handle:
                raw = handle.read(MAX_POSTING_BYTES + 1)
        except OSError as err:
            raise PostingError(f"{source}: cannot read: {err.strerror}") from None
    if len(raw) > MAX_POSTING_BYTES:
        raise PostingError(
            f"{source}: larger than {MAX_POSTING_BYTES // (1024 * 1024)} MB; save only the posting's text"
        )
    return raw


def _fetch(url: str) -> bytes:
    if not url.lower().startswith(("http://", "https://")):
        raise PostingError(f"{url}: only http:// and https:// URLs can be fetched")
    import urllib.error  # only URL postings pay for importing the HTTP stack
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "prep (interview preparation)"})
    try:
        with urllib.request.urlopen(request, timeout=URL_TIMEOUT_SECONDS) as response:
            return response.read(MAX_POSTING_BYTES + 1)
    except urllib.error.HTTPError as err:
        raise PostingError(
            f"{url}: the server answered {err.code} {err.reason}; save the page and pass the file"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise PostingError(
            f"{url}: cannot fetch ({reason}); check the address or save the page and pass the file"
        ) from None


class _HtmlText(HTMLParser):
    """Collects text with one line per block element; list items become bullets."""

    BLOCKS = {
        "p",
        "div",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "br",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "hr",
        "dd",
        "dt",
        "blockquote",
        "pre",
        "main",
        "aside",
        "nav",
        "form",
    }
    SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    # On a whole page, site navigation, footers and sidebars are chrome, not the posting.
    PAGE_CHROME = {"nav", "footer", "aside", "form"}

    def __init__(self, keep_newlines: bool):
        super().__init__(convert_charrefs=True)
        self.keep_newlines = keep_newlines
        self.skip_tags = self.SKIP if keep_newlines else self.SKIP | self.PAGE_CHROME
        self.parts: list[str] = []
        self.skipping = 0
        self.in_title = False
        self.page_title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in self.skip_tags:
            self.skipping += 1
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in self.skip_tags:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS or tag == "li":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.page_title += data
        elif not self.skipping:
            self.parts.append(data if self.keep_newlines else re.sub(r"\s+", " ", data))


def _text_lines(text: str) -> tuple[list[tuple[str, bool]], str | None]:
    page_title = None
    if _FULL_PAGE.search(text) or _ANY_TAG.search(text):
        parser = _HtmlText(keep_newlines=not _FULL_PAGE.search(text))
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
        page_title = " ".join(parser.page_title.split()) or None
    # NFKC folds compatibility forms (no-break spaces, full-width letters); Unicode
    # hyphens become ASCII so "event‑driven" matches like "event-driven".
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text).translate(_HYPHENS))
    lines: list[tuple[str, bool]] = []
    for raw_line in text.splitlines():
        if raw_line[:7].lower() in ("source:", "url: ht") and _SOURCE_LINE.match(raw_line.strip()):
            continue
        # Bullets run together on one line ("Key Responsibilities• a• b") become lines.
        pieces = _INLINE_BULLETS.split(raw_line) if _HAS_BULLET.search(raw_line) else [raw_line]
        for index, piece in enumerate(pieces):
            piece = piece.strip()
            if "  " in piece or "\t" in piece:
                piece = " ".join(piece.split())
            if not piece:
                continue
            is_item = index > 0
            if not piece[0].isalnum():
                bullet = _BULLET.match(piece)
                if bullet:
                    is_item, piece = True, piece[bullet.end() :]
                if piece[0] == "#":
                    piece = _MARKDOWN_HEADING.sub("", piece)
            if "**" in piece or "__" in piece:
                piece = piece.replace("**", "").replace("__", "")
            if piece:
                lines.append((piece, is_item))
    return lines, page_title


def heading_kind(line: str) -> str | None:
    """The section a heading-like line opens, or None if it is not a known heading."""
    line = line.replace("’", "'")
    words = line.rstrip(":?!.").split()
    if not words or len(words) > 12:
        return None
    looks_like_heading = line.endswith((":", "?")) or len(words) <= 6 and not line.endswith(".")
    if not looks_like_heading:
        return None
    for kind, pattern in _HEADING_PATTERNS:
        if pattern.search(line):
            return kind
    return None


def _assign_sections(raw_lines: list[tuple[str, bool]]) -> list[PostingLine]:
    section = "description"
    lines = []
    for text, is_item in raw_lines:
        # A list item is content, unless it is a lone heading such as "• Requirements:".
        kind = heading_kind(text) if not is_item or text.endswith(":") else None
        if kind is not None:
            if section not in ("boilerplate", "application"):
                section = kind
            # Past the posting (related jobs, SEO text) only a short, real section
            # heading brings us back; long question-like headings there do not.
            elif kind in JOB_SECTIONS and len(text.split()) <= 5 or kind == "boilerplate":
                section = kind
        lines.append(PostingLine(text=text, section=section, heading=kind is not None))
    return lines


def _detect_title(lines: list[PostingLine], page_title: str | None) -> tuple[str | None, int | None]:
    """The role title and the index of the line it came from (None for the page title)."""
    candidates = [(page_title, None)] if page_title else []
    candidates += [(line.text, index) for index, line in enumerate(lines[:20]) if not line.heading]
    for candidate, index in candidates:
        cleaned = _clean_title(candidate)
        if cleaned and _ROLE_WORDS.search(cleaned) and len(cleaned.split()) <= 10 and not cleaned.endswith("."):
            return cleaned, index
    # Descriptions that open with the role: "The Data Engineer will be responsible for…"
    for index, line in enumerate(lines[:10]):
        match = _TITLE_IN_SENTENCE.match(line.text)
        if match and _ROLE_WORDS.search(match.group("title")):
            return match.group("title"), index
    return None, None


def _clean_title(text: str) -> str:
    text = _GENDER_TAG.sub("", text)
    # Job-board decorations after the role: "… Job Opening In Berlin – Now Hiring", "| Company".
    text = re.split(r"\s+(?:job opening|job in|jobs? at|now hiring)\b|\s+\|\s+", text, flags=re.I)[0]
    return text.strip(" -–—:/|")


def _detect_company(lines: list[PostingLine], title_index: int | None, page_title: str | None) -> str | None:
    # A posting names its company near the top or in its closing lines.
    texts = [
        line.text
        for line in [*lines[:COMPANY_SCAN_LINES], *lines[-COMPANY_SCAN_LINES:]]
        if line.section != "boilerplate"
    ]
    for pattern in _COMPANY_PATTERNS:
        for text in texts:
            match = pattern.search(text)
            if match and _plausible_company(match.group("name")):
                return match.group("name").strip(" .,-–—")
    # Job boards put the company on the line after the title: "Tech Lead – Backend\nGreenn Company".
    if title_index is not None and title_index + 1 < len(lines):
        following = lines[title_index + 1]
        if (
            not following.heading
            and len(following.text.split()) <= 4
            and following.text[:1].isupper()
            and not _ROLE_WORDS.search(following.text)
            and not re.search(r"[\d:,.!?]", following.text)
            and _plausible_company(following.text)
        ):
            return following.text
    if page_title and " | " in page_title:
        name = page_title.rsplit(" | ", 1)[1].strip()
        if _plausible_company(name) and len(name.split()) <= 4:
            return name
    return None


def _plausible_company(name: str) -> bool:
    words = name.strip(" .,-–—").split()
    return bool(words) and words[0] not in _NOT_COMPANY and heading_kind(name) is None


def _source_stem(source: str) -> str:
    if source == "-":
        return "posting"
    return Path(source.rstrip("/").split("?")[0]).stem or "posting"
