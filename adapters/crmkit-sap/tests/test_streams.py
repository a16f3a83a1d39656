"""The three streams against the loopback SAP, in both WSDL styles, through crmkit's engine."""

from __future__ import annotations

from crmkit.sdk.adapter import Checkpoint, NoProgress


def _items(adapter, stream, cursor=None):
    return [i for i in adapter.read(stream, cursor, NoProgress()) if not isinstance(i, Checkpoint)]


def test_customers_are_mapped_from_getdetail2_with_unpadded_numbers(make_adapter):
    """Each customer becomes a generic record; numbers lose their ALPHA padding."""
    items = _items(make_adapter(), "customers")
    records = {i.data["external_id"]: i.data for i in items if i.error is None}
    assert sorted(records) == ["100001", "100002", "100003", "100004"]
    romashka = records["100001"]
    assert romashka["name"] == "ООО «Ромашка»"
    assert romashka["kind"] == "organization"
    assert romashka["identifiers"] == {"inn": "7707083893"}
    assert romashka["addresses"] == [
        {
            "line": "ул. Ленина, д. 1",
            "city": "Москва",
            "region": "77",
            "postcode": "101000",
            "country": "RU",
        }
    ]
    assert romashka["attributes"]["sap_customer"] == "0000100001"
    assert records["100002"]["identifiers"] == {"vat": "DE136695976"}
    assert records["100003"]["kind"] == "person"
    assert records["100004"]["attributes"]["sap_deletion_flag"] is True
    assert "<" in items[0].raw
    assert "Customeraddress" in items[0].raw or "CUSTOMERADDRESS" in items[0].raw


def test_a_customer_sap_refuses_becomes_a_dead_letter_with_sap_words(make_adapter):
    """A RETURN of type E for one customer makes that customer, and only it, a dead letter."""
    items = _items(make_adapter(), "customers")
    (bad,) = [i for i in items if i.error]
    assert bad.data is None
    assert "customer 100099" in bad.error
    assert "SAP says: Customer 100099 has not been created [E F2 163]" in bad.error


def test_getlist_pages_with_maxrows_and_advances_the_range_low(make_adapter, sap):
    """Pages ask MAXROWS rows from the last number read on, and checkpoint after each page."""
    read = list(make_adapter().read("customers", None, NoProgress()))
    checkpoints = [i.cursor for i in read if isinstance(i, Checkpoint)]
    assert checkpoints == ["0000100002", "0000100004", "0000100099"]
    calls = sap.called("BAPI_CUSTOMER_GETLIST")
    lows = [c["IDRANGE"][0]["LOW"] for c in calls]
    assert lows == ["", "0000100002", "0000100004"]
    assert [c["MAXROWS"] for c in calls] == ["2", "3", "3"]
    assert {(c["IDRANGE"][0]["SIGN"], c["IDRANGE"][0]["OPTION"]) for c in calls} == {("I", "BT")}
    assert {c["IDRANGE"][0]["HIGH"] for c in calls} == {"ZZZZZZZZZZ"}
    assert all(set(c["IDRANGE"][0]) == {"SIGN", "OPTION", "LOW", "HIGH"} for c in calls)


def test_a_cursor_resumes_after_the_last_customer(make_adapter):
    """Reading from a committed cursor yields only the customers after it."""
    items = _items(make_adapter(), "customers", "0000100003")
    assert [i.data["external_id"] for i in items if i.data] == ["100004"]


def test_orders_aggregate_item_rows_into_one_order(make_adapter):
    """GETLIST rows of one SD_DOC become one order with lines, decimal strings and UTC time."""
    items = _items(make_adapter(), "orders")
    orders = {i.data["external_id"]: i.data for i in items if i.data}
    order = orders["4711"]
    assert order["number"] == "4711"
    assert order["customer"] == {"external_id": "100001", "name": "ООО «Ромашка»"}
    assert order["currency"] == "RUB"
    assert order["total"] == "3100.00"
    assert order["lines"] == [
        {"sku": "4711", "name": "Насос центробежный", "quantity": "2", "price": "1250.00"},
        {
            "sku": "SEAL-RING-40",
            "name": "Уплотнительное кольцо",
            "quantity": "1000",
            "price": "0.60",
        },
    ]
    assert order["placed_at"].endswith("T21:00:00Z")
    assert order["status"] == "shipped"
    assert orders["4712"]["status"] == "open"
    assert "<SalesOrder>" in items[0].raw


def test_an_order_with_a_malformed_amount_is_dead_lettered(make_adapter):
    """A NET_PRICE that is not a number makes that order a dead letter, not a crash."""
    (bad,) = [i for i in _items(make_adapter(), "orders") if i.error]
    assert bad.error == "order 4713: item 000010 NET_PRICE '12,5O' is not a number"
    assert "12,5O" in bad.raw


def test_orders_are_asked_per_customer_and_sales_organisation_by_entry_date(make_adapter, sap):
    """GETLIST is called with the padded customer, the sales organisation and the date window."""
    list(make_adapter(orders_since="2026-01-01").read("orders", None, NoProgress()))
    calls = sap.called("BAPI_SALESORDER_GETLIST")
    assert [c["CUSTOMERNUMBER"] for c in calls][:2] == ["0000100001", "0000100002"]
    assert {c["SALESORGANIZATION"] for c in calls} == {"1000"}
    assert {c["DOCUMENTDATE"] for c in calls} == {"2026-01-01"}
    assert {c["TRANSACTIONGROUP"] for c in calls} == {"0"}


def test_order_events_come_from_outbound_deliveries(make_adapter):
    """GETSTATUS rows with a delivery become one shipped event per delivery."""
    (event,) = [i.data for i in _items(make_adapter(), "order_events")]
    assert event["external_id"] == "4711/80001234"
    assert event["order"] == {"external_id": "4711"}
    assert event["status"] == "shipped"
    assert event["occurred_at"].endswith("T21:00:00Z")


def test_import_through_crmkit_stores_customers_and_dead_letters(crm, make_adapter):
    """Crmkit's import stores four customers and one dead letter with SAP's message."""
    outcome = crm.import_from(make_adapter(), "customers")
    assert outcome.dead_lettered == 1
    assert crm.count_customers() == 4
    (letter,) = crm.dead_letters()
    assert "has not been created" in letter.reason
    found = crm.find_customers(phone="+74951234567")
    assert [c.name for c in found] == ["ООО «Ромашка»"]


def test_a_dead_letter_is_mapped_again_from_its_raw_xml(make_adapter):
    """Reparse reads an order's raw XML back into the same record (or the same error)."""
    adapter = make_adapter()
    items = _items(adapter, "orders")
    good = next(i for i in items if i.data)
    again = adapter.reparse("orders", good.raw, "again")
    assert again.data == good.data
    customer = _items(adapter, "customers")[0]
    assert adapter.reparse("customers", customer.raw, None).data == customer.data


def test_without_getdetail2_customers_come_from_addressdata(make_adapter, caplog):
    """A WSDL without BAPI_CUSTOMER_GETDETAIL2 still gives customers, from ADDRESSDATA."""
    adapter = make_adapter()
    adapter.client.operations().pop("BAPICUSTOMERGETDETAIL2")
    items = _items(adapter, "customers")
    records = {i.data["external_id"]: i.data for i in items}
    assert records["100001"]["phones"] == ["+7 495 123-45-67"]
    assert records["100001"]["addresses"][0]["postcode"] == "101000"
    assert "100099" in records
    assert "ADDRESSDATA only" in caplog.text
    again = adapter.reparse("customers", items[0].raw, None)
    assert again.data == items[0].data


def test_warnings_in_return_are_logged_not_raised(make_adapter, sap, caplog):
    """A RETURN of type W is logged with SAP's words; the customer is still read."""
    sap.mode = "warn"
    caplog.set_level("INFO", logger="crmkit_sap")
    items = _items(make_adapter(), "customers")
    assert len([i for i in items if i.data]) == 4
    assert "is not defined in company code 1000 [W F2 104]" in caplog.text


def test_an_event_dead_letter_is_mapped_again(make_adapter):
    """A delivery event's raw rows, read again by reparse, give the same event."""
    adapter = make_adapter()
    (event,) = _items(adapter, "order_events")
    assert adapter.reparse("order_events", event.raw, "again").data == event.data
