"""Read a job posting (file, stdin or URL) into clean lines tagged with their section.

Real postings arrive as text with inline HTML, whole web pages, or pasted text wrapped
in job-board chrome. The reader keeps one requirement per line, knows which section
each line sits in (requirements weigh more than the company blurb; benefits and
job-board text weigh nothing), and guesses the role title and company.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import PostingError
from .untrusted import FileTooLarge, NotRegularFile, printable, read_regular

MAX_POSTING_BYTES = 16 * 1024 * 1024
MAX_LINE_CHARS = 300  # longer lines are kept as sentence-sized pieces (see _excerpts)
MAX_TITLE_CHARS = 300
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
_C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-"})
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_FULL_PAGE = re.compile(r"<(?:!doctype|html|body|head)\b", re.I)
# A known tag closed within a few hundred characters, or a comment: the scan after each
# "<p" stops at the next "<", so a megabyte of "<p " is read in linear time.
_ANY_TAG = re.compile(
    r"<(?:/?(?:p|div|li|ul|ol|h[1-6]|br|span|strong|b|em|i|a|section|table|tr|td|script|style|noscript|template"
    r"|svg|title)\b[^<>]{0,300}>|!--)",
    re.I,
)
_META_CHARSET = re.compile(rb"""<meta\b[^<>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]{1,40})""", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16: the UTF-32 LE mark starts like UTF-16's
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Files that are certainly not text, whatever their name says.
_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP (or Word .docx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Word .doc"),
    (b"{\\rtf", "RTF"),
    (b"\x1f\x8b", "gzip-compressed"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (b"\x7fELF", "program"),
    (b"MZ", "program"),
)
# Latin-script charsets: for these, a detector's guess is less reliable than Windows-1252.
_LATIN_CODECS = frozenset(
    "ascii utf_8 latin_1 cp1250 cp1252 cp1254 cp1257 cp850 cp437 iso8859_2 iso8859_3 iso8859_4 iso8859_9 "
    "iso8859_10 iso8859_13 iso8859_14 iso8859_15 iso8859_16 mac_roman mac_latin2 mac_iceland mac_turkish".split()
)
_UNUSUAL_SAMPLE = 32768  # bytes of a posting's non-ASCII lines its charset is guessed from
_GUESSES = 5  # the detector's guesses compared with Windows-1252
_NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")
_STDIN_CLOSED = "standard input is closed; pipe the posting in (prep build - < posting.txt) or give a file"
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
    origin: str = ""  # in postings merged into one deck, the posting the line comes from

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
    name = printable(source)
    if _URL.match(source):
        from .fetch import fetch  # only URL postings pay for importing the HTTP stack

        download = fetch(source, MAX_POSTING_BYTES)
        _check_size(download.body, printable(download.url))
        return parse_posting(decode(download.body, name, declared=download.charset), printable(download.url))
    if source == "-":
        raw = _read_stdin(stdin)
        _check_size(raw, name)
        return parse_posting(decode(raw, name), name)
    raw = _read_file(source, name)
    # A file is named by its absolute path: the same posting, reached from another folder
    # or through another relative path, is the same source (and may replace its deck).
    return parse_posting(decode(raw, name), printable(os.path.abspath(source)))


def parse_posting(text: str, source: str = "<text>") -> Posting:
    """Turn posting text (plain, Markdown or HTML) into section-tagged lines."""
    raw_lines, page_title = _text_lines(text)
    lines = _assign_sections(raw_lines)
    if not lines:
        raise PostingError(f"{source}: the posting has no readable text; save the text of the posting itself")
    title, title_index = _detect_title(lines, page_title)
    company = _detect_company(lines, title_index, page_title)
    if title and company:
        title = _without_company(title, company)
    title_line = lines[title_index].text if title_index is not None else None
    return Posting(source=source, title=title, company=company, lines=tuple(lines), title_line=title_line)


def decode(raw: bytes, source: str = "the posting", declared: str | None = None) -> str:
    """Bytes to text: a byte-order mark, else a declared charset (HTTP header or HTML
    <meta>), else UTF-8, else the charset a detector finds, else Windows-1252."""
    if not raw.strip():
        raise PostingError(f"{source}: the posting is empty; save the posting's text into it")
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(codec, "replace")
    kind = _known_binary(raw)
    if kind:
        raise PostingError(f"{source}: this is a {kind} file, not text; save the posting's text as .txt, .md or .html")
    codec = _codec(declared) or _utf16_without_bom(raw)
    if codec is None:
        meta = _META_CHARSET.search(raw[:4096])
        codec = _codec(meta.group(1).decode("ascii")) if meta else None
        if codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"):
            codec = "utf-8"  # a <meta> readable as ASCII cannot be right about UTF-16 (HTML standard)
    if codec is not None:
        return _mojibake_fixed(raw.decode(codec, "replace"))
    sample = raw[:65536]
    if b"\x00" in sample or _binary_ratio(sample) > 0.1:
        raise PostingError(f"{source}: looks like a binary file, not text; save the posting's text as .txt, .md, .html")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode(_detected_codec(raw), "replace")
    return _mojibake_fixed(text)


def _mojibake_fixed(text: str) -> str:
    if "Ã" in text or "â€" in text or "Â" in text:
        import ftfy  # only pasted text that went through a wrong encoding pays for the import

        text = ftfy.fix_text(text)
    return text


def _codec(label: str | None) -> str | None:
    """Python's name for a declared charset, or None when Python does not know it."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in ("x-user-defined", "replacement"):
        return None
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    # Declared "UTF-16" without a byte-order mark means little-endian (HTML standard); the
    # Latin-1 label means Windows-1252 in practice.
    return {"utf-16": "utf-16-le", "utf-32": "utf-32-le", "iso8859-1": "cp1252"}.get(name, name)


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 text without a byte-order mark: ASCII characters leave every other byte zero."""
    sample = raw[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if even.count(0) > 0.4 * len(even) and not odd.count(0):
        return "utf-16-be"
    if odd.count(0) > 0.4 * len(odd) and not even.count(0):
        return "utf-16-le"
    return None


def _detected_codec(raw: bytes) -> str:
    """The charset of undeclared, non-UTF-8 bytes: a detector's guess for Cyrillic, Greek,
    CJK and the like; Windows-1252 for Latin-script text, where detectors guess worst."""
    from charset_normalizer import from_bytes  # only non-UTF-8 postings pay for the import
    from charset_normalizer.md import mess_ratio

    # Only the lines with non-ASCII bytes tell charsets apart: a long English preamble
    # would otherwise make a Latin code page look best for Russian or Japanese.
    unusual = b"\n".join(_NON_ASCII_LINE.findall(raw[:262144]))[:_UNUSUAL_SAMPLE]
    guesses = [guess.encoding for guess in from_bytes(unusual)]
    if not guesses or guesses[0] in _LATIN_CODECS:
        return "cp1252"
    # The first guess can still be wrong (a short German posting read as Big5): the
    # detector's own measure of mess decides among its top guesses and Windows-1252,
    # which wins a tie.
    candidates = ["cp1252", *guesses[:_GUESSES]]
    return min(candidates, key=lambda codec: mess_ratio(unusual.decode(codec, "replace"), maximum_threshold=1.0))


def _known_binary(raw: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            return kind
    return None


def _binary_ratio(sample: bytes) -> float:
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return control / max(len(sample), 1)


def _check_size(raw: bytes, name: str) -> None:
    if len(raw) > MAX_POSTING_BYTES:
        raise PostingError(_too_large(name))


def _too_large(name: str) -> str:
    return f"{name}: larger than {MAX_POSTING_BYTES // (1024 * 1024)} MB; save only the posting's text"


def _read_stdin(stdin: BinaryIO | None) -> bytes:
    if stdin is None:
        if sys.stdin is None:  # started with standard input closed (`prep build - <&-`)
            raise PostingError(_STDIN_CLOSED)
        stdin = sys.stdin.buffer
    try:
        return stdin.read(MAX_POSTING_BYTES + 1)
    except (OSError, ValueError):
        raise PostingError(_STDIN_CLOSED) from None


def _read_file(source: str, name: str) -> bytes:
    # A FIFO or device is refused instead of waited on (see untrusted.read_regular).
    try:
        return read_regular(Path(source), MAX_POSTING_BYTES)
    except FileTooLarge:
        raise PostingError(_too_large(name)) from None
    except NotRegularFile:
        raise PostingError(
            f"{name}: not a regular file (a pipe, device or socket); save the posting to a file, or use - for stdin"
        ) from None
    except OSError as err:
        raise PostingError(_open_error(source, name, err)) from None


def _open_error(source: str, name: str, err: OSError) -> str:
    if err.errno == errno.ELOOP:
        return f"{name}: a symbolic link loop; point the link at the posting file"
    if err.errno == errno.ENOENT:
        if os.path.islink(source):
            return f"{name}: a symbolic link to a missing file; point the link at the posting file"
        return f"{name}: no such file; check the path"
    if err.errno == errno.EISDIR:
        return f"{name} is a folder; give a posting file (.txt, .md or .html)"
    return f"{name}: cannot read: {err.strerror}"


class _HtmlText:
    """lxml parser target: text with one line per block element; list items become bullets.

    libxml2's HTML parser is linear on hostile input, where the standard library's
    HTMLParser is quadratic on some (a megabyte of `</` took minutes).
    """

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
    SKIP = {"script", "style", "noscript", "template", "svg", "math", "head", "iframe", "object"}
    # On a whole page, site navigation, footers and sidebars are chrome, not the posting.
    PAGE_CHROME = {"nav", "footer", "aside", "form"}

    def __init__(self, keep_newlines: bool):
        self.keep_newlines = keep_newlines
        self.skip_tags = self.SKIP if keep_newlines else self.SKIP | self.PAGE_CHROME
        self.parts: list[str] = []
        self.skipping = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.title_done = False
        self.in_head = False

    def start(self, tag: str, attrs) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        if tag == "title" and not self.title_done and self.skipping == int(self.in_head):
            self.in_title = True  # the page's own title, not an <svg><title> or a second one
        elif tag in self.skip_tags:
            self.skipping += 1
            self.in_head = self.in_head or tag == "head"
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def end(self, tag: str) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        if tag == "title" and self.in_title:
            self.in_title, self.title_done = False, True
        elif tag in self.skip_tags:
            self.skipping = max(0, self.skipping - 1)
            self.in_head = self.in_head and tag != "head"
        elif tag in self.BLOCKS or tag == "li":
            self.parts.append("\n")

    def data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        elif not self.skipping:
            self.parts.append(data if self.keep_newlines else _SPACES.sub(" ", data))

    def comment(self, text: str) -> None:
        pass

    def close(self) -> None:
        return None


def _html_text(text: str, keep_newlines: bool) -> tuple[str, str | None]:
    from lxml import etree  # only HTML postings pay for the import

    target = _HtmlText(keep_newlines)
    parser = etree.HTMLParser(target=target, recover=True, huge_tree=True, no_network=True, remove_comments=True)
    # libxml2 wants text it can hold in XML: no NUL or other C0 control characters.
    parser.feed(_C0.sub(" ", text))
    parser.close()
    title = " ".join("".join(target.title_parts)[:MAX_TITLE_CHARS].split()) or None
    return "".join(target.parts), title


def _text_lines(text: str) -> tuple[list[tuple[str, bool]], str | None]:
    page_title = None
    full_page = _FULL_PAGE.search(text) is not None
    if full_page or _ANY_TAG.search(text):
        text, page_title = _html_text(text, keep_newlines=not full_page)
        page_title = printable(page_title) if page_title else None
    # NFKC folds compatibility forms (no-break spaces, full-width letters); Unicode
    # hyphens become ASCII so "event‑driven" matches like "event-driven".
    text = printable(unicodedata.normalize("NFKC", text.replace("\r\n", "\n")).translate(_HYPHENS))
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
            if len(piece) > MAX_LINE_CHARS:
                # A line is quoted as evidence and matched as a whole: a paragraph or a
                # one-line dump is kept as sentence-sized pieces.
                excerpts = _excerpts(piece)
                lines += [(excerpts[0], is_item), *((excerpt, True) for excerpt in excerpts[1:])]
            elif piece:
                lines.append((piece, is_item))
    return lines, page_title


def _excerpts(line: str) -> list[str]:
    """`line` as whole sentences packed into pieces of at most MAX_LINE_CHARS, a longer
    sentence cut at a space (or anywhere, if it has none)."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(line):
        start = 0
        while len(sentence) - start > MAX_LINE_CHARS:
            cut = sentence.rfind(" ", start + MAX_LINE_CHARS // 2, start + MAX_LINE_CHARS + 1)
            cut = cut if cut > start else start + MAX_LINE_CHARS
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[start:cut].strip())
            start = cut
        rest = sentence[start:].strip()
        if current and len(current) + 1 + len(rest) > MAX_LINE_CHARS:
            pieces.append(current)
            current = rest
        else:
            current = f"{current} {rest}" if current else rest
    if current:
        pieces.append(current)
    return [piece for piece in pieces if piece]


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


def _without_company(title: str, company: str) -> str:
    """The role alone, where a job board put the company before or after it:
    "On Senior Backend Engineer", "Senior Backend Engineer at On", "… | On"."""
    folded, name = title.lower(), company.lower()
    if len(folded) != len(title) or len(name) != len(company):
        return title
    for separator in (" ", " - ", " – ", " — ", " | ", ": "):
        if folded.startswith(name + separator) and len(title) > len(name + separator):
            return title[len(name + separator) :].strip(" -–—:/|,")
    for separator in (" at ", " @ ", " - ", " – ", " — ", " | ", ", "):
        if folded.endswith(separator + name) and len(title) > len(separator + name):
            return title[: -len(separator + name)].strip(" -–—:/|,")
    return title


def _source_stem(source: str) -> str:
    if source == "-":
        return "posting"
    return Path(source.rstrip("/").split("?")[0]).stem or "posting"
