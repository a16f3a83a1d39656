"""The ``1c-soap`` adapter: zeep against a web service published from 1C (``/ws/….1cws``).

1C web services are written per configuration, so crmkit ships a reference one (its WSDL
is ``crmkit_1c/soap/crmkit.wsdl``; its BSL module and publication steps are in
``docs/adapters/1c.md``) with two operations, ``GetChangedCounterparties(Since, Limit)`` and
``GetChangedOrders(Since, Limit)``. Each returns the objects changed after ``Since`` (1C's
local time, as 1C writes it), oldest first, at most ``Limit`` of them, and ``More`` when
there are more; the cursor is the ``Changed`` moment of the last object read. zeep is
imported when the service is first used, so loading the plugin stays cheap.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec
from marshmallow import ValidationError, fields, validate, validates

from crmkit.domain import RawItem
from crmkit.errors import AdapterError, PermanentError, TransientError
from crmkit.sdk.adapter import Adapter, Checkpoint, Progress, StreamSpec
from crmkit.sdk.retry import TRANSIENT_STATUSES, RetryPolicy
from crmkit_1c._http import basic_auth
from crmkit_1c._settings import HttpSettings
from crmkit_1c._values import DEFAULT_TIMEZONE, reason
from crmkit_1c.soap.mapping import FIELDS, XdtoMapper, moment

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

CUSTOMERS = "customers"
ORDERS = "orders"
REFERENCE_WSDL = "reference"
_ENCODER = msgspec.json.Encoder(decimal_format="number")


def reference_wsdl() -> str:
    """Return the path of the reference service's WSDL shipped with this package."""
    return str(resources.files("crmkit_1c.soap").joinpath("crmkit.wsdl"))


class SoapSettings(HttpSettings):
    """Settings of the ``1c-soap`` adapter (see ``docs/adapters/1c.md``)."""

    wsdl = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=500, strict=True, validate=validate.Range(1, 10000))
    counterparties_operation = fields.String(load_default="GetChangedCounterparties")
    orders_operation = fields.String(load_default="GetChangedOrders")
    fields_ = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=dict, data_key="fields"
    )
    currency = fields.String(
        load_default="RUB", validate=validate.Regexp(r"^[A-Z]{3}$", error="an ISO 4217 code")
    )
    customer_number_source = fields.String(load_default=None, allow_none=True)
    deleted = fields.String(load_default="mark", validate=validate.OneOf(["mark", "skip"]))

    @validates("fields_")
    def _known_fields(self, value: dict[str, str], **_: Any) -> None:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            known = ", ".join(sorted(FIELDS))
            raise ValidationError(f"unknown key {unknown[0]!r} (known: {known})")


class SoapAdapter(Adapter):
    """Reads changed counterparties (``customers``) and orders (``orders``) from a 1C service."""

    name = "1c-soap"
    description = "1C:Enterprise web service (the crmkit reference service or one like it)"
    config_schema = SoapSettings
    streams: ClassVar[tuple[StreamSpec, ...]] = (
        StreamSpec(CUSTOMERS, "counterparties changed since the cursor"),
        StreamSpec(ORDERS, "customer orders changed since the cursor"),
    )
    timezone: dt.tzinfo = DEFAULT_TIMEZONE

    def __init__(self, source: str, config: Any) -> None:
        super().__init__(source, config)
        self._service: Any = None
        self.policy = RetryPolicy(
            max_retries=self.config["http_retries"], backoff_seconds=self.config["http_backoff"]
        )

    # the service ----------------------------------------------------------------------------

    def service(self) -> Any:
        """Return the zeep service proxy bound to ``url``, loading the WSDL once."""
        if self._service is not None:
            return self._service
        import requests
        import zeep
        from zeep.wsdl.bindings.soap import Soap11Binding

        settings = self.config
        session = requests.Session()
        session.verify = settings["verify_tls"]
        if settings["username"]:
            session.headers["Authorization"] = basic_auth(
                settings["username"], settings["password"] or ""
            )
        transport = zeep.Transport(  # type: ignore[no-untyped-call]
            session=session, timeout=settings["timeout"], operation_timeout=settings["timeout"]
        )
        wsdl = settings["wsdl"] or f"{settings['url']}?wsdl"
        if wsdl == REFERENCE_WSDL:
            wsdl = reference_wsdl()
        client = self._call(
            f"loading the WSDL {wsdl}",
            lambda: zeep.Client(wsdl, transport=transport),  # type: ignore[no-untyped-call]
        )
        binding = next(
            (name for name, b in client.wsdl.bindings.items() if isinstance(b, Soap11Binding)),
            None,
        )
        if binding is None:
            raise PermanentError(self.source, f"the WSDL {wsdl} has no SOAP 1.1 binding")
        self._service = client.create_service(binding, settings["url"])
        return self._service

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        """Run ``call``, retrying transient failures; raise errors in 1C's own words."""
        import requests
        import zeep.exceptions
        from lxml import etree

        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except zeep.exceptions.Fault as fault:
                raise PermanentError(
                    self.source, f"{what}: 1C answered with a SOAP fault: {fault.message}"
                ) from fault
            except zeep.exceptions.TransportError as exc:
                failure = self._transport_failure(what, exc.status_code, exc.content, exc)
            except requests.HTTPError as exc:
                response = exc.response
                status = response.status_code if response is not None else 0
                content = response.content if response is not None else b""
                failure = self._transport_failure(what, status, content, exc)
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = TransientError(self.source, f"{what}: cannot reach 1C: {exc}")
            except (etree.XMLSyntaxError, zeep.exceptions.Error) as exc:
                raise PermanentError(self.source, f"{what}: {exc}") from exc
            if attempt > self.policy.max_retries:
                raise failure
            self._sleep(self.policy.delay(attempt))

    def _sleep(self, seconds: float) -> None:
        import time

        time.sleep(seconds)

    def _transport_failure(
        self, what: str, status: int, content: object, exc: Exception
    ) -> TransientError:
        """Return the transient error for an HTTP failure, or raise the permanent one."""
        if status == 401:  # noqa: PLR2004 - HTTP status
            raise PermanentError(
                self.source,
                f"{what}: 1C refused user {self.config['username']!r} (HTTP 401): check the "
                "user name, password and the user's right to the web service",
            ) from exc
        if status == 404:  # noqa: PLR2004
            raise PermanentError(
                self.source,
                f"{what}: no web service at {self.config['url']} (HTTP 404): publish it in "
                "Администрирование → Публикация на веб-сервере → Web-сервисы",
            ) from exc
        body = content.decode("utf-8", "replace") if isinstance(content, bytes) else ""
        text = f"{what}: HTTP {status}: {' '.join(body.split())[:300]}"
        if status not in TRANSIENT_STATUSES:
            raise PermanentError(self.source, text) from exc
        return TransientError(self.source, text)

    def check(self) -> str:
        """Load the WSDL and call the counterparty operation for one object; say what came."""
        service = self.service()
        operation = self.config["counterparties_operation"]
        result = self._call(operation, lambda: getattr(service, operation)(Since=None, Limit=1))
        more = _plain(result)
        return (
            f"1C web service at {self.config['url']} answers {operation} (More={more.get('More')})"
        )

    # reading --------------------------------------------------------------------------------

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        """Yield what changed after ``cursor``, one call of ``limit`` objects at a time."""
        if stream == CUSTOMERS:
            operation, element = self.config["counterparties_operation"], "Counterparty"
        elif stream == ORDERS:
            operation, element = self.config["orders_operation"], "Order"
        else:
            raise AdapterError(self.source, f"the 1c-soap adapter has no stream {stream!r}")
        mapper = XdtoMapper(self.config["fields_"], self.timezone)
        since = _since(cursor)
        progress.set_total(None)
        service = self.service()
        while True:
            result = self._call(
                operation,
                functools.partial(
                    getattr(service, operation), Since=since, Limit=self.config["limit"]
                ),
            )
            answer = _plain(result)
            objects = answer.get(element) or []
            before = since
            for number, obj in enumerate(objects, start=1):
                yield self._item(stream, mapper, obj, f"{operation} since {since} item {number}")
                changed = moment(mapper.get(obj, "changed"))
                if changed and (since is None or changed > since.isoformat()):
                    since = dt.datetime.fromisoformat(changed)
            progress.advance(len(objects))
            if since is not None:
                yield Checkpoint(json.dumps({"since": since.isoformat()}))
            if not answer.get("More") or not objects:
                return
            if since == before:
                raise PermanentError(
                    self.source,
                    f"{operation} answered More=true but nothing changed after {since}: the "
                    "service must return every object of the last moment it includes",
                )

    def _item(self, stream: str, mapper: XdtoMapper, obj: dict[str, Any], position: str) -> RawItem:
        raw = _ENCODER.encode(obj).decode("utf-8")
        try:
            if stream == CUSTOMERS:
                data = mapper.counterparty(obj)
            else:
                data = mapper.order(
                    obj,
                    default_currency=self.config["currency"],
                    customer_number_source=self.config["customer_number_source"],
                )
        except (ValueError, TypeError, AttributeError) as exc:
            return RawItem(raw=raw, data=None, position=position, error=reason(exc))
        deleted = data.get("deleted") or data.get("attributes", {}).get("deleted_in_1c")
        if deleted and self.config["deleted"] == "skip":
            return RawItem(raw=raw, data=None, position=position, error="marked for deletion")
        return RawItem(raw=raw, data=data, position=position)

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:
        """Return the item for a dead letter's raw object (its JSON), mapped again."""
        import decimal

        where = position or "dead letter"
        try:
            obj = msgspec.json.Decoder(float_hook=decimal.Decimal).decode(raw)
        except msgspec.DecodeError as exc:
            return RawItem(raw=raw, data=None, position=where, error=f"malformed JSON: {exc}")
        mapper = XdtoMapper(self.config["fields_"], self.timezone)
        return self._item(stream, mapper, obj, where)


def _plain(result: object) -> dict[str, Any]:
    """Return a zeep result as plain dicts and lists (``{}`` for an empty answer)."""
    import zeep.helpers

    plain = zeep.helpers.serialize_object(result, dict)  # type: ignore[no-untyped-call]
    return plain if isinstance(plain, dict) else {}


def _since(cursor: Any) -> dt.datetime | None:
    if not cursor:
        return None
    try:
        value = json.loads(cursor) if isinstance(cursor, str) else cursor
        return dt.datetime.fromisoformat(value["since"])
    except (ValueError, KeyError, TypeError):
        return None
