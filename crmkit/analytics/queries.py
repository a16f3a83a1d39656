"""SQL for the analytics: rows attributed to golden customers, and their aggregates.

An order or interaction counts for the customer holding the source identity it names, else
for the customer holding its phone, else its e-mail (the lowest id when several do, so each
row counts once; the card shows such a row on every holder's card), stored in each row's
``customer_id`` (:mod:`crmkit.store.customer_links`) so that the reports group on an integer
instead of three lookups per row. An order known in several systems (one order group) counts
once, through its first stored row; its status is the group's status.

The aggregates group by ``currency, customer_id`` (or by ``customer_id`` over an index that
covers the query) and drop the rows of no customer by joining ``customers``: a filter on
``customer_id`` would lead SQLite to read a million rows in index order, one random page
each, instead of in one pass.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from crmkit.store.tables import customers, interactions, order_groups, orders

if TYPE_CHECKING:
    from crmkit.analytics.settings import AnalyticsSettings

KEPT_EXCLUDED = ("cancelled", "returned")


def interactions_with_owner() -> sa.Select[Any]:
    """Return the query of the interactions with the ``customer_id`` each belongs to."""
    i = interactions.c
    return sa.select(
        i.customer_id,
        i.id,
        i.channel,
        i.direction,
        i.occurred_at,
        i.duration_seconds,
        i.subject,
        i.outcome,
        i.csat,
        i.nps,
    )


def _sum_if(condition: sa.ColumnElement[bool], value: Any) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def owned_orders(part: tuple[int, int] | None = None) -> sa.Subquery:
    """Return the orders with ``customer_id``, ``currency``, ``amount``, ``status``, ``placed_at``.

    One row per order group (its first stored order), ``amount`` its total as a number;
    with ``part`` ``(k, n)``, only the orders of the customers whose id is ``k`` modulo ``n``.
    """
    o, g = orders.c, order_groups.c
    earlier = orders.alias("earlier")
    return (
        sa.select(
            o.customer_id,
            o.currency,
            sa.cast(o.total, sa.Numeric(18, 2)).label("amount"),
            sa.func.coalesce(g.status, o.status).label("status"),
            o.placed_at,
        )
        .select_from(orders.join(order_groups, g.id == o.order_group))
        .where(
            o.total.is_not(None),
            o.currency.is_not(None),
            ~sa.exists().where(earlier.c.order_group == o.order_group, earlier.c.id < o.id),
            sa.true() if part is None else o.customer_id % part[1] == part[0],
        )
        .subquery("owned_orders")
    )


def order_facts(
    settings: AnalyticsSettings, now: dt.datetime, part: tuple[int, int] | None = None
) -> sa.Select[Any]:
    """Return the query of each customer's order facts per currency.

    Columns: customer_id, name, currency, orders, revenue (net: not cancelled or returned),
    returns, returned_value, first_order, last_order, recent_revenue and prior_revenue (the
    last ``trend_days`` and the period before), year_revenue, and whether the customer
    bought in the year before last (``bought_before``) and in the last year
    (``bought_since``), for the retention estimate. With ``part`` ``(k, n)``, only the
    customers whose id is ``k`` modulo ``n``: one of ``n`` disjoint shares of the work.
    """
    t = owned_orders(part)
    kept = t.c.status.is_(None) | t.c.status.not_in(KEPT_EXCLUDED)
    returned = t.c.status == "returned"
    window = dt.timedelta(days=settings.trend_days)
    year = dt.timedelta(days=365)
    recent = kept & (t.c.placed_at >= now - window)
    prior = kept & (t.c.placed_at >= now - 2 * window) & (t.c.placed_at < now - window)
    this_year = kept & (t.c.placed_at >= now - year)
    last_year = kept & (t.c.placed_at >= now - 2 * year) & (t.c.placed_at < now - year)
    facts = (
        sa.select(
            t.c.customer_id,
            t.c.currency,
            _sum_if(kept, 1).label("orders"),
            _sum_if(kept, t.c.amount).label("revenue"),
            _sum_if(returned, 1).label("returns"),
            _sum_if(returned, t.c.amount).label("returned_value"),
            sa.func.min(sa.case((kept, t.c.placed_at))).label("first_order"),
            sa.func.max(sa.case((kept, t.c.placed_at))).label("last_order"),
            _sum_if(recent, t.c.amount).label("recent_revenue"),
            _sum_if(prior, t.c.amount).label("prior_revenue"),
            _sum_if(this_year, t.c.amount).label("year_revenue"),
            sa.func.max(sa.case((last_year, 1), else_=0)).label("bought_before"),
            sa.func.max(sa.case((this_year, 1), else_=0)).label("bought_since"),
        )
        .where(t.c.placed_at <= now)
        .group_by(t.c.currency, t.c.customer_id)
        .subquery("facts")
    )
    return _with_names(facts)


def _with_names(aggregates: sa.Subquery) -> sa.Select[Any]:
    """Return ``aggregates`` of the customers (rows of nobody dropped), with their names.

    Values come as the driver returns them (no type conversion): money and times are read
    by :mod:`crmkit.analytics.facts`, faster than the column types would.
    """
    raw: list[sa.ColumnElement[Any]] = [
        sa.type_coerce(column, sa.types.NullType()).label(column.name) for column in aggregates.c
    ]
    return sa.select(*raw, customers.c.name).join(
        customers, customers.c.id == aggregates.c.customer_id
    )


def order_rhythms(
    now: dt.datetime, min_orders: int, part: tuple[int, int] | None = None
) -> sa.Select[Any]:
    """Return the query of each customer's purchase rhythm per currency, ``min_orders`` up.

    Columns: customer_id, currency, orders, first_order, last_order (kept orders only, as
    in :func:`order_facts`), name; raw as the driver returns them. ``part`` as there.
    """
    t = owned_orders(part)
    kept = t.c.status.is_(None) | t.c.status.not_in(KEPT_EXCLUDED)
    count = _sum_if(kept, 1)
    rhythms = (
        sa.select(
            t.c.customer_id,
            t.c.currency,
            count.label("orders"),
            sa.func.min(sa.case((kept, t.c.placed_at))).label("first_order"),
            sa.func.max(sa.case((kept, t.c.placed_at))).label("last_order"),
        )
        .where(t.c.placed_at <= now)
        .group_by(t.c.currency, t.c.customer_id)
        .having(count >= min_orders)
        .subquery("rhythms")
    )
    return _with_names(rhythms)


def interaction_facts(settings: AnalyticsSettings, now: dt.datetime) -> sa.Select[Any]:
    """Return the query of each customer's service load: interactions, call seconds, complaints.

    Columns: customer_id, name, interactions, call_seconds (phone), complaints; read in
    customer order from the index covering them (``ix_interactions_customer_activity``).
    """
    del settings
    i = interactions.c
    facts = (
        sa.select(
            i.customer_id,
            sa.func.count().label("interactions"),
            _sum_if(i.channel == "phone", sa.func.coalesce(i.duration_seconds, 0)).label(
                "call_seconds"
            ),
            _sum_if(i.channel == "complaint", 1).label("complaints"),
        )
        .where(i.occurred_at <= now)
        .group_by(i.customer_id)
        .subquery("service")
    )
    return sa.select(facts, customers.c.name).join(customers, customers.c.id == facts.c.customer_id)


def tune(conn: sa.Connection) -> sa.Connection:
    """Give this transaction room to sort and hash in memory (PostgreSQL ``work_mem``)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    return conn


def month_of(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[str]:
    """Return ``YYYY-MM`` of a timestamp column, in ``dialect``'s SQL."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.substr(column, 1, 7)  # stored as "YYYY-MM-DD HH:MM:SS..." in UTC


class folded(sa.sql.functions.FunctionElement[str]):  # noqa: N801 - reads as SQL
    """``lower(text)`` to compare ignoring case, left out on SQLite where it changes nothing.

    SQLite's ``LIKE`` already ignores the case of ASCII letters and its ``lower()`` folds
    nothing else, so ``lower(x) LIKE p`` and ``x LIKE p`` match the same rows there; the
    plain form saves a function call per row scanned.
    """

    type = sa.Text()
    name = "folded"
    inherit_cache = True


@compiles(folded)
def _fold(element: folded, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(sa.func.lower(*element.clauses), **kw))


@compiles(folded, "sqlite")
def _fold_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))
