"""Per-customer facts read from the database aggregates, the input of every rule."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.analytics.queries import interaction_facts, order_facts, order_id_ranges, tune

if TYPE_CHECKING:
    from crmkit.analytics.settings import AnalyticsSettings
    from crmkit.store.database import Database

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_OLDEST = dt.datetime.min.replace(tzinfo=dt.UTC)
#: The order id ranges aggregated at once, each on its own connection.
ORDER_PARTS = 1


def money(value: Any) -> Decimal:
    """Return ``value`` (a SQL sum: Decimal, float or int) as Decimal rounded to cents."""
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return Decimal(str(value or 0)).quantize(CENT)


def _aware(value: Any) -> dt.datetime | None:
    """Return a timestamp from an aggregate as aware UTC (SQLite returns text or naive)."""
    if value is None:
        return None
    when: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


@attrs.frozen
class CustomerFacts:
    """What the database knows about one customer's business in one currency.

    ``currency`` is ``None`` for a customer with interactions but no priced orders. Money is
    net: ``revenue`` excludes cancelled and returned orders, ``returned_value`` sums returns.
    ``before`` is the revenue of the customers ranked above in the same currency and
    ``total`` the currency's revenue (the Pareto curve); ``r``, ``f``, ``m`` are RFM
    quintiles, 5 best (0 when the customer has no orders). ``bought_before`` and
    ``bought_since``: whether they ordered in the year before last, and in the last year.
    """

    customer_id: int
    name: str
    currency: str | None
    orders: int = 0
    revenue: Decimal = ZERO
    returns: int = 0
    returned_value: Decimal = ZERO
    first_order: dt.datetime | None = None
    last_order: dt.datetime | None = None
    recent_revenue: Decimal = ZERO
    prior_revenue: Decimal = ZERO
    year_revenue: Decimal = ZERO
    total: Decimal = ZERO
    before: Decimal = ZERO
    r: int = 0
    f: int = 0
    m: int = 0
    interactions: int = 0
    call_seconds: int = 0
    complaints: int = 0
    bought_before: bool = False
    bought_since: bool = False

    @property
    def rfm(self) -> str:
        """Return the RFM score as three digits, e.g. ``"545"``."""
        return f"{self.r}{self.f}{self.m}"

    def rhythm_days(self) -> float | None:
        """Return the customer's usual days between orders, or None with fewer than two."""
        if self.orders < 2 or self.first_order is None or self.last_order is None:  # noqa: PLR2004
            return None
        return (self.last_order - self.first_order).total_seconds() / 86400 / (self.orders - 1)


def _quintiles(rows: list[dict[str, Any]], key: Any, name: str) -> None:
    """Set ``row[name]`` to the 1-5 quintile of ``key(row)``, as SQL ``NTILE(5)`` would."""
    ordered = sorted(rows, key=key)
    size, extra = divmod(len(ordered), 5)
    position = 0
    for tile in range(1, 6):
        count = size + (1 if tile <= extra else 0)
        for row in ordered[position : position + count]:
            row[name] = tile
        position += count


def _rank(rows: list[dict[str, Any]]) -> None:
    """Set the Pareto ``total`` and ``before`` and the RFM quintiles, per currency."""
    by_currency: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_currency.setdefault(row["currency"], []).append(row)
    for group in by_currency.values():
        total = sum((row["revenue"] for row in group), ZERO)
        before = ZERO
        for row in sorted(group, key=lambda r: (-r["revenue"], r["customer_id"])):
            row["total"], row["before"] = total, before
            before += row["revenue"]
        _quintiles(group, lambda r: (r["last_order"] or _OLDEST, r["customer_id"]), "r")
        _quintiles(group, lambda r: (r["orders"], r["customer_id"]), "f")
        _quintiles(group, lambda r: (r["revenue"], r["customer_id"]), "m")


_SUMS = (
    "orders",
    "revenue",
    "returns",
    "returned_value",
    "recent_revenue",
    "prior_revenue",
    "year_revenue",
)


def _combine(into: dict[str, Any], part: dict[str, Any]) -> None:
    """Add a partial row of the same customer and currency (another order id range)."""
    for name in _SUMS:
        into[name] += part[name]
    for name, pick in (("first_order", min), ("last_order", max)):
        known = [v for v in (into[name], part[name]) if v is not None]
        into[name] = pick(known) if known else None
    into["bought_before"] |= part["bought_before"]
    into["bought_since"] |= part["bought_since"]


def _order_part(
    database: Database, settings: AnalyticsSettings, now: dt.datetime, ids: tuple[int, int]
) -> list[dict[str, Any]]:
    """Return the partial order facts of the orders with ids in ``ids``."""
    with database.connect() as conn:
        return [
            {
                "customer_id": row.customer_id,
                "name": row.name,
                "currency": row.currency,
                "orders": int(row.orders),
                "revenue": money(row.revenue),
                "returns": int(row.returns),
                "returned_value": money(row.returned_value),
                "first_order": _aware(row.first_order),
                "last_order": _aware(row.last_order),
                "recent_revenue": money(row.recent_revenue),
                "prior_revenue": money(row.prior_revenue),
                "year_revenue": money(row.year_revenue),
                "bought_before": bool(row.bought_before),
                "bought_since": bool(row.bought_since),
            }
            for row in tune(conn).execute(order_facts(settings, now, ids))
        ]


def order_rows(
    database: Database,
    settings: AnalyticsSettings,
    now: dt.datetime,
    pool: concurrent.futures.Executor | None = None,
) -> list[dict[str, Any]]:
    """Return each customer's order facts per currency, ranked (Pareto, RFM) within currency.

    The orders are aggregated in ``ORDER_PARTS`` id ranges at once (on ``pool``'s threads,
    one connection each) and the partial facts combined: the database does the work on
    several cores, as PostgreSQL's parallel aggregation would.
    """
    with database.connect() as conn:
        ranges = order_id_ranges(conn, ORDER_PARTS)
    if pool is None:
        parts = [_order_part(database, settings, now, ids) for ids in ranges]
    else:
        futures = [pool.submit(_order_part, database, settings, now, ids) for ids in ranges]
        parts = [future.result() for future in futures]
    merged: dict[tuple[int, str], dict[str, Any]] = {}
    for part in parts:
        for row in part:
            key = (row["customer_id"], row["currency"])
            if key in merged:
                _combine(merged[key], row)
            else:
                merged[key] = row
    rows = list(merged.values())
    _rank(rows)
    return rows


def service_rows(
    database: Database, settings: AnalyticsSettings, now: dt.datetime
) -> dict[int, Any]:
    """Return each customer's service load row (interactions, call seconds, complaints)."""
    with database.connect() as conn:
        rows = tune(conn).execute(interaction_facts(settings, now))
        return {row.customer_id: row for row in rows}


def load_facts(
    database: Database,
    settings: AnalyticsSettings,
    now: dt.datetime,
    *,
    service: bool = True,
) -> list[CustomerFacts]:
    """Return every customer's facts: one per currency ordered in, or one without orders.

    Aggregate queries run at once, each on its own connection: orders per customer and
    currency (in ``ORDER_PARTS`` id ranges, combined), and the service load per customer
    (skipped when ``service`` is False), repeated on each of a customer's currency rows.
    Ranking the per-customer aggregates (Pareto, RFM) is done here.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=ORDER_PARTS + 1) as pool:
        served = pool.submit(service_rows, database, settings, now) if service else None
        rows = order_rows(database, settings, now, pool)
        load = served.result() if served is not None else {}
    found: list[CustomerFacts] = []
    seen: set[int] = set()
    for row in sorted(rows, key=lambda r: (r["currency"], -r["revenue"], r["customer_id"])):
        seen.add(row["customer_id"])
        extra = load.get(row["customer_id"])
        found.append(
            CustomerFacts(
                **row,
                interactions=int(extra.interactions) if extra else 0,
                call_seconds=int(extra.call_seconds) if extra else 0,
                complaints=int(extra.complaints) if extra else 0,
            )
        )
    found.extend(
        CustomerFacts(
            customer_id=customer_id,
            name=row.name,
            currency=None,
            interactions=int(row.interactions),
            call_seconds=int(row.call_seconds),
            complaints=int(row.complaints),
        )
        for customer_id, row in sorted(load.items())
        if customer_id not in seen
    )
    return found


def estimated_retention(facts: list[CustomerFacts]) -> float | None:
    """Return the share of last-but-one year's buyers who bought again within the last year."""
    before = {f.customer_id for f in facts if f.bought_before}
    kept = {f.customer_id for f in facts if f.bought_before and f.bought_since}
    return len(kept) / len(before) if before else None
