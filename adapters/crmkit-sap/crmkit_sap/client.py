"""Calling BAPIs over SOAP with zeep: loading the WSDLs, sending, and classifying failures.

Requests are built by zeep from the WSDL; answers are read by :mod:`crmkit_sap.reply` from
the raw XML, so one malformed record cannot sink a whole page. Failures become
:class:`~crmkit.errors.TransientError` (timeouts, refused connections, HTTP 429/5xx without a
SOAP fault, SOAP ``Server`` faults: the sync engine retries them) or
:class:`~crmkit.errors.PermanentError` (HTTP 401/403/404, SOAP ``Client`` faults, a WSDL
without the BAPI), with SAP's own words and never the password.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import requests
import zeep
import zeep.exceptions

from crmkit.errors import PermanentError, TransientError
from crmkit.sdk.http import redact_url
from crmkit.sdk.retry import TRANSIENT_STATUSES
from crmkit_sap.reply import Fault, UnreadableReply, key, parse
from crmkit_sap.returns import first_error
from crmkit_sap.wsdl_style import (
    Operation,
    UnknownParameterError,
    effective_address,
    operations,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from crmkit_sap.reply import Row
    from crmkit_sap.returns import BapiMessage

log = logging.getLogger("crmkit_sap")

_SNIPPET = 200
_TAG = re.compile(r"<[^>]*>")


def safe_settings() -> zeep.Settings:
    """Return zeep settings that refuse DTDs, entities, external references and huge trees."""
    return zeep.Settings(
        strict=True,
        xml_huge_tree=False,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )


class BapiError(PermanentError):
    """Seen by integrators: a BAPI answered with an error (E) or abort (A) in its RETURN."""

    def __init__(
        self, source: str, bapi: str, message: BapiMessage, reply: Row | None = None
    ) -> None:
        self.bapi = bapi
        self.message = message
        self.reply = reply
        super().__init__(source, f"{bapi} failed: SAP says: {message}")


class SapClient:
    """Calls the BAPIs of one configured SAP system; loads its WSDLs on first use."""

    def __init__(self, source: str, config: Mapping[str, Any]) -> None:
        self.source = source
        self.config = config
        self._operations: dict[str, Operation] | None = None
        self.settings = safe_settings()

    # loading ------------------------------------------------------------------------------

    def session(self) -> requests.Session:
        """Return a new HTTP session with the configured credentials and TLS check."""
        session = requests.Session()
        if self.config.get("username") is not None:
            session.auth = (self.config["username"], self.config["password"])
        session.verify = self.config.get("verify_tls", True)
        session.headers["Accept"] = "text/xml, application/soap+xml"
        return session

    def operations(self) -> dict[str, Operation]:
        """Return the operations of every configured WSDL by style-free name (loaded once)."""
        if self._operations is None:
            timeouts = (self.config["connect_timeout"], self.config["timeout"])
            found: dict[str, Operation] = {}
            for wsdl in self.config["wsdl"]:
                transport = zeep.Transport(  # type: ignore[no-untyped-call]
                    session=self.session(), timeout=timeouts, operation_timeout=timeouts
                )
                client = self._load(wsdl, transport)
                for operation in operations(client):
                    found.setdefault(operation.bapi, operation)
            self._operations = found
        return self._operations

    def _load(self, wsdl: str, transport: zeep.Transport) -> zeep.Client:
        shown = redact_url(wsdl)
        try:
            return zeep.Client(wsdl, transport=transport, settings=self.settings)  # type: ignore[no-untyped-call]
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            raise self._http_error(status, f"the WSDL {shown}", "") from exc
        except requests.Timeout as exc:
            raise TransientError(
                self.source, f"SAP did not send the WSDL {shown} within the timeout"
            ) from exc
        except requests.ConnectionError as exc:
            raise TransientError(
                self.source, f"cannot connect to SAP for the WSDL {shown}: {_reason(exc)}"
            ) from exc
        except OSError as exc:
            raise PermanentError(
                self.source, f"cannot read the WSDL {shown}: {exc.strerror or exc}"
            ) from exc
        except (zeep.exceptions.Error, ValueError) as exc:
            raise PermanentError(
                self.source, f"the WSDL {shown} cannot be used: {_message(exc)}"
            ) from exc

    def has(self, bapi: str) -> bool:
        """Return True when a configured WSDL offers ``bapi`` (any naming style)."""
        return key(bapi) in self.operations()

    def operation(self, bapi: str) -> Operation:
        """Return the operation for ``bapi``; raise :class:`PermanentError` naming what exists."""
        found = self.operations()
        if key(bapi) not in found:
            offered = ", ".join(sorted(o.name for o in found.values())) or "no operations"
            raise PermanentError(
                self.source,
                f"no configured WSDL offers {bapi} (they offer: {offered}); add it to the "
                "service definition in SOAMANAGER, or list its WSDL under 'wsdl'",
            )
        return found[key(bapi)]

    def address(self, operation: Operation) -> str:
        """Return where requests for ``operation`` go, with endpoint and client applied."""
        return effective_address(
            operation.address, self.config.get("endpoint"), self.config.get("client")
        )

    # calling ------------------------------------------------------------------------------

    def call(self, bapi: str, values: dict[str, Any], *, check_return: bool = True) -> Row:
        """Call ``bapi`` with ``values`` (RFC names) and return its answer as a row.

        With ``check_return``, an E/A message in RETURN raises :class:`BapiError`; I/W
        messages are logged. Other failures raise Transient- or PermanentError.
        """
        operation = self.operation(bapi)
        address = self.address(operation)
        shown = redact_url(address)
        try:
            arguments = operation.arguments(values)
        except UnknownParameterError as exc:
            raise PermanentError(self.source, str(exc)) from exc
        proxy = operation.client.create_service(operation.binding, address)  # type: ignore[no-untyped-call]
        try:
            with operation.client.settings(raw_response=True):
                response = proxy[operation.name](**arguments)
        except requests.Timeout as exc:
            raise TransientError(
                self.source,
                f"SAP did not answer {operation.name} within {self.config['timeout']:g} s "
                f"at {shown}",
            ) from exc
        except requests.ConnectionError as exc:
            raise TransientError(
                self.source, f"cannot connect to SAP at {shown}: {_reason(exc)}"
            ) from exc
        except zeep.exceptions.Error as exc:
            raise PermanentError(
                self.source,
                f"cannot build the {operation.name} request from the WSDL: {_message(exc)}",
            ) from exc
        reply = self._reply(operation, shown, response)
        if check_return:
            error = first_error(reply, self.source, operation.name)
            if error is not None:
                raise BapiError(self.source, operation.name, error, reply)
        return reply

    def _reply(self, operation: Operation, shown: str, response: requests.Response) -> Row:
        status = response.status_code
        if status in {401, 403, 404}:
            raise self._http_error(status, shown, operation.name)
        try:
            parsed = parse(response.content, self.settings)
        except UnreadableReply as exc:
            snippet = " ".join(_TAG.sub(" ", response.text[: _SNIPPET * 4]).split())[:_SNIPPET]
            what = f"{operation.name} at {shown}: HTTP {status}"
            if status in TRANSIENT_STATUSES:
                raise TransientError(self.source, f"{what}: {snippet}") from exc
            raise PermanentError(self.source, f"{what}: the answer cannot be read: {exc}") from exc
        if isinstance(parsed, Fault):
            text = f"{operation.name} at {shown}: SOAP fault {parsed.code}: {parsed.message}"
            if parsed.detail and parsed.detail not in parsed.message:
                text += f" ({parsed.detail})"
            if parsed.server_side:
                raise TransientError(self.source, text)
            raise PermanentError(self.source, text)
        if status != 200:  # noqa: PLR2004 - the one status a SOAP answer should carry
            text = f"{operation.name} at {shown}: HTTP {status}"
            if status in TRANSIENT_STATUSES:
                raise TransientError(self.source, text)
            raise PermanentError(self.source, text)
        return parsed

    def _http_error(self, status: int, where: str, bapi: str) -> PermanentError | TransientError:
        user = self.config.get("username") or "(no user)"
        if status == 401:  # noqa: PLR2004
            return PermanentError(
                self.source,
                f"credentials refused by SAP at {where} (HTTP 401): check username, password "
                "and client",
            )
        if status == 403:  # noqa: PLR2004
            return PermanentError(
                self.source,
                f"SAP user {user} may not call {bapi or 'the service'} at {where} (HTTP 403): "
                "it needs S_SERVICE/S_RFC authorisation for the service",
            )
        if status == 404:  # noqa: PLR2004
            return PermanentError(
                self.source,
                f"no SAP service at {where} (HTTP 404): check the endpoint and that the "
                "service is active in SOAMANAGER (or SICF)",
            )
        text = f"{where}: HTTP {status}"
        if status in TRANSIENT_STATUSES:
            return TransientError(self.source, text)
        return PermanentError(self.source, text)


def _reason(exc: requests.RequestException) -> str:
    """Return the innermost reason of a connection error, without the URL's query."""
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or type(inner).__name__
    return " ".join(text.split())[:_SNIPPET]


def _message(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:_SNIPPET]
