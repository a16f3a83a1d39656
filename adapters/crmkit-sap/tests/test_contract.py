"""The SAP adapter against crmkit's adapter contract (customers: GETLIST pages over SOAP)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import pytest
from crmkit_sap import SapAdapter

from crmkit.testing.contract import AdapterContract, ContractSource

if TYPE_CHECKING:
    from sap_server import FakeSap


def _customers(sap: FakeSap, count: int) -> list[str]:
    """Give the loopback SAP ``count`` customers (KNA1 numbers 100101...); return the numbers."""
    numbers = [f"{100101 + n:010d}" for n in range(count)]
    sap.data["customers"] = {
        number: (
            {
                "TITLE": "Company",
                "NAME": f"ООО «Ромашка-{n}»",
                "CITY": "Москва",
                "COUNTRY": "RU",
                "COUNTRYISO": "RU",
                "TELEPHONE": f"+7 495 123-45-{n:02d}",
                "E_MAIL": f"info{n}@romashka.ru",
            },
            {"ACCNT_GRP": "0001"},
        )
        for n, number in enumerate(numbers)
    }
    return numbers


class TestSapContract(AdapterContract):
    """Customers are read in GETLIST pages of ``page_size``, each customer's GETDETAIL2.

    The contract looks its fixtures up as each check runs, so they cannot be parametrized:
    this class reads the SOAMANAGER (mc) WSDL, its subclass the RFC SOAP handler's.
    """

    adapter_class = SapAdapter
    plugin = "crmkit_sap.plugin"
    stream = "customers"

    @pytest.fixture
    def style(self) -> str:
        """Return the WSDL style of this run: SOAMANAGER's."""
        return "mc"

    def _source(self, sap: FakeSap, settings: dict[str, Any], **changes: Any) -> ContractSource:
        return ContractSource(
            {**settings, "page_size": self.page_size, **changes},
            where=sap.url.removeprefix("http://"),
            secret=changes.get("password"),
            pages=lambda: len(sap.called("BAPI_CUSTOMER_GETLIST")),
            peer=sap,
        )

    @pytest.fixture
    def contract_source(self, sap: FakeSap, settings: dict[str, Any]) -> ContractSource:
        """Return a source on a SAP holding ``records`` customers."""
        _customers(sap, self.records)
        return self._source(sap, settings)

    @pytest.fixture
    def malformed_source(self, sap: FakeSap, settings: dict[str, Any]) -> ContractSource:
        """Return a source on a SAP whose third customer GETDETAIL2 cannot find."""
        numbers = _customers(sap, self.records)
        sap.data["customers"][numbers[2]] = None
        return attrs.evolve(self._source(sap, settings), malformed=numbers[2])

    @pytest.fixture
    def rejecting_source(self, sap: FakeSap, settings: dict[str, Any]) -> ContractSource:
        """Return a source whose password SAP refuses."""
        _customers(sap, self.records)
        return self._source(sap, settings, password="Wrong#2026-pa55")  # noqa: S106


class TestSapRfcContract(TestSapContract):
    """The same contract through the RFC SOAP handler's WSDL (/sap/bc/soap/rfc)."""

    @pytest.fixture
    def style(self) -> str:
        """Return the WSDL style of this run: the RFC SOAP handler's."""
        return "rfc"
