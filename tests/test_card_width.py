"""Cards fit a phone: rendered by the real Anki library, laid out by headless Chromium at
380 px, no card is wider than the screen and nothing in it scrolls sideways.

Needs Chromium (`apt-get install chromium`); skipped where it is missing, as in CI, which
does not install it. `../shared/tools/render_cards.py DECK OUT --png` shows the same cards.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from prep.cli import main

from .conftest import EXAMPLE_POSTING

PHONE_WIDTH = 380
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")

# For each card frame: the page's scrollWidth, and how many blocks scroll inside it
# (a <pre> or table with overflow: auto hides the overflow from the page's width).
_MEASURE = """<pre id="out"></pre><script>
window.onload = () => {
  const rows = [];
  for (const frame of document.querySelectorAll("iframe")) {
    const doc = frame.contentDocument;
    const scrolling = [...doc.querySelectorAll("pre, table, div, p, li")]
      .filter((e) => e.scrollWidth > e.clientWidth + 1).length;
    rows.push([frame.dataset.card, doc.documentElement.scrollWidth, scrolling]);
  }
  document.getElementById("out").textContent = JSON.stringify(rows);
};
</script>"""


@pytest.mark.skipif(BROWSER is None, reason="needs chromium (apt-get install chromium); CI does not install it")
def test_no_card_is_wider_than_a_phone(tmp_path, anki):
    result = CliRunner().invoke(main, ["build", str(EXAMPLE_POSTING), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    anki.import_deck(next(tmp_path.glob("out/*/*.apkg")))
    frames = []
    for card_id in anki.col.find_cards(""):
        card = anki.col.get_card(card_id)
        css = card.note_type()["css"]
        for side, body in (("front", card.question()), ("back", card.answer())):
            page = f'<html><head><style>{css}</style></head><body class="card">{body}</body></html>'
            label = f"{card.note()['QuestionId']} {side}"
            frames.append(
                f'<iframe data-card="{html.escape(label)}" width="{PHONE_WIDTH}" height="200" '
                f'srcdoc="{html.escape(page)}"></iframe>'
            )
    assert len(frames) >= 200
    page = tmp_path / "cards.html"
    page.write_text("<!doctype html><meta charset='utf-8'><body>" + "".join(frames) + _MEASURE, encoding="utf-8")
    dom = subprocess.run(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180, check=True,
    ).stdout  # fmt: skip
    rows = json.loads(html.unescape(re.search(r'<pre id="out">(.*?)</pre>', dom, re.S).group(1)))
    assert len(rows) == len(frames)
    too_wide = [(card, width) for card, width, _ in rows if width > PHONE_WIDTH]
    scrolling = [card for card, _, count in rows if count]
    assert not too_wide and not scrolling, (too_wide, scrolling)
