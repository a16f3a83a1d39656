"""The demo's 1C:Enterprise: an infobase published with the standard OData interface.

``http://127.0.0.1:PORT/trade/odata/standard.odata/`` lists the published entity sets and
answers ``GET <entity set>`` with 1C's JSON (``odata.metadata`` and ``value``), paged by
``$top``/``$skip`` under ``$orderby=Ref_Key``, filtered by the ``$filter`` conditions the
adapter sends (``Date ge datetime'…'``, ``Ref_Key eq guid'…' or …``), cut to ``$select``.
The data is ``data/1c/*.json``, answers of a real publication of Управление торговлей 11.
"""

from __future__ import annotations

import json
import re
from typing import Any

from crmkit.demo.services.loopback import data_file, guarded
from crmkit.testing.loopback import ANY_PATH, LoopbackServer, Request, Response

PUBLICATION = "/trade"
ROOT = f"{PUBLICATION}/odata/standard.odata/"
USER = "crmkit"
ENTITY_FILES = {
    "Catalog_Контрагенты": "counterparties.json",
    "Document_ЗаказКлиента": "orders.json",
    "Catalog_Валюты": "currencies.json",
    "Catalog_Номенклатура": "products.json",
}
_CONDITION = re.compile(r"\s*(\w+) (eq|ge|gt|le|lt) (?:guid|datetime)?'([^']*)'\s*")


class FilterError(ValueError):
    """A ``$filter`` this publication does not understand."""


def matches(row: dict[str, Any], condition: str) -> bool:
    """Return whether ``row`` meets ``condition`` (``and``/``or`` of comparisons with a literal)."""
    if " or " in condition:
        return any(matches(row, part) for part in condition.split(" or "))
    if " and " in condition:
        return all(matches(row, part) for part in condition.split(" and "))
    found = _CONDITION.fullmatch(condition)
    if not found:
        raise FilterError(condition)
    field, operator, value = found.groups()
    have = str(row.get(field, ""))
    return {
        "eq": have == value,
        "ge": have >= value,
        "gt": have > value,
        "le": have <= value,
        "lt": have < value,
    }[operator]


JSON = {"Content-Type": "application/json;charset=utf-8"}
REFUSED = Response(401, b"", {"Content-Type": "text/html", "WWW-Authenticate": 'Basic realm="1C"'})


def _error(status: int, code: str, text: str) -> Response:
    """Return 1C's OData error ``code`` saying ``text`` (in Russian, as 1C does)."""
    document = {"odata.error": {"code": code, "message": {"lang": "ru", "value": text}}}
    return Response.json(document, status, JSON)


class OneCService(LoopbackServer):
    """A 1C:Enterprise OData publication on loopback; user ``crmkit``."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.entities: dict[str, list[dict[str, Any]]] = {
            entity: json.loads(data_file("1c", file).read_text(encoding="utf-8"))["value"]
            for entity, file in ENTITY_FILES.items()
        }
        super().__init__(name="crmkit-demo-1c", record=False)
        for path, answer in (
            (ROOT, self._service_document),
            (f"{ROOT}/", self._service_document),
            (ANY_PATH, self._entity_set),
        ):
            self.route("GET", path, guarded(answer, self._authorised, REFUSED))

    @property
    def publication_url(self) -> str:
        """Return the infobase's publication URL (what the ``url`` setting takes)."""
        return f"{self.url}{PUBLICATION}"

    def _authorised(self, request: Request) -> bool:
        return request.has_basic_auth(USER, self.password)

    def _service_document(self, _request: Request) -> Response:
        """List the published entity sets."""
        listed = [{"name": n, "url": n} for n in self.entities]
        return Response.json({"odata.metadata": f"{ROOT}$metadata", "value": listed}, 200, JSON)

    def _entity_set(self, request: Request) -> Response:
        """Answer a page of an entity set: filtered, ordered, cut to ``$select``."""
        name = request.path.removeprefix(ROOT)
        if name not in self.entities:
            return _error(404, "9", f"Не найден объект метаданных: {name}")
        params = request.query
        rows = self.entities[name]
        try:
            if "$filter" in params:
                rows = [r for r in rows if matches(r, params["$filter"])]
        except FilterError:
            return _error(400, "6", f"Ошибка разбора условия: {params['$filter']}")
        if params.get("$orderby") == "Ref_Key":
            rows = sorted(rows, key=lambda r: str(r.get("Ref_Key")))
        skip = int(params.get("$skip") or 0)
        top = int(params.get("$top") or len(rows))
        page = rows[skip : skip + top]
        if "$select" in params:
            keep = params["$select"].split(",")
            page = [{k: r[k] for k in keep if k in r} for r in page]
        metadata = f"{self.url}{ROOT}$metadata#{name}"
        return Response.json({"odata.metadata": metadata, "value": page}, 200, JSON)
