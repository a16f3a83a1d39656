"""A fake peer for adapter tests: an HTTP server on 127.0.0.1, answering the routes a test sets.

::

    with LoopbackServer() as server:
        server.route("GET", "/customers", lambda request: Response.json({"items": []}))
        adapter = MyAdapter("shop", {"base_url": server.url, ...})
        ...
        assert server.requests[0].query == {"limit": "100"}

It runs the standard library's :class:`~http.server.ThreadingHTTPServer` in a thread, so
the adapter under test talks real HTTP (sockets, headers, status codes) with no network and
no extra dependency. Every request is recorded in :attr:`LoopbackServer.requests`; a request
no route answers gets 404 with a JSON body naming the method and path.

A route answers one exact path, or every path a compiled pattern matches in full
(``re.compile("/orders/(?P<id>[^/]+)/notes")``: the named groups are the request's
:attr:`~Request.path_params`; :data:`ANY_PATH` answers what no other route does).
:meth:`Request.has_basic_auth` checks HTTP Basic credentials, which :func:`basic_token` makes.
:class:`BackgroundServer` is the thread and the lifecycle alone, for serving another
:mod:`socketserver` server (a WSGI one, say) on 127.0.0.1 the same way.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self

import attrs

if TYPE_CHECKING:
    import socketserver
    from collections.abc import Callable
    from types import TracebackType

#: A route pattern every path matches: the route answering what no other route does.
ANY_PATH = re.compile(".*")


def basic_token(user: str, password: str) -> str:
    """Return the ``Authorization`` header value of HTTP Basic credentials (UTF-8, as 1C does)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


@attrs.frozen
class Request:
    """One request the server received: method, path, query (last value of each), headers, body.

    ``path_params`` holds the named groups of the pattern route that answered it (else empty).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    path_params: dict[str, str] = attrs.field(factory=dict)

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body)

    def has_basic_auth(self, user: str, password: str) -> bool:
        """Return whether the request carries these HTTP Basic credentials (constant-time check)."""
        given = self.headers.get("authorization") or ""
        return hmac.compare_digest(given.encode(), basic_token(user, password).encode())


@attrs.frozen
class Response:
    """What a route answers: a status, a body and headers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = attrs.field(factory=dict)

    @classmethod
    def json(cls, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        """Return a response carrying ``value`` as UTF-8 JSON."""
        body = json.dumps(value, ensure_ascii=False).encode()
        kind = {"Content-Type": "application/json; charset=utf-8"}
        return cls(status, body, {**kind, **(headers or {})})


class BackgroundServer:
    """A :mod:`socketserver` server bound to 127.0.0.1, serving in a daemon thread named ``name``.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`).
    :class:`LoopbackServer` is one; any other server bound to a free port of 127.0.0.1 (a WSGI
    server, say) runs the same way.
    """

    def __init__(self, server: socketserver.TCPServer, *, name: str = "crmkit-loopback") -> None:
        self.name = name
        self._server = server
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """Return the port the server listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Return the server's base URL, ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}"

    @property
    def host(self) -> str:
        """Return ``127.0.0.1:PORT``, the way an error message names this server."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Start serving in a daemon thread; return the server."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=self.name,
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class LoopbackServer(BackgroundServer):
    """An HTTP server on a free port of 127.0.0.1 whose answers a test decides.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`). :meth:`route`
    sets the function answering one method and path (or path pattern); :attr:`requests`
    lists what arrived (unless ``record`` is False: a long-running service keeps nothing).
    ``name`` names the serving thread.
    """

    def __init__(self, *, name: str = "crmkit-loopback", record: bool = True) -> None:
        self.routes: dict[tuple[str, str], Callable[[Request], Response]] = {}
        self.requests: list[Request] = []
        self.record = record
        self._patterns: list[tuple[str, re.Pattern[str], Callable[[Request], Response]]] = []
        self._lock = threading.Lock()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        server.daemon_threads = True
        super().__init__(server, name=name)

    def route(
        self, method: str, path: str | re.Pattern[str], handler: Callable[[Request], Response]
    ) -> None:
        """Answer ``method`` requests for ``path`` (no query) with ``handler(request)``.

        ``path`` is one exact path, or a compiled pattern the whole path must match (its named
        groups become the request's :attr:`~Request.path_params`). An exact route wins over
        the patterns, which are tried in the order they were set.
        """
        if isinstance(path, str):
            self.routes[(method.upper(), path)] = handler
        else:
            self._patterns.append((method.upper(), path, handler))

    def requests_to(self, path: str, method: str = "GET") -> list[Request]:
        """Return the requests received for ``path`` with ``method``, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path == path and r.method == method.upper()]

    def answer(self, request: Request) -> Response:
        """Record ``request`` and return its route's answer (404 when no route matches)."""
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            handler, request = self._pattern_route(request)
        if self.record:
            with self._lock:
                self.requests.append(request)
        if handler is None:
            return Response.json(
                {"error": f"no route for {request.method} {request.path}"}, status=404
            )
        return handler(request)

    def _pattern_route(
        self, request: Request
    ) -> tuple[Callable[[Request], Response] | None, Request]:
        """Return the first pattern route matching ``request``, and the request with its groups."""
        for method, pattern, handler in tuple(self._patterns):
            found = pattern.fullmatch(request.path) if method == request.method else None
            if found is not None:
                return handler, attrs.evolve(request, path_params=found.groupdict(default=""))
        return None, request


def _handler_class(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # the body is written after the headers: send it at once

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
            """Keep test output quiet."""

        def _serve(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=urllib.parse.unquote(parts.path),
                query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            try:
                response = server.answer(request)
            except Exception as exc:  # noqa: BLE001 - a broken route answers 500, never hangs
                response = Response.json({"error": f"route failed: {exc!r}"}, status=500)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - stdlib's names

    return _Handler
