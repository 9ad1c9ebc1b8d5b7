"""Topic detection on postings written for these tests, one per kind of mistake."""

from __future__ import annotations

import pytest

from prep import find_topics, parse_posting
from prep.topics import alias_pattern

from .conftest import EXAMPLE_POSTING


def topic_ids(text: str, banks) -> list[str]:
    return [topic.id for topic in find_topics(parse_posting(text), banks).topics]


def test_example_posting_finds_its_topics_with_evidence(banks):
    report = find_topics(parse_posting(EXAMPLE_POSTING.read_text()), banks)
    found = {topic.id: topic for topic in report.topics}
    for topic_id in ("kafka", "postgresql", "oauth2", "system-design", "mentoring"):
        assert found[topic_id].evidence, topic_id
    assert any("Kafka consumer groups" in line for line in found["kafka"].evidence)
    # The benefits line "everyone can grow" is not evidence for anything.
    assert not any("everyone can grow" in line for topic in report.topics for line in topic.evidence)


def test_topics_are_ordered_by_score_and_requirements_outweigh_nice_to_haves(banks):
    text = "Requirements\n- Apache Kafka in production\n- More Kafka Streams\nNice to have\n- PostgreSQL\n"
    report = find_topics(parse_posting(text), banks)
    scores = {topic.id: topic.score for topic in report.topics}
    assert scores["kafka"] > scores["postgresql"] > 0
    assert [topic.id for topic in report.topics][0] == "kafka"


def test_company_blurb_alone_does_not_make_a_topic(banks):
    text = "About us\nWe run the largest Kafka user group in town.\nRequirements\n- PostgreSQL\n"
    assert "kafka" not in topic_ids(text, banks)
    assert "postgresql" in topic_ids(text, banks)


def test_benefits_and_application_text_count_for_nothing(banks):
    text = (
        "Requirements\n- PostgreSQL\nBenefits\n- Mentoring programme and Kafka workshops\n"
        "How to apply\nSend your OAuth2 questions to jobs@example.org\n"
    )
    assert topic_ids(text, banks) == ["postgresql"]


def test_rest_of_the_team_is_not_rest_api(banks):
    assert "rest-api" not in topic_ids("Requirements\n- Work with the rest of the team on PostgreSQL\n", banks)


def test_longer_alias_of_another_topic_wins(banks):
    # "Postgre SQL" names PostgreSQL; the "SQL" inside it is not a second topic.
    found = topic_ids("Requirements\n- Tune Postgre SQL\n", banks)
    assert "postgresql" in found and "sql" not in found


@pytest.mark.parametrize(
    "alias, text, matches",
    [
        ("kafka", "Apache Kafka, Kafka-based", True),
        ("kafka", "kafkaesque", False),
        ("event driven", "event-driven systems", True),
        ("event driven", "eventdriven", True),
        ("mentor*", "mentorship", True),
        ("mentor*", "tormentor", False),
        ("node.js", "Node.js", True),
        ("node.js", "nodexjs", False),
        ("c#", "C# and .NET", True),
    ],
)
def test_alias_patterns(alias, text, matches):
    import re

    assert bool(re.search(alias_pattern(alias), text, re.I)) is matches


def test_uncovered_requirements_list_unknown_technology_but_not_benefits(banks):
    text = "Requirements\n- Experience with Zorblax and PostgreSQL\n- Good humour\nBenefits\n- Free Zorblax licence\n"
    report = find_topics(parse_posting(text), banks)
    assert [(item.term, item.line) for item in report.uncovered] == [
        ("Zorblax", "Experience with Zorblax and PostgreSQL")
    ]


def test_json_shape_is_the_documented_contract(banks):
    report = find_topics(parse_posting(EXAMPLE_POSTING.read_text()), banks).to_json()
    assert set(report) == {"title", "company", "topics", "uncovered", "added", "skipped"}
    assert report["title"] == "Senior Backend Engineer – Payments Platform"
    assert report["company"] == "Northwind Logistics"
    assert set(report["topics"][0]) == {"id", "name", "score", "evidence"}


def naive_spans(text: str, banks) -> set[tuple[int, int, str]]:
    """Every alias regex run over the whole line: slow, obviously right."""
    import re

    spans = []
    for bank in banks:
        for aliases, flags in ((bank.aliases, re.I), (bank.case_sensitive_aliases, 0)):
            for alias in aliases:
                spans += [(m.start(), m.end(), bank) for m in re.finditer(alias_pattern(alias), text, flags)]
    return {
        (start, end, bank.id)
        for start, end, bank in spans
        if not any(other is not bank and s <= start and end <= e and e - s > end - start for s, e, other in spans)
    }


def test_alias_index_finds_what_every_alias_regex_finds(banks):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from prep.topics import alias_index

    fragments = sorted({alias.rstrip("*") for bank in banks for alias in (*bank.aliases, *bank.case_sensitive_aliases)})
    pieces = st.one_of(
        st.sampled_from(fragments).map(lambda text: text.replace(" ", "-")),
        st.sampled_from(fragments).map(str.upper),
        st.sampled_from(fragments).map(lambda text: text + "ing"),
        st.sampled_from(fragments),
        st.sampled_from([" ", ", ", " (", ") ", "/", ".", " and ", "-", "", " the ", "—", "2", "é"]),
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, max_size=12).map("".join))
    def check(text):
        assert {(s, e, bank.id) for s, e, bank in alias_index(tuple(banks)).spans(text)} == naive_spans(text, banks)

    check()


@pytest.fixture(scope="module")
def language_banks():
    from prep import load_banks

    from .conftest import FIXTURES

    return load_banks([FIXTURES / "languages"])


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Strong Go or Rust skills", True),
        ("Golang microservices", True),
        ("Ready to go the extra mile", False),
        ("Let's go.", False),
    ],
)
def test_case_sensitive_alias_tells_the_language_from_the_verb(language_banks, line, expected):
    assert ("golang" in topic_ids(f"Requirements\n- {line}\n", language_banks)) is expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Java 17 and Spring Boot", True),
        ("JavaScript and TypeScript on the front end", False),
        ("Java/JavaScript full stack", True),
    ],
)
def test_javascript_is_not_java(language_banks, line, expected):
    assert ("java" in topic_ids(f"Requirements\n- {line}\n", language_banks)) is expected


def test_a_line_that_rules_a_skill_out_counts_for_nothing(banks):
    text = (
        "Requirements\n- Solid PostgreSQL skills\n- The role does not require Kafka experience\n"
        "- GraphQL is not required\n"
    )
    found = topic_ids(text, banks)
    assert "postgresql" in found and "kafka" not in found and "graphql" not in found


def test_do_not_apply_lists_count_for_nothing(banks):
    text = (
        "Must have\n- PostgreSQL\nPlease do not submit candidates who are:\n"
        "- Architects seeking ownership of system design\n"
    )
    assert "system-design" not in topic_ids(text, banks)


def fixture_postings():
    from .conftest import FIXTURES

    return sorted((FIXTURES / "postings").glob("*.txt"))


def report_for(path, banks, **choices):
    return find_topics(parse_posting(path.read_text(encoding="utf-8"), str(path)), banks, **choices)


@pytest.mark.parametrize(
    "line, topic",
    [
        ("Design scalable, highly available backend services", "system-design"),
        ("Help us build and scale our payments platform", "system-design"),
        ("Architect and build resilient services", "system-design"),
        ("Lead technical initiatives across teams", "technical-leadership"),
        ("Participate in architectural discussions", "technical-leadership"),
        ("Ensure the security of our APIs and customer data", "web-security"),
        ("Integrate with third-party logistics providers", "integration-patterns"),
        ("Build safe integrations with our partners", "integration-patterns"),
        ("You have owned distributed or microservice systems", "distributed-systems"),
        ("Coach less experienced engineers", "mentoring"),
        ("Align the roadmap with business objectives", "product-impact"),
        ("Design and implement APIs for our mobile apps", "rest-api"),
        ("Monitor system performance and uptime", "observability"),
        ("Experience with AWS EC2, Glue, Lambda", "serverless"),
    ],
)
def test_concept_grammars_find_topics_described_not_named(banks, line, topic):
    assert topic in topic_ids(f"Responsibilities\n- {line}\n", banks)


@pytest.mark.parametrize(
    "text, topic",
    [
        ("Responsibilities\n- Deploying, testing and maintaining jobs\n", "testing"),
        ("Responsibilities\n- Automated crawling and monitoring of ads\n", "observability"),
        ("Responsibilities\n- Join Scalable Capital as a backend engineer\n", "system-design"),
        ("Description\n- We are building a secure, scalable platform for banks.\n", "web-security"),
        ("Benefits\n- A secure job and a scalable bonus\n", "web-security"),
        ("Requirements\n- Job security is not required here\n", "web-security"),
    ],
)
def test_concept_guards_keep_other_meanings_out(banks, text, topic):
    assert topic not in topic_ids(text, banks)


def test_repeated_mentions_saturate(banks):
    from prep.topics import topic_score

    assert topic_score([1.0] * 10) < 2.0
    assert topic_score([1.0, 1.0]) > topic_score([1.0])
    assert topic_score([1.0, 1.0, 1.0], behavioural=True) == 1.0


def test_named_stack_does_not_rank_below_soft_topics_mentioned_on_several_lines(banks):
    from .conftest import FIXTURES

    scores = {t.id: t.score for t in report_for(FIXTURES / "postings" / "ledgerly-platform.txt", banks).topics}
    stack = [scores[topic_id] for topic_id in ("typescript", "nodejs", "nestjs", "postgresql")]
    soft = [
        scores[topic_id] for topic_id in ("collaboration", "mentoring", "technical-leadership") if topic_id in scores
    ]
    assert soft and min(stack) >= max(soft)


def test_a_bare_heading_is_never_evidence(banks):
    from .conftest import FIXTURES

    report = report_for(FIXTURES / "postings" / "ledgerly-platform.txt", banks)
    testing = next(t for t in report.topics if t.id == "testing")
    assert testing.evidence == ("Automated tests on every change.",)
    assert not any(line.endswith(":") for t in report.topics for line in t.evidence)


def test_uncovered_terms_are_absent_from_every_bank(banks):
    import re

    bank_text = "\n".join(
        "\n".join([q.question, q.answer, *(c.text for c in q.choices), *q.follow_ups])
        for bank in banks
        for q in bank.questions
    ).lower()
    listed = []
    for path in fixture_postings():
        report = report_for(path, banks)
        for item in report.uncovered:
            assert item.term in item.line
            assert not re.search(rf"(?<!\w){re.escape(item.term.lower())}(?!\w)", bank_text), item.term
            listed.append(item.term)
    assert {"Hyperswitch", "Drools", "Camunda", "Marrowfield"} <= set(listed)
    # Notice periods, salaries, places and benefits are not requirements.
    assert not {"Zorblax", "Quoddy", "Lisbon", "EUR"} & set(listed)


def test_a_term_a_bank_teaches_is_covered(banks):
    report = find_topics(parse_posting("Requirements\n- Read query plans with EXPLAIN and Zorblax\n"), banks)
    assert [item.term for item in report.uncovered] == ["Zorblax"]


def test_user_adds_and_skips_topics_case_insensitively(banks):
    from .conftest import FIXTURES

    path = FIXTURES / "postings" / "ledgerly-platform.txt"
    plain = report_for(path, banks)
    report = report_for(path, banks, add=["Kafka", "SYSTEM-DESIGN"], skip=["Mentoring"])
    found = {t.id: t for t in report.topics}
    assert report.added == ("kafka", "system-design") and report.skipped == ("mentoring",)
    assert "mentoring" not in found
    assert found["kafka"].evidence == ("(added by you with --topic)",)
    import statistics

    assert found["kafka"].score == round(statistics.median(t.score for t in plain.topics if t.id != "mentoring"), 2)
    assert found["system-design"] == next(t for t in plain.topics if t.id == "system-design")


def test_unknown_topic_id_names_the_closest_ids(banks):
    from prep.errors import UnknownTopicError

    with pytest.raises(UnknownTopicError, match=r"--skip 'sytem-design' is not a known topic; closest: system-design"):
        find_topics(parse_posting("Requirements\n- Kafka\n"), banks, skip=["sytem-design"])


def test_clip_cuts_at_a_word():
    from prep.words import clip

    assert clip("short line", 40) == "short line"
    assert clip("Experience with Kubernetes operators and Helm charts", 30) == "Experience with Kubernetes…"
