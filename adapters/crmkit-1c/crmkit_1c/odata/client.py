"""A client for 1C's standard OData interface (``…/odata/standard.odata/``), JSON only.

It pages an entity set with ``$top``/``$skip`` under a stable ``$orderby=Ref_Key`` (1C sends
no next-page links) and turns 1C's answers into errors in 1C's own words: a 401 names the
user, a 404 or 400 about an entity names the object to publish in "Установка состава
стандартного интерфейса OData", a body that is not JSON says so and shows its start.
"""

from __future__ import annotations

import decimal
import urllib.parse
from typing import TYPE_CHECKING, Any

import msgspec

from crmkit.errors import PermanentError
from crmkit_1c._http import HttpSession, describe
from crmkit_1c.odata.profiles import metadata_name

if TYPE_CHECKING:
    import requests

_DECODER = msgspec.json.Decoder(float_hook=decimal.Decimal)
_ENCODER = msgspec.json.Encoder(decimal_format="number")
#: Characters left as they are in query values: 1C reads ``$``, quotes and parentheses plainly.
_SAFE = "$'(),:=/"
_ACCEPT_JSON = {"Accept": "application/json"}
_NOT_FOUND_WORDS = ("не найден", "not found", "неизвестн", "unknown", "не опубликован")


class NotPublishedError(PermanentError):
    """Seen by integrators: 1C does not publish an entity set the configuration names."""

    def __init__(self, source: str, entity: str, words: str) -> None:
        self.entity = entity
        super().__init__(
            source,
            f"1C does not publish {entity} over OData ({words}). Publish "
            f"{metadata_name(entity)} in Администрирование → Общие настройки → Интеграция с "
            'другими программами → Настройки стандартного интерфейса OData ("Установка '
            'состава стандартного интерфейса OData"), or name the entity this configuration '
            "uses in the source's `entities` setting.",
        )


def odata_root(url: str) -> str:
    """Return the service root ``…/odata/standard.odata/`` for a publication or service URL."""
    base = url.strip().rstrip("/")
    if not base.endswith("/odata/standard.odata"):
        base = f"{base}/odata/standard.odata"
    return f"{base}/"


def encode_entity(entity: str) -> str:
    """Return an entity set's name percent-encoded for a URL path (UTF-8)."""
    return urllib.parse.quote(entity, safe="_()'$/")


def query_string(params: dict[str, str]) -> str:
    """Return OData query parameters encoded the way 1C reads them (``$`` kept, ``%20``)."""
    return "&".join(f"{k}={urllib.parse.quote(v, safe=_SAFE)}" for k, v in params.items())


def encode_entity_json(entity: dict[str, Any]) -> str:
    """Return one entity as compact JSON, its numbers written exactly as 1C sent them."""
    return _ENCODER.encode(entity).decode("utf-8")


def odata_error(body: bytes) -> tuple[str, str] | None:
    """Return ``(code, message)`` of a 1C ``odata.error`` JSON body, or ``None``."""
    try:
        document = _DECODER.decode(body)
    except msgspec.DecodeError:
        return None
    error = document.get("odata.error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        return None
    message = error.get("message")
    text = message.get("value") if isinstance(message, dict) else message
    return str(error.get("code", "")), str(text or "").strip()


class ODataClient:
    """Reads entity sets of one 1C infobase; ``source`` names it in errors."""

    def __init__(self, source: str, url: str, http: HttpSession, username: str | None) -> None:
        self.source = source
        self.root = odata_root(url)
        self.http = http
        self.username = username

    def url(self, entity: str, params: dict[str, str]) -> str:
        """Return the URL of ``entity`` with query ``params`` (``$format=json`` added)."""
        return f"{self.root}{encode_entity(entity)}?{query_string({**params, '$format': 'json'})}"

    def page(
        self,
        entity: str,
        *,
        top: int,
        skip: int,
        filter_: str | None = None,
        select: str | None = None,
        orderby: str | None = "Ref_Key",
    ) -> list[dict[str, Any]]:
        """Return one page of ``entity``: ``top`` entities after the first ``skip``."""
        params = {"$top": str(top), "$skip": str(skip)}
        if orderby:
            params["$orderby"] = orderby
        if filter_:
            params["$filter"] = filter_
        if select:
            params["$select"] = select
        url = self.url(entity, params)
        response = self.http.get(
            url, headers=_ACCEPT_JSON, refused=lambda r: self.refused(r, entity)
        )
        return self.values(response, f"{entity} ($skip={skip}, $top={top})")

    def values(self, response: requests.Response, what: str) -> list[dict[str, Any]]:
        """Return the ``value`` array of a JSON answer; raise in 1C's terms if it is not one."""
        try:
            document = _DECODER.decode(response.content)
        except msgspec.DecodeError as exc:
            start = " ".join(response.content[:120].decode("utf-8", "replace").split())
            raise PermanentError(
                self.source,
                f"1C answered {what} with malformed JSON ({exc}); it starts: {start!r}",
            ) from exc
        values = document.get("value") if isinstance(document, dict) else None
        if not isinstance(values, list):
            raise PermanentError(
                self.source, f"1C answered {what} with JSON that has no 'value' array"
            )
        return [v for v in values if isinstance(v, dict)]

    def refused(self, response: requests.Response, entity: str | None) -> Exception:
        """Return the error for a non-transient failure, in 1C's words."""
        status = response.status_code
        found = odata_error(response.content)
        words = f"1C says: {found[1]} (code {found[0]})" if found and found[1] else ""
        if status == 401:  # noqa: PLR2004 - HTTP status
            who = f"user {self.username!r}" if self.username else "anonymous access"
            return PermanentError(
                self.source,
                f"1C refused {who} at {self.root} (HTTP 401 Unauthorized): check the user name "
                "and password, that the user is listed in the infobase with "
                '"Аутентификация 1С:Предприятия" and has the role that allows the '
                "standard OData interface",
            )
        if status == 403:  # noqa: PLR2004
            return PermanentError(
                self.source,
                f"1C denied access to {entity or self.root} (HTTP 403): the user lacks rights "
                f"to it{'; ' + words if words else ''}",
            )
        if entity and found and (status == 404 or _about_entity(found, entity)):  # noqa: PLR2004
            return NotPublishedError(self.source, entity, words)
        if entity and status == 404:  # noqa: PLR2004
            return NotPublishedError(
                self.source,
                entity,
                f"{describe(response)}; if {self.root} itself does not open either, `url` does "
                'not point at a publication with "Публиковать стандартный интерфейс OData"',
            )
        if status == 404:  # noqa: PLR2004
            return PermanentError(
                self.source,
                f"no 1C OData service at {self.root} ({describe(response)}): check `url` and "
                'that the infobase is published with "Публиковать стандартный интерфейс OData"',
            )
        detail = words or describe(response)
        return PermanentError(self.source, f"{entity or self.root}: HTTP {status}: {detail}")


def _about_entity(found: tuple[str, str], entity: str) -> bool:
    """Return True when an ``odata.error`` says the entity set itself is unknown."""
    text = found[1].casefold()
    return entity.casefold() in text or any(word in text for word in _NOT_FOUND_WORDS)
