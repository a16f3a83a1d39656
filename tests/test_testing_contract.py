"""crmkit.testing.contract: passes a correct adapter and names the fault of each broken one."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import msgspec
import pytest
from marshmallow import Schema, fields

from crmkit.domain import RawItem
from crmkit.errors import AdapterError, PermanentError, TransientError
from crmkit.sdk.adapter import Adapter, Checkpoint, NoProgress, StreamSpec
from crmkit.sdk.http import HttpClient, JsonPage
from crmkit.testing.contract import AdapterContract, ContractSource, RunStoppedError, stopping
from crmkit.testing.loopback import LoopbackServer, Request, Response

if TYPE_CHECKING:
    from collections.abc import Iterator

    from crmkit.sdk.adapter import Progress

TOKEN = "tok-0123456789abcdef"  # noqa: S105 - the fake API's token
WRONG = "tok-wrong-fedcba9876"


class Settings(Schema):
    """A paged JSON API, and which fault to have."""

    base_url = fields.String(required=True)
    token = fields.String(required=True)
    page_size = fields.Integer(load_default=2)
    fault = fields.String(load_default=None)


class PagedAdapter(Adapter):
    """Reads ``/customers?limit=N&after=C``; ``fault`` switches on one kind of bug."""

    name = "paged"
    config_schema = Settings
    streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("customers"),)

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[Any]:  # noqa: ARG002
        """Yield the customers after ``cursor``, a checkpoint a page (unless faulty)."""
        fault = self.config["fault"]
        limit = 100 if fault == "one_page" else self.config["page_size"]
        after = None if fault == "ignores_cursor" else cursor
        while True:
            page = self._page(limit, after, fault)
            for raw in page.items:
                yield self._item(bytes(raw).decode(), fault)
            if page.next is not None:
                after = str(page.next)
                if fault == "unstable_payload":  # re-reads the page's last record
                    yield Checkpoint(str(int(after) - 1))
                elif fault != "checkpoint_at_end":
                    yield Checkpoint(after)
            if page.next is None or len(page.items) < limit:
                break
        if fault == "checkpoint_at_end":
            yield Checkpoint(after)

    def _page(self, limit: int, after: str | None, fault: str | None) -> JsonPage:
        client = HttpClient(
            self.source,
            base_url=self.config["base_url"],
            headers={"Authorization": f"Bearer {self.config['token']}"},
        )
        try:
            page: JsonPage = client.get_json(
                "/customers", {"limit": limit, "after": after}, shape=JsonPage
            )
        except PermanentError as exc:
            if fault == "secret_in_error":
                raise AdapterError(self.source, f"{exc} with {self.config['token']}") from exc
            if fault == "retried_auth":
                raise TransientError(self.source, str(exc)) from exc
            raise
        return page

    def _item(self, raw: str, fault: str | None) -> RawItem:
        data = msgspec.json.decode(raw)
        if "id" not in data:
            if fault == "drops_bad_records":
                return RawItem(raw="{}", data=None, position="?", error="bad")
            return RawItem(raw=raw, data=None, position="?", error="id: missing")
        record = {"external_id": str(data["id"]), "name": data["name"]}
        if fault == "unstable_payload":
            again = msgspec.json.encode({**data, "read_at": time.perf_counter_ns()}).decode()
            return RawItem(raw=again, data=record, position=f"id {data['id']}")
        return RawItem(raw=raw, data=record, position=f"id {data['id']}")


class FakeApi:
    """The API ``PagedAdapter`` reads, on loopback."""

    def __init__(self, server: LoopbackServer, count: int) -> None:
        self.server = server
        self.rows = [{"id": n, "name": f"Customer {n}"} for n in range(1, count + 1)]
        server.route("GET", "/customers", self.page)

    def page(self, request: Request) -> Response:
        """Answer one page after ``after``."""
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Response.json({"error": "invalid token"}, status=401)
        limit, after = int(request.query["limit"]), int(request.query.get("after", "0"))
        rows = [r for n, r in enumerate(self.rows, start=1) if n > after][:limit]
        last = after + len(rows)
        return Response.json({"items": rows, "next": str(last) if rows else None})

    def source(self, **changes: Any) -> ContractSource:
        """Return the contract's view of a source on this API."""
        settings = {"base_url": self.server.url, "token": TOKEN, **changes}
        return ContractSource(
            settings,
            where=self.server.host,
            secret=changes.get("token"),
            pages=lambda: len(self.server.requests_to("/customers")),
        )


class Contract(AdapterContract):
    """The contract applied to ``PagedAdapter`` (not collected: no ``Test`` prefix)."""

    adapter_class = PagedAdapter


@attrs.define
class Fixtures:
    """Stands in for pytest's ``request``: the contract asks it for its fixtures by name."""

    values: dict[str, ContractSource]

    def getfixturevalue(self, name: str) -> ContractSource:
        """Return the fixture value called ``name``."""
        return self.values[name]


@pytest.fixture
def api() -> Iterator[FakeApi]:
    """Serve five customers on loopback."""
    with LoopbackServer() as server:
        yield FakeApi(server, 5)


def paging(api: FakeApi, tmp_path, **changes: Any) -> None:
    """Run the paging check on a source with ``changes``."""
    fixtures = Fixtures({"contract_source": api.source(**changes)})
    Contract().test_every_record_is_read_across_pages_exactly_once(fixtures, tmp_path)


def resume(api: FakeApi, tmp_path, **changes: Any) -> None:
    """Run the resume check on a source with ``changes``."""
    fixtures = Fixtures({"contract_source": api.source(**changes)})
    Contract().test_a_stopped_run_resumes_from_the_stored_cursor(fixtures, tmp_path)


def dead_letter(api: FakeApi, tmp_path, **changes: Any) -> None:
    """Run the dead-letter check with the third customer missing its id."""
    del api.rows[2]["id"]
    source = attrs.evolve(api.source(**changes), malformed="Customer 3")
    Contract().test_a_malformed_record_becomes_a_dead_letter(
        Fixtures({"malformed_source": source}), tmp_path
    )


def auth(api: FakeApi, caplog, **changes: Any) -> None:
    """Run the auth check with a wrong token."""
    fixtures = Fixtures({"rejecting_source": api.source(token=WRONG, **changes)})
    Contract().test_refused_credentials_name_the_source_and_hide_the_secret(fixtures, caplog)


def test_a_correct_adapter_passes_every_check(api, tmp_path, caplog):
    """Paging, resume, dead letter and auth all hold for the adapter without faults."""
    paging(api, tmp_path / "paging")
    resume(api, tmp_path / "resume")
    dead_letter(api, tmp_path / "dead")
    auth(api, caplog)


def test_paging_catches_an_adapter_that_ignores_the_page_size(api, tmp_path):
    """Reading everything in one request is caught by the pages the peer served."""
    with pytest.raises(AssertionError, match="1 pages served for 5 records at 2 a page"):
        paging(api, tmp_path, fault="one_page")


def test_resume_catches_an_adapter_that_checkpoints_only_at_the_end(api, tmp_path):
    """A stop half-way would lose the work: the checkpoint must come after each page."""
    with pytest.raises(AssertionError, match="the first checkpoint came only after every record"):
        resume(api, tmp_path, fault="checkpoint_at_end")


def test_resume_catches_an_adapter_that_ignores_the_cursor(api, tmp_path):
    """Starting over reads every record again."""
    with pytest.raises(AssertionError, match="read 5 of 5 records: it started over"):
        resume(api, tmp_path, fault="ignores_cursor")


def test_resume_catches_a_payload_that_changes_from_read_to_read(api, tmp_path):
    """A record read again at the cursor must not come back as a second version."""
    with pytest.raises(AssertionError, match=r"Counter\("):
        resume(api, tmp_path, fault="unstable_payload")


def test_dead_letter_catches_an_adapter_that_loses_the_raw_payload(api, tmp_path):
    """The dead letter must keep what the peer sent."""
    with pytest.raises(AssertionError, match=r"raw payload kept: '\{\}'"):
        dead_letter(api, tmp_path, fault="drops_bad_records")


def test_auth_catches_a_secret_in_the_message(api, caplog):
    """The wrong token must not be shown."""
    with pytest.raises(AssertionError, match="the secret shows"):
        auth(api, caplog, fault="secret_in_error")


def test_auth_catches_refused_credentials_that_would_be_retried(api, caplog):
    """Credentials will not get better by waiting: a transient error is wrong."""
    with pytest.raises(AssertionError, match="refused credentials would be retried"):
        auth(api, caplog, fault="retried_auth")


class NotApplicable(AdapterContract):
    """Declares the paging check not applicable, and names a check that does not exist."""

    adapter_class = PagedAdapter
    not_applicable: ClassVar[dict[str, str]] = {"paging": "a webhook receiver reads nothing"}


def test_a_check_declared_not_applicable_is_skipped_with_its_reason(tmp_path):
    """The reason is the skip message; other checks still run."""
    fixtures = Fixtures({})
    with pytest.raises(pytest.skip.Exception, match="paging does not apply to paged: a webhook"):
        NotApplicable().test_every_record_is_read_across_pages_exactly_once(fixtures, tmp_path)
    with pytest.raises(KeyError, match="contract_source"):
        NotApplicable().test_a_stopped_run_resumes_from_the_stored_cursor(fixtures, tmp_path)


def test_an_unknown_check_name_fails_clearly(tmp_path):
    """A typo in not_applicable would silently run the check: it fails, listing the names."""

    class Typo(AdapterContract):
        adapter_class = PagedAdapter
        not_applicable: ClassVar[dict[str, str]] = {"pageing": "typo"}

    with pytest.raises(pytest.fail.Exception, match=r"unknown check.*pageing.*paging, resume"):
        Typo().test_every_record_is_read_across_pages_exactly_once(Fixtures({}), tmp_path)


def test_the_plugin_check_is_skipped_without_a_plugin():
    """Naming no plugin skips the registration check, saying how to enable it."""
    with pytest.raises(pytest.skip.Exception, match="set plugin to the module"):
        Contract().test_the_plugin_registers_the_adapter()


def test_a_stopping_adapter_stops_after_the_first_checkpoint_with_items(api):
    """The wrapper yields up to the first checkpoint following an item, then raises."""
    adapter = stopping(PagedAdapter)("s", {"base_url": api.server.url, "token": TOKEN})
    assert adapter.name == "paged"
    assert isinstance(adapter, PagedAdapter)
    seen: list[Any] = []
    with pytest.raises(RunStoppedError, match=r"stopped after the first checkpoint \(2 items\)"):
        seen.extend(adapter.read("customers", None, NoProgress()))
    assert [getattr(i, "cursor", "item") for i in seen] == ["item", "item", "2"]
