"""docs/upgrading.md, followed step by step on a database at the oldest schema revision.

The database is built at revision 0001 with the rows crmkit wrote then (versioned source
records, golden customers, identities, lookup keys, a dead letter), by reflecting that
revision's tables. It is then upgraded exactly as the page says: check the revision, back up,
``crmkit init``, tell crmkit each old source's phone region, ``crmkit resolve``; and every
row is checked to have survived and to work with today's crmkit. A failed upgrade is
provoked too, and undone as the page says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from click.testing import CliRunner

import crmkit
from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager
from crmkit.store import Database

DOC = Path(__file__).resolve().parents[2] / "docs" / "upgrading.md"
OLDEST = "0001"
AT = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)

ROMASHKA_V1 = {
    "external_id": "c-1",
    "kind": "organization",
    "name": "ООО «Ромашка»",
    "phones": ["8 (495) 123-45-67"],
    "emails": ["zakaz@romashka.ru"],
    "identifiers": {"inn": "7707083893"},
}
ROMASHKA_V2 = {**ROMASHKA_V1, "addresses": [{"city": "Москва", "line": "Тверская ул., 7"}]}
ANNA = {
    "external_id": "c-2",
    "kind": "person",
    "name": "Смирнова Анна Викторовна",
    "phones": ["8 903 765-43-21"],
    "emails": ["anna.smirnova@example.ru"],
}
PETR = {"external_id": "wc-7", "kind": "person", "name": "Petr Ivanov", "phones": ["+79161112233"]}
BAD_LINE = '{"external_id": "wc-8", "name": '


def digest(text):
    """Return the payload hash crmkit has always stored: BLAKE2b, 16 bytes, as hex."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def payload(record):
    """Return a record as ``ingest_customers`` stored it: compact JSON, the text as given."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def phone(raw, value):
    """Return a golden contact point of revision 0001's document."""
    return {"kind": "phone", "raw": raw, "value": value, "problem": None}


def email(value):
    """Return a golden e-mail contact point of revision 0001's document."""
    return {"kind": "email", "raw": value, "value": value, "problem": None}


def golden(points, *, identifiers=None, addresses=()):
    """Return a golden record as revision 0001 stored it in ``customers.golden``."""
    return {
        "contact_points": points,
        "addresses": list(addresses),
        "identifiers": identifiers or {},
        "birth_date": None,
        "attributes": {},
        "problems": [],
    }


CUSTOMERS = [
    # (identity, record versions, kind, name, golden, lookup keys)
    (
        ("erp", "c-1"),
        [ROMASHKA_V1, ROMASHKA_V2],
        "organization",
        "ООО «Ромашка»",
        golden(
            [phone("8 (495) 123-45-67", "+74951234567"), email("zakaz@romashka.ru")],
            identifiers={"inn": "7707083893"},
            addresses=[{"line": "Тверская ул., 7", "city": "Москва"}],
        ),
        [("phone", "+74951234567"), ("email", "zakaz@romashka.ru"), ("id:inn", "7707083893")],
    ),
    (
        ("erp", "c-2"),
        [ANNA],
        "person",
        "Смирнова Анна Викторовна",
        golden([phone("8 903 765-43-21", "+79037654321"), email("anna.smirnova@example.ru")]),
        [("phone", "+79037654321"), ("email", "anna.smirnova@example.ru")],
    ),
    (
        ("shop", "wc-7"),
        [PETR],
        "person",
        "Petr Ivanov",
        golden([phone("+79161112233", "+79161112233")]),
        [("phone", "+79161112233")],
    ),
]


def build_oldest_database(url):
    """Create the schema at revision 0001 and fill it as crmkit of that revision did.

    Returns ``{identity: customer id}``.
    """
    old = Database(url)
    old.migrate(OLDEST)
    tables = sa.MetaData()
    tables.reflect(old.engine)
    records, customers = tables.tables["source_records"], tables.tables["customers"]
    ids = {}
    with old.engine.begin() as conn:
        for identity, versions, kind, name, document, keys in CUSTOMERS:
            for version, record in enumerate(versions, start=1):
                text = payload(record)
                record_id = conn.execute(
                    records.insert().values(
                        source=identity[0],
                        stream="customers",
                        external_id=identity[1],
                        version=version,
                        payload=text,
                        record=None,
                        payload_hash=digest(text),
                        received_at=AT + dt.timedelta(days=version),
                    )
                ).inserted_primary_key[0]
            customer_id = conn.execute(
                customers.insert().values(
                    kind=kind, name=name, golden=document, created_at=AT, updated_at=AT
                )
            ).inserted_primary_key[0]
            ids[identity] = customer_id
            conn.execute(
                tables.tables["customer_identities"]
                .insert()
                .values(
                    source=identity[0],
                    external_id=identity[1],
                    customer_id=customer_id,
                    record_id=record_id,
                )
            )
            conn.execute(
                tables.tables["customer_keys"].insert(),
                [{"kind": k, "value": v, "customer_id": customer_id} for k, v in keys],
            )
        conn.execute(
            tables.tables["dead_letters"]
            .insert()
            .values(
                source="shop",
                stream="customers",
                position="line 3",
                raw=BAD_LINE,
                raw_hash=digest(BAD_LINE),
                reason="not valid JSON: unexpected end of data",
                status="open",
                created_at=AT,
            )
        )
    old.dispose()
    return ids


def crmkit_command(*args):
    """Run the ``crmkit`` command line (built-in plugins only); return its output."""
    pm = get_plugin_manager(entrypoints=False)
    result = CliRunner().invoke(build_cli(pm), list(args), obj=pm)
    assert result.exit_code == 0, result.output
    return result.output


def back_up(url, tmp_path):
    """Back the database up as the page says; return the backup's URL, or None without a tool.

    SQLite: the online backup API (what ``sqlite3 crm.db .backup`` does), never a file copy.
    PostgreSQL: ``pg_dump --format=custom``.
    """
    database = sa.make_url(url)
    if database.get_backend_name() == "sqlite":
        backup = tmp_path / "crm-before-upgrade.db"
        with sqlite3.connect(database.database) as source, sqlite3.connect(backup) as target:
            source.backup(target)
        return f"sqlite:///{backup}"
    if shutil.which("pg_dump") is None:
        return None
    dump = tmp_path / "crm-before-upgrade.dump"
    plain = database.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", plain],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert dump.stat().st_size > 0
    return None


def test_the_page_names_the_commands_this_test_runs_and_every_revision():
    """The steps below are the page's; its revision table and example output are current."""
    page = DOC.read_text(encoding="utf-8")
    for step in (
        "crmkit --db sqlite:///crm.db init",
        ".backup",
        "pg_dump --format=custom",
        "set_source_region",
        "crmkit --db sqlite:///crm.db resolve",
    ):
        assert step in page, step
    config = Config()
    config.set_main_option("script_location", str(resources.files("crmkit.store") / "migrations"))
    script = ScriptDirectory.from_config(config)
    for revision in script.walk_revisions():
        assert f"\n| {revision.revision} | " in page, f"no row for revision {revision.revision}"
    shown = re.findall(r"schema upgraded from 0001 to revision (\w+)", page)
    assert shown == [script.get_current_head()]


def test_a_database_at_the_oldest_revision_upgrades_with_every_row_kept(database_url, tmp_path):
    """0001 → head by the documented steps; records, customers, keys, dead letters survive."""
    ids = build_oldest_database(database_url)

    # 1. Where is the database?
    database = Database(database_url)
    assert database.current_revision() == OLDEST
    head = database.head_revision()
    database.dispose()

    # 2. Back up.
    backup = back_up(database_url, tmp_path)
    if backup is not None:
        saved = Database(backup)
        assert saved.current_revision() == OLDEST
        with saved.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM source_records")) == 4
        saved.dispose()

    # 3. Upgrade the schema.
    upgraded = crmkit_command("--db", database_url, "init")
    assert upgraded.endswith(f"schema upgraded from {OLDEST} to revision {head}\n")
    assert crmkit_command("--db", database_url, "init").endswith(
        f"schema is up to date (revision {head})\n"
    )

    with crmkit.open(database_url, entrypoints=False) as crm:
        # The old customers are found at once, through the lookup keys they were stored with.
        [romashka] = crm.find_customers(phone="+7 495 123-45-67")
        assert romashka.id == ids["erp", "c-1"]
        assert [a.city for a in romashka.addresses] == ["Москва"]
        assert [d.raw for d in crm.dead_letters()] == [BAD_LINE]
        versions = crm.records.records("erp", "c-1")
        assert [(r.version, json.loads(r.payload)) for r in versions] == [
            (1, ROMASHKA_V1),
            (2, ROMASHKA_V2),
        ]

        # 4. Tell crmkit the phone region of each source whose numbers lack a country code.
        crm.set_source_region("erp", "RU")

    # 5. Resolve once: the first run after an upgrade from 0001 or 0002 is a full one.
    crmkit_command("--db", database_url, "resolve")

    with crmkit.open(database_url, entrypoints=False) as crm:
        assert crm.resolve().mode == "unchanged"
        assert crm.count_customers() == 3
        for identity, customer_id in ids.items():
            [found] = crm.find_customers(identity=identity)
            assert found.id == customer_id
        card = crm.card(
            phone="8 903 765 43 21",
        )
        assert card["customer"]["id"] == ids["erp", "c-2"]
        assert card["identities"] == [{"source": "erp", "external_id": "c-2"}]
        assert card["contacts"]["emails"] == ["anna.smirnova@example.ru"]
        assert card["problems"] == []

        # The old records are recognised: the same export again stores nothing new.
        again = crm.ingest_customers("erp", [ROMASHKA_V2, ANNA])
        assert (again.unchanged, again.new, again.changed) == (2, 0, 0)

        # New data links to the old customers and keeps their ids.
        crm.ingest_customers(
            "1c",
            [{"external_id": "k-9", "name": "Romashka LLC", "identifiers": {"inn": "7707083893"}}],
        )
        crm.ingest_interactions(
            "pbx",
            [
                {
                    "external_id": "call-1",
                    "channel": "phone",
                    "direction": "in",
                    "occurred_at": "2026-12-01T10:00:00+03:00",
                    "customer": {"phones": ["+74951234567"]},
                }
            ],
        )
        card = crm.card(inn="7707083893")
    assert card["customer"]["id"] == ids["erp", "c-1"]
    assert {(i["source"], i["external_id"]) for i in card["identities"]} == {
        ("erp", "c-1"),
        ("1c", "k-9"),
    }
    assert [i["channel"] for i in card["interactions"]] == ["phone"]


def test_without_the_region_the_old_national_numbers_are_flagged(tmp_path):
    """Skipping step 4 is visible: numbers written ``8 (495) ...`` cannot be read any more."""
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    build_oldest_database(url)
    crmkit_command("--db", url, "init")
    crmkit_command("--db", url, "resolve")
    with crmkit.open(url, entrypoints=False) as crm:
        [anna] = crm.find_customers(identity=("erp", "c-2"))
    assert anna.phones() == []
    assert anna.problems


def test_a_failed_upgrade_leaves_postgresql_as_it_was_and_sqlite_to_its_backup(
    database_url, tmp_path
):
    """What step 3 warns of: PostgreSQL rolls a failed upgrade back; SQLite needs the backup.

    The failure is provoked by a table in the way of revision 0003's ``record_keys``.
    """
    build_oldest_database(database_url)
    backup = back_up(database_url, tmp_path)
    database = Database(database_url)
    with database.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE record_keys (in_the_way INTEGER)"))
    database.dispose()
    pm = get_plugin_manager(entrypoints=False)
    failed = CliRunner().invoke(build_cli(pm), ["--db", database_url, "init"], obj=pm)
    assert failed.exit_code != 0
    database = Database(database_url)
    assert database.current_revision() == OLDEST
    if database.is_postgresql:
        assert "decisions" not in set(database.iter_tables())
        with database.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE record_keys"))
    else:
        assert "decisions" in set(database.iter_tables())  # half-upgraded: restore the backup
        path = Path(sa.make_url(database_url).database)
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(sa.make_url(backup).database, path)
    database.dispose()
    crmkit_command("--db", database_url, "init")
    with crmkit.open(database_url, entrypoints=False) as crm:
        assert crm.count_customers() == 3
        assert len(crm.records.records("erp", "c-1")) == 2
