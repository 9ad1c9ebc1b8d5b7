"""A small on-disk cache of work that only changes when the banks or prep change:
parsed banks, and bank Markdown rendered to HTML.

It lives in $PREP_CACHE_DIR, else $XDG_CACHE_HOME/prep (~/.cache/prep). Entries are
keyed by a digest of their inputs, so a stale entry is never read; anything wrong
with the cache (missing, corrupt, forged, unwritable, not a folder) just means doing
the work again.

An entry is plain JSON (it cannot run code, unlike pickle) after a header line with a
format version and the SHA-256 of the JSON. The hash catches truncation and damage,
not forgery: whoever reads an entry validates its shape and content as untrusted input.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from contextlib import suppress
from pathlib import Path

from . import __version__
from .untrusted import CONTROL_CHARACTERS, read_regular, replace_file

CACHE_ENV = "PREP_CACHE_DIR"
FORMAT = 1
MAX_ENTRY_BYTES = 64 * 1024 * 1024
# What prep writes never holds a control character, nor a \u escape (json.dumps with
# ensure_ascii=False writes only control characters that way): an entry that does is
# not ours, and is a miss.
_UNICODE_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u")
_ASCII_PRINTABLE = bytes(range(0x20, 0x7F))


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "prep"


def _entry_path(name: str) -> Path:
    return cache_dir() / f"{name}-{__version__}.json"


def _header(payload: bytes) -> bytes:
    return f"prep-cache {FORMAT} {hashlib.sha256(payload).hexdigest()}\n".encode()


def read(name: str) -> object | None:
    """The plain data (lists, dicts, str, int, bool, None) stored under `name`, or None.

    The caller must still validate it: a hash proves the entry is whole, not who wrote it."""
    try:
        data = read_regular(_entry_path(name), MAX_ENTRY_BYTES)
        header, _, payload = data.partition(b"\n")
        if header + b"\n" != _header(payload):
            return None
        # Only the bytes outside printable ASCII can be control characters: a few KB of
        # a few MB, so the check costs little on the warm path.
        unusual = payload.translate(None, _ASCII_PRINTABLE).decode("utf-8")
        if CONTROL_CHARACTERS.search(unusual) or (b"\\u" in payload and _UNICODE_ESCAPE.search(payload)):
            return None
        return json.loads(payload)
    except (OSError, ValueError, RecursionError):  # unreadable, not UTF-8, not JSON, too deep
        return None


def write(name: str, value: object, keep: int = 1) -> None:
    """Store `value` (plain data); of the entries whose names share `name`'s first part
    ("banks-…"), only the `keep` newest stay, so the cache cannot grow without bound.
    Never raises: a cache that cannot be written is only slower next time."""
    try:
        payload = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        path = _entry_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, _header(payload) + payload)
        _prune(path.parent, name.split("-")[0], keep)
    except Exception:  # noqa: BLE001 - read-only, full, not a folder, odd value: the cache is optional
        return


def _prune(folder: Path, family: str, keep: int) -> None:
    def age(entry: Path) -> float:
        try:
            return entry.stat().st_mtime
        except OSError:
            return 0.0

    entries = sorted(folder.glob(f"{family}-*.json"), key=age)
    # Earlier versions of prep wrote pickles, which are never read now.
    for stale in [*entries[:-keep], *folder.glob(f"{family}-*.pickle")]:
        with suppress(OSError):
            stale.unlink()
