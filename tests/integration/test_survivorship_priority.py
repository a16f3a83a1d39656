"""Survivorship honours the sources' priorities: the higher-priority source's value wins.

On SQLite and PostgreSQL, in full and incremental runs, with priorities set through the API
and through ``priority`` in ``crmkit.toml``; a changed priority takes effect in the next run.
"""

from __future__ import annotations

import json

from crmkit.config import load_config

ERP_IVANOV = {
    "external_id": "c-1",
    "kind": "person",
    "name": "Иванов Пётр",
    "phones": ["+7 916 555-12-34"],
    "updated_at": "2026-01-10T09:00:00+00:00",
}
SHOP_IVANOV = {
    "external_id": "b-77",
    "kind": "person",
    "name": "Petr Ivanov",
    "phones": ["8 916 555 12 34"],
    "updated_at": "2026-11-01T09:00:00+00:00",
}

#: Other ERP customers, so that one new shop buyer is a small change: an incremental run.
ERP_OTHERS = [
    {"external_id": f"c-{n}", "kind": "person", "name": name, "phones": [phone]}
    for n, (name, phone) in enumerate(
        [
            ("Сидорова Анна Викторовна", "+7 903 111-22-33"),
            ("Кузнецов Игорь Павлович", "+7 903 222-33-44"),
            ("Смирнова Ольга Игоревна", "+7 903 333-44-55"),
        ],
        start=2,
    )
]


def ivanov(crm):
    """Return the one customer holding both Ivanov records."""
    [customer] = crm.find_customers(identity=("1c", "c-1"))
    assert sorted(str(i) for i in customer.identities) == ["1c/c-1", "shop/b-77"]
    return customer


def test_the_erp_name_wins_over_a_newer_shop_name_in_a_full_run(crm):
    """ERP priority 30, shop 10: the ERP's name is golden though the shop's is newer."""
    crm.set_source_priority("1c", 30)
    crm.set_source_priority("shop", 10)
    crm.ingest_customers("1c", [ERP_IVANOV], resolve=False)
    crm.ingest_customers("shop", [SHOP_IVANOV], resolve=False)
    assert crm.resolve(full=True).mode == "full"
    assert ivanov(crm).name == "Иванов Пётр"


def test_the_erp_name_wins_in_an_incremental_run(crm):
    """The shop buyer arrives after the ERP customer was resolved; the ERP's name stays."""
    crm.set_source_priority("1c", 30)
    crm.set_source_priority("shop", 10)
    crm.ingest_customers("1c", [ERP_IVANOV, *ERP_OTHERS])
    crm.ingest_customers("shop", [SHOP_IVANOV], resolve=False)
    assert crm.resolve().mode == "incremental"
    assert ivanov(crm).name == "Иванов Пётр"


def test_without_priorities_the_newest_value_wins(crm):
    """No priorities: survivorship falls back to the newest record (the shop's)."""
    crm.ingest_customers("1c", [ERP_IVANOV])
    crm.ingest_customers("shop", [SHOP_IVANOV])
    assert ivanov(crm).name == "Petr Ivanov"


def test_a_changed_priority_alone_makes_the_next_run_full(crm):
    """Raising the ERP's priority with no new record rebuilds the golden records at once."""
    crm.ingest_customers("1c", [ERP_IVANOV, *ERP_OTHERS])
    crm.ingest_customers("shop", [SHOP_IVANOV])
    customer_id = ivanov(crm).id
    assert crm.resolve().mode == "unchanged"
    crm.set_source_priority("1c", 30)
    report = crm.resolve()
    assert report.mode == "full"
    assert ivanov(crm).name == "Иванов Пётр"
    assert ivanov(crm).id == customer_id
    assert crm.resolve().mode == "unchanged"


def test_the_priorities_of_crmkit_toml_reach_survivorship(crm, input_files):
    """``priority`` of each source in crmkit.toml: a sync resolves with the ERP's name."""
    input_files.jsonl("erp.jsonl", [ERP_IVANOV])
    input_files.jsonl("shop.jsonl", [SHOP_IVANOV])
    config_path = input_files.directory / "crmkit.toml"
    config_path.write_text(
        '[sources.1c]\nadapter = "jsonl"\npath = "erp.jsonl"\ndefault_region = "RU"\n'
        "priority = 30\n\n"
        '[sources.shop]\nadapter = "jsonl"\npath = "shop.jsonl"\ndefault_region = "RU"\n'
        "priority = 10\n",
        encoding="utf-8",
    )
    report = crm.sync(load_config(config_path))
    assert report.resolution is not None
    assert crm.source_priorities() == {"1c": 30, "shop": 10}
    assert ivanov(crm).name == "Иванов Пётр"
    stored = crm.resolution_store.state("resolution:source_priorities")
    assert json.loads(stored or "{}") == {"1c": 30, "shop": 10}
