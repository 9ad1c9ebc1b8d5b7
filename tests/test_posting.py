"""Reading postings: files, stdin, URLs, encodings, HTML, sections, title and company."""

from __future__ import annotations

import http.server
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prep import PostingError, find_topics, parse_posting, read_posting
from prep.posting import decode

HTML_PAGE = """<!doctype html><html><head><title>Staff Engineer | Acme Robotics</title>
<style>.x{color:red}</style><script>var kafka = 1;</script></head>
<body><nav>Jobs Home Login <a>Kafka jobs</a></nav><h1>Staff Engineer</h1>
<p>Join Acme Robotics and build the fleet platform.</p>
<h2>Requirements</h2><ul><li>Apache <b>Kafka</b> in production</li><li>PostgreSQL tuning</li></ul>
<h2>Benefits</h2><ul><li>Mentoring budget and free lunch</li></ul>
<footer>Popular searches: GraphQL jobs, Terraform jobs</footer></body></html>"""


@pytest.fixture
def http_server():
    """Serve fixed pages on 127.0.0.1 only; the tests never touch the internet."""
    pages = {"/posting.html": (200, HTML_PAGE.encode()), "/big": (200, b"x" * (17 * 1024 * 1024))}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, body = pages.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def sections(posting):
    return {line.text: line.section for line in posting.lines}


def test_html_page_becomes_lines_with_sections_title_and_company():
    posting = parse_posting(HTML_PAGE)
    found = sections(posting)
    assert found["Apache Kafka in production"] == "requirements"
    assert found["Mentoring budget and free lunch"] == "benefits"
    assert not any("var kafka" in line or "color:red" in line for line in found)
    assert not any("Kafka jobs" in line or "GraphQL" in line for line in found)  # nav and footer
    assert posting.title == "Staff Engineer"
    assert posting.company == "Acme Robotics"


def test_inline_html_in_text_keeps_list_items_apart():
    text = (
        "Backend Engineer\n<h4>What we're looking for:</h4><ul><li><strong>Stack:</strong> Kafka &amp; Go</li>"
        "<li>PostgreSQL</li></ul>\nPlain line after"
    )
    found = sections(parse_posting(text))
    assert found["Stack: Kafka & Go"] == "requirements"
    assert found["PostgreSQL"] == "requirements"
    assert "Plain line after" in found


def test_bullets_run_together_become_separate_lines():
    posting = parse_posting("Key Responsibilities• Build APIs.• Run Kafka.\nRequirements• Five years of Go.")
    found = sections(posting)
    assert found["Build APIs."] == "responsibilities"
    assert found["Run Kafka."] == "responsibilities"
    assert found["Five years of Go."] == "requirements"


def test_short_list_items_are_content_not_headings():
    posting = parse_posting("Nice to have\n- Experience with Terraform\n- Skills in Rust")
    assert sections(posting)["Experience with Terraform"] == "nice_to_have"
    assert sections(posting)["Skills in Rust"] == "nice_to_have"


def test_job_board_chrome_after_the_posting_weighs_nothing():
    text = (
        "Requirements\n- Kafka\nRelated Jobs\nAcme hiring Kafka Engineer\n"
        "What Are the Key Qualifications for Acme Kafka Engineer?\nKafka, mentoring and more\n"
    )
    found = sections(parse_posting(text))
    assert found["Kafka"] == "requirements"
    assert found["Acme hiring Kafka Engineer"] == "boilerplate"
    assert found["Kafka, mentoring and more"] == "boilerplate"


def test_german_headings_are_recognised():
    found = sections(parse_posting("Deine Aufgaben\n- APIs bauen\nDein Profil\n- Kafka\nWas wir bieten\n- Obst"))
    assert found["APIs bauen"] == "responsibilities"
    assert found["Kafka"] == "requirements"
    assert found["Obst"] == "benefits"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Caf\u00e9 \u2013 na\u00efve".encode("utf-8"), "Café – naïve"),
        ("Caf\u00e9 \u2013 na\u00efve".encode("cp1252"), "Café – naïve"),
        (b"\xef\xbb\xbfWith BOM", "With BOM"),
        ("Kafka \u2013 UTF-16".encode("utf-16"), "Kafka – UTF-16"),
        ("We\u2019re hiring".encode("utf-8").decode("cp1252").encode("utf-8"), "We're hiring"),
    ],
)
def test_decoding_handles_common_encodings_and_mojibake(raw, expected):
    assert decode(raw).replace("\u2019", "'") == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "the posting is empty"),
        (b"  \n\t ", "the posting is empty"),
        (b"\x00\x01\x02binary\x00", "looks like a binary file"),
    ],
)
def test_unreadable_bytes_are_clean_errors(raw, message):
    with pytest.raises(PostingError, match=message):
        decode(raw)


def test_missing_file_and_folder_are_clean_errors(tmp_path):
    with pytest.raises(PostingError, match="no such file"):
        read_posting(str(tmp_path / "nope.txt"))
    with pytest.raises(PostingError, match="is a folder"):
        read_posting(str(tmp_path))


def test_url_is_fetched_from_a_local_server(http_server):
    posting = read_posting(f"{http_server}/posting.html")
    assert posting.title == "Staff Engineer"
    assert posting.source.endswith("/posting.html")


@pytest.mark.parametrize(
    "path, message",
    [
        ("/missing", "server answered 404"),
        ("/big", "larger than 16 MB"),
    ],
)
def test_url_errors_are_clean(http_server, path, message):
    with pytest.raises(PostingError, match=message):
        read_posting(f"{http_server}{path}")


def test_unreachable_and_non_http_urls_are_clean_errors():
    with pytest.raises(PostingError, match="cannot fetch"):
        read_posting("http://127.0.0.1:9/posting")
    with pytest.raises(PostingError, match="only http:// and https://"):
        read_posting("ftp://example.org/posting.txt")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=3000),
        st.binary(max_size=3000).map(lambda data: data.decode("latin-1")),
        st.lists(
            st.sampled_from(
                [
                    "<li>",
                    "</ul>",
                    "<h2>Requirements</h2>",
                    "Kafka",
                    "•",
                    "\n",
                    "\x00",
                    "\u2028",
                    "Related Jobs",
                    "<script>",
                    "&amp;",
                    "Postgre SQL",
                    "x" * 5000,
                    "::",
                    "{{c1::",
                ]
            ),
            max_size=60,
        ).map("".join),
    )
)
def test_any_text_reads_and_matches_or_fails_cleanly(banks, text):
    try:
        posting = parse_posting(text)
    except PostingError:
        return
    report = find_topics(posting, banks)
    assert all(topic.evidence for topic in report.topics)
    assert [t.score for t in report.topics] == sorted((t.score for t in report.topics), reverse=True)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_fail_cleanly(raw):
    try:
        decode(raw)
    except PostingError:
        pass
