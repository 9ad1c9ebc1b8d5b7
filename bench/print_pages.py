"""Count the pages a Markdown file prints as: Markdown → HTML (GitHub-like style) → PDF.

    python bench/print_pages.py QUIZ.md [--pdf OUT.pdf]

Renders with markdown-it-py (CommonMark + tables, raw HTML kept so a page-break `<div>`
works as it does in a browser), styles it like GitHub's Markdown view, and prints it
with headless Chromium (`apt-get install chromium`) to A4. Prints the page count.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from markdown_it import MarkdownIt

# Close to GitHub's rendering of a Markdown file (font sizes, heading rules, list and
# code spacing), so page counts say what a user printing from a browser gets.
STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 16px;
  line-height: 1.5; color: #1f2328; max-width: 980px; margin: 0 auto; }
h1 { font-size: 2em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: .67em 0 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 24px 0 16px; }
h3 { font-size: 1.25em; margin: 24px 0 16px; }
p, ul, ol, pre, blockquote, table { margin: 0 0 16px; }
li + li { margin-top: .25em; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 85%;
  background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 16px; border-radius: 6px; font-size: 85%; line-height: 1.45;
  white-space: pre-wrap; }
pre code { background: none; padding: 0; font-size: 100%; }
hr { border: 0; border-top: 4px solid #d1d9e0; margin: 24px 0; }
"""


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("markdown", type=Path)
    parser.add_argument("--pdf", type=Path)
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        print("no chromium: apt-get install chromium", file=sys.stderr)
        return 1
    body = MarkdownIt("commonmark", {"html": True}).enable("table").render(args.markdown.read_text(encoding="utf-8"))
    work = Path(tempfile.mkdtemp())
    page = work / "page.html"
    page.write_text(f'<!doctype html><meta charset="utf-8"><style>{STYLE}</style>{body}', encoding="utf-8")
    pdf = args.pdf or work / "page.pdf"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer",
         f"--user-data-dir={work / 'profile'}", f"--print-to-pdf={pdf.resolve()}", page.resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    print(f"{args.markdown}: {page_count(pdf.read_bytes())} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
