"""Customer card and order tracking latency on a large store, SQLite and PostgreSQL.

Usage::

    python benchmarks/card.py [--scale 1.0] [--db sqlite|postgresql|both] [--pg-url URL]
                              [--lookups 2000] [--seed S]

At scale 1 the store holds 100,000 customers (each with one source identity, a phone and an
e-mail), 1,000,000 orders (a third of them also known under a second system's number),
3,000,000 order events (a carrier's tracking number on each shipment) and 1,000,000
interactions; ``--scale 0.1`` is a quick run. Orders, events and interactions are linked to
their customers the three ways crmkit supports: by source identity, by phone only, by e-mail
only.

**Loading is not what is measured.** Going through ingest and projection would take far
longer than the lookups, so the benchmark writes the projection tables (``orders``,
``order_refs``, ``order_groups``, ``order_events``, ``interactions``) and the customer
projection (``customers``, ``customer_identities``, ``customer_keys``) directly in bulk,
with one placeholder source record per stream for their ``record_id``; the projection mark
is set past it. Then it runs ``ANALYZE`` and measures, through the public API on a fresh
:class:`crmkit.Crmkit`:

- **card by phone**: ``crm.cards(phone=...)`` for random customers, the phone written as a
  person would type it (``8 (916) ...``): the lookup, the customer, the address history,
  every order with its events and anomalies, the interactions, the timeline, the hooks;
- **track by any number**: ``crm.track(number)`` with, in turn, an order's own number, its
  other system's number, and a shipment's tracking number.

Each kind of lookup is warmed up with 200 calls first (a service answering calls runs
continuously), then timed over ``--lookups`` calls. It prints p50 and p99 in milliseconds
and passes when the SQLite card p99 is under 20 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest import scratch_database

import crmkit
from crmkit.services.orders import PROJECTION_MARK
from crmkit.store.tables import (
    customer_identities,
    customer_keys,
    customers,
    interactions,
    order_events,
    order_groups,
    order_refs,
    orders,
    source_records,
    state,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import sqlalchemy as sa

TARGET_P99_MS = 20.0
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CUSTOMERS, ORDERS, EVENTS, INTERACTIONS = 100_000, 1_000_000, 3_000_000, 1_000_000
CHUNK = 20_000
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
STATUSES = ("confirmed", "paid", "shipped", "in_transit", "delivered")
WORDS = {"confirmed": "Согласован", "shipped": "Отгружен", "delivered": "Вручен"}


def log(message: str) -> None:
    """Print a progress line to stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def phone_of(customer: int) -> str:
    """Return customer ``customer``'s phone in E.164."""
    return f"+7916{customer:07d}"


# generating the store ------------------------------------------------------------------------


def customer_rows(n: int, rng: random.Random) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Yield chunks of rows for ``customers``, ``customer_identities``, ``customer_keys``."""
    for start in range(0, n, CHUNK):
        chunk: dict[str, list[dict[str, Any]]] = {"customers": [], "identities": [], "keys": []}
        for i in range(start, min(n, start + CHUNK)):
            cid = i + 1
            street = rng.choice(("Ленина", "Мира", "Садовая", "Тверская"))
            golden = {
                "contact_points": [
                    {"kind": "phone", "raw": phone_of(i), "value": phone_of(i), "problem": None},
                    {
                        "kind": "email",
                        "raw": f"c{i}@example.ru",
                        "value": f"c{i}@example.ru",
                        "problem": None,
                    },
                ],
                "addresses": [{"line": f"ул. {street}, д. {i % 200 + 1}", "city": "Москва"}],
                "identifiers": {},
                "birth_date": None,
                "attributes": {},
                "problems": [],
            }
            chunk["customers"].append(
                {
                    "id": cid,
                    "kind": "person",
                    "name": f"Клиент {i}",
                    "golden": golden,
                    "merged_into": None,
                    "created_at": T0,
                    "updated_at": T0,
                }
            )
            chunk["identities"].append(
                {"source": "erp", "external_id": f"C{i:07d}", "customer_id": cid, "record_id": 1}
            )
            chunk["keys"].append({"kind": "phone", "value": phone_of(i), "customer_id": cid})
            chunk["keys"].append({"kind": "email", "value": f"c{i}@example.ru", "customer_id": cid})
        yield chunk


def order_rows(
    n_orders: int, n_customers: int, events_per_order: int, rng: random.Random
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Yield chunks of rows for ``order_groups``, ``orders``, ``order_refs``, ``order_events``."""
    for start in range(0, n_orders, CHUNK):
        chunk: dict[str, list[dict[str, Any]]] = {
            "groups": [],
            "orders": [],
            "refs": [],
            "events": [],
        }
        for j in range(start, min(n_orders, start + CHUNK)):
            gid = j + 1
            customer = rng.randrange(n_customers)
            placed = T0 + dt.timedelta(minutes=j % 400_000)
            link = j % 10
            source, number = ("shop", f"{j}") if j % 2 else ("1c", f"{j:011d}")
            status = STATUSES[min(events_per_order, len(STATUSES)) - 1]
            chunk["groups"].append(
                {
                    "id": gid,
                    "status": status,
                    "status_word": status,
                    "status_at": placed + dt.timedelta(days=events_per_order),
                    "placed_at": placed,
                }
            )
            chunk["orders"].append(
                {
                    "id": gid,
                    "source": source,
                    "external_id": f"{source}-{j}",
                    "record_id": 2,
                    "order_group": gid,
                    "number": number,
                    "customer_source": "erp" if link < 6 else None,
                    "customer_external_id": f"C{customer:07d}" if link < 6 else None,
                    "contact_name": None,
                    "contact_phone": phone_of(customer) if 6 <= link < 9 else None,
                    "contact_email": f"c{customer}@example.ru" if link == 9 else None,
                    "placed_at": placed,
                    "currency": "RUB",
                    "total": f"{rng.randrange(100, 99999)}.00",
                    "status": None,
                    "status_word": None,
                    "status_at": placed,
                    "shipping_address": {"line": "ул. Ленина, д. 1", "city": "Москва"},
                    "lines": [
                        {
                            "sku": "A-1",
                            "name": "Чайник",
                            "quantity": "2",
                            "price": "750.00",
                            "currency": "RUB",
                        }
                    ],
                }
            )
            chunk["refs"].append({"source": source, "number": number, "order_group": gid})
            if j % 3 == 0:
                chunk["refs"].append({"source": "sap", "number": f"45{j:08d}", "order_group": gid})
            for k in range(events_per_order):
                word = STATUSES[k % len(STATUSES)]
                by_number = k % 3 == 2
                shipped = word == "shipped"
                chunk["events"].append(
                    {
                        "source": "cdek" if shipped else source,
                        "external_id": f"e-{j}-{k}",
                        "record_id": 3,
                        "order_source": source,
                        "order_external_id": None if by_number else f"{source}-{j}",
                        "order_number": number if by_number else None,
                        "status": word,
                        "status_word": WORDS.get(word, word),
                        "occurred_at": placed + dt.timedelta(days=k + 1),
                        "carrier": "CDEK" if shipped else None,
                        "tracking_number": f"10{j:09d}" if shipped else None,
                        "location": None,
                        "note": None,
                    }
                )
        yield chunk


def interaction_rows(
    n: int, n_customers: int, rng: random.Random
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Yield chunks of ``interactions`` rows: a third each by identity, phone, e-mail."""
    for start in range(0, n, CHUNK):
        rows = []
        for j in range(start, min(n, start + CHUNK)):
            customer = rng.randrange(n_customers)
            link = j % 3
            rows.append(
                {
                    "source": "pbx",
                    "external_id": f"call-{j}",
                    "record_id": 4,
                    "channel": rng.choice(("phone", "phone", "email", "chat")),
                    "direction": "in",
                    "occurred_at": T0 + dt.timedelta(minutes=j % 500_000),
                    "duration_seconds": 60,
                    "customer_source": "erp" if link == 0 else None,
                    "customer_external_id": f"C{customer:07d}" if link == 0 else None,
                    "phone": phone_of(customer) if link == 1 else None,
                    "email": f"c{customer}@example.ru" if link == 2 else None,
                    "subject": "где мой заказ?",
                    "agent": "Ольга",
                    "outcome": "answered",
                    "order_number": None,
                    "csat": rng.choice((None, 4, 5)),
                    "nps": None,
                }
            )
        yield {"interactions": rows}


# loading ---------------------------------------------------------------------------------------


def _copy(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` with PostgreSQL COPY (JSON columns as text)."""
    columns = list(rows[0])
    driver: Any = conn.connection.driver_connection
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                    for v in (row[c] for c in columns)
                ]
            )


def insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table``: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    else:
        conn.execute(table.insert(), rows)


def load(url: str, scale: float, seed: int) -> dict[str, int]:
    """Fill the database at ``url`` with the benchmark's store; return the row counts."""
    rng = random.Random(seed)
    n_customers = max(10, int(CUSTOMERS * scale))
    n_orders = max(10, int(ORDERS * scale))
    n_interactions = max(10, int(INTERACTIONS * scale))
    per_order = EVENTS // ORDERS
    crm = crmkit.open(url, entrypoints=False)
    engine = crm.database.engine
    counts = {
        "customers": n_customers,
        "orders": n_orders,
        "events": n_orders * per_order,
        "interactions": n_interactions,
    }
    with engine.begin() as conn:
        insert(
            conn,
            source_records,
            [
                {
                    "id": i,
                    "source": "bench",
                    "stream": stream,
                    "external_id": "bulk-load",
                    "version": 1,
                    "payload": "{}",
                    "record": None,
                    "payload_hash": "0" * 32,
                    "received_at": T0,
                }
                for i, stream in enumerate(
                    ("customers", "orders", "order_events", "interactions"), 1
                )
            ],
        )
    started = time.perf_counter()
    for chunk in customer_rows(n_customers, rng):
        with engine.begin() as conn:
            insert(conn, customers, chunk["customers"])
            insert(conn, customer_identities, chunk["identities"])
            insert(conn, customer_keys, chunk["keys"])
    log(f"  {n_customers:,} customers in {time.perf_counter() - started:.0f} s")
    done = 0
    for chunk in order_rows(n_orders, n_customers, per_order, rng):
        with engine.begin() as conn:
            insert(conn, order_groups, chunk["groups"])
            insert(conn, orders, chunk["orders"])
            insert(conn, order_refs, chunk["refs"])
            insert(conn, order_events, chunk["events"])
        done += len(chunk["orders"])
        if done % 200_000 == 0:
            log(f"  {done:,} orders ({time.perf_counter() - started:.0f} s)")
    for chunk in interaction_rows(n_interactions, n_customers, rng):
        with engine.begin() as conn:
            insert(conn, interactions, chunk["interactions"])
    with engine.begin() as conn:
        conn.execute(state.insert(), {"name": PROJECTION_MARK, "value": "4"})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    log(f"  loaded in {time.perf_counter() - started:.0f} s")
    crm.close()
    return counts


# measuring -------------------------------------------------------------------------------------


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    """Return ``repeat`` wall times of ``call`` in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentiles(times: list[float]) -> tuple[float, float]:
    """Return p50 and p99 of ``times``."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def measure(url: str, counts: dict[str, int], lookups: int, seed: int) -> dict[str, Any]:
    """Return card and tracking latencies, and what the cards held, on a fresh crmkit."""
    rng = random.Random(seed + 1)
    crm = crmkit.open(url, entrypoints=False, default_region="RU")
    n_customers, n_orders = counts["customers"], counts["orders"]
    sizes: list[tuple[int, int]] = []

    def card() -> None:
        i = rng.randrange(n_customers)
        raw = f"8 (916) {i // 10000:03d}-{i // 100 % 100:02d}-{i % 100:02d}"
        [found] = crm.cards(phone=raw)
        sizes.append((len(found["orders"]), len(found["interactions"])))

    numbers: list[str] = []

    def track() -> None:
        j = rng.randrange(n_orders)
        kind = len(numbers) % 3
        if kind == 0:
            number = f"{j}" if j % 2 else f"{j:011d}"
        elif kind == 1:
            j -= j % 3
            number = f"45{j:08d}"
        else:
            number = f"10{j:09d}"
        numbers.append(number)
        [order] = crm.track(number)
        if not order.events:
            raise SystemExit(f"order {number} has no events")

    timed(card, min(200, lookups))
    sizes.clear()
    card_times = timed(card, lookups)
    timed(track, min(200, lookups))
    track_times = timed(track, lookups)
    crm.close()
    return {
        "card": percentiles(card_times),
        "track": percentiles(track_times),
        "orders per card": statistics.mean(s[0] for s in sizes),
        "interactions per card": statistics.mean(s[1] for s in sizes),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100k customers, 1M orders")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("CRMKIT_TEST_PG_URL") or DEFAULT_PG_URL)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261123)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 when the SQLite card p99 is under the target."""
    args = parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            with scratch_database(kind, "card", Path(tmp), args.pg_url) as url:
                log(f"{kind}: loading the store (bulk, straight into the projection tables)")
                counts = load(url, args.scale, args.seed)
                log(f"{kind}: measuring {args.lookups:,} cards and {args.lookups:,} trackings")
                results[kind] = (counts, measure(url, counts, args.lookups, args.seed))
    print("Loaded in bulk straight into the projection tables (not through ingest).")
    ok = True
    for kind, (counts, result) in results.items():
        card_p50, card_p99 = result["card"]
        track_p50, track_p99 = result["track"]
        print(
            f"\n{kind}: {counts['customers']:,} customers, {counts['orders']:,} orders, "
            f"{counts['events']:,} events, {counts['interactions']:,} interactions"
        )
        print(
            f"  card by phone      p50 {card_p50:6.2f} ms   p99 {card_p99:6.2f} ms   "
            f"({result['orders per card']:.1f} orders, "
            f"{result['interactions per card']:.1f} interactions a card)"
        )
        print(f"  track by any number p50 {track_p50:5.2f} ms   p99 {track_p99:6.2f} ms")
        if kind == "sqlite":
            ok = card_p99 < TARGET_P99_MS
            print(f"  target: card p99 < {TARGET_P99_MS} ms on SQLite: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
