"""A plugin whose adapter reads a paged JSON API through crmkit.sdk.http, as a vendor's would."""

from __future__ import annotations

import json
from typing import ClassVar

from marshmallow import Schema, fields, validate

import crmkit
from crmkit.domain import RawItem
from crmkit.sdk import Adapter, Checkpoint, StreamSpec
from crmkit.sdk.http import HttpClient, JsonPage
from crmkit.sdk.retry import RetryPolicy


class PagesConfigSchema(Schema):
    """Where the API is, how to page it, the token, and the client's own retries."""

    url = fields.Url(required=True, require_tld=False)
    token = fields.String(load_default=None)
    page_size = fields.Integer(load_default=10, validate=validate.Range(min=1))
    client_retries = fields.Integer(load_default=0, validate=validate.Range(min=0))
    client_backoff = fields.Float(load_default=0.01)
    timeout = fields.Float(load_default=10.0)
    id_field = fields.String(load_default="external_id")


class PagesAdapter(Adapter):
    """Reads ``GET /<stream>?after=N&limit=M`` pages; the cursor is the position after a page."""

    name = "fixture-pages"
    description = "paged JSON over HTTP (test fixture)"
    config_schema = PagesConfigSchema
    streams: ClassVar[tuple[StreamSpec, ...]] = (
        StreamSpec("customers"),
        StreamSpec("orders"),
        StreamSpec("products", "not a crmkit stream: the engine skips it"),
    )

    def default_streams(self):
        """Read customers unless the configuration names streams."""
        return ["customers"]

    def _item(self, raw, position):
        """Map an API record (``raw``, JSON) to a generic record: ``id_field`` is the id."""
        item = json.loads(raw)
        id_field = self.config["id_field"]
        if id_field == "external_id":
            return RawItem(raw=raw, data=item, position=position, raw_is_record=True)
        record = {k: v for k, v in item.items() if k != id_field}
        if item.get(id_field) is not None:
            record["external_id"] = str(item[id_field])
        return RawItem(raw=raw, data=record, position=position)

    def reparse(self, stream, raw, position):  # noqa: ARG002 - the Adapter signature
        """Map a dead letter's raw record again, with today's ``id_field``."""
        return self._item(raw, position or "dead letter")

    def _client(self):
        token = self.config["token"]
        return HttpClient(
            self.source,
            base_url=self.config["url"],
            timeout=self.config["timeout"],
            retry=RetryPolicy(
                max_retries=self.config["client_retries"],
                backoff_seconds=self.config["client_backoff"],
            ),
            headers={"Authorization": f"Bearer {token}"} if token else {},
        )

    def read(self, stream, cursor, progress):
        """Yield each page's records, then a checkpoint with the position after the page."""
        client = self._client()
        after = int(cursor or 0)
        while True:
            page = client.get_json(
                f"/{stream}", {"after": after, "limit": self.config["page_size"]}, shape=JsonPage
            )
            for n, record in enumerate(page.items, start=1):
                yield self._item(bytes(record).decode(), f"after {after} item {n}")
            progress.advance(len(page.items))
            if page.next is None:
                yield Checkpoint(str(after + len(page.items)))
                return
            after = page.next
            yield Checkpoint(str(after))

    def check(self):
        """Ask the API's /ping with the configured token."""
        self._client().get_json("/ping")
        return f"{self.config['url']} answers"


@crmkit.hookimpl
def register_adapters(register):
    """Register the paged-API adapter."""
    register(PagesAdapter)
