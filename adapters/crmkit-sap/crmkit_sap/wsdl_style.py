"""What a SAP WSDL offers: its naming style, its operations and their parameter names.

SAP publishes BAPIs over SOAP in two naming styles. The RFC SOAP handler
(``/sap/bc/soap/rfc``) keeps the RFC names in upper case, in the namespace
``urn:sap-com:document:sap:rfc:functions`` (``BAPI_CUSTOMER_GETLIST``, ``IDRANGE``, ``LOW``).
SOAMANAGER's services use mixed case in ``urn:sap-com:document:sap:soap:functions:mc-style``
(``BapiCustomerGetlist``, ``Idrange``, ``Low``). Nothing here guesses a name: each one is
looked up among the elements the WSDL declares, by its style-free :func:`~crmkit_sap.reply.key`.
"""

from __future__ import annotations

import enum
import urllib.parse
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
from zeep import Client
from zeep.wsdl.bindings.soap import Soap11Binding, SoapBinding
from zeep.xsd import ComplexType, SkipValue
from zeep.xsd.types.builtins import Decimal as XsdDecimal
from zeep.xsd.types.builtins import Integer, String

from crmkit_sap.reply import key

if TYPE_CHECKING:
    import datetime as dt

RFC_NAMESPACE = "urn:sap-com:document:sap:rfc:functions"
MC_NAMESPACE = "urn:sap-com:document:sap:soap:functions:mc-style"


class Style(enum.Enum):
    """The naming style of a SAP SOAP service."""

    RFC = "RFC SOAP handler, upper-case names"
    MC = "SOAMANAGER, mixed-case names"
    OTHER = "names in another namespace"


def detect_style(namespace: str | None) -> Style:
    """Return the style of an operation whose request element lives in ``namespace``."""
    if namespace == MC_NAMESPACE:
        return Style.MC
    if namespace == RFC_NAMESPACE:
        return Style.RFC
    return Style.OTHER


class UnknownParameterError(LookupError):
    """A parameter or field the adapter needs is not declared by the WSDL."""


@attrs.frozen
class Operation:
    """One BAPI operation of a loaded WSDL, with where to send it and its parameters."""

    name: str
    style: Style
    client: Client = attrs.field(eq=False, repr=False)
    binding: str
    address: str
    params: dict[str, Any] = attrs.field(eq=False, repr=False)

    @property
    def bapi(self) -> str:
        """Return the operation's style-free name (``BAPICUSTOMERGETLIST``)."""
        return key(self.name)

    def has(self, parameter: str) -> bool:
        """Return True when the WSDL declares the request parameter ``parameter`` (RFC name)."""
        return key(parameter) in self.params

    def date_value(self, parameter: str, day: dt.date) -> str:
        """Return ``day`` as the WSDL's type for ``parameter`` wants it.

        SOAMANAGER's ``date10`` (and ``xsd:date``) take ``2026-11-02``; a parameter typed as
        eight characters (``char8``, ``numeric8``, DATS as the RFC handler may publish it)
        takes ``20261102``.
        """
        found = self.params.get(key(parameter))
        qname = getattr(found[1].type, "qname", None) if found else None
        name = qname.localname if qname is not None else ""
        if name.endswith("8") and "date10" not in name:
            return day.strftime("%Y%m%d")
        return day.isoformat()

    def arguments(self, values: dict[str, Any]) -> dict[str, Any]:
        """Return zeep keyword arguments for ``values`` (RFC names → values).

        A list is a table: each row (a dict of RFC field names) is completed with blanks for
        the fields the WSDL declares but the row leaves out, since SAP's WSDLs declare them
        required. ``None`` leaves an optional parameter out; an empty list asks for an output
        table (SAP returns only the tables the request names) and is dropped when the WSDL
        has no such table. Required parameters not given are sent blank. Raise
        :class:`UnknownParameterError` for a value the WSDL has no parameter for.
        """
        given = {key(k): v for k, v in values.items()}
        arguments: dict[str, Any] = {}
        for wanted, value in given.items():
            if wanted not in self.params and value is not None and value != []:
                known = ", ".join(sorted(self.params)) or "none"
                raise UnknownParameterError(
                    f"{self.name} has no parameter {wanted} in its WSDL (it has: {known})"
                )
        for wanted, (name, element) in self.params.items():
            value = given.get(wanted)
            if value is None:
                if element.min_occurs:
                    arguments[name] = _blank(element)
                continue
            arguments[name] = _table(element, value) if isinstance(value, list) else value
        return arguments


def _table(element: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    (item_name, item), *_ = element.type.elements
    fields = {key(n): (n, e) for n, e in item.type.elements}
    rendered = []
    for row in rows:
        given = {key(k): v for k, v in row.items()}
        unknown = sorted(set(given) - set(fields))
        if unknown:
            raise UnknownParameterError(
                f"table {element.name} has no field {unknown[0]} in its WSDL"
            )
        rendered.append({n: given[k] if k in given else _blank(e) for k, (n, e) in fields.items()})
    return {item_name: rendered}


def _blank(element: Any) -> Any:
    """Return the blank value SAP expects for a required ``element`` it was not given."""
    kind = element.type
    if isinstance(kind, ComplexType):
        elements = kind.elements
        if len(elements) == 1 and elements[0][1].max_occurs == "unbounded":
            return {elements[0][0]: []}
        return {n: _blank(e) for n, e in elements}
    if isinstance(kind, String):
        return ""
    if isinstance(kind, Integer):
        return 0
    if isinstance(kind, XsdDecimal):
        return Decimal(0)
    return SkipValue


def operations(client: Client) -> list[Operation]:
    """Return every operation of the WSDL loaded in ``client``, SOAP 1.1 ports first."""
    found = []
    for service in client.wsdl.services.values():
        ports = sorted(
            service.ports.values(), key=lambda p: not isinstance(p.binding, Soap11Binding)
        )
        for port in ports:
            binding = port.binding
            if not isinstance(binding, SoapBinding):
                continue
            address = port.binding_options.get("address", "")
            for name, operation in binding.all().items():  # type: ignore[no-untyped-call]
                body = operation.input.body
                params = {key(n): (n, e) for n, e in body.type.elements}
                found.append(
                    Operation(
                        name=name,
                        style=detect_style(body.qname.namespace),
                        client=client,
                        binding=str(binding.name),
                        address=address,
                        params=params,
                    )
                )
    return found


def effective_address(address: str, endpoint: str | None, sap_client: str | None) -> str:
    """Return where to send requests: the WSDL's ``address`` with the settings applied.

    An ``endpoint`` with only scheme, host and port replaces those of the address and keeps
    its path (real WSDLs name internal hosts the client cannot reach); an ``endpoint`` with a
    path replaces the whole address. ``sap_client`` sets the ``sap-client`` query parameter.
    """
    target = urllib.parse.urlsplit(address)
    if endpoint:
        override = urllib.parse.urlsplit(endpoint)
        if override.path in {"", "/"}:
            target = target._replace(scheme=override.scheme, netloc=override.netloc)
        else:
            target = override
    if sap_client:
        query = [
            (k, v)
            for k, v in urllib.parse.parse_qsl(target.query, keep_blank_values=True)
            if k != "sap-client"
        ]
        query.append(("sap-client", sap_client))
        target = target._replace(query=urllib.parse.urlencode(query))
    return urllib.parse.urlunsplit(target)
