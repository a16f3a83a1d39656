"""The webhook endpoint as a WSGI application: route, verify, ingest once, answer.

``WebhookApp(crm, {"/webhooks/shop": receiver})`` answers

=====  ====================================================================================
200    a verified delivery, ingested (or one already received: same delivery id), a ping,
       or a topic crmkit does not use; the body is a short JSON report
401    a signature that does not verify: recorded as a dead letter (``bad signature``),
       never ingested
404    an unknown path; 405 anything but POST; 411 no ``Content-Length`` (unless the
       server ends the input itself); 413 a body over ``max_body_bytes``
500    the database failed: nothing was recorded as received, so the provider's retry works
=====  ====================================================================================

Records go through the same :class:`~crmkit.services.ingest.Ingestor` as a sync, so the same
payload twice is stored once; a mapped item that fails validation becomes a dead letter and
the delivery is still answered 200 (a provider would only resend the same bad body, and
WooCommerce disables a webhook after repeated failures). Each delivery id is remembered in
crmkit's state table, so a replayed delivery is not ingested again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import urllib.parse
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.domain import DeadLetter, IngestOutcome, Stream, utc_now
from crmkit.services.ingest import Ingestor
from crmkit.webhooks.receiver import REJECTED_POSITION, WebhookReceiver, WebhookRequest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from crmkit.api import Crmkit
    from crmkit.domain import RawItem
    from crmkit.webhooks.receiver import Delivery

log = logging.getLogger("crmkit.webhooks")

#: State-table prefix of remembered delivery ids: ``webhook-delivery:SOURCE:ID``.
DELIVERY_STATE = "webhook-delivery:"
DEFAULT_MAX_BODY = 5 * 1024 * 1024
_STATE_NAME_LIMIT = 200
_POSITION_LIMIT = 100
_REASONS = {
    200: "OK",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    500: "Internal Server Error",
}

StartResponse = Any  # the WSGI ``start_response`` callable
Environ = dict[str, Any]


def delivery_state_name(source: str, delivery_id: str) -> str:
    """Return the state name remembering ``delivery_id`` of ``source`` (hashed if too long)."""
    name = f"{DELIVERY_STATE}{source}:{delivery_id}"
    if len(name) <= _STATE_NAME_LIMIT:
        return name
    digest = hashlib.blake2b(delivery_id.encode(), digest_size=16).hexdigest()
    return f"{DELIVERY_STATE}{source}:#{digest}"


def mount_path(source: str) -> str:
    """Return the default path of ``source``'s webhooks: ``/webhooks/SOURCE``."""
    return f"/webhooks/{source}"


class WebhookApp:
    """A WSGI application receiving webhooks for one or more sources of one crmkit.

    ``routes`` maps a path (``/webhooks/shop``) to the :class:`WebhookReceiver` serving it.
    After records are stored, customers are resolved (``resolve``) and orders, events and
    interactions projected, so the card shows them at once. ``base_url`` is the public URL
    prefix the provider calls, for receivers that sign URLs (default: from the request).
    Mount it under a prefix in any WSGI host; the prefix (``SCRIPT_NAME``) is not part of
    the route.
    """

    def __init__(
        self,
        crm: Crmkit,
        routes: Mapping[str, WebhookReceiver],
        *,
        resolve: bool = True,
        max_body_bytes: int = DEFAULT_MAX_BODY,
        base_url: str | None = None,
        on_delivery: Callable[[str, Delivery, IngestOutcome], None] | None = None,
    ) -> None:
        self.crm = crm
        self.routes = {_clean(path): receiver for path, receiver in routes.items()}
        self.resolve = resolve
        self.max_body_bytes = max_body_bytes
        self.base_url = base_url.rstrip("/") if base_url else None
        self.on_delivery = on_delivery
        self._lock = threading.Lock()

    @classmethod
    def for_receivers(
        cls, crm: Crmkit, receivers: Iterable[WebhookReceiver], **options: Any
    ) -> WebhookApp:
        """Return an app serving each receiver at ``/webhooks/<its source>``."""
        return cls(crm, {mount_path(r.source): r for r in receivers}, **options)

    # WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        """Answer one WSGI request."""
        status, payload, extra = self.handle_environ(environ)
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *extra,
        ]
        start_response(f"{status} {_REASONS.get(status, '')}".rstrip(), headers)
        return [body]

    def handle_environ(self, environ: Environ) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        """Return ``(status, JSON payload, extra headers)`` for a WSGI ``environ``."""
        path = _clean(environ.get("PATH_INFO") or "/")
        receiver = self.routes.get(path)
        if receiver is None:
            return 404, {"error": f"no webhook receiver at {path}"}, []
        if environ.get("REQUEST_METHOD", "GET").upper() != "POST":
            return 405, {"error": "webhooks are POSTed"}, [("Allow", "POST")]
        length = environ.get("CONTENT_LENGTH") or ""
        try:
            size = int(length) if length.strip() else -1
        except ValueError:
            size = -1
        if size > self.max_body_bytes:
            return 413, {"error": f"body over {self.max_body_bytes} bytes"}, []
        stream = environ["wsgi.input"]
        if size < 0 and not environ.get("wsgi.input_terminated"):
            return 411, {"error": "send a Content-Length"}, []
        body = stream.read(size) if size >= 0 else stream.read(self.max_body_bytes + 1)
        if len(body) > self.max_body_bytes:
            return 413, {"error": f"body over {self.max_body_bytes} bytes"}, []
        return self.handle(receiver, self._request(environ, path, body))

    def _request(self, environ: Environ, path: str, body: bytes) -> WebhookRequest:
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        query = str(environ.get("QUERY_STRING") or "")
        script = str(environ.get("SCRIPT_NAME") or "")
        if self.base_url:
            url = f"{self.base_url}{path}"
        else:
            server = f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
            host = headers.get("host") or server
            url = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{script}{path}"
        if query:
            url = f"{url}?{query}"
        form: dict[str, str] = {}
        if "application/x-www-form-urlencoded" in headers.get("content-type", ""):
            text = body.decode("utf-8", "replace")
            form = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
        return WebhookRequest(
            method="POST",
            path=path,
            headers=headers,
            body=body,
            url=url,
            query=query,
            remote=environ.get("REMOTE_ADDR"),
            form=form,
        )

    # the protocol -------------------------------------------------------------------------

    def handle(
        self, receiver: WebhookReceiver, request: WebhookRequest
    ) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        """Verify, de-duplicate and ingest one request; return status, payload and headers."""
        source = receiver.source
        if receiver.is_ping(request):
            log.info("source %s: webhook ping from %s answered", source, request.remote)
            return 200, {"ok": True, "ping": True}, []
        reason = receiver.verify(request)
        if reason is not None:
            self._reject(receiver, request, reason)
            return 401, {"error": "bad signature"}, []
        try:
            delivery = receiver.parse(request)
        except Exception:  # a receiver's bug must not take the endpoint down
            log.exception("source %s: the %s receiver failed on a delivery", source, receiver.name)
            return 500, {"error": f"the {receiver.name} receiver failed; see the server log"}, []
        try:
            with self._lock:
                return 200, self._ingest(receiver, delivery), []
        except sa.exc.SQLAlchemyError as exc:
            log.exception("source %s: webhook %s not stored", source, delivery.id)
            why = str(exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc).splitlines()[0]
            return 500, {"error": f"database error: {why}"}, []

    def _reject(self, receiver: WebhookReceiver, request: WebhookRequest, reason: str) -> None:
        """Record a request that failed verification as a dead letter; ingest nothing."""
        delivery_id = receiver.delivery_id(request)
        where = f"{REJECTED_POSITION}: delivery {delivery_id or '(none)'} from {request.remote}"
        letter = DeadLetter(
            receiver.source,
            receiver.rejected_stream,
            request.body.decode("utf-8", "replace"),
            f"bad signature: {reason}; the delivery was answered 401 and never ingested",
            position=where[:_POSITION_LIMIT],
        )
        log.warning(
            "source %s: webhook from %s rejected: %s", receiver.source, request.remote, reason
        )
        with self.crm.records.transaction() as session:
            session.add_dead_letters([letter])

    def _bring_up_to_date(self, streams: set[Stream]) -> None:
        """Resolve customers and project orders, events and interactions just stored."""
        if self.resolve and Stream.CUSTOMERS in streams:
            self.crm.resolve()
        if streams - {Stream.CUSTOMERS}:
            self.crm.project()

    def _ingest(self, receiver: WebhookReceiver, delivery: Delivery) -> dict[str, Any]:
        source = receiver.source
        state = delivery_state_name(source, delivery.id) if delivery.id else None
        if state is not None:
            with self.crm.records.transaction() as session:
                seen = session.get_state(state)
            if seen is not None:
                log.info("source %s: webhook %s already received", source, delivery.id)
                return {"ok": True, "delivery": delivery.id, "replayed": True}
        outcome = IngestOutcome()
        by_stream: dict[Stream, list[RawItem]] = {}
        for stream, item in delivery.items:
            by_stream.setdefault(Stream(stream), []).append(item)
        announce = self.crm.hook.records_ingested.get_hookimpls()
        for stream, items in by_stream.items():
            Ingestor(
                store=self.crm.records,
                validator=self.crm.validators[stream],
                source=source,
                stream=stream,
                on_stored=self.crm._announce if announce else None,  # noqa: SLF001 - as the engine does
                outcome=outcome,
            ).run(items)
        if state is not None:
            remembered = {
                "topic": delivery.topic,
                "received_at": utc_now().isoformat(),
                "stored": outcome.stored,
                "dead_lettered": outcome.dead_lettered,
            }
            with self.crm.records.transaction() as session:
                session.set_state(state, json.dumps(remembered))
        if outcome.stored:
            self._bring_up_to_date(set(by_stream))
        if self.on_delivery is not None:
            self.on_delivery(source, delivery, outcome)
        log.info(
            "source %s: webhook %s (%s): %d read, %d stored, %d dead-lettered",
            source,
            delivery.id,
            delivery.topic,
            outcome.read,
            outcome.stored,
            outcome.dead_lettered,
        )
        report: dict[str, Any] = {
            "ok": True,
            "delivery": delivery.id,
            "topic": delivery.topic,
            "read": outcome.read,
            "stored": outcome.stored,
            "dead_lettered": outcome.dead_lettered,
        }
        if delivery.note:
            report["note"] = delivery.note
        return report


def received_deliveries(crm: Crmkit, source: str) -> dict[str, dict[str, Any]]:
    """Return the remembered deliveries of ``source`` by id: topic, time and counts."""
    prefix = f"{DELIVERY_STATE}{source}:"
    return {name: json.loads(value) for name, value in crm.records.states(prefix).items()}


def _clean(path: str) -> str:
    return "/" + path.strip("/")


__all__ = ["WebhookApp", "delivery_state_name", "mount_path", "received_deliveries"]
