"""SQL for the analytics: rows attributed to golden customers, and their aggregates.

An order or interaction belongs to the customer holding the source identity it names, else
to the customer holding its phone, else its e-mail (the lowest id when several do) — the
card's read-time linking (:func:`crmkit.store.orders.linked_ids`) as outer joins, so each
row counts once. The service query first aggregates per way of naming a customer
(identity, phone, e-mail) and looks each of those up once. An order known in several systems (one
order group) counts once, through its first stored row; its status is the group's status.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.store.tables import (
    customer_identities,
    customer_keys,
    customers,
    interactions,
    order_groups,
    orders,
)

if TYPE_CHECKING:
    from crmkit.analytics.settings import AnalyticsSettings

KEPT_EXCLUDED = ("cancelled", "returned")


def _key_owners(kind: str, name: str) -> sa.Subquery:
    """Return the subquery of each ``kind`` key value's owner: the lowest customer id."""
    k = customer_keys.c
    return (
        sa.select(k.value, sa.func.min(k.customer_id).label("customer_id"))
        .where(k.kind == kind)
        .group_by(k.value)
        .subquery(name)
    )


def owned(table: sa.Table, phone: str, email: str) -> tuple[sa.FromClause, sa.ColumnElement[Any]]:
    """Return ``table`` joined to its owners, and the expression of the owning customer.

    Outer joins (hash joins on PostgreSQL, automatic indexes on SQLite) rather than a
    lookup per row: the identity's customer, else the phone's, else the e-mail's.
    """
    t = table.c
    ci = customer_identities.alias(f"{table.name}_ci")
    phones = _key_owners("phone", f"{table.name}_phones")
    emails = _key_owners("email", f"{table.name}_emails")
    joined = (
        table.outerjoin(
            ci,
            sa.and_(ci.c.source == t.customer_source, ci.c.external_id == t.customer_external_id),
        )
        .outerjoin(phones, phones.c.value == t[phone])
        .outerjoin(emails, emails.c.value == t[email])
    )
    return joined, sa.func.coalesce(ci.c.customer_id, phones.c.customer_id, emails.c.customer_id)


def by_owner(links: sa.Subquery) -> tuple[sa.FromClause, sa.ColumnElement[Any]]:
    """Return ``links`` joined to the owners of its link columns, and the owner expression.

    ``links`` is a pre-aggregate grouped by ``customer_source``, ``customer_external_id``,
    ``phone`` and ``email``: each distinct way of naming a customer is looked up once
    rather than once per row.
    """
    c = links.c
    ci = customer_identities.alias("links_ci")
    phones = _key_owners("phone", "links_phones")
    emails = _key_owners("email", "links_emails")
    joined = (
        links.outerjoin(
            ci,
            sa.and_(ci.c.source == c.customer_source, ci.c.external_id == c.customer_external_id),
        )
        .outerjoin(phones, phones.c.value == c.phone)
        .outerjoin(emails, emails.c.value == c.email)
    )
    return joined, sa.func.coalesce(ci.c.customer_id, phones.c.customer_id, emails.c.customer_id)


def owned_interactions(name: str = "owned_interactions") -> sa.Subquery:
    """Return the interactions with the ``customer_id`` each belongs to (NULL when nobody)."""
    return interactions_with_owner().subquery(name)


def interactions_with_owner() -> sa.Select[Any]:
    """Return the query of the interactions with the ``customer_id`` each belongs to."""
    i = interactions.c
    joined, customer = owned(interactions, "phone", "email")
    return sa.select(
        customer.label("customer_id"),
        i.id,
        i.channel,
        i.direction,
        i.occurred_at,
        i.duration_seconds,
        i.subject,
        i.outcome,
        i.csat,
        i.nps,
    ).select_from(joined)


def _sum_if(condition: sa.ColumnElement[bool], value: Any) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def owned_orders(ids: tuple[int, int] | None = None) -> sa.Subquery:
    """Return the orders with ``customer_id``, ``currency``, ``amount``, ``status``, ``placed_at``.

    One row per order group (its first stored order), ``amount`` its total as a number;
    only orders whose id is within ``ids`` (inclusive) when given.
    """
    o, g = orders.c, order_groups.c
    earlier = orders.alias("earlier")
    joined, customer = owned(orders, "contact_phone", "contact_email")
    return (
        sa.select(
            customer.label("customer_id"),
            o.currency,
            sa.cast(o.total, sa.Numeric(18, 2)).label("amount"),
            sa.func.coalesce(g.status, o.status).label("status"),
            o.placed_at,
        )
        .select_from(joined.join(order_groups, g.id == o.order_group))
        .where(
            o.total.is_not(None),
            o.currency.is_not(None),
            ~sa.exists().where(earlier.c.order_group == o.order_group, earlier.c.id < o.id),
            sa.true() if ids is None else o.id.between(*ids),
        )
        .subquery("owned_orders")
    )


def order_facts(
    settings: AnalyticsSettings, now: dt.datetime, ids: tuple[int, int] | None = None
) -> sa.Select[Any]:
    """Return the query of each customer's order facts per currency.

    Columns: customer_id, name, currency, orders, revenue (net: not cancelled or returned),
    returns, returned_value, first_order, last_order, recent_revenue and prior_revenue (the
    last ``trend_days`` and the period before), year_revenue, and whether the customer
    bought in the year before last (``bought_before``) and in the last year
    (``bought_since``), for the retention estimate. With ``ids``, only the orders whose id
    is in that range: partial facts, to be combined with the other ranges'.
    """
    t = owned_orders(ids)
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
        .where(t.c.customer_id.is_not(None), t.c.placed_at <= now)
        .group_by(t.c.customer_id, t.c.currency)
        .subquery("facts")
    )
    return sa.select(facts, customers.c.name).join(customers, customers.c.id == facts.c.customer_id)


def interaction_facts(settings: AnalyticsSettings, now: dt.datetime) -> sa.Select[Any]:
    """Return the query of each customer's service load: interactions, call seconds, complaints.

    Columns: customer_id, name, interactions, call_seconds (phone), complaints. Aggregated
    per way of naming the customer first, then per owning customer.
    """
    del settings
    i = interactions.c
    links = (i.customer_source, i.customer_external_id, i.phone, i.email)
    per_link = (
        sa.select(
            *links,
            sa.func.count().label("interactions"),
            _sum_if(i.channel == "phone", sa.func.coalesce(i.duration_seconds, 0)).label(
                "call_seconds"
            ),
            _sum_if(i.channel == "complaint", 1).label("complaints"),
        )
        .where(i.occurred_at <= now)
        .group_by(*links)
        .subquery("per_link")
    )
    joined, owner = by_owner(per_link)
    p = per_link.c
    facts = (
        sa.select(
            owner.label("customer_id"),
            sa.func.sum(p.interactions).label("interactions"),
            sa.func.sum(p.call_seconds).label("call_seconds"),
            sa.func.sum(p.complaints).label("complaints"),
        )
        .select_from(joined)
        .where(owner.is_not(None))
        .group_by(owner)
        .subquery("service")
    )
    return sa.select(facts, customers.c.name).join(customers, customers.c.id == facts.c.customer_id)


def order_id_ranges(conn: sa.Connection, parts: int) -> list[tuple[int, int]]:
    """Return ``parts`` consecutive ranges of order ids covering every order (none if empty)."""
    low, high = conn.execute(sa.select(sa.func.min(orders.c.id), sa.func.max(orders.c.id))).one()
    if low is None:
        return []
    step = (high - low) // parts + 1
    return [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]


def tune(conn: sa.Connection) -> sa.Connection:
    """Give this transaction room to sort and hash in memory (PostgreSQL ``work_mem``)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    return conn


def month_of(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[str]:
    """Return ``YYYY-MM`` of a timestamp column, in ``dialect``'s SQL."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)
