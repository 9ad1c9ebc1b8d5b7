"""Bank Markdown to HTML for Anki cards: raw HTML disabled, code highlighted by Pygments."""
from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_FORMATTER = HtmlFormatter(nowrap=True)


def _highlight(code: str, language: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(language.strip()) if language.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes and wraps it plainly
    return f'<pre class="highlight"><code>{highlight(code, lexer, _FORMATTER)}</code></pre>'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # html=False: a bank cannot put <script> or any other tag into a card.
    return MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable("table")


def to_html(markdown_text: str) -> str:
    return _markdown().render(markdown_text).strip()


def to_inline_html(markdown_text: str) -> str:
    """One line of Markdown (a choice, a follow-up) without the wrapping paragraph."""
    return _markdown().renderInline(markdown_text).strip()


def highlight_css() -> str:
    """Pygments colours for light mode, and a dark style under Anki's night-mode classes."""
    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs((".nightMode .highlight", ".night_mode .highlight"))
    return f"{light}\n{dark}"
