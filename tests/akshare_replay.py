"""Replay recorded-shape HTTP payloads into the *real* akshare 1.19.5 functions.

Only the transport is replaced: ``requests`` (every ``Session``, so ``requests.get``,
``requests.Session().get`` and akshare's ``request_with_retry`` alike, at
``HTTPAdapter.send``) and ``urllib.request.urlopen`` (``pandas.read_csv(url)`` in the CFFEX
functions). Each request is matched against a list of ``Route``s (URL + a subset of the query
parameters); the payload file under ``tests/replay/`` is served as the endpoint sends it. A request
no route matches is recorded and fails the test when the replay ends, even if akshare swallowed
the error (several akshare functions use bare ``except:``). Plain sockets are blocked, so nothing
ever reaches the network.

``Replay.akshare()`` returns a stand-in for the akshare module whose functions are akshare's own,
wrapped to count the HTTP requests each call made (``Replay.calls``): a function that makes more
than one request per call pages through its site and must be in ``polite.PAGINATED``.

akshare's own sleeps between pages (``time.sleep`` in ``fetch_paginated_data``) are skipped and
counted. The lru caches of akshare's code maps are cleared on entry, so the first call after
``Replay`` starts makes the lookup requests a fresh process would make.
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import HTTPAdapter

PAYLOADS = Path(__file__).resolve().parent / "replay"

_CONTENT_TYPES = {
    ".json": "application/json; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "text/xml; charset=utf-8",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UnexpectedRequest(AssertionError):
    """akshare asked for a URL the replay has no payload for (never goes to the network)."""


@dataclass(frozen=True)
class Route:
    """``url``: the URL without query (exact, or a regex when ``regex``); ``params``: query
    parameters that must be present with these values (a value starting with ``re:`` is a regex);
    ``payload``: file under tests/replay/ (text files are stored as UTF-8 and sent in
    ``encoding``, e.g. gbk for CFFEX, gb2312 for sina pages)."""

    url: str
    payload: str
    params: Mapping[str, str] = field(default_factory=dict)
    regex: bool = False
    encoding: str = "utf-8"

    def matches(self, url: str, params: Mapping[str, str]) -> bool:
        if self.regex:
            if not re.fullmatch(self.url, url):
                return False
        elif url != self.url:
            return False
        for k, want in self.params.items():
            got = params.get(k)
            if got is None:
                return False
            if want.startswith("re:"):
                if not re.fullmatch(want[3:], got):
                    return False
            elif got != want:
                return False
        return True

    def body(self) -> bytes:
        path = PAYLOADS / self.payload
        if path.suffix == ".xlsx":
            return path.read_bytes()
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".js", ".txt") or self.payload.endswith(".jsonp.txt"):
            text = text.rstrip("\n")   # jsonp and JS bodies end exactly as sent
        return text.encode(self.encoding)


@dataclass(frozen=True)
class Seen:
    url: str
    params: dict[str, str]
    payload: str | None      # None: unexpected
    fn: str | None           # the akshare function that was running


class _UrlResponse(io.BytesIO):
    """What ``urllib.request.urlopen`` returns, as far as pandas reads it."""

    def __init__(self, data: bytes, url: str) -> None:
        super().__init__(data)
        self.headers: dict[str, str] = {}
        self.url = url
        self.status = 200


def _split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return base, dict(parse_qsl(parts.query, keep_blank_values=True))


def _clear_akshare_caches() -> None:
    from akshare.index import index_stock_hk, index_zh_em

    index_zh_em.index_code_id_map_em.cache_clear()
    index_stock_hk._symbol_code_dict.cache_clear()


class Replay:
    """Context manager: serve ``routes`` to akshare; see the module docstring."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = list(routes)
        self.seen: list[Seen] = []
        self.sleeps: list[float] = []
        self.decoded_inputs: list[str] = []
        self.calls: dict[str, list[int]] = {}   # akshare function -> requests per call
        self._lock = threading.Lock()
        self._current = threading.local()
        self._undo: list[Callable[[], None]] = []

    # -- what akshare sees ---------------------------------------------------------------------
    def _serve(self, url: str) -> tuple[bytes, str, Route]:
        base, params = _split(url)
        fn = getattr(self._current, "fn", None)
        for route in self.routes:
            if route.matches(base, params):
                with self._lock:
                    self.seen.append(Seen(base, params, route.payload, fn))
                return route.body(), _CONTENT_TYPES.get(Path(route.payload).suffix,
                                                        "text/plain"), route
        with self._lock:
            self.seen.append(Seen(base, params, None, fn))
        raise UnexpectedRequest(f"replay: no payload for {base} {params} (from akshare.{fn})")

    def _send(self, adapter: HTTPAdapter, request: requests.PreparedRequest,
              **kwargs: Any) -> requests.Response:
        body, ctype, route = self._serve(str(request.url))
        resp = requests.Response()
        resp.status_code = 200
        resp._content = body
        resp.headers["Content-Type"] = ctype
        if route.encoding != "utf-8":
            resp.encoding = route.encoding
        resp.url = str(request.url)
        resp.request = request
        return resp

    def _urlopen(self, req: Any, *args: Any, **kwargs: Any) -> _UrlResponse:
        url = req.full_url if isinstance(req, urllib.request.Request) else str(req)
        body, _ctype, _route = self._serve(url)
        return _UrlResponse(body, url)

    # -- patching ------------------------------------------------------------------------------
    def _patch(self, owner: Any, name: str, value: Any) -> None:
        old = getattr(owner, name)
        setattr(owner, name, value)
        self._undo.append(lambda: setattr(owner, name, old))

    def __enter__(self) -> Replay:
        replay = self

        def send(adapter: HTTPAdapter, request: requests.PreparedRequest,
                 **kwargs: Any) -> requests.Response:
            return replay._send(adapter, request, **kwargs)

        def connect(sock: socket.socket, address: Any) -> None:
            raise UnexpectedRequest(f"replay: a socket tried to connect to {address!r}")

        self._patch(HTTPAdapter, "send", send)
        self._patch(urllib.request, "urlopen", self._urlopen)
        self._patch(socket.socket, "connect", connect)
        self._patch(time, "sleep", self.sleeps.append)
        _clear_akshare_caches()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        while self._undo:
            self._undo.pop()()
        _clear_akshare_caches()
        bad = [s for s in self.seen if s.payload is None]
        if bad:
            # also when akshare or the caller turned it into another error on the way out
            raise UnexpectedRequest("replay: unexpected request(s): " + "; ".join(
                f"akshare.{s.fn}: {s.url} {s.params}" for s in bad)) from ev

    def decode_sina(self, module: str, decoded: str) -> None:
        """Replace the V8 run of sina's decoder in akshare ``module`` (sina sends its tables as
        an encoded JS string; akshare decodes it with sina's own JS) by the decoded list stored
        in ``decoded``: akshare still fetches the page, splits the string out of it and parses
        the decoded rows. Call inside the ``with`` block."""
        import importlib
        from types import SimpleNamespace

        data = load_json(decoded)
        replay = self

        class _Decoder:
            def eval(self, code: str) -> None:
                return None

            def call(self, name: str, encoded: str) -> Any:
                replay.decoded_inputs.append(encoded)
                return data

        self._patch(importlib.import_module(module), "py_mini_racer",
                    SimpleNamespace(MiniRacer=_Decoder))

    # -- the akshare stand-in ------------------------------------------------------------------
    def akshare(self) -> Any:
        """The akshare module's functions, counting the requests each call makes."""
        import akshare

        replay = self

        class _Counting:
            def __getattr__(self, name: str) -> Any:
                func = getattr(akshare, name)

                def call(**kwargs: Any) -> Any:
                    replay._current.fn = name
                    n0 = sum(1 for s in replay.seen if s.fn == name)
                    try:
                        return func(**kwargs)
                    finally:
                        n = sum(1 for s in replay.seen if s.fn == name) - n0
                        with replay._lock:
                            replay.calls.setdefault(name, []).append(n)
                        replay._current.fn = None

                return call

        return _Counting()

    def requests_to(self, payload: str) -> list[dict[str, str]]:
        """The query parameters of every request served from ``payload``."""
        return [s.params for s in self.seen if s.payload == payload]

    def seen_params(self, payload_prefix: str) -> list[dict[str, str]]:
        """The query parameters of every request served from a payload named ``prefix*``."""
        return [s.params for s in self.seen
                if s.payload is not None and s.payload.startswith(payload_prefix)]

    def urls(self) -> Iterator[str]:
        return (s.url for s in self.seen)


def load_json(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
