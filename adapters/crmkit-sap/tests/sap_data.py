"""The loopback SAP's data: customers (KNA1), sales order item rows, delivery status rows.

Dates are relative to today, so the order window of every run covers them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def today() -> dt.date:
    """Return today in the SAP system's zone (Europe/Moscow in these tests)."""
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=3))).date()


def dataset() -> dict[str, Any]:
    """Return the SAP system's data: customers, sales order rows and delivery status rows."""
    entered = (today() - dt.timedelta(days=2)).isoformat()
    delivered = (today() - dt.timedelta(days=1)).isoformat()
    customers = {
        "0000100001": (
            {
                "TITLE": "Company",
                "NAME": "ООО «Ромашка»",
                "CITY": "Москва",
                "POSTL_COD1": "101000",
                "STREET": "ул. Ленина, д. 1",
                "COUNTRY": "RU",
                "COUNTRYISO": "RU",
                "REGION": "77",
                "TELEPHONE": "+7 495 123-45-67",
                "E_MAIL": "info@romashka.ru",
                "LANGU": "R",
            },
            {"ACCNT_GRP": "0001", "TAX_NO_1": "7707083893", "CREAT_DATE": "2019-03-01"},
        ),
        "0000100002": (
            {
                "TITLE": "Company",
                "NAME": "Müller Maschinenbau GmbH",
                "CITY": "Berlin",
                "POSTL_COD1": "10115",
                "STREET": "Invalidenstraße 12",
                "COUNTRY": "DE",
                "COUNTRYISO": "DE",
                "TELEPHONE": "+49 30 1234567",
                "E_MAIL": "einkauf@mueller.de",
            },
            {"ACCNT_GRP": "0001", "VAT_REG_NO": "DE136695976"},
        ),
        "0000100003": (
            {
                "TITLE": "Mr.",
                "NAME": "Ivan Petrov",
                "CITY": "Sankt-Peterburg",
                "COUNTRY": "RU",
                "COUNTRYISO": "RU",
                "TELEPHONE": "8 (916) 111-22-33",
                "E_MAIL": "",
            },
            {"ACCNT_GRP": "0002"},
        ),
        "0000100004": (
            {
                "TITLE": "Company",
                "NAME": "Vega Logistik AG",
                "NAME_2": "Niederlassung Wien",
                "CITY": "Wien",
                "POSTL_COD1": "1010",
                "COUNTRY": "AT",
                "COUNTRYISO": "AT",
            },
            {"ACCNT_GRP": "0001", "DEL_FLAG_G": "X"},
        ),
        "0000100099": None,
    }
    item = {"DOC_TYPE": "TA", "SALES_ORG": "1000", "DISTR_CHAN": "10", "DIVISION": "00"}
    orders = [
        {
            **item,
            "SD_DOC": "0000004711",
            "ITM_NUMBER": "000010",
            "MATERIAL": "000000000000004711",
            "SHORT_TEXT": "Насос центробежный",
            "DOC_DATE": entered,
            "REQ_QTY": "2.000",
            "SOLD_TO": "0000100001",
            "NAME": "ООО «Ромашка»",
            "NET_PRICE": "1250.00",
            "COND_P_UNT": "1",
            "NET_VAL_HD": "3100.00",
            "NET_VALUE": "2500.00",
            "CURRENCY": "RUB",
            "CURR_ISO": "RUB",
            "DLV_STAT_H": "B",
            "DLV_STAT_I": "C",
            "DOC_STATUS": "B",
            "PURCH_NO_C": "PO-2026-118",
            "SALES_UNIT": "ST",
        },
        {
            **item,
            "SD_DOC": "0000004711",
            "ITM_NUMBER": "000020",
            "MATERIAL": "SEAL-RING-40",
            "SHORT_TEXT": "Уплотнительное кольцо",
            "DOC_DATE": entered,
            "REQ_QTY": "1000.000",
            "SOLD_TO": "0000100001",
            "NAME": "ООО «Ромашка»",
            "NET_PRICE": "60.00",
            "COND_P_UNT": "100",
            "NET_VAL_HD": "3100.00",
            "NET_VALUE": "600.00",
            "CURRENCY": "RUB",
            "CURR_ISO": "RUB",
            "DLV_STAT_H": "B",
            "DLV_STAT_I": "A",
            "DOC_STATUS": "B",
            "PURCH_NO_C": "PO-2026-118",
            "SALES_UNIT": "ST",
        },
        {
            **item,
            "SD_DOC": "0000004712",
            "ITM_NUMBER": "000010",
            "MATERIAL": "000000000000000815",
            "SHORT_TEXT": "Ventil DN50",
            "DOC_DATE": entered,
            "REQ_QTY": "5.000",
            "SOLD_TO": "0000100002",
            "NAME": "Müller Maschinenbau GmbH",
            "NET_PRICE": "99.90",
            "COND_P_UNT": "1",
            "NET_VAL_HD": "499.50",
            "NET_VALUE": "499.50",
            "CURRENCY": "EUR",
            "CURR_ISO": "EUR",
            "DLV_STAT_H": "A",
            "DLV_STAT_I": "A",
            "DOC_STATUS": "A",
        },
        {
            **item,
            "SD_DOC": "0000004713",
            "ITM_NUMBER": "000010",
            "MATERIAL": "000000000000000816",
            "SHORT_TEXT": "Flansch",
            "DOC_DATE": entered,
            "REQ_QTY": "1.000",
            "SOLD_TO": "0000100003",
            "NAME": "Ivan Petrov",
            "NET_PRICE": "12,5O",
            "COND_P_UNT": "1",
            "NET_VAL_HD": "12.50",
            "NET_VALUE": "12.50",
            "CURRENCY": "RUB",
            "DLV_STAT_H": "A",
            "DOC_STATUS": "A",
        },
    ]
    statuses = {
        "0000004711": [
            {
                "DOC_NUMBER": "0000004711",
                "DOC_DATE": entered,
                "PRC_STAT_H": "B",
                "DLV_STAT_H": "B",
                "ITM_NUMBER": "000010",
                "MATERIAL": "000000000000004711",
                "DLV_STAT_I": "C",
                "DELIV_NUMB": "0080001234",
                "DELIV_ITEM": "000010",
                "DELIV_DATE": delivered,
                "DLV_QTY": "2.000",
                "CURRENCY": "RUB",
            },
            {
                "DOC_NUMBER": "0000004711",
                "DOC_DATE": entered,
                "PRC_STAT_H": "B",
                "DLV_STAT_H": "B",
                "ITM_NUMBER": "000020",
                "MATERIAL": "SEAL-RING-40",
                "DLV_STAT_I": "A",
                "CURRENCY": "RUB",
            },
        ],
        "0000004712": [
            {
                "DOC_NUMBER": "0000004712",
                "DOC_DATE": entered,
                "PRC_STAT_H": "A",
                "DLV_STAT_H": "A",
                "ITM_NUMBER": "000010",
                "DLV_STAT_I": "A",
                "CURRENCY": "EUR",
            },
        ],
        "0000004713": [],
    }
    return {"customers": customers, "orders": orders, "statuses": statuses}
