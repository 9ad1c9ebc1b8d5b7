"""Bank Markdown to HTML for Anki cards: raw HTML disabled, code highlighted by Pygments,
images shown as links (a card never loads anything from the network)."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pygments

from . import cache

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

MAX_CACHED_RENDERS = 20000
# markdown-it and Pygments' lexers are imported only where they work (Markdown not yet in
# the render cache, the card CSS not yet cached): a warm build renders nothing, and
# importing them costs it more than the rest of its work on the cards.
_SAFE_CSS = re.compile(r"[^<>@\\]*")


def _highlight(code: str, language: str, _attrs: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language.strip()) if language.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes and wraps it plainly
    return f'<pre class="highlight"><code>{highlight(code, lexer, HtmlFormatter(nowrap=True))}</code></pre>'


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    # An <img> would be fetched on every review (a tracking pixel); the linter rejects
    # images, and whatever gets past it is shown as a link the user may choose to follow.
    from markdown_it.common.utils import escapeHtml

    token = tokens[idx]
    alt = escapeHtml(renderer.renderInlineAsText(token.children or [], options, env)) or "image"
    source = str(token.attrGet("src") or "")
    if not source.startswith(("https://", "http://")):
        return alt
    return f'<a href="{escapeHtml(source)}">{alt}</a>'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # html=False: a bank cannot put <script> or any other tag into a card.
    markdown = MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable("table")
    markdown.add_render_rule("image", _image_as_link)
    return markdown


# Every tag the renderer writes, with the attributes it gives them. HTML from the cache
# is used only if it holds nothing else: a forged entry is re-rendered, never shown.
_BLOCKS = "p|em|strong|code|pre|ul|ol|li|blockquote|h[1-6]|table|thead|tbody|tr|th|td|span|a|s|del"
_ATTRIBUTES = (
    r'(?: (?:class="[^"<>]*"|start="[0-9]+"|style="text-align:(?:left|center|right)"|title="[^"<>]*"'
    r'|href="(?:https?://|mailto:|#)[^"<>]*"|href="[^":<>]*"))*'
)
_RENDERER_TAG = re.compile(rf"</(?:{_BLOCKS})>|<(?:{_BLOCKS}){_ATTRIBUTES}>|<(?:hr|br) ?/?>")


def is_renderer_html(html: object) -> bool:
    """Whether `html` holds only tags and attributes this renderer writes."""
    return type(html) is str and "<" not in _RENDERER_TAG.sub("", html)


# Rendered HTML by Markdown text, block ("p", lists, code) and inline (a choice, a
# follow-up) apart; loaded from the on-disk cache on first use.
_rendered: dict[str, dict[str, str]] | None = None
_rendered_checked: set[tuple[str, str]] = set()
_rendered_new = 0


@lru_cache(maxsize=1)
def _renderer_key() -> str:
    """This module's source, markdown-it's (whose `__init__` names its version, read
    without importing it) and Pygments' version: a change to any renders again."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    spec = importlib.util.find_spec("markdown_it")
    digest.update(Path(spec.origin).read_bytes() if spec and spec.origin else b"")
    return f"{digest.hexdigest()[:16]}-{pygments.__version__}"


def to_html(markdown_text: str) -> str:
    """Rendered HTML, from the on-disk cache when this text was rendered before."""
    return _cached_render("block", markdown_text)


def to_inline_html(markdown_text: str) -> str:
    """One line of Markdown (a choice, a follow-up) without the wrapping paragraph."""
    return _cached_render("inline", markdown_text)


def _cached_render(kind: str, markdown_text: str) -> str:
    global _rendered, _rendered_new
    if _rendered is None:
        cached = cache.read("render")
        valid = (
            type(cached) is list
            and len(cached) == 3
            and cached[0] == _renderer_key()
            and all(type(part) is dict for part in cached[1:])
        )
        _rendered = {"block": cached[1], "inline": cached[2]} if valid else {"block": {}, "inline": {}}
    rendered = _rendered[kind]
    html = rendered.get(markdown_text)
    if html is not None and (kind, markdown_text) not in _rendered_checked:
        if is_renderer_html(html):
            _rendered_checked.add((kind, markdown_text))
        else:
            html = None
    if html is None:
        markdown = _markdown()
        html = markdown.render(markdown_text) if kind == "block" else markdown.renderInline(markdown_text)
        html = rendered[markdown_text] = html.strip()
        _rendered_checked.add((kind, markdown_text))
        _rendered_new += 1
    return html


def save_render_cache() -> None:
    """Keep what was rendered for the next run (bounded: it starts over when large)."""
    global _rendered_new
    if _rendered and _rendered_new:
        kept = [part if len(part) <= MAX_CACHED_RENDERS else {} for part in (_rendered["block"], _rendered["inline"])]
        cache.write("render", [_renderer_key(), *kept])
        _rendered_new = 0


@lru_cache(maxsize=1)
def highlight_css() -> str:
    """Pygments colours for light mode, and a dark style under Anki's night-mode classes.

    Cached on disk per Pygments version; a cached entry that could load anything
    (`url(` or `@import`) or close the style element is computed again."""
    name = f"css-{pygments.__version__}"
    cached = cache.read(name)
    if type(cached) is str and _SAFE_CSS.fullmatch(cached) and "url(" not in cached:
        return cached
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs((".nightMode .highlight", ".night_mode .highlight"))
    css = f"{light}\n{dark}"
    cache.write(name, css)
    return css
