"""The on-disk cache: never stale, never fatal, never unbounded."""

from __future__ import annotations

import pytest

from prep import load_banks
from prep.cache import cache_dir

from .conftest import FIXTURES


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("PREP_CACHE_DIR", str(folder))
    return folder


def test_an_edited_bank_is_never_served_from_the_cache(fresh_cache, tmp_path):
    extra = tmp_path / "banks"
    extra.mkdir()
    bank = extra / "widgets.yaml"
    bank.write_text((FIXTURES / "good" / "widgets.yaml").read_text())
    load_banks([extra])
    assert list(fresh_cache.glob("banks-*.json"))
    bank.write_text(bank.read_text().replace("name: Widget engineering", "name: Widgets, edited"))
    names = {b.name for b in load_banks([extra])}
    assert "Widgets, edited" in names and "Widget engineering" not in names


def test_a_corrupt_cache_is_ignored(fresh_cache):
    expected = [bank.id for bank in load_banks()]
    for entry in fresh_cache.glob("*.json"):
        entry.write_bytes(b"not a cache entry")
    assert [bank.id for bank in load_banks()] == expected


def test_the_cache_keeps_a_few_bank_sets_only(fresh_cache, tmp_path):
    for number in range(6):
        extra = tmp_path / f"banks{number}"
        extra.mkdir()
        text = (FIXTURES / "good" / "widgets.yaml").read_text()
        (extra / "widgets.yaml").write_text(text.replace("Widget engineering", f"Widgets {number}"))
        load_banks([extra])
    assert cache_dir() == fresh_cache
    assert len(list(fresh_cache.glob("banks-*.json"))) == 4
