"""The 1C OData adapter against crmkit's adapter contract (counterparties, $top/$skip pages)."""

from __future__ import annotations

import importlib.util
import os
import threading
import urllib.parse
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pytest
from crmkit_1c.commerceml import CommerceMLAdapter
from crmkit_1c.odata import ODataAdapter
from crmkit_1c.soap import SoapAdapter

from crmkit.testing.contract import AdapterContract, ContractSource

if TYPE_CHECKING:
    from collections.abc import Iterator

    from conftest import FakeOneC

COUNTERPARTIES = "Catalog_Контрагенты"
EMPTY_REF = "00000000-0000-0000-0000-000000000000"


def _counterparties(state: FakeOneC, count: int) -> list[dict[str, Any]]:
    """Publish ``count`` organisations as 1C's counterparty catalog; return the rows."""
    rows = [
        {
            "Ref_Key": f"3f7b2c1e-5a1d-11ee-8c99-{n:012d}",
            "DeletionMark": False,
            "IsFolder": False,
            "Code": f"{n:09d}",
            "Description": f"Ромашка-{n} ООО",
            "ИНН": "",
            "ЮрФизЛицо": "ЮрЛицо",
            "КонтактнаяИнформация": [],
        }
        for n in range(1, count + 1)
    ]
    state.publish(COUNTERPARTIES, rows)
    return rows


class TestODataContract(AdapterContract):
    """Counterparties are read in pages of ``page_size`` with a ``$skip`` cursor."""

    adapter_class = ODataAdapter
    plugin = "crmkit_1c.plugin"
    stream = "customers"

    def _source(self, one_c: tuple[FakeOneC, str], **changes: Any) -> ContractSource:
        state, url = one_c
        settings = {
            "url": url,
            "username": state.user,
            "password": state.password,
            "page_size": self.page_size,
            "partner_contacts": False,
            "http_retries": 0,
            **changes,
        }
        return ContractSource(
            settings,
            where=url.removeprefix("http://"),
            secret=changes.get("password"),
            pages=lambda: sum(COUNTERPARTIES in urllib.parse.unquote(r) for r in state.requests),
            peer=state,
        )

    @pytest.fixture
    def contract_source(self, one_c: tuple[FakeOneC, str]) -> ContractSource:
        """Return a source on a 1C publishing ``records`` counterparties."""
        _counterparties(one_c[0], self.records)
        return self._source(one_c)

    @pytest.fixture
    def malformed_source(self, one_c: tuple[FakeOneC, str]) -> ContractSource:
        """Return a source on a 1C whose third counterparty has an empty reference."""
        rows = _counterparties(one_c[0], self.records)
        rows[2].update(Ref_Key=EMPTY_REF, Description="Сломанный контрагент")
        return attrs.evolve(self._source(one_c), malformed="Сломанный контрагент")

    @pytest.fixture
    def rejecting_source(self, one_c: tuple[FakeOneC, str]) -> ContractSource:
        """Return a source whose password 1C refuses."""
        _counterparties(one_c[0], self.records)
        return self._source(one_c, password="неверный-пароль-2026")  # noqa: S106


def _cml_files(folder: Path, parties: list[str], per_file: int) -> None:
    """Write CommerceML files of ``per_file`` counterparties each, oldest first by mtime."""
    folder.mkdir(exist_ok=True)
    for number, start in enumerate(range(0, len(parties), per_file), start=1):
        path = folder / f"to_site_{number}.xml"
        body = "\n".join(parties[start : start + per_file])
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-11-05T10:00:00">\n'
            f"<Контрагенты>\n{body}\n</Контрагенты>\n</КоммерческаяИнформация>\n",
            encoding="utf-8",
        )
        os.utime(path, ns=(1_700_000_000_000_000_000 + number, 1_700_000_000_000_000_000 + number))


def _party(n: int) -> str:
    """Return a CommerceML counterparty element."""
    return (
        f"<Контрагент><Ид>c{n}</Ид><Наименование>Ромашка-{n} ООО</Наименование>"
        "<Роль>Покупатель</Роль></Контрагент>"
    )


class TestCommerceMLContract(AdapterContract):
    """Files of a folder are read oldest first, with a checkpoint after each file."""

    adapter_class = CommerceMLAdapter
    plugin = "crmkit_1c.plugin"
    stream = "customers"
    not_applicable: ClassVar[dict[str, str]] = {
        "auth": "reads local files: no credentials (1C's exchange with a site: test_exchange.py)",
    }

    def _source(self, folder: Path) -> ContractSource:
        return ContractSource({"path": str(folder)}, where=str(folder))

    @pytest.fixture
    def contract_source(self, tmp_path: Path) -> ContractSource:
        """Return a source on a folder of files, ``page_size`` counterparties in each."""
        parties = [_party(n) for n in range(1, self.records + 1)]
        _cml_files(tmp_path / "exchange", parties, self.page_size)
        return self._source(tmp_path / "exchange")

    @pytest.fixture
    def malformed_source(self, tmp_path: Path) -> ContractSource:
        """Return a source whose third counterparty has no Ид."""
        parties = [_party(n) for n in range(1, self.records + 1)]
        parties[2] = "<Контрагент><Наименование>Без Ид ООО</Наименование></Контрагент>"
        _cml_files(tmp_path / "exchange", parties, self.page_size)
        return attrs.evolve(self._source(tmp_path / "exchange"), malformed="Без Ид ООО")


def _soap_fakes() -> ModuleType:
    """Import test_soap.py, which plays the reference 1C web service, under its own name."""
    spec = importlib.util.spec_from_file_location(
        "contract_soap_fakes", Path(__file__).with_name("test_soap.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _soap_parties(count: int) -> list[dict[str, Any]]:
    """Return ``count`` counterparties of the web service, changed a day apart."""
    return [
        {
            "Ref": f"3f7b2c1e-5a1d-11ee-8c99-{n:012d}",
            "DeletionMark": "false",
            "Code": f"{n:09d}",
            "Description": f"Ромашка-{n} ООО",
            "FullName": None,
            "LegalKind": "ЮрЛицо",
            "INN": None,
            "KPP": None,
            "Phone": [],
            "Email": [],
            "Address": [],
            "Changed": f"2026-11-{n:02d}T10:00:00",
        }
        for n in range(1, count + 1)
    ]


@attrs.frozen
class SoapService:
    """The fake web service: test_soap.py's module, its state, and its URL."""

    fakes: ModuleType
    state: Any
    url: str


class TestSoapContract(AdapterContract):
    """Counterparties changed since the cursor, ``limit`` a call, through zeep."""

    adapter_class = SoapAdapter
    plugin = "crmkit_1c.plugin"
    stream = "customers"

    @pytest.fixture
    def service(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[SoapService]:
        """Serve the reference web service holding ``records`` counterparties."""
        fakes = _soap_fakes()
        monkeypatch.setattr(fakes, "COUNTERPARTIES", _soap_parties(self.records))
        state = fakes.FakeService()
        server = ThreadingHTTPServer(("127.0.0.1", 0), fakes._handler(state))
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield SoapService(
                fakes, state, f"http://127.0.0.1:{server.server_address[1]}/trade/ws/crmkit.1cws"
            )
        finally:
            server.shutdown()
            server.server_close()

    def _source(self, service: SoapService, **changes: Any) -> ContractSource:
        settings = {
            "url": service.url,
            "username": service.fakes.USER,
            "password": service.fakes.PASSWORD,
            "limit": self.page_size,
            "http_retries": 0,
            **changes,
        }
        return ContractSource(
            settings,
            where=service.url.removeprefix("http://").split("/")[0],
            secret=changes.get("password"),
            pages=lambda: len(service.state.calls),
        )

    @pytest.fixture
    def contract_source(self, service: SoapService) -> ContractSource:
        """Return a source on a service holding ``records`` counterparties."""
        return self._source(service)

    @pytest.fixture
    def malformed_source(self, service: SoapService) -> ContractSource:
        """Return a source on a service whose third counterparty has no Ref."""
        service.fakes.COUNTERPARTIES[2].update(Ref="", Description="Без ссылки")
        return attrs.evolve(self._source(service), malformed="Без ссылки")

    @pytest.fixture
    def rejecting_source(self, service: SoapService) -> ContractSource:
        """Return a source whose password the service refuses."""
        return self._source(service, password="неверный-пароль-2026")  # noqa: S106
