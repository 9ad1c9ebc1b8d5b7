"""Download a posting from an http(s) URL: checked address, bounded size and time.

Everything here is hostile until proven otherwise: the address the user typed, every
redirect the server sends, the headers and the body. Imported only for URL postings,
so file postings do not pay for the HTTP stack.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass

from .errors import PostingError

DEADLINE_SECONDS = 20.0  # for the whole download: connect, redirects, headers and body
READ_TIMEOUT_SECONDS = 15.0  # for any one network operation
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
# Path and query characters kept as they are; anything else (spaces, non-ASCII,
# control characters) is percent-encoded, as a browser does.
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"


@dataclass(frozen=True)
class Download:
    url: str  # the final address, after redirects
    body: bytes
    charset: str | None  # from the Content-Type header, if the server declared one


def shown(url: str) -> str:
    """The URL as prep may print it: without user name or password."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url.split("@")[-1] if "@" in url else url
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def checked_url(url: str) -> str:
    """The URL ready to request (non-ASCII and spaces percent-encoded), or a PostingError."""
    name = shown(url)
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError as err:
        raise PostingError(f"{name}: not a valid URL ({err}); check the address") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise PostingError(f"{name}: only http:// and https:// URLs can be fetched; save the page and pass the file")
    if parts.username is not None or parts.password is not None:
        raise PostingError(f"{name}: credentials in URLs are not supported; save the page and pass the file")
    if "[" in parts.netloc or "]" in parts.netloc:
        bracketed = parts.netloc.rsplit("@", 1)[-1]
        if not re.fullmatch(r"\[[0-9A-Fa-f:.]+\](?::\d*)?", bracketed):
            raise PostingError(f"{name}: not a valid URL (a bad IPv6 address); check the address")
    host = parts.hostname or ""
    if not host:
        raise PostingError(f"{name}: the URL has no host name; check the address")
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        raise PostingError(f"{name}: {host!r} is not a valid host name; check the address") from None
    if not all(char.isalnum() or char in "-.:_[]" for char in ascii_host):
        raise PostingError(f"{name}: {host!r} is not a valid host name; check the address")
    netloc = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    if port is not None:
        netloc += f":{port}"
    path = urllib.parse.quote(parts.path, safe=_SAFE_PATH) or "/"
    query = urllib.parse.quote(parts.query, safe=_SAFE_QUERY)
    return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def fetch(url: str, max_bytes: int) -> Download:
    """Download `url`; over `max_bytes`, or past the deadline, it is a PostingError."""
    request_url = checked_url(url)
    name = shown(url)
    state = _Transfer()
    worker = threading.Thread(target=state.run, args=(request_url, name, max_bytes), daemon=True)
    worker.start()
    worker.join(DEADLINE_SECONDS)
    if worker.is_alive():
        state.cancel()  # closing the sockets ends the worker's blocked read
        worker.join(2)
        raise _too_slow(name)
    if state.error is not None:
        raise state.error
    assert state.result is not None
    return state.result


def _too_slow(name: str) -> PostingError:
    return PostingError(
        f"{name}: the download took longer than {DEADLINE_SECONDS:g} s; "
        "check the address or save the page and pass the file"
    )


class _Transfer:
    """One download on a worker thread, so the caller can give the whole of it a deadline."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.cancelled = False
        self.result: Download | None = None
        self.error: PostingError | None = None

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def register(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.cancelled:
                sock.shutdown(socket.SHUT_RDWR)

    def run(self, url: str, name: str, max_bytes: int) -> None:
        try:
            self.result = self._download(url, name, max_bytes)
        except PostingError as err:
            self.error = err
        except urllib.error.HTTPError as err:
            self.error = PostingError(
                f"{name}: the server answered {err.code} {err.reason}; save the page and pass the file"
            )
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
            reason = getattr(err, "reason", None) or err or type(err).__name__
            self.error = PostingError(
                f"{name}: cannot fetch ({reason}); check the address or save the page and pass the file"
            )

    def _download(self, url: str, name: str, max_bytes: int) -> Download:
        started = time.monotonic()
        opener = _opener(self, name)
        request = urllib.request.Request(
            url, headers={"User-Agent": "prep (interview preparation)", "Accept-Encoding": "gzip, deflate"}
        )
        with opener.open(request, timeout=READ_TIMEOUT_SECONDS) as response:
            chunks: list[bytes] = []
            size = 0
            while size <= max_bytes:
                # read1 returns what has arrived; read(n) would wait for all n bytes.
                chunk = response.read1(_CHUNK)
                if not chunk or self.cancelled:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if time.monotonic() - started > DEADLINE_SECONDS:
                    raise _too_slow(name)
            body = b"".join(chunks)
            encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
            final_url = response.geturl()
            charset = response.headers.get_content_charset()
        return Download(url=shown(final_url), body=_decompress(body, encoding, name, max_bytes), charset=charset)


def _decompress(body: bytes, encoding: str, name: str, max_bytes: int) -> bytes:
    if encoding in ("identity", ""):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise PostingError(
            f"{name}: the server sent {encoding}-compressed data, which prep cannot read; "
            "save the page and pass the file"
        )
    # gzip, zlib-wrapped deflate, or raw deflate (some servers send that as "deflate").
    for wbits in (47, -15):
        inflater = zlib.decompressobj(wbits=wbits)
        try:
            data = inflater.decompress(body, max_bytes + 1)  # bounded: a small bomb stays small
        except zlib.error:
            continue
        return data
    raise PostingError(f"{name}: the server sent damaged {encoding} data; save the page and pass the file")


def _opener(transfer: _Transfer, name: str) -> urllib.request.OpenerDirector:
    """HTTP and HTTPS only (no ftp:, file: or data: handlers at all), sockets registered
    with the transfer so its deadline can close them."""

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            transfer.register(self.sock)

    class SecureConnection(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            transfer.register(self.sock)

    class HttpHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Connection, req)

    class HttpsHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(SecureConnection, req, context=self._context)

    class RedirectHandler(urllib.request.HTTPRedirectHandler):
        # prep counts redirects itself (loops included); urllib's own limits stay out of the way.
        max_redirections = max_repeats = MAX_REDIRECTS * 2

        def http_error_302(self, req, fp, code, msg, headers):
            location = headers.get("Location") or headers.get("URI")
            if location is None:
                return None
            target = urllib.parse.urljoin(req.full_url, location)
            scheme = urllib.parse.urlsplit(target).scheme.lower()
            if scheme not in ("http", "https"):
                raise PostingError(
                    f"{name}: the server redirected to a {scheme or 'non-http'}: address, which prep does not "
                    "follow; save the page and pass the file"
                )
            if sum(getattr(req, "redirect_dict", {}).values()) >= MAX_REDIRECTS:
                raise PostingError(
                    f"{name}: more than {MAX_REDIRECTS} redirects; open the page in a browser, "
                    "save it and pass the file"
                )
            del headers["Location"], headers["URI"]
            headers["Location"] = checked_url(target)
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        HttpHandler(),
        HttpsHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        RedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener
