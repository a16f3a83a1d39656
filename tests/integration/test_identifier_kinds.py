"""Identifier kinds of one's own (``register_identifier_kinds``) through the store.

A registered kind links records in full and incremental runs; the kinds a run used are
remembered, so installing or removing such a plugin makes the next run full (the stored
blocking keys of every record depend on the kinds). SQLite and PostgreSQL.
"""

from __future__ import annotations

import crmkit
from crmkit.identity.features import BUILTIN_IDENTIFIER_KINDS
from crmkit.services.resolution import KINDS_STATE


class ClubCards:
    """Registers the ``club_card`` kind: one card number is one customer."""

    @crmkit.hookimpl
    def register_identifier_kinds(self, register):
        """Declare ``club_card``."""
        register("club_card")


SHOP_ANNA = {
    "external_id": "b-1",
    "name": "Анна",
    "emails": ["anna.s@mail.ru"],
    "identifiers": {"club_card": "5127"},
}
POS_ANNA = {
    "external_id": "r-1",
    "name": "Смирнова А. В.",
    "phones": ["+7 916 200-30-40"],
    "identifiers": {"club_card": "5127"},
}
#: Customers the card has nothing to do with, so that one new record is a small change.
OTHERS = [
    {"external_id": f"c-{n}", "kind": "person", "name": name, "phones": [phone]}
    for n, (name, phone) in enumerate(
        [
            ("Сидорова Анна Викторовна", "+7 903 111-22-33"),
            ("Кузнецов Игорь Павлович", "+7 903 222-33-44"),
            ("Смирнов Олег Игоревич", "+7 903 333-44-55"),
        ]
    )
]


def anna_apart(crm):
    """Return True when the shop's and the till's Anna are two customers."""
    [shop] = crm.find_customers(identity=("shop", "b-1"))
    [pos] = crm.find_customers(identity=("pos", "r-1"))
    return shop.id != pos.id


def test_a_registered_kind_links_a_record_arriving_in_an_incremental_run(open_crm):
    """The till's record finds the shop buyer by the card number kept in the stored keys."""
    crm = open_crm(plugins=(ClubCards(),), default_region="RU")
    crm.ingest_customers("shop", [SHOP_ANNA, *OTHERS])
    crm.ingest_customers("pos", [POS_ANNA], resolve=False)
    assert crm.resolve().mode == "incremental"
    assert not anna_apart(crm)
    stored = crm.resolution_store.state(KINDS_STATE)
    assert stored == crm.identifier_kinds().fingerprint() != BUILTIN_IDENTIFIER_KINDS.fingerprint()


def test_installing_and_removing_a_kind_plugin_makes_the_next_run_full(open_crm):
    """Without the plugin Anna is two customers; with it the next run is full and joins her."""
    plain = open_crm(default_region="RU")
    plain.ingest_customers("shop", [SHOP_ANNA, *OTHERS])
    plain.ingest_customers("pos", [POS_ANNA])
    assert anna_apart(plain)
    assert plain.resolve().mode == "unchanged"
    assert plain.resolution_store.state(KINDS_STATE) == BUILTIN_IDENTIFIER_KINDS.fingerprint()

    plugged = open_crm(plugins=(ClubCards(),), default_region="RU")
    assert plugged.resolve().mode == "full"
    assert not anna_apart(plugged)
    assert plugged.resolve().mode == "unchanged"

    removed = open_crm(default_region="RU")
    assert removed.resolve().mode == "full"
    assert anna_apart(removed)
