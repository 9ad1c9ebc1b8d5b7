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

    from prep.topics import find_spans

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
        assert {(s, e, bank.id) for s, e, bank in find_spans(text, banks)} == naive_spans(text, banks)

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
