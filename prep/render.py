"""Bank Markdown to HTML for Anki cards: raw HTML disabled, code highlighted by Pygments."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from . import cache

_FORMATTER = HtmlFormatter(nowrap=True)
MAX_CACHED_RENDERS = 20000


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


_rendered: dict[str, str] | None = None
_rendered_new = 0


@lru_cache(maxsize=1)
def _renderer_key() -> str:
    import markdown_it
    import pygments

    source = Path(__file__).read_bytes()
    return f"{hashlib.sha256(source).hexdigest()[:16]}-{markdown_it.__version__}-{pygments.__version__}"


def to_html(markdown_text: str) -> str:
    """Rendered HTML, from the on-disk cache when this text was rendered before."""
    global _rendered, _rendered_new
    if _rendered is None:
        cached = cache.read("render")
        valid = isinstance(cached, tuple) and len(cached) == 2 and cached[0] == _renderer_key()
        _rendered = cached[1] if valid else {}
    html = _rendered.get(markdown_text)
    if html is None:
        html = _rendered[markdown_text] = _markdown().render(markdown_text).strip()
        _rendered_new += 1
    return html


def save_render_cache() -> None:
    """Keep what was rendered for the next run (bounded: it starts over when large)."""
    global _rendered_new
    if _rendered and _rendered_new:
        kept = _rendered if len(_rendered) <= MAX_CACHED_RENDERS else {}
        cache.write("render", (_renderer_key(), kept))
        _rendered_new = 0


def to_inline_html(markdown_text: str) -> str:
    """One line of Markdown (a choice, a follow-up) without the wrapping paragraph."""
    return _markdown().renderInline(markdown_text).strip()


def highlight_css() -> str:
    """Pygments colours for light mode, and a dark style under Anki's night-mode classes."""
    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs((".nightMode .highlight", ".night_mode .highlight"))
    return f"{light}\n{dark}"
