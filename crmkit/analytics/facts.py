"""Per-customer facts read from the database aggregates, the input of every rule."""

from __future__ import annotations

import datetime as dt
import operator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.analytics.parallel import side_by_side
from crmkit.analytics.queries import interaction_facts, order_facts, order_rhythms, tune

if TYPE_CHECKING:
    import concurrent.futures

    from crmkit.analytics.settings import AnalyticsSettings
    from crmkit.store.database import Database

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_OLDEST = dt.datetime.min.replace(tzinfo=dt.UTC)
#: The shares of the customers whose orders are aggregated at once, each on its own connection.
ORDER_PARTS = 2


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


def _quintiles(ordered: list[dict[str, Any]], name: str) -> None:
    """Set ``row[name]`` to the 1-5 quintile of each row, worst first, as SQL ``NTILE(5)``."""
    size, extra = divmod(len(ordered), 5)
    position = 0
    for tile in range(1, 6):
        count = size + (1 if tile <= extra else 0)
        for row in ordered[position : position + count]:
            row[name] = tile
        position += count


def _last_order(row: dict[str, Any]) -> dt.datetime:
    return row["last_order"] or _OLDEST


_CUSTOMER = operator.itemgetter("customer_id")
_REVENUE = operator.itemgetter("revenue")
_ORDERS = operator.itemgetter("orders")


def _rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set the Pareto ``total`` and ``before`` and the RFM quintiles, per currency.

    Return the rows by currency, then revenue (best first), then customer. Every sort is
    stable over rows already in customer order, so ties go to the lower customer id.
    """
    by_currency: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=_CUSTOMER):
        by_currency.setdefault(row["currency"], []).append(row)
    ranked: list[dict[str, Any]] = []
    for currency in sorted(by_currency):
        group = by_currency[currency]
        total = sum((row["revenue"] for row in group), ZERO)
        before = ZERO
        best = sorted(group, key=_REVENUE, reverse=True)
        for row in best:
            row["total"], row["before"] = total, before
            before += row["revenue"]
        _quintiles(sorted(group, key=_last_order), "r")
        _quintiles(sorted(group, key=_ORDERS), "f")
        _quintiles(sorted(group, key=_REVENUE), "m")
        ranked += best
    return ranked


def _order_part(
    database: Database, settings: AnalyticsSettings, now: dt.datetime, part: tuple[int, int]
) -> list[dict[str, Any]]:
    """Return the order facts of the customers in ``part`` (``k`` modulo ``n``)."""
    with database.connect() as conn:
        return [
            {
                "customer_id": customer_id,
                "name": name,
                "currency": currency,
                "orders": int(orders),
                "revenue": money(revenue),
                "returns": int(returns),
                "returned_value": money(returned_value),
                "first_order": _aware(first_order),
                "last_order": _aware(last_order),
                "recent_revenue": money(recent),
                "prior_revenue": money(prior),
                "year_revenue": money(year),
                "bought_before": bool(bought_before),
                "bought_since": bool(bought_since),
            }
            for (
                customer_id,
                currency,
                orders,
                revenue,
                returns,
                returned_value,
                first_order,
                last_order,
                recent,
                prior,
                year,
                bought_before,
                bought_since,
                name,
            ) in tune(conn).execute(order_facts(settings, now, part))
        ]


def order_rows(
    database: Database,
    settings: AnalyticsSettings,
    now: dt.datetime,
    pool: concurrent.futures.Executor | None = None,
) -> list[dict[str, Any]]:
    """Return each customer's order facts per currency, ranked (Pareto, RFM) within currency.

    The customers are aggregated in ``ORDER_PARTS`` disjoint shares at once (on ``pool``'s
    threads, one connection each): the database sorts on several cores, and one share is
    read into Python while another is still being aggregated. Rows come back by currency,
    then revenue (best first), then customer.
    """
    parts = [(k, ORDER_PARTS) for k in range(ORDER_PARTS)]
    if pool is None:
        shares = [_order_part(database, settings, now, part) for part in parts]
    else:
        futures = [pool.submit(_order_part, database, settings, now, part) for part in parts]
        shares = [future.result() for future in futures]
    return _rank([row for share in shares for row in share])


def _rhythm_part(
    database: Database, now: dt.datetime, min_orders: int, part: tuple[int, int]
) -> list[CustomerFacts]:
    """Return the purchase rhythms of the customers in ``part`` (``k`` modulo ``n``)."""
    with database.connect() as conn:
        return [
            CustomerFacts(
                customer_id=customer_id,
                name=name,
                currency=currency,
                orders=int(orders),
                first_order=_aware(first_order),
                last_order=_aware(last_order),
            )
            for customer_id, currency, orders, first_order, last_order, name in tune(conn).execute(
                order_rhythms(now, min_orders, part)
            )
        ]


def purchase_rhythms(database: Database, now: dt.datetime, min_orders: int) -> list[CustomerFacts]:
    """Return the facts of the customers with ``min_orders`` kept orders or more, per currency.

    Only what a purchase rhythm needs is aggregated (orders, first and last order), in
    ``ORDER_PARTS`` shares of the customers at once; nothing is ranked.
    """
    parts = [(k, ORDER_PARTS) for k in range(ORDER_PARTS)]
    with side_by_side(database, ORDER_PARTS) as pool:
        futures = [pool.submit(_rhythm_part, database, now, min_orders, part) for part in parts]
        found = [f for future in futures for f in future.result()]
    return sorted(found, key=lambda f: (f.currency or "", f.customer_id))


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
    currency (in ``ORDER_PARTS`` shares of the customers), and the service load per
    customer (skipped when ``service`` is False), repeated on each of a customer's currency
    rows. Ranking the per-customer aggregates (Pareto, RFM) is done here. The rows come by
    currency, revenue (best first) and customer, then the customers without orders by id.
    """
    with side_by_side(database, ORDER_PARTS + 1) as pool:
        served = pool.submit(service_rows, database, settings, now) if service else None
        rows = order_rows(database, settings, now, pool)
        load = served.result() if served is not None else {}
    found: list[CustomerFacts] = []
    seen: set[int] = set()
    for row in rows:
        customer_id = row["customer_id"]
        seen.add(customer_id)
        extra = load.get(customer_id)
        if extra is not None:
            row["interactions"] = int(extra.interactions)
            row["call_seconds"] = int(extra.call_seconds)
            row["complaints"] = int(extra.complaints)
        found.append(CustomerFacts(**row))
    found.extend(
        CustomerFacts(
            customer_id=customer_id,
            name=load[customer_id].name,
            currency=None,
            interactions=int(load[customer_id].interactions),
            call_seconds=int(load[customer_id].call_seconds),
            complaints=int(load[customer_id].complaints),
        )
        for customer_id in sorted(load.keys() - seen)
    )
    return found


def estimated_retention(facts: list[CustomerFacts]) -> float | None:
    """Return the share of last-but-one year's buyers who bought again within the last year."""
    before = {f.customer_id for f in facts if f.bought_before}
    kept = {f.customer_id for f in facts if f.bought_before and f.bought_since}
    return len(kept) / len(before) if before else None
