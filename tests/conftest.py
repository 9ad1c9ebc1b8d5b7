from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prep import load_banks

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE_POSTING = EXAMPLES / "northwind-payments-backend.txt"


@pytest.fixture(scope="session")
def banks():
    return load_banks()


def write_file(path: Path, content: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to `path`, making its folders, and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def write(tmp_path: Path):
    """Write a file under tmp_path and return its path."""
    return lambda name, content: write_file(tmp_path / name, content)


class AnkiCollection:
    """A fresh collection of the real Anki library, to prove what our decks do there."""

    def __init__(self, path: Path):
        from anki.collection import Collection

        self.col = Collection(str(path))

    def import_deck(self, apkg: Path):
        from anki.collection import ImportAnkiPackageRequest
        from anki.import_export_pb2 import ImportAnkiPackageOptions

        response = self.col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions(with_scheduling=False))
        )
        return response.log

    def notes(self):
        return [self.col.get_note(note_id) for note_id in self.col.find_notes("")]

    def deck_names(self) -> set[str]:
        return {deck.name for deck in self.col.decks.all_names_and_ids()}

    def close(self) -> None:
        self.col.close()


@pytest.fixture
def anki(tmp_path: Path):
    collection = AnkiCollection(tmp_path / "collection.anki2")
    yield collection
    collection.close()


@pytest.fixture
def bank_dir(tmp_path: Path):
    """A writable copy of one fixture bank folder."""

    def _copy(name: str) -> Path:
        target = tmp_path / "banks" / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return _copy


@pytest.fixture(autouse=True)
def _no_network_proxy(monkeypatch):
    # Tests fetch only from 127.0.0.1; a proxy from the environment must not intercept.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tests never read or write the user's real cache."""
    patcher = pytest.MonkeyPatch()
    patcher.setenv("PREP_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    patcher.undo()
