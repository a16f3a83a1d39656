"""The demo's services load their data before they bind a port, and leave none bound on failure."""

from __future__ import annotations

import pytest

from crmkit.demo import stack
from crmkit.demo.services import bapi, one_c, sap, shop
from crmkit.testing.loopback import LoopbackServer


class BrokenData:
    """A data file whose text is not JSON (nor a WSDL)."""

    def joinpath(self, *_parts: str) -> BrokenData:
        """Return itself, wherever it is looked for."""
        return self

    def read_text(self, encoding: str = "utf-8") -> str:  # noqa: ARG002 - Traversable's signature
        """Return text no loader accepts."""
        return "{ broken"

    def read_bytes(self) -> bytes:
        """Return bytes no loader accepts."""
        return b"{ broken"


@pytest.fixture
def bound(monkeypatch: pytest.MonkeyPatch) -> list[LoopbackServer]:
    """Return the list of every loopback server that binds a port from now on."""
    servers: list[LoopbackServer] = []
    bind = LoopbackServer.__init__

    def record(self: LoopbackServer, **options: object) -> None:
        bind(self, **options)  # type: ignore[arg-type]
        servers.append(self)

    monkeypatch.setattr(LoopbackServer, "__init__", record)
    return servers


@pytest.mark.parametrize(
    ("module", "make"),
    [
        (sap, lambda: sap.SapService("pw")),
        (one_c, lambda: one_c.OneCService("pw")),
        (shop, lambda: shop.ShopService("ck_x", "cs_x")),
    ],
)
def test_a_service_whose_data_is_broken_binds_no_port(bound, monkeypatch, module, make):
    """Loading fails first, so no server socket is ever opened."""
    monkeypatch.setattr(module, "data_file", lambda *_parts: BrokenData())
    with pytest.raises((ValueError, SyntaxError)):
        make()
    assert bound == []


def test_the_stack_closes_the_ports_it_opened_when_a_later_service_fails(bound, monkeypatch):
    """SAP binds, then 1C's data is broken: SAP's port is closed again."""
    monkeypatch.setattr(one_c, "data_file", lambda *_parts: BrokenData())
    with pytest.raises(ValueError, match=r"."):
        stack.DemoStack()
    assert [server.name for server in bound] == ["crmkit-demo-sap"]
    assert bound[0]._server.socket.fileno() == -1


def test_the_stack_serves_when_every_service_loads(bound):
    """With good data every service binds once and the stack stops them all."""
    made = stack.DemoStack()
    try:
        assert sorted(server.name for server in bound) == [
            "crmkit-demo-1c",
            "crmkit-demo-sap",
            "crmkit-demo-shop",
        ]
    finally:
        made.stop()
    assert all(server._server.socket.fileno() == -1 for server in bound)


def test_the_bapi_helpers_answer_as_sap_does():
    """Ranges narrow and MAXROWS cuts the customer list; errors carry both code spellings."""
    numbers = ["0000100003", "0000100001", "0000100002", "0000200001"]
    ranges = [{"OPTION": "BT", "LOW": "0000100001", "HIGH": "0000199999"}]
    assert bapi.select_customers(numbers, ranges, "2") == ["0000100001", "0000100002"]
    assert bapi.select_customers(numbers, [{"OPTION": "EQ", "LOW": "0000200001"}], "") == [
        "0000200001"
    ]
    error = bapi.customer_not_created("0000100099")
    assert error["MESSAGE"] == "Customer 100099 has not been created"
    assert (error["CODE"], error["ID"], error["NUMBER"]) == ("F2163", "F2", "163")
    assert b"<faultcode>soap-env:Client</faultcode>" in bapi.fault("Client", "a < b")
    assert b"a &lt; b" in bapi.fault("Client", "a < b")
