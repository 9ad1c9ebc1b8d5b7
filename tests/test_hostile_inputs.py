"""Hostile and odd postings through the CLI: each gets a clear one-line answer, fast.

Every input is built here (files in tmp_path, pages from a server on 127.0.0.1). A
failing case must exit 1 with one `Error: …` line that names the problem and says what
to do, print no traceback and write nothing; a case that reads must finish too, with
nothing raw (escape sequences, bidi or zero-width characters) in what prep prints.
"""

from __future__ import annotations

import codecs
import gzip
import http.server
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prep import fetch
from prep.cli import main
from prep.errors import PostingError
from prep.posting import MAX_LINE_CHARS, decode, parse_posting, read_posting
from prep.untrusted import printable

from .conftest import ROOT

POSTING = "Backend Engineer at Acme Robotics\nRequirements\n- Apache Kafka in production\n- PostgreSQL tuning\n"
HTML = (
    "<!doctype html><html><head><title>Backend Engineer | Acme Robotics</title></head>"
    "<body><h1>Backend Engineer</h1><h2>Requirements</h2><ul><li>Apache Kafka in production</li>"
    "<li>PostgreSQL tuning</li></ul></body></html>"
)
RUSSIAN = "Backend-разработчик\nТребования\n- Опыт работы с Kafka и PostgreSQL от трёх лет\n- Умение писать тесты\n"
JAPANESE = (
    "バックエンドエンジニア\n必須スキル\n- Kafka と PostgreSQL を使った開発経験\n- 日本語でのコミュニケーション\n"
)
RAW_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
CASE_SECONDS = 10


# --- a local web server whose pages each test case defines ------------------------------


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    trickle: float = 0.0  # seconds between single bytes of the body, for slow servers


class Server:
    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requested: list[str] = []
        pages, requested = self.pages, self.requested

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requested.append(self.path)
                page = pages.get(self.path.split("?")[0]) or pages.get("*") or Page(b"not found", 404)
                self.send_response(page.status)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                if not page.trickle:
                    self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                try:
                    if page.trickle:
                        for byte in page.body[:40]:  # bounded, so the thread ends soon after the test
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(page.trickle)
                    else:
                        self.wfile.write(page.body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    running = Server()
    yield running
    running.close()


def redirect(to: str, status: int = 302) -> Page:
    return Page(status=status, headers={"Location": to})


# --- the cases ----------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    setup: Callable  # (tmp_path, server) -> list of CLI arguments before --out
    error: str | None = None  # the message, or None when the posting must read
    command: str = "topics"
    expect: tuple[str, ...] = ()  # on success: texts the output must hold
    absent: tuple[str, ...] = ()  # texts it must not hold


def file(name: str | bytes, content: bytes | str):
    def setup(tmp_path: Path, server: Server) -> list[str]:
        path = os.path.join(os.fsencode(tmp_path), name) if isinstance(name, bytes) else str(tmp_path / name)
        with open(path, "wb") as handle:
            handle.write(content.encode() if isinstance(content, str) else content)
        return [os.fsdecode(path)]

    return setup


def url(path: str, **pages: Page):
    def setup(tmp_path: Path, server: Server) -> list[str]:
        for route, page in pages.items():
            server.pages[route.replace("_", "/")] = page
        return [server.base + path if path.startswith("/") else path]

    return setup


def fifo(tmp_path: Path, server: Server) -> list[str]:
    os.mkfifo(tmp_path / "posting.txt")
    return [str(tmp_path / "posting.txt")]


def symlink_loop(tmp_path: Path, server: Server) -> list[str]:
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    return [str(tmp_path / "a.txt")]


def dangling_symlink(tmp_path: Path, server: Server) -> list[str]:
    (tmp_path / "posting.txt").symlink_to(tmp_path / "gone.txt")
    return [str(tmp_path / "posting.txt")]


def folder(tmp_path: Path, server: Server) -> list[str]:
    (tmp_path / "postings").mkdir()
    return [str(tmp_path / "postings")]


def several(*contents: bytes):
    def setup(tmp_path: Path, server: Server) -> list[str]:
        paths = []
        for index, content in enumerate(contents):
            path = tmp_path / f"posting-{index + 1}.txt"
            path.write_bytes(content)
            paths.append(str(path))
        return paths

    return setup


def utf16_without_bom_meta() -> bytes:
    return f'<html><head><meta charset="utf-16"></head><body><pre>{RUSSIAN}</pre></body></html>'.encode("utf-16-le")


def html_page(body: str, title: str = "Backend Engineer") -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def gzipped(text: str) -> bytes:
    return gzip.compress(text.encode())


ESCAPES = "\x1b]0;owned\x07\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x9b31m\x1bP+q\x1b\\\u202eenignE\u202c\u2066x\u2069"

CASES = [
    # Files and streams.
    Case("empty file", file("p.txt", b""), "the posting is empty"),
    Case("blank file", file("p.txt", b" \n\t\r\n "), "the posting is empty"),
    Case("missing file", lambda tmp, srv: [str(tmp / "nope.txt")], "no such file"),
    Case("folder", folder, "is a folder; give a posting file", command="build"),
    Case("fifo does not hang", fifo, "not a regular file"),
    Case("symlink loop", symlink_loop, "a symbolic link loop"),
    Case("dangling symlink", dangling_symlink, "a symbolic link to a missing file"),
    Case(
        "pdf named .txt",
        file("cv.txt", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>"),
        "PDF file, not text; save the posting's text",
    ),
    Case("docx named .txt", file("job.txt", b"PK\x03\x04\x14\x00\x06\x00word/document.xml"), "save the posting's text"),
    Case("png named .html", file("job.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "PNG image file"),
    Case("gzip file named .txt", file("job.txt", gzipped(POSTING)), "gzip-compressed file, not text"),
    Case("nul bytes", file("p.txt", b"Kafka\x00\x01\x02\x00" * 50), "looks like a binary file"),
    Case(
        "binary posting among several is named",
        several(POSTING.encode(), b"%PDF-1.4 binary"),
        "posting-2.txt: this is a PDF file",
    ),
    Case("file name not UTF-8", file(b"job-\xff\xfe.txt", POSTING), None, command="build", expect=("Kafka",)),
    Case("file name with escapes", file("job-\x1b]0;x\x07.txt", POSTING), None, command="build", expect=("Kafka",)),
    Case("over 16 MB", file("big.txt", b"Kafka " * (3 * 1024 * 1024)), "larger than 16 MB"),
    # Encodings.
    Case(
        "utf-16 BOM, odd byte count",
        file("p.txt", codecs.BOM_UTF16_LE + POSTING.encode("utf-16-le") + b"K"),
        None,
        expect=("kafka",),
    ),
    Case(
        "utf-16 BOM, lone surrogate",
        file("p.txt", codecs.BOM_UTF16_LE + POSTING.encode("utf-16-le") + b"\x00\xd8"),
        None,
        expect=("kafka",),
    ),
    Case(
        "utf-16 BE BOM",
        file("p.txt", codecs.BOM_UTF16_BE + RUSSIAN.encode("utf-16-be")),
        None,
        expect=("kafka", "разработчик"),
    ),
    Case("utf-32 BOM", file("p.txt", RUSSIAN.encode("utf-32")), None, expect=("kafka", "postgresql")),
    Case("utf-16 without BOM, meta says so", file("p.html", utf16_without_bom_meta()), None, expect=("kafka",)),
    Case("cp1251 undeclared", file("p.txt", RUSSIAN.encode("cp1251")), None, expect=("kafka", "разработчик")),
    Case("koi8-r undeclared", file("p.txt", RUSSIAN.encode("koi8_r")), None, expect=("kafka", "разработчик")),
    Case("shift_jis undeclared", file("p.txt", JAPANESE.encode("shift_jis")), None, expect=("kafka", "開発経験")),
    Case(
        "latin-1 undeclared",
        file("p.txt", "Entwickler (m/w/d)\nAnforderungen\n- Größe: Kafka für Daten\n".encode("latin-1")),
        None,
        expect=("kafka", "Größe"),
    ),
    Case(
        "cp1252 French undeclared",
        file("p.txt", "Développeur confirmé\nExigences\n- Expérience avec Kafka, très appréciée\n".encode("cp1252")),
        None,
        expect=("kafka", "Expérience"),
    ),
    Case(
        "iso8859-7 Greek undeclared",
        file("p.txt", "Μηχανικός λογισμικού\nΑπαιτήσεις\n- Εμπειρία με Kafka και PostgreSQL\n".encode("iso8859_7")),
        None,
        expect=("kafka", "Εμπειρία"),
    ),
    Case(
        "meta charset koi8-r",
        file("p.html", f'<html><head><meta charset="koi8-r"></head><body><pre>{RUSSIAN}</pre>'.encode("koi8_r")),
        None,
        expect=("разработчик",),
    ),
    Case(
        "meta http-equiv shift_jis",
        file(
            "p.html",
            f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
            f"</head><body><pre>{JAPANESE}</pre>".encode("shift_jis"),
        ),
        None,
        expect=("開発経験", "kafka"),
    ),
    # Text that must not reach a terminal or hide a topic.
    Case(
        "escape sequences and bidi in text",
        file("p.txt", f"Backend Engineer{ESCAPES}\n" + POSTING),
        None,
        expect=("kafka",),
    ),
    Case(
        "escape sequences in a page title",
        file("p.html", html_page("<p>Kafka in production</p>", f"Data Engineer{ESCAPES}")),
        None,
        expect=("Data Engineer", "kafka"),
    ),
    Case(
        "character references to controls",
        file("p.html", html_page("<p>Kafka &#x1b;]0;t&#7; &#x9b;2J &#x202e;x</p>")),
        None,
        expect=("kafka",),
    ),
    Case(
        "zero-width space inside Kafka",
        file("p.txt", "Requirements\n- Kaf\u200bka and Postgre\u200dSQL\ufeff\n"),
        None,
        expect=("kafka", "postgresql"),
    ),
    # HTML.
    Case(
        "html5 page without </head>",
        file(
            "p.html",
            "<!doctype html><html><head><title>Backend Engineer</title><meta charset=utf-8>"
            "<h1>Backend Engineer</h1><p>Requirements</p><ul><li>Apache Kafka</li></ul>",
        ),
        None,
        expect=("kafka",),
    ),
    Case(
        "script, style and comments are not text without block tags",
        file(
            "p.txt",
            "<script>var kafka = 'Kafka';</script><style>.postgresql{}</style><!-- Kafka PostgreSQL -->"
            "Go Engineer\nRequirements\n- Go services\n",
        ),
        None,
        expect=("title: Go Engineer",),
        absent=("kafka", "postgresql"),
    ),
    Case(
        "svg title is not the page title",
        file(
            "p.html",
            "<html><head><title>Data Engineer</title></head><body><svg><title>Logo icon</title></svg>"
            "<p>Requirements</p><ul><li>Kafka</li></ul>",
        ),
        None,
        expect=("title: Data Engineer",),
        absent=("Logo icon",),
    ),
    Case(
        "svg title in a page without title",
        file("p.html", "<html><body><svg><title>Logo</title></svg><h1>Data Engineer</h1><p>Kafka</p>"),
        None,
        expect=("title: Data Engineer",),
        absent=("Logo",),
    ),
    Case(
        "job board names the company once",
        file(
            "p.html",
            html_page(
                "<h1>Senior Backend Engineer at On</h1><p>Join On and build our Kafka platform.</p>",
                "Senior Backend Engineer at On",
            ),
        ),
        None,
        command="build",
        expect=("On — Senior Backend Engineer\n",),
        absent=("at On\n",),
    ),
    Case("1 MB of '<p ' without '>'", file("p.html", "<p " * 350_000), None),
    Case("1 MB of '</'", file("p.html", "</" * 500_000), None),
    Case("unclosed comment then many <a", file("p.html", "<p>Kafka</p><!--" + "<a" * 500_000), None, expect=("kafka",)),
    Case("deeply nested divs", file("p.html", "<div>" * 200_000 + "Kafka"), None, expect=("kafka",)),
    Case("unclosed title", file("p.html", "<html><head><title>" + "Kafka " * 100_000), "no readable text"),
    Case("only markup", file("p.html", "<div></div>" * 1000), "no readable text"),
    # Size.
    Case(
        "one 15 MB line",
        file("p.txt", ("Backend work with Kafka, PostgreSQL and w" + "x" * 40 + " ") * 180_000),
        None,
        expect=("kafka",),
    ),
    # URLs.
    Case("url: page", url("/posting.html", **{"*": Page(HTML.encode())}), None, expect=("kafka",)),
    Case("url: non-ASCII path", url("/jobs/München-Entwickler", **{"*": Page(HTML.encode())}), None, expect=("kafka",)),
    Case("url: space in path", url("/jobs/senior engineer", **{"*": Page(HTML.encode())}), None, expect=("kafka",)),
    Case("url: bad IPv6 literal", url("http://[::1/jobs"), "not a valid URL"),
    Case("url: IPv6 literal with junk", url("http://[::1]x/jobs"), "not a valid URL"),
    Case("url: port not a number", url("http://127.0.0.1:eighty/jobs"), "not a valid URL"),
    Case("url: port out of range", url("http://127.0.0.1:99999/jobs"), "not a valid URL"),
    Case(
        "url: credentials",
        url("http://alice:s3cr3t-pw@127.0.0.1:9/jobs"),
        "credentials in URLs are not supported",
        absent=("s3cr3t",),
    ),
    Case("url: user name only", url("http://alice@127.0.0.1:9/jobs"), "credentials in URLs are not supported"),
    Case("url: host with a space", url("http://exa mple.org/jobs"), "not a valid host name"),
    Case("url: no host", url("http:///jobs"), "no host name"),
    Case("url: ftp", url("ftp://127.0.0.1/jobs"), "only http:// and https://"),
    Case("url: redirect to ftp", url("/r", _r=redirect("ftp://127.0.0.1/posting.txt")), "redirected to a ftp: address"),
    Case("url: redirect to file", url("/r", _r=redirect("file:///etc/passwd")), "redirected to a file: address"),
    Case("url: redirect to data", url("/r", _r=redirect("data:text/plain,Kafka")), "redirected to a data: address"),
    Case("url: redirect loop", url("/loop", _loop=redirect("/loop")), "more than 5 redirects"),
    Case(
        "url: 6 redirects",
        url(
            "/r6",
            **{f"_r{n}": redirect(f"/r{n - 1}", 301 if n % 2 else 308) for n in range(1, 7)},
            _r0=Page(HTML.encode()),
        ),
        "more than 5 redirects",
    ),
    Case("url: 404", url("/missing"), "the server answered 404"),
    Case("url: 500 with escapes in the reason", url("/boom", _boom=Page(b"", 500)), "the server answered 500"),
    Case("url: nobody listening", url("http://127.0.0.1:9/jobs"), "cannot fetch"),
    Case(
        "url: gzip encoded",
        url("/gz", _gz=Page(gzipped(HTML), headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})),
        None,
        expect=("kafka",),
    ),
    Case(
        "url: brotli encoded",
        url("/br", _br=Page(b"\x8b\x03\x80Kafka\x03", headers={"Content-Encoding": "br"})),
        "br-compressed data, which prep cannot read",
    ),
    Case(
        "url: damaged gzip",
        url("/gz", _gz=Page(b"\x1f\x8bnot gzip at all", headers={"Content-Encoding": "gzip"})),
        "damaged gzip data",
    ),
    Case(
        "url: gzip bomb is bounded",
        url("/bomb", _bomb=Page(gzip.compress(b"Kafka " * (4 * 1024 * 1024)), headers={"Content-Encoding": "gzip"})),
        "larger than",
    ),
    Case(
        "url: charset koi8-r header",
        url("/ru", _ru=Page(RUSSIAN.encode("koi8_r"), headers={"Content-Type": "text/plain; charset=koi8-r"})),
        None,
        expect=("разработчик", "kafka"),
    ),
    Case(
        "url: charset Shift_JIS header",
        url("/ja", _ja=Page(JAPANESE.encode("shift_jis"), headers={"Content-Type": "text/plain; charset=Shift_JIS"})),
        None,
        expect=("開発経験", "kafka"),
    ),
    Case(
        "url: charset utf-16 header",
        url("/u16", _u16=Page(RUSSIAN.encode("utf-16-le"), headers={"Content-Type": "text/plain; charset=UTF-16"})),
        None,
        expect=("разработчик", "kafka"),
    ),
    Case(
        "url: unknown charset header",
        url("/x", _x=Page(POSTING.encode(), headers={"Content-Type": "text/plain; charset=x-nonsense"})),
        None,
        expect=("kafka",),
    ),
    Case(
        "url: PDF",
        url("/cv", _cv=Page(b"%PDF-1.5\n%\xe2\xe3", headers={"Content-Type": "application/pdf"})),
        "PDF file, not text",
    ),
    Case(
        "url: escapes in the page title",
        url("/t", _t=Page(html_page("<p>Kafka</p>", f"Engineer{ESCAPES}").encode())),
        None,
        expect=("kafka",),
    ),
]


def _assert_clean(text: str) -> None:
    assert "Traceback" not in text
    assert not RAW_CHARACTERS.search(text), repr(RAW_CHARACTERS.search(text))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input(case: Case, tmp_path, server):
    sources = case.setup(tmp_path, server)
    out = tmp_path / "out"
    args = [case.command, *sources] + (["--out", str(out)] if case.command == "build" else [])
    started = time.monotonic()
    result = CliRunner().invoke(main, args)
    elapsed = time.monotonic() - started
    assert elapsed < CASE_SECONDS, f"{case.id} took {elapsed:.1f} s"
    assert not isinstance(result.exception, (AssertionError, UnicodeError, OSError, ValueError, TypeError)), repr(
        result.exception
    )
    _assert_clean(result.output)
    if case.error is not None:
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
        assert case.error in result.output
        assert re.search(r"; \w", result.output), "the message says what to do"
        assert not out.exists() or not any(out.rglob("*"))
    elif case.id.startswith("1 MB") or case.error is None and not case.expect:
        assert result.exit_code in (0, 1), result.output  # any clean answer, in time
        if result.exit_code:
            assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    else:
        assert result.exit_code == 0, result.output
    for text in case.expect:
        assert text in result.output, result.output
    for text in case.absent:
        assert text not in result.output
    if case.command == "build" and result.exit_code == 0:
        for written in out.rglob("*.md"):
            _assert_clean(written.read_text(encoding="utf-8"))


def test_redirects_are_followed_up_to_five_and_the_final_url_is_the_source(tmp_path, server):
    server.pages.update({f"/r{n}": redirect(f"/r{n - 1}") for n in range(1, 6)})
    server.pages["/r0"] = Page(HTML.encode())
    posting = read_posting(f"{server.base}/r5")
    assert posting.source == f"{server.base}/r0"
    result = CliRunner().invoke(main, ["build", f"{server.base}/r5", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    guide = next(tmp_path.rglob("*-guide.md")).read_text(encoding="utf-8")
    assert f"{server.base}/r0" in guide


def test_non_ascii_and_space_in_a_url_path_are_percent_encoded(server):
    server.pages["*"] = Page(HTML.encode())
    read_posting(f"{server.base}/jobs/München Entwickler?q=ä b")
    assert server.requested == ["/jobs/M%C3%BCnchen%20Entwickler?q=%C3%A4%20b"]


def test_a_slow_server_meets_one_deadline_for_the_whole_download(server, monkeypatch):
    monkeypatch.setattr(fetch, "DEADLINE_SECONDS", 1.0)
    server.pages["/slow"] = Page(HTML.encode(), trickle=0.1)  # each read gets a byte in time
    started = time.monotonic()
    result = CliRunner().invoke(main, ["topics", f"{server.base}/slow"])
    assert time.monotonic() - started < 4
    assert result.exit_code == 1
    assert "the download took longer than 1 s; check the address or save the page" in result.output


def test_credentials_never_appear_in_any_message():
    for address in ("http://bob:hunter2@127.0.0.1:9/", "http://bob:hunter2@[::1/", "http://bob:hunter2@h:x/"):
        with pytest.raises(PostingError) as raised:
            read_posting(address)
        assert "hunter2" not in str(raised.value)


def test_closed_stdin_is_a_clean_error(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "prep", "build", "-", "--out", str(tmp_path / "out")],
        stdin=subprocess.DEVNULL if os.name == "nt" else None,
        capture_output=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=lambda: os.close(0),
        timeout=CASE_SECONDS,
    )
    assert completed.returncode == 1
    assert (
        completed.stderr
        == "Error: standard input is closed; pipe the posting in (prep build - < posting.txt) or give a file\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(os.name == "nt", reason="pseudo-terminals are POSIX")
def test_stdin_on_a_terminal_says_what_to_do(tmp_path):
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "prep", "topics", "-"],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    os.close(follower)
    time.sleep(0.5)
    os.write(leader, POSTING.replace("\n", "\r").encode() + b"\r\x04")
    try:
        stdout, stderr = process.communicate(timeout=CASE_SECONDS)
    finally:
        os.close(leader)
    assert stderr.startswith("paste the posting, then Ctrl-D")
    assert "kafka" in stdout


def test_a_legacy_console_code_page_prints_what_it_can(tmp_path):
    posting = tmp_path / "ru.txt"
    posting.write_text("Разработчик → Backend Engineer\nТребования\n- Kafka и PostgreSQL\n", encoding="utf-8")
    environment = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    for args in (
        ["topics", str(posting)],
        ["build", str(posting), "--out", str(tmp_path / "out")],
        ["build", str(tmp_path / "нет.txt")],
    ):
        completed = subprocess.run(
            [sys.executable, "-m", "prep", *args], capture_output=True, cwd=ROOT, env=environment, timeout=60
        )
        assert b"Traceback" not in completed.stderr, completed.stderr
        assert completed.returncode == (1 if "нет.txt" in args[-1] else 0)
    assert (
        b"kafka"
        in subprocess.run(
            [sys.executable, "-m", "prep", "topics", str(posting)], capture_output=True, cwd=ROOT, env=environment
        ).stdout
    )


def test_evidence_is_sentence_sized_whatever_the_line_length(banks):
    from prep import find_topics

    sentence = "We run Apache Kafka and PostgreSQL for payments across many regions at scale. "
    posting = parse_posting("Requirements\n" + sentence * 20_000 + "x" * 5000 + " Kafka")
    report = find_topics(posting, banks)
    assert {"kafka", "postgresql"} <= {topic.id for topic in report.topics}
    assert max(len(line.text) for line in posting.lines) <= MAX_LINE_CHARS
    assert all(len(quote) <= MAX_LINE_CHARS for topic in report.topics for quote in topic.evidence)


@pytest.mark.parametrize(
    "text, shown",
    [
        ("Engineer\x1b]0;title\x07", "Engineer"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("a\x9b2Jb", "ab"),
        ("Kaf\u200bka \u202eevil\u202c", "Kafka evil"),
        ("bad\udcffname", "bad?name"),
        ("tab\tand\nnewline kept", "tab\tand\nnewline kept"),
        ("bell\x07 and nul\x00", "bell  and nul "),
    ],
)
def test_printable_strips_what_a_terminal_would_act_on(text, shown):
    assert printable(text) == shown


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.binary(max_size=4000),
        st.text(max_size=2000).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.tuples(
            st.sampled_from(["utf-16", "utf-32", "utf-16-be", "cp1251", "shift_jis", "koi8_r"]), st.text(max_size=500)
        ).map(lambda pair: pair[1].encode(pair[0], "ignore")),
        st.lists(
            st.sampled_from(
                [
                    b"<",
                    b"</",
                    b"<p ",
                    b"<!--",
                    b"<a",
                    b"<title>",
                    b"<svg>",
                    b"<meta charset=koi8-r>",
                    b"\x1b]0;",
                    b"\x07",
                    b"\xe2\x80\x8b",
                    b"\xff\xfe",
                    b"Kafka",
                    b"\n",
                    b"\x00",
                    b"%PDF-",
                    b"&#x1b;",
                    b"<script>",
                    b"\xd0\xa2",
                ]
            ),
            max_size=80,
        ).map(b"".join),
    )
)
def test_any_bytes_read_cleanly(tmp_path, raw):
    path = tmp_path / "posting.html"
    path.write_bytes(raw)
    try:
        posting = read_posting(str(path))
    except PostingError as err:
        assert "\n" not in str(err).strip()
        return
    for text in [posting.title or "", posting.company or "", *(line.text for line in posting.lines)]:
        assert not RAW_CHARACTERS.search(text), repr(text)
        assert len(text) <= max(MAX_LINE_CHARS, 300)


def test_decode_never_raises_anything_but_a_posting_error_on_boms():
    for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8):
        for tail in (b"K", b"\x00\xd8", b"\xff\xff\xff", b"Ka\x00"):
            try:
                decode(bom + tail)
            except PostingError:
                pass


ENGLISH_PREAMBLE = "We build reliable systems with Kafka and PostgreSQL for our customers.\n" * 300


@pytest.mark.parametrize(
    "text, codec",
    [
        (ENGLISH_PREAMBLE + JAPANESE, "shift_jis"),
        (ENGLISH_PREAMBLE + RUSSIAN, "cp1251"),
        (ENGLISH_PREAMBLE + RUSSIAN, "koi8_r"),
        (ENGLISH_PREAMBLE + "Anforderungen\n- Größe: Kafka für Daten, Übergabe an Teams\n", "cp1252"),
    ],
    ids=["shift_jis", "cp1251", "koi8-r", "windows-1252"],
)
def test_an_undeclared_charset_is_found_after_a_long_ascii_preamble(text, codec):
    """20 KB of English before the first non-ASCII byte (a page's head, a pasted intro)
    must not make a Latin code page look best for Japanese or Russian."""
    assert decode(text.encode(codec)) == text
