"""Recorded HTTP traffic replayed by a real local server: the harness every connector test uses.

Connectors are pointed at `Replay.url` through their `base_url` and talk real HTTP to a
pytest-httpserver instance. Requests are matched on **method + path** only (host ignored, trailing
slash ignored, percent-encoding normalised), because the recordings come from other clients and
other API versions whose query strings differ from ours; tests assert on the query *their* code
sends through `Replay.requests`. Like praw's betamax setup, a test fails when a recording it was
given is never used, or when a request arrives that no recording answers.

Formats read by `load_recording` (see ../shared/data/recordings/README.md):

- betamax JSON (praw/prawcore): ``interactions[].request.uri``, ``response.status.code``,
  ``response.headers`` {name: [values]}, ``response.body.string`` (decoded text) or ``base64_string``;
- vcrpy YAML / JSON (tweepy, Mastodon.py): the same shape; a YAML body may be gzip bytes (``!!binary``)
  with ``content-encoding: gzip``, which is gunzipped here;
- native replay JSON (``*.replay.json``): ``interactions[].request.{method, path, query?}`` and
  ``response.{status, headers, body | json | body_base64 | body_file}``; ``query`` is a subset the
  request must contain, ``body_file`` is relative to the recording.

Content-Encoding (after decoding), Content-Length, Transfer-Encoding and hop-by-hop headers are dropped
from recorded headers; the server computes a fresh Content-Length.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json as jsonlib
import re
import sys
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

__all__ = [
    "UNMATCHED_STATUS",
    "Interaction",
    "ReceivedRequest",
    "RecordingError",
    "Replay",
    "load_recording",
    "normalize_path",
    "replay",
]

UNMATCHED_STATUS = 599
"""Status served for a request no remaining recording answers (not a code any real API sends)."""

# Headers that describe the recorded transfer rather than the response: never replayed.
_TRANSFER = frozenset({"content-length", "transfer-encoding"})
# Hop-by-hop headers (RFC 9110 7.6.1): WSGI forbids them and werkzeug sends its own Connection.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"})
_DROPPED = _TRANSFER | _HOP_BY_HOP | {"content-encoding"}
_GZIP_MAGIC = b"\x1f\x8b"


class RecordingError(ValueError):
    """A file is not a recording, or a recording is malformed; the message names the file/interaction."""


def normalize_path(path: str) -> str:
    """The form two paths are compared in: percent-decoded once, no trailing slash, leading slash."""
    return _strip_slash(unquote(path))


def _strip_slash(path: str) -> str:
    path = path.rstrip("/")
    if not path.startswith("/"):
        path = "/" + path
    return path


@dataclass
class Interaction:
    """One recorded request/response pair.

    `query` is only used for native replay recordings and `add_response(query=...)`: the listed
    parameters must be present with those values (a subset). None means any query is accepted, which
    is what betamax/vcrpy recordings get: their recorded query is kept in `uri` for reading only.
    """

    method: str
    path: str
    query: dict[str, str] | None
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    origin: str
    uri: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.method.upper(), normalize_path(self.path)

    def header(self, name: str) -> str | None:
        """The first value of a response header (case-insensitive), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    def describe(self) -> str:
        query = f" query⊇{self.query}" if self.query else ""
        return f"{self.origin} ({self.method} {self.path}{query})"


class Headers(dict[str, str]):
    """Request headers as a dict whose keys are lower-case and whose lookups ignore case."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        for name, value in items:
            key = name.lower()
            super().__setitem__(key, f"{self[key]}, {value}" if key in self else value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class ReceivedRequest:
    """A request the server received. `path` is percent-decoded as sent (trailing slash kept);
    `query` holds the first value of each parameter, `query_string` the raw query; `origin` names the
    interaction that answered it, None when it was unexpected."""

    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: bytes
    query_string: str = ""
    origin: str | None = None

    def describe(self) -> str:
        return f"{self.method} {self.path}" + (f"?{self.query_string}" if self.query_string else "")


# --------------------------------------------------------------------------------------- loading


def load_recording(path: Path | str) -> list[Interaction]:
    """Every interaction of a recording file, in recorded order (format detected from the content).

    Raises RecordingError for a file that is not an interaction container (a bare response body,
    XML, text) or a malformed interaction, naming the file and the interaction index.
    """
    path = Path(path)
    data = _parse(path)
    raws = _interaction_list(data, path)
    label = f"{path.parent.name}/{path.name}"
    out: list[Interaction] = []
    for index, raw in enumerate(raws):
        origin = f"{label}#{index}"
        try:
            if not isinstance(raw, Mapping) or not isinstance(raw.get("request"), Mapping):
                raise RecordingError("no 'request' object")
            if not isinstance(raw.get("response"), Mapping):
                raise RecordingError("no 'response' object")
            if "uri" in raw["request"]:
                out.append(_cassette_interaction(raw, origin))
            elif "path" in raw["request"]:
                out.append(_native_interaction(raw, path, origin))
            else:
                raise RecordingError("request has neither 'uri' (betamax/vcrpy) nor 'path' (native replay)")
        except RecordingError as e:
            raise RecordingError(f"{origin}: {e}") from e
        except (KeyError, TypeError, ValueError, AttributeError, binascii.Error, OSError) as e:
            raise RecordingError(f"{origin}: malformed interaction: {type(e).__name__}: {e}") from e
    return out


def _parse(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise RecordingError(f"{path}: not a recording (expected a .json, .yaml or .yml file)")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RecordingError(f"{path}: cannot read: {e}") from e
    if suffix == ".json":
        try:
            return jsonlib.loads(raw)
        except ValueError as e:
            raise RecordingError(f"{path}: not a recording (invalid JSON: {e})") from e
    return _load_yaml(raw, path)


def _load_yaml(raw: bytes, path: Path) -> Any:
    try:
        import yaml  # only the vcrpy cassettes need PyYAML
    except ImportError as e:  # pragma: no cover - dev extras install it
        raise RecordingError(f"{path}: reading vcrpy YAML needs PyYAML (pip install -e '.[dev]')") from e

    class Loader(yaml.SafeLoader):
        """safe_load, plus the python/unicode and python/str tags old (Python 2) vcrpy wrote."""

    def _str(loader: yaml.SafeLoader, node: yaml.Node) -> str:
        return str(loader.construct_scalar(node))  # type: ignore[arg-type]

    for tag in ("tag:yaml.org,2002:python/unicode", "tag:yaml.org,2002:python/str"):
        Loader.add_constructor(tag, _str)
    try:
        return yaml.load(raw, Loader=Loader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as e:
        raise RecordingError(f"{path}: not a recording (invalid YAML: {e})") from e


def _interaction_list(data: Any, path: Path) -> list[Any]:
    if isinstance(data, Mapping):
        for key in ("interactions", "http_interactions"):
            if isinstance(data.get(key), list):
                return data[key]
    raise RecordingError(f"{path}: not a recording (no 'interactions' list; a bare response body?)")


def _cassette_interaction(raw: Mapping[str, Any], origin: str) -> Interaction:
    request, response = raw["request"], raw["response"]
    uri = str(request["uri"])
    status = response["status"]
    code = status["code"] if isinstance(status, Mapping) else status
    headers = _header_pairs(response.get("headers"))
    body = _cassette_body(response.get("body"))
    body, headers = _decode_content(body, headers, origin)
    return Interaction(
        method=str(request["method"]).upper(),
        path=urlsplit(uri).path or "/",
        query=None,
        status=int(code),
        headers=headers,
        body=body,
        origin=origin,
        uri=uri,
    )


def _cassette_body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, Mapping):
        if body.get("base64_string") is not None:  # betamax preserve_exact_body_bytes
            return base64.b64decode(body["base64_string"])
        encoding = body.get("encoding") or "utf-8"
        body = body.get("string")
        if isinstance(body, str):
            try:  # betamax decoded the bytes with the response's encoding: reverse exactly that
                return body.encode(encoding)
            except (LookupError, UnicodeEncodeError):
                return body.encode("utf-8")
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    raise RecordingError(f"unsupported body type {type(body).__name__}")


def _native_interaction(raw: Mapping[str, Any], recording: Path, origin: str) -> Interaction:
    request, response = raw["request"], raw["response"]
    path = str(request["path"])
    query: dict[str, str] | None = None
    if request.get("query") is not None:
        if not isinstance(request["query"], Mapping):
            raise RecordingError("request.query must be an object of parameter: value")
        query = {str(k): _query_value(v) for k, v in request["query"].items()}
    if "?" in path:  # tolerate a query written into the path: it joins the subset
        path, _, qs = path.partition("?")
        query = {**dict(parse_qsl(qs, keep_blank_values=True)), **(query or {})}
    headers = _header_pairs(response.get("headers"))
    given = [k for k in ("body", "json", "body_base64", "body_file") if k in response]
    if len(given) > 1:
        raise RecordingError(f"response has more than one body: {', '.join(given)}")
    body = b""
    if given == ["body"]:
        body = _cassette_body(response["body"])
    elif given == ["json"]:
        body = jsonlib.dumps(response["json"], ensure_ascii=False).encode("utf-8")
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/json"))
    elif given == ["body_base64"]:
        body = base64.b64decode(response["body_base64"], validate=True)
    elif given == ["body_file"]:
        file = recording.parent / str(response["body_file"])
        try:
            body = file.read_bytes()
        except OSError as e:
            raise RecordingError(f"body_file {file}: {e.strerror or e}") from e
    body, headers = _decode_content(body, headers, origin)
    return Interaction(
        method=str(request.get("method") or "GET").upper(),
        path=path or "/",
        query=query,
        status=int(response.get("status", 200)),
        headers=headers,
        body=body,
        origin=origin,
    )


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    if not headers:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    pairs: list[tuple[str, str]] = []
    for name, values in items:
        if values is None:
            continue
        for value in values if isinstance(values, list | tuple) else [values]:
            pairs.append((str(name), str(value)))
    return pairs


def _decode_content(
    body: bytes, headers: list[tuple[str, str]], origin: str
) -> tuple[bytes, list[tuple[str, str]]]:
    """Undo Content-Encoding where the stored body is still encoded, then drop transfer headers.

    Recorders disagree: tweepy's vcrpy cassettes keep the gzip bytes, betamax and aiohttp-recorded
    cassettes keep the decoded text under the same header. The bytes decide, not the header.
    """
    codings = [
        c.strip().lower()
        for name, value in headers
        if name.lower() == "content-encoding"
        for c in value.split(",")
        if c.strip()
    ]
    for coding in reversed(codings):
        body = _undo_coding(coding, body, origin)
    return body, [(k, v) for k, v in headers if k.lower() not in _DROPPED]


def _undo_coding(coding: str, body: bytes, origin: str) -> bytes:
    if coding in ("identity", "") or not body:
        return body
    if coding in ("gzip", "x-gzip"):
        if not body.startswith(_GZIP_MAGIC):
            return body  # stored already decoded
        try:
            return gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as e:
            raise RecordingError(f"{origin}: gzip body does not decompress: {e}") from e
    if coding == "deflate":
        for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
            try:
                return zlib.decompress(body, wbits)
            except zlib.error:
                continue
        return body  # stored already decoded
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordingError(f"{origin}: cannot decode Content-Encoding {coding!r}") from None
    return body  # text: stored already decoded


# --------------------------------------------------------------------------------------- serving


@dataclass
class _Unexpected:
    request: ReceivedRequest
    reason: str


class Replay:
    """Serves interactions from a pytest-httpserver `HTTPServer`, each once, queued per method+path.

    Use one Replay per server and test (the `replay` fixture does). Thread-safe: several client threads
    may hit the server at once (the server itself may be threaded or not).
    """

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self._lock = threading.Lock()
        self._seq = 0
        self._queues: dict[tuple[str, str], list[tuple[int, Interaction]]] = {}
        self._pending: dict[int, Interaction] = {}
        self._requests: list[ReceivedRequest] = []
        self._unexpected: list[_Unexpected] = []
        self._allow_unused = False
        for handler in server.handlers:
            if isinstance(getattr(handler.request_handler, "__self__", None), Replay):
                raise RuntimeError("this server already has a Replay (the `replay` fixture?): use that one")
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    # -- setup

    @property
    def url(self) -> str:
        """Base URL of the server, e.g. http://127.0.0.1:PORT (no trailing slash): give it as base_url."""
        bound = getattr(self.server.server, "server_address", None)
        host = str(bound[0]) if bound else self.server.host
        if host in ("", "0.0.0.0"):  # a wildcard bind is reached over loopback
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        scheme = "https" if self.server.ssl_context is not None else "http"
        return f"{scheme}://{HTTPServer.format_host(host)}:{self.server.port}"

    def add(self, interactions: Iterable[Interaction]) -> None:
        """Queue interactions; ones with the same method+path are served in the order added."""
        with self._lock:
            for interaction in interactions:
                self._seq += 1
                self._queues.setdefault(interaction.key, []).append((self._seq, interaction))
                self._pending[self._seq] = interaction

    def add_file(self, path: Path | str) -> list[Interaction]:
        """Queue every interaction of a recording file; returns them (for asserting on bodies)."""
        interactions = load_recording(path)
        self.add(interactions)
        return interactions

    def add_response(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json: Any = None,
        body: str | bytes | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        query: Mapping[str, Any] | None = None,
        content_type: str | None = None,
    ) -> Interaction:
        """Queue a response written in the test (error pages, rate limits, malformed payloads).

        `json` is serialised with a JSON Content-Type; `body` is served raw (str as UTF-8). A query in
        `path` ("/search?q=x") or `query` is a subset the request must contain. Content-Length,
        Transfer-Encoding and hop-by-hop headers are dropped; an explicit Content-Encoding is kept
        (the body is then served as given, for testing a client's decoding).
        """
        if json is not None and body is not None:
            raise ValueError("add_response: give json or body, not both")
        path, _, qs = path.partition("?")
        want = dict(parse_qsl(qs, keep_blank_values=True)) if qs else {}
        if query:
            want.update({str(k): _query_value(v) for k, v in query.items()})
        pairs = [
            (str(k), str(v))
            for k, v in (headers.items() if isinstance(headers, Mapping) else (headers or []))
            if str(k).lower() not in _TRANSFER | _HOP_BY_HOP
        ]
        if json is not None:
            data = jsonlib.dumps(json).encode("utf-8")
            content_type = content_type or "application/json"
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = body or b""
        if content_type and not any(k.lower() == "content-type" for k, _ in pairs):
            pairs.append(("Content-Type", content_type))
        caller = sys._getframe(1)
        interaction = Interaction(
            method=method.upper(),
            path=path or "/",
            query=want or None,
            status=status,
            headers=pairs,
            body=data,
            origin=f"{Path(caller.f_code.co_filename).name}:{caller.f_lineno} add_response",
        )
        self.add([interaction])
        return interaction

    def allow_unused(self) -> None:
        """Opt out of the unused-recording check, for tests that deliberately stop early.
        Unexpected requests still fail the test."""
        self._allow_unused = True

    # -- inspection

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request received, in arrival order (answered or not)."""
        with self._lock:
            return list(self._requests)

    def unused(self) -> list[Interaction]:
        """Interactions not served yet, in the order added."""
        with self._lock:
            return list(self._pending.values())

    def unexpected(self) -> list[ReceivedRequest]:
        """Requests that no remaining interaction answered (they got HTTP 599)."""
        with self._lock:
            return [u.request for u in self._unexpected]

    def verify(self, *, check_unused: bool | None = None) -> None:
        """Raise AssertionError naming every unused interaction and every unexpected request.

        `check_unused` defaults to True unless `allow_unused()` was called.
        """
        if check_unused is None:
            check_unused = not self._allow_unused
        with self._lock:
            unused = list(self._pending.values()) if check_unused else []
            unexpected = list(self._unexpected)
        errors = list(self.server.handler_errors)
        if not (unused or unexpected or errors):
            return
        lines = [f"unused recording: {i.describe()}" for i in unused]
        lines += [f"unexpected request: {u.request.describe()} ({u.reason})" for u in unexpected]
        lines += [f"replay handler error: {e!r}" for e in errors]
        summary = f"{len(unused)} unused recording(s), {len(unexpected)} unexpected request(s)"
        if errors:
            summary += f", {len(errors)} handler error(s)"
        raise AssertionError(f"replay: {summary}:\n  " + "\n  ".join(lines))

    # -- the server side

    def _handle(self, request: Request) -> Response:
        raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
        if raw_uri:
            split = urlsplit(raw_uri)
            path, query_string = unquote(split.path) or "/", split.query
        else:  # not werkzeug's dev server: PATH_INFO is already decoded
            path, query_string = request.path, request.query_string.decode("latin-1")
        items = parse_qsl(query_string, keep_blank_values=True)
        multi: dict[str, list[str]] = {}
        for k, v in items:
            multi.setdefault(k, []).append(v)
        method = request.method.upper()
        key = (method, _strip_slash(path))
        fields = {
            "method": method,
            "path": path,
            "query": {k: v[0] for k, v in multi.items()},
            "headers": Headers(request.headers.items()),
            "body": request.get_data(),
            "query_string": query_string,
        }
        with self._lock:
            queue = self._queues.get(key, [])
            found = next(
                (n for n, (_, i) in enumerate(queue) if _query_matches(i.query, multi)),
                None,
            )
            if found is None:
                received = ReceivedRequest(**fields)
                self._requests.append(received)
                self._unexpected.append(_Unexpected(received, self._why_unmatched(key, queue)))
                return Response(
                    f"no recording for {method} {path}",
                    status=UNMATCHED_STATUS,
                    content_type="text/plain; charset=utf-8",
                )
            seq, interaction = queue.pop(found)
            del self._pending[seq]
            self._requests.append(ReceivedRequest(**fields, origin=interaction.origin))
        return _response(interaction)

    def _why_unmatched(self, key: tuple[str, str], queue: list[tuple[int, Interaction]]) -> str:
        method, path = key
        if queue:
            wanted = "; ".join(f"{i.origin} wants query ⊇ {i.query}" for _, i in queue)
            return f"{len(queue)} remaining recording(s) for {method} {path} need other parameters: {wanted}"
        served = sum(1 for r in self._requests if r.origin and (r.method, _strip_slash(r.path)) == key)
        if served:
            return f"all {served} recording(s) for {method} {path} were already used"
        same_path = sorted({m for (m, p) in self._queues if p == path})
        if same_path:
            return f"no recording for {method} {path}; this path was recorded for {', '.join(same_path)}"
        return f"no recording for {method} {path}"


def _query_matches(want: dict[str, str] | None, got: Mapping[str, list[str]]) -> bool:
    return want is None or all(value in got.get(name, ()) for name, value in want.items())


def _response(interaction: Interaction) -> Response:
    headers = [(k, v) for k, v in interaction.headers if k.lower() not in _TRANSFER | _HOP_BY_HOP]
    response = Response(interaction.body, status=interaction.status, headers=headers)
    if not any(k.lower() == "content-type" for k, _ in headers):
        del response.headers["Content-Type"]  # none was recorded: don't invent one
    return response


@pytest.fixture
def replay(httpserver: HTTPServer, request: pytest.FixtureRequest) -> Iterator[Replay]:
    """A Replay on the `httpserver` fixture, verified at teardown.

    If the test itself already failed, only unexpected requests are reported at teardown (they often
    explain the failure); unused recordings would just be noise from a test that stopped early.
    """
    failed_before = request.session.testsfailed
    served = Replay(httpserver)
    yield served
    served.verify(check_unused=None if request.session.testsfailed == failed_before else False)
