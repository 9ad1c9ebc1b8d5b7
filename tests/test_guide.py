"""The study guide, parsed with markdown-it-py the way GitHub and editors read it."""

from __future__ import annotations

import re
import shutil

from click.testing import CliRunner
from markdown_it import MarkdownIt

from prep.banks import CLOZE_PATTERN
from prep.cli import main
from prep.guide import escape_html, github_anchor, question_heading

from .conftest import EXAMPLE_POSTING, FIXTURES


def build_guide(tmp_path, *extra: str) -> str:
    result = CliRunner().invoke(main, ["build", str(EXAMPLE_POSTING), "--out", str(tmp_path), *extra])
    assert result.exit_code == 0, result.output
    return next(tmp_path.glob("*/*-guide.md")).read_text()


def headings(tokens, level: str) -> list[str]:
    return [
        tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open" and token.tag == level
    ]


def test_guide_structure(tmp_path):
    guide = build_guide(tmp_path)
    tokens = MarkdownIt("commonmark").enable("table").parse(guide)
    assert headings(tokens, "h1") == [
        "Interview prep: Northwind Logistics — Senior Backend Engineer – Payments Platform"
    ]
    sections = headings(tokens, "h2")
    assert sections[:2] == ["Study plan: 7 days", "Topics"]  # a week unless told otherwise
    topic_sections = [s for s in sections[2:] if re.match(r"\d+\. ", s)]
    assert topic_sections[0].split(". ", 1)[1] in {
        "Apache Kafka",
        "Distributed systems",
        "Payments & invoicing integration",
        "PostgreSQL",
        "OAuth 2.0, OpenID Connect & SSO",
        "System design",
    }
    # Every contents link points at a heading that exists.
    anchors = {github_anchor(section) for section in sections}
    links = re.findall(r"\]\(#([^)]+)\)", guide)
    assert links and set(links) <= anchors
    # Each question has its answer folded; behavioural ones get a STAR worksheet.
    questions = headings(tokens, "h3")
    assert len(questions) == guide.count("<details><summary>")
    # Question headings say what they ask, and no two headings share an anchor.
    assert any("consumer group" in question.lower() for question in questions)
    every_anchor = [github_anchor(heading) for heading in [*sections, *questions]]
    assert len(every_anchor) == len(set(every_anchor))
    assert "| **Situation** |" in guide
    assert "**Why it matters here**" in guide and "> Hands-on experience with Kafka consumer groups" in guide


def test_guide_lists_requirements_no_bank_covers(tmp_path, write):
    posting = write("p.txt", "Backend Engineer\nRequirements\n- Apache Kafka\n- Experience with Zorblax pipelines\n")
    result = CliRunner().invoke(main, ["build", str(posting), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    guide = next((tmp_path / "out").glob("*/*-guide.md")).read_text()
    assert "## Requirements no bank covers" in guide
    assert "- **Zorblax**: Experience with Zorblax pipelines" in guide
    assert "Zorblax" in result.output


def test_bank_html_cannot_reach_the_guide_or_the_cards(tmp_path, write):
    banks = tmp_path / "banks"
    shutil.copytree(FIXTURES / "good", banks)
    text = (banks / "widgets.yaml").read_text()
    (banks / "widgets.yaml").write_text(
        text.replace("A small **component**.", "A small <script>alert(1)</script> `<b>code</b>` component.")
    )
    posting = write("p.txt", "Widget Engineer\nRequirements\n- Widgets, widgets and more widgets\n")
    result = CliRunner().invoke(main, ["build", str(posting), "--out", str(tmp_path / "out"), "--banks", str(banks)])
    assert result.exit_code == 0, result.output
    guide = next((tmp_path / "out").glob("*/*-guide.md")).read_text()
    assert "<script>" not in guide and "&lt;script>" in guide
    assert "`<b>code</b>`" in guide  # code is left alone: it renders as text
    import sqlite3
    import zipfile

    apkg = next((tmp_path / "out").glob("*/*.apkg"))
    with zipfile.ZipFile(apkg) as archive:
        (tmp_path / "col.db").write_bytes(archive.read("collection.anki2"))
    fields = " ".join(row[0] for row in sqlite3.connect(tmp_path / "col.db").execute("select flds from notes"))
    assert "<script>" not in fields and "&lt;script&gt;" in fields


def test_escape_html_leaves_code_blocks_alone():
    text = "a <b>\n```html\n<div>x</div>\n```\n`<i>` and <i>"
    assert escape_html(text) == "a &lt;b>\n```html\n<div>x</div>\n```\n`<i>` and &lt;i>"


def test_days_plan_covers_every_question_once(tmp_path):
    guide = build_guide(tmp_path, "--days", "4")
    plan = guide.split("## Study plan: 4 days", 1)[1].split("\n## ", 1)[0]
    days = re.findall(r"^- \*\*Day (\d)\*\* \(\d+ cards\): (.*)$", plan, re.M)
    assert [day for day, _ in days] == ["1", "2", "3", "4"]
    covered = []
    for _, items in days:
        for topic, first, last in re.findall(r"\(#[^)]+\) (\d+)\.(\d+)(?:–\d+\.(\d+))?", items):
            covered += [(topic, n) for n in range(int(first), int(last or first) + 1)]
    questions = re.findall(r"^### (\d+)\.(\d+) ", guide, re.M)
    assert sorted(covered) == sorted((topic, int(n)) for topic, n in questions)
    assert "prep quiz " in plan


def test_cloze_heading_does_not_give_the_answer_away(banks):
    clozes = [q for bank in banks for q in bank.questions if q.kind == "cloze"]
    checked = 0
    for question in clozes:
        heading, whole = question_heading(1, 1, question)
        outside = CLOZE_PATTERN.sub("", question.question)
        for deletion in CLOZE_PATTERN.finditer(question.question):
            hidden = deletion.group(2).strip("`* ")
            if len(hidden) > 3 and hidden not in outside:
                assert hidden not in heading, heading
                checked += 1
        assert not whole  # the guide always shows the blanked text under the heading
    assert checked > 100


def test_posting_text_is_never_live_markdown_in_the_guide(tmp_path, write):
    posting = write(
        "p.txt",
        "Senior Backend Engineer ![t](https://evil.example/title.png)\n"
        "Requirements\n"
        "- Kafka consumer groups ![pixel](https://evil.example/p.png) and [docs](javascript:alert(1))\n"
        "- Experience with Zorblax **pipelines** <img src=x>\n",
    )
    result = CliRunner().invoke(main, ["build", str(posting), "--out", str(tmp_path / "out"), "--cards", "10"])
    assert result.exit_code == 0, result.output
    guide = next((tmp_path / "out").glob("*/*-guide.md")).read_text()
    html = MarkdownIt("commonmark").enable("table").render(guide)
    assert "<img" not in html and "evil.example" not in re.sub(r">[^<]*<", "><", html)
    assert 'href="javascript' not in html
