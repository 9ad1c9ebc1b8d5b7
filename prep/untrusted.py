"""Reading what prep does not control: regular files only, bounded, control characters out.

Banks, the cache, the quiz history and postings all go through here, so a FIFO or a
device named like one of them cannot hang prep, and no string from them can drive a
terminal or hide text in a card.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from contextlib import suppress
from pathlib import Path

# Terminal escape sequences (CSI, OSC, DCS…, 7- and 8-bit), removed whole so no payload is left.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,8}[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,4096}(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]{0,8}[0-~]?"
)
# Invisible characters (bidi overrides and isolates, zero-width and other format
# characters, soft hyphens, variation and tag characters) can hide or reorder text;
# controls (C0 but tab and newline, DEL, C1, line/paragraph separators) can drive a
# terminal. None belongs in a posting, a bank or anything prep shows.
_INVISIBLE_CLASS = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e0fff"
)
_CONTROL_CLASS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CLASS}]")
_CONTROL = re.compile(f"[{_CONTROL_CLASS}]")
CONTROL_CHARACTERS = re.compile(f"[{_CONTROL_CLASS}{_INVISIBLE_CLASS}]")  # both: what lint rejects


def strip_control(text: str) -> str:
    """`text` without escape sequences, control or invisible characters (tab and newline stay)."""
    if not CONTROL_CHARACTERS.search(text):
        return text
    return CONTROL_CHARACTERS.sub("", _ESCAPE_SEQUENCE.sub("", text))


def printable(text: str) -> str:
    """`text` safe for a terminal, a Markdown file or a card: no escape sequences, control,
    bidi or zero-width characters, and no lone surrogates (from undecodable file names)."""
    if text.isascii() and text.isprintable():
        return text
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    text = _INVISIBLE.sub("", _ESCAPE_SEQUENCE.sub("", text))
    return _CONTROL.sub(" ", text)


def for_terminal(text: str) -> str:
    """One line safe to print: `printable`, with newlines and tabs as spaces."""
    return " ".join(printable(text).split())


# Flags for opening what may not be a regular file (some do not exist on Windows).
# O_BINARY: Windows would otherwise translate line ends.
NONBLOCKING_OPEN = (
    getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


class NotRegularFile(OSError):
    """The path is a FIFO, socket or device, which prep never reads."""

    def __init__(self, path: Path):
        super().__init__(errno.EINVAL, "not a regular file (a FIFO, socket or device?)", str(path))


class FileTooLarge(OSError):
    """The file is larger than prep reads for its purpose."""

    def __init__(self, path: Path, size: int, limit: int):
        self.size, self.limit = size, limit
        super().__init__(errno.EFBIG, f"{size / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit", str(path))


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    # O_NONBLOCK: opening a FIFO without a writer must not wait; fstat then refuses it.
    fd = os.open(path, os.O_RDONLY | NONBLOCKING_OPEN)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        raise NotRegularFile(path)
    return fd, info


def _read_fd(fd: int, limit: int) -> bytes:
    chunks, total = [], 0
    while total < limit:
        chunk = os.read(fd, min(1 << 20, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError otherwise
    (FileTooLarge, NotRegularFile, IsADirectoryError, or what the system says)."""
    fd, info = _open_regular(path)
    try:
        if info.st_size > limit:
            raise FileTooLarge(path, info.st_size, limit)
        data = _read_fd(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while we read
        raise FileTooLarge(path, len(data), limit)
    return data


def read_regular_tail(path: Path, limit: int) -> tuple[bytes, bool]:
    """The last `limit` bytes of a regular file, and whether anything before them was left out."""
    fd, info = _open_regular(path)
    try:
        start = max(0, info.st_size - limit)
        if start:
            os.lseek(fd, start, os.SEEK_SET)
        return _read_fd(fd, limit), start > 0
    finally:
        os.close(fd)


def replace_file(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write `data` to `path` whole or not at all: through a fresh temporary file beside it
    (mkstemp: O_EXCL and an unpredictable name, so a planted symlink is never followed),
    renamed over `path`. Raises OSError; no temporary file is left behind."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
