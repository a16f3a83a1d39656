"""Failures: RETURN errors, SOAP faults, HTTP 401/500, a slow server, hostile XML, config."""

from __future__ import annotations

import pytest
from crmkit_sap import SapAdapter
from sap_server import PASSWORD

from crmkit.errors import ConfigError, PermanentError, TransientError
from crmkit.sdk.adapter import NoProgress


def _read(adapter, stream="customers"):
    return list(adapter.read(stream, None, NoProgress()))


def test_a_return_error_is_raised_with_sap_own_message(make_adapter):
    """A RETURN of type E from BAPI_SALESORDER_GETLIST stops the stream with SAP's words."""
    with pytest.raises(
        PermanentError, match=r"SAP says: Sales organization 9999 is not defined \[E VR032\]"
    ):
        _read(make_adapter(sales_organization="9999"), "orders")


def test_http_401_names_the_endpoint_and_never_the_password(make_adapter, sap):
    """Refused credentials are a permanent error naming where; the password is not shown."""
    with pytest.raises(PermanentError, match="credentials refused by SAP at") as caught:
        _read(make_adapter(password="wrong"))  # noqa: S106 - a wrong password on purpose
    assert PASSWORD not in str(caught.value)
    sap.mode = "401"
    with pytest.raises(PermanentError, match="HTTP 401"):
        make_adapter().check()


def test_http_500_without_soap_body_is_transient(make_adapter, sap):
    """An HTML 500 from the ICM is transient, so the engine retries it."""
    adapter = make_adapter()
    adapter.client.operations()
    sap.mode = "500"
    with pytest.raises(TransientError, match="HTTP 500: 500 Internal Server Error"):
        _read(adapter)


def test_soap_faults_are_transient_for_server_and_permanent_for_client(make_adapter, sap):
    """A soap-env:Server fault may pass; a soap-env:Client fault will not."""
    adapter = make_adapter()
    adapter.client.operations()
    sap.mode = "fault-server"
    with pytest.raises(TransientError, match="SOAP fault Server: Web service processing error"):
        _read(adapter)
    sap.mode = "fault-client"
    with pytest.raises(PermanentError, match="Deserialisation failed") as caught:
        _read(adapter)
    assert "CX_ST_MATCH_ELEMENT" in str(caught.value)
    assert not isinstance(caught.value, TransientError)


def test_a_slow_server_times_out_as_a_transient_error(make_adapter, sap):
    """No answer within ``timeout`` seconds is a transient error naming the operation.

    The timeout also bounds loading the WSDL first, so it leaves room for a loaded machine
    (0.3 s once failed that way under the parallel test run); the answer comes 3 s late.
    """
    adapter = make_adapter(timeout=1.0)
    adapter.client.operations()
    sap.mode, sap.delay = "slow", 3.0
    with pytest.raises(TransientError, match=r"SAP did not answer .* within 1 s"):
        _read(adapter)


def test_an_entity_bomb_in_an_answer_is_refused(make_adapter, sap):
    """An answer declaring entities is refused before anything is expanded."""
    adapter = make_adapter()
    adapter.client.operations()
    sap.mode = "bomb"
    with pytest.raises(PermanentError, match="refused: the answer declares a DTD or entities"):
        _read(adapter)


def test_a_wsdl_with_entities_is_refused(tmp_path):
    """A WSDL file carrying a DTD cannot be loaded."""
    wsdl = tmp_path / "evil.wsdl"
    wsdl.write_text(
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/">&x;</definitions>'
    )
    adapter = SapAdapter("sap", {"wsdl": str(wsdl)})
    with pytest.raises(PermanentError, match="cannot be used"):
        adapter.check()


def test_an_unreachable_server_is_transient(make_adapter, sap):
    """A refused connection is transient and names the address."""
    adapter = make_adapter()
    adapter.client.operations()
    sap.stop()
    with pytest.raises(TransientError, match=r"cannot connect to SAP at http://127\.0\.0\.1"):
        _read(adapter)


def test_a_bapi_missing_from_the_wsdl_is_named(tmp_path, make_adapter):
    """Orders need BAPI_SALESORDER_GETLIST; a WSDL without it says what it does offer."""
    adapter = make_adapter()
    adapter.client.operations().pop("BAPISALESORDERGETLIST")
    with pytest.raises(PermanentError, match="no configured WSDL offers BAPI_SALESORDER_GETLIST"):
        _read(adapter, "orders")


def test_bad_settings_are_refused_naming_the_key():
    """The config schema names the key and the problem."""
    with pytest.raises(ConfigError, match="client: must be three digits"):
        SapAdapter("sap", {"wsdl": "x.wsdl", "client": "1"})
    with pytest.raises(ConfigError, match="password"):
        SapAdapter("sap", {"wsdl": "x.wsdl", "username": "U"})
    with pytest.raises(ConfigError, match="wsdl"):
        SapAdapter("sap", {})


def test_orders_need_a_sales_organisation(make_adapter):
    """Without sales_organization the orders stream says which setting is missing."""
    with pytest.raises(PermanentError, match="set 'sales_organization'"):
        _read(make_adapter(sales_organization=None), "orders")


def test_an_empty_selection_reported_as_an_error_ends_the_list(make_adapter, sap):
    """Some releases answer an empty IDRANGE selection with RETURN E: that is the end."""
    sap.mode = "empty-is-error"
    read = list(make_adapter().read("customers", None, NoProgress()))
    assert len([i for i in read if getattr(i, "data", None)]) == 4
    assert list(make_adapter().read("customers", "0000100099", NoProgress())) == []


def test_orders_sap_refuses_for_one_customer_are_a_dead_letter(make_adapter, sap):
    """After a customer answered, a RETURN error for another is that customer's dead letter."""
    sap.refuse_orders_of = {"0000100002"}
    items = [i for i in _read(make_adapter(), "orders") if hasattr(i, "error")]
    refused = [i for i in items if i.error and "customer 100002" in i.error]
    assert len(refused) == 1
    assert refused[0].error.startswith("orders of customer 100002: ")
    assert refused[0].error.endswith(
        "SAP says: Customer 100002 has not been created for sales organization 1000 [E VS011]"
    )
    assert {i.data["external_id"] for i in items if i.data} == {"4711"}


def test_a_dead_letter_whose_raw_text_is_not_xml_stays_a_dead_letter(make_adapter):
    """Reparse of text that is not XML answers with the reason, not an exception."""
    again = make_adapter().reparse("orders", "<SalesOrder><item>", "page 1 customer 3")
    assert again.data is None
    assert again.error.startswith("not well-formed XML")
