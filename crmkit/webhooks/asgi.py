"""A tiny ASGI wrapper, so ASGI hosts (FastAPI, Starlette) can mount the WSGI webhook app.

``app.mount("/crm", AsgiWebhooks(webhook_app))``: each HTTP request's body is read whole,
the WSGI application runs in a worker thread (it talks to the database synchronously), and
its answer is sent back. Only the ``http`` scope is served; ``lifespan`` is acknowledged.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from crmkit.webhooks.app import WebhookApp

Scope = dict[str, Any]


class AsgiWebhooks:
    """An ASGI application serving a :class:`~crmkit.webhooks.app.WebhookApp`."""

    def __init__(self, app: WebhookApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        """Serve one ASGI connection."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        environ = _environ(scope, bytes(body))
        status, payload, extra = await asyncio.to_thread(self.app.handle_environ, environ)
        data = json.dumps(payload, ensure_ascii=False).encode()
        pairs = [
            ("content-type", "application/json; charset=utf-8"),
            ("content-length", str(len(data))),
            *extra,
        ]
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})


def _environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """Return the WSGI environ of an ASGI http ``scope`` whose body is ``body``."""
    root = scope.get("root_path", "") or ""
    path = scope.get("path", "/") or "/"
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.get("method", "GET"),
        "SCRIPT_NAME": root,
        "PATH_INFO": path,
        "QUERY_STRING": (scope.get("query_string") or b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif name != "CONTENT_LENGTH":
            key = f"HTTP_{name}"
            environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
