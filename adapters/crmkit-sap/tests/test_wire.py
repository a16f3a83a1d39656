"""Unit-level facts: ALPHA conversion, naming styles, endpoint override, check, registration."""

from __future__ import annotations

from crmkit_sap.alpha import alpha_in, alpha_out
from crmkit_sap.reply import key
from crmkit_sap.wsdl_style import Style, effective_address

import crmkit
from crmkit.sdk.adapter import NoProgress


def test_alpha_pads_digits_and_keeps_other_numbers():
    """Digits are zero-padded to ten on the wire and shown without the padding."""
    assert alpha_in("100042") == "0000100042"
    assert alpha_in("CUST-01") == "CUST-01"
    assert alpha_out("0000100042") == "100042"
    assert alpha_out("0000000000") == "0"
    assert alpha_out("CUST-01") == "CUST-01"


def test_both_naming_styles_have_one_key():
    """SOAMANAGER's mixed case and the RFC names compare equal."""
    assert key("BapiCustomerGetlist") == key("BAPI_CUSTOMER_GETLIST")
    assert key("PostlCod1") == key("POSTL_COD1")
    assert key("EMail") == key("E_MAIL")


def test_the_endpoint_replaces_the_internal_host_and_keeps_the_path():
    """A host-only endpoint keeps the WSDL's path; sap-client is set as a query parameter."""
    address = "http://sapecc01.corp:8000/sap/bc/srt/rfc/sap/z/100/z/z"
    assert (
        effective_address(address, "https://sap.example.com:44300", "200")
        == "https://sap.example.com:44300/sap/bc/srt/rfc/sap/z/100/z/z?sap-client=200"
    )
    assert effective_address(address, "https://gw.example.com/sap/z", None) == (
        "https://gw.example.com/sap/z"
    )


def test_requests_go_to_the_endpoint_with_the_sap_client(make_adapter, sap, style):
    """Every SOAP call goes to the override endpoint with ?sap-client=100."""
    message = make_adapter().check()
    expected = Style.MC if style == "mc" else Style.RFC
    assert expected.value in message
    assert "customer 100001" in message
    posts = [path for method, path in sap.requests if method == "POST"]
    assert posts
    assert all(path.endswith("?sap-client=100") for path in posts)


def test_the_entry_point_registers_the_sap_adapter(tmp_path):
    """Installed, the distribution's entry point makes the adapter ``sap`` available."""
    with crmkit.open(f"sqlite:///{tmp_path / 'c.db'}", entrypoints=True) as crm:
        assert crm.adapters()["sap"].__module__ == "crmkit_sap.adapter"


def test_a_wsdl_file_and_a_list_of_wsdls_are_read(make_adapter, sap, tmp_path):
    """``wsdl`` takes a local file, or several WSDLs whose operations are joined."""
    from sap_server import WSDL_DIR

    one = make_adapter(wsdl=str(WSDL_DIR / "zcrmkit_crm_mc_style.wsdl"))
    assert "customer 100001" in one.check()
    both = make_adapter(
        wsdl=[str(WSDL_DIR / "bapi_rfc_style.wsdl"), str(WSDL_DIR / "zcrmkit_crm_mc_style.wsdl")]
    )
    assert len(both.client.operations()) == 4
    assert all(o.style is Style.RFC for o in both.client.operations().values())


def test_a_date_typed_as_eight_characters_is_sent_without_dashes(make_adapter, sap, tmp_path):
    """A WSDL declaring DOCUMENT_DATE as char8 gets 20260101, not 2026-01-01."""
    from sap_server import WSDL_DIR

    text = (WSDL_DIR / "bapi_rfc_style.wsdl").read_text(encoding="utf-8")
    text = text.replace(
        '<xsd:element name="DOCUMENT_DATE" type="s0:date10" minOccurs="0"/>',
        '<xsd:element name="DOCUMENT_DATE" type="s0:char8" minOccurs="0"/>',
    ).replace(
        '<xsd:simpleType name="char10">',
        '<xsd:simpleType name="char8"><xsd:restriction base="xsd:string">'
        '<xsd:maxLength value="8"/></xsd:restriction></xsd:simpleType>\n'
        '   <xsd:simpleType name="char10">',
    )
    wsdl = tmp_path / "dats_as_char8.wsdl"
    wsdl.write_text(text, encoding="utf-8")
    adapter = make_adapter(wsdl=str(wsdl), orders_since="2026-01-01")
    list(adapter.read("orders", None, NoProgress()))
    calls = sap.called("BAPI_SALESORDER_GETLIST")
    assert {c["DOCUMENTDATE"] for c in calls} == {"20260101"}
