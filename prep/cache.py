"""A small on-disk cache of work that only changes when the banks or prep change:
parsed banks, and bank Markdown rendered to HTML.

It lives in $PREP_CACHE_DIR, else $XDG_CACHE_HOME/prep (~/.cache/prep). Entries are
keyed by a digest of their inputs, so a stale entry is never read; anything wrong
with the cache (missing, corrupt, unwritable) just means doing the work again.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from . import __version__

CACHE_ENV = "PREP_CACHE_DIR"


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "prep"


def read(name: str) -> object | None:
    try:
        with (cache_dir() / f"{name}-{__version__}.pickle").open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # noqa: BLE001 - a cache that cannot be read is a cache miss
        return None


def write(name: str, value: object, keep: int = 1) -> None:
    """Store `value`; of the entries whose names share `name`'s first part ("banks-…"),
    only the `keep` newest stay, so the cache cannot grow without bound."""
    path = cache_dir() / f"{name}-{__version__}.pickle"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        family = sorted(path.parent.glob(f"{name.split('-')[0]}-*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in family[:-keep]:
            stale.unlink(missing_ok=True)
    except OSError:
        tmp.unlink(missing_ok=True)
