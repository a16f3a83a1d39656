"""The demo's web shop: the WooCommerce REST API v3 over ``data/shop/*.json``.

``/wp-json/wc/v3/customers`` and ``/wp-json/wc/v3/orders`` answer pages
(``page``/``per_page``, ``X-WP-Total`` and ``X-WP-TotalPages`` headers), orders filtered by
``modified_after`` and sorted by ``orderby=modified``; ``/orders/<id>/notes`` lists the
order's notes, newest first.
The consumer key and secret are checked as WooCommerce checks them: HTTP Basic, or the
``consumer_key``/``consumer_secret`` query parameters.
"""

from __future__ import annotations

import hmac
import json
import re
from typing import Any

from crmkit.demo.services.loopback import data_file, guarded
from crmkit.testing.loopback import ANY_PATH, LoopbackServer, Request, Response

API = "/wp-json/wc/v3"
MAX_PER_PAGE = 100
JSON = {"Content-Type": "application/json; charset=UTF-8"}
NOTES = re.compile(rf"{re.escape(API)}/orders/(?P<order>.*)/notes")


def _error(code: str, message: str, status: int) -> Response:
    """Return WooCommerce's REST API error ``code`` saying ``message``."""
    document = {"code": code, "message": message, "data": {"status": status}}
    return Response.json(document, status, JSON)


CANNOT_VIEW = _error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401)
NO_ROUTE = _error("rest_no_route", "No route was found matching the URL and request method.", 404)


class ShopService(LoopbackServer):
    """A WooCommerce shop on loopback with its REST API keys."""

    def __init__(self, consumer_key: str, consumer_secret: str) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.customers: list[dict[str, Any]] = json.loads(
            data_file("shop", "customers.json").read_text(encoding="utf-8")
        )
        self.orders: list[dict[str, Any]] = json.loads(
            data_file("shop", "orders.json").read_text(encoding="utf-8")
        )
        self.notes: dict[str, list[dict[str, Any]]] = json.loads(
            data_file("shop", "order_notes.json").read_text(encoding="utf-8")
        )
        super().__init__(name="crmkit-demo-shop", record=False)
        for path, answer in (
            (f"{API}/customers", self._page),
            (f"{API}/orders", self._page),
            (NOTES, self._notes),
            (ANY_PATH, _no_route),
        ):
            self.route("GET", path, guarded(answer, self._authorised, CANNOT_VIEW))

    def listing(self, path: str, query: dict[str, str]) -> list[dict[str, Any]] | None:
        """Return the whole collection a listing asks for, filtered and sorted; None: no route."""
        if path == f"{API}/customers":
            role = query.get("role", "customer")
            rows = [c for c in self.customers if role == "all" or c["role"] == role]
            return sorted(rows, key=lambda c: int(c["id"]))
        if path == f"{API}/orders":
            after = query.get("modified_after")
            rows = [o for o in self.orders if not after or o["date_modified_gmt"] > after]
            if query.get("orderby") == "modified":
                rows.sort(key=lambda o: (o["date_modified_gmt"], o["id"]))
            return rows
        return None

    def _authorised(self, request: Request) -> bool:
        """Return whether the consumer key and secret came, by HTTP Basic or in the query."""
        key, secret = self.consumer_key, self.consumer_secret
        if request.has_basic_auth(key, secret):
            return True
        given = (request.query.get("consumer_key", ""), request.query.get("consumer_secret", ""))
        return hmac.compare_digest(given[0], key) and hmac.compare_digest(given[1], secret)

    def _page(self, request: Request) -> Response:
        """Answer one page of a listing, with the ``X-WP-Total*`` headers."""
        query = request.query
        rows = self.listing(request.path, query)
        if rows is None:
            return NO_ROUTE
        per_page = min(int(query.get("per_page") or 10), MAX_PER_PAGE)
        page = int(query.get("page") or 1)
        pages = max(1, -(-len(rows) // per_page))
        headers = {**JSON, "X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(pages)}
        return Response.json(rows[(page - 1) * per_page : page * per_page], 200, headers)

    def _notes(self, request: Request) -> Response:
        """Answer an order's notes, newest first (none for an order without any)."""
        return Response.json(self.notes.get(request.path_params["order"], []), 200, JSON)


def _no_route(_request: Request) -> Response:
    return NO_ROUTE
