"""Reminders: birthdays and key dates, replenishment due, promised follow-ups, open complaints.

- ``birthday``: the golden record's birth date falls in the window;
- ``key_date``: a declared ``date`` attribute (``register_attributes`` or
  ``Crmkit.declare_attribute``) falls in the window, on the day or as an anniversary;
- ``replenishment``: a customer with ``replenish_min_orders`` orders or more whose next
  order, at their own rhythm, is expected by the end of the window (and who is not churned);
- ``follow_up``: an interaction whose outcome promises one (``follow_up_words``; a date in
  the outcome, else ``follow_up_days`` later) with no outbound contact since;
- ``complaint``: a ``complaint`` interaction not resolved yet (see :mod:`.satisfaction`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from crmkit.analytics.facts import purchase_rhythms
from crmkit.analytics.parallel import side_by_side
from crmkit.analytics.queries import folded
from crmkit.store.tables import customers, interactions

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crmkit.analytics.settings import AnalyticsSettings
    from crmkit.store.database import Database

_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
KINDS = ("birthday", "key_date", "replenishment", "follow_up", "complaint")


@attrs.frozen
class Reminder:
    """Something to do for a customer by ``due`` (a date): its ``kind`` and what in words."""

    kind: str
    due: dt.date
    customer_id: int
    name: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        """Return the reminder as JSON-ready values."""
        return {
            "due": self.due.isoformat(),
            "kind": self.kind,
            "customer_id": self.customer_id,
            "name": self.name,
            "text": self.text,
        }


def _month_days(start: dt.date, days: int) -> dict[str, dt.date]:
    """Return ``MM-DD`` → date for each day of the window (29 February on 1 March otherwise)."""
    found = {}
    for offset in range(days + 1):
        day = start + dt.timedelta(days=offset)
        found[day.strftime("%m-%d")] = day
        if day.month == 3 and day.day == 1 and (day - dt.timedelta(days=1)).day != 29:  # noqa: PLR2004
            found["02-29"] = day
    return found


def _dates(
    database: Database, path: tuple[str, ...], start: dt.date, days: int
) -> Iterable[tuple[int, str, str, dt.date | None]]:
    """Yield (customer, name, value, anniversary) whose date at ``path`` is in the window."""
    mmdd = _month_days(start, days)
    value = customers.c.golden[path].as_string()
    end = start + dt.timedelta(days=days)
    query = sa.select(customers.c.id, customers.c.name, value).where(
        customers.c.merged_into.is_(None),
        sa.or_(
            sa.func.substr(value, 6, 5).in_(sorted(mmdd)),
            value.between(start.isoformat(), end.isoformat()),
        ),
    )
    with database.connect() as conn:
        for customer_id, name, text in conn.execute(query):
            yield customer_id, name, text, mmdd.get(text[5:10])


def _key_dates(
    database: Database, names: Iterable[str], start: dt.date, days: int
) -> list[Reminder]:
    found = []
    for customer_id, name, text, day in _dates(database, ("birth_date",), start, days):
        if day is not None:
            age = day.year - int(text[:4])
            found.append(Reminder("birthday", day, customer_id, name, f"birthday ({age})"))
    for attribute in names:
        for customer_id, name, text, day in _dates(
            database, ("attributes", attribute), start, days
        ):
            try:
                when = dt.date.fromisoformat(text[:10])
            except ValueError:
                continue
            if when >= start:
                found.append(Reminder("key_date", when, customer_id, name, f"{attribute} {text}"))
            elif day is not None:
                found.append(
                    Reminder("key_date", day, customer_id, name, f"{attribute} (since {text})")
                )
    return found


def _replenishment(
    database: Database, settings: AnalyticsSettings, now: dt.datetime, end: dt.date
) -> list[Reminder]:
    found = []
    for f in purchase_rhythms(database, now, settings.replenish_min_orders):
        rhythm = f.rhythm_days()
        if rhythm is None or f.last_order is None:  # the query kept min_orders and more
            continue
        rhythm = max(rhythm, 1.0)
        since = (now - f.last_order).total_seconds() / 86400
        due = (f.last_order + dt.timedelta(days=rhythm)).date()
        if due <= end and since < settings.churn_factor * rhythm:
            found.append(
                Reminder(
                    "replenishment",
                    due,
                    f.customer_id,
                    f.name,
                    f"buys every {rhythm:.0f} days; last order {f.last_order.date().isoformat()}",
                )
            )
    return found


def starts_with(column: sa.ColumnElement[Any], words: Iterable[str]) -> sa.ColumnElement[bool]:
    """Return the condition that ``column`` starts with one of ``words``, ignoring case."""
    return sa.or_(*(folded(column).like(f"{word.lower()}%") for word in words))


def name_of(row: sa.FromClause) -> sa.Label[Any]:
    """Return the name of ``row``'s customer, looked up per row found.

    A lookup rather than a join, so that the database reads the few rows that qualify
    first instead of every customer's interactions in customer order.
    """
    return (
        sa.select(customers.c.name)
        .where(customers.c.id == row.c.customer_id)
        .scalar_subquery()
        .label("name")
    )


def contact_since(
    row: sa.FromClause, condition: sa.ColumnElement[bool], *, inclusive: bool = False
) -> sa.Exists:
    """Return whether ``row``'s customer has an interaction meeting ``condition`` after it.

    ``inclusive`` counts one at the same time too. One probe of the index on
    ``(customer_id, occurred_at)`` per row asked about.
    """
    later = interactions.c
    after = (
        later.occurred_at >= row.c.occurred_at
        if inclusive
        else (later.occurred_at > row.c.occurred_at)
    )
    return sa.exists().where(later.customer_id == row.c.customer_id, after, condition)


def _time(value: Any) -> dt.datetime:
    """Return a timestamp read from SQL (aware, naive or SQLite text) as aware UTC."""
    when: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _follow_ups(
    database: Database, settings: AnalyticsSettings, now: dt.datetime, end: dt.date
) -> list[Reminder]:
    t = interactions.alias("promised")
    query = sa.select(t.c.customer_id, name_of(t), t.c.occurred_at, t.c.outcome).where(
        starts_with(t.c.outcome, settings.follow_up_words),
        t.c.occurred_at <= now,
        ~contact_since(t, interactions.c.direction == "out"),
    )
    found = []
    with database.connect() as conn:
        for customer_id, name, occurred, outcome in conn.execute(query):
            if customer_id is None:
                continue
            at = _time(occurred)
            dated = _DATE.search(outcome)
            due = (
                dt.date.fromisoformat(dated.group(1))
                if dated
                else (at + dt.timedelta(days=settings.follow_up_days)).date()
            )
            if due <= end:
                text = f"{outcome} (promised {at.date().isoformat()})"
                found.append(Reminder("follow_up", due, customer_id, name, text))
    return found


def open_complaints(settings: AnalyticsSettings, now: dt.datetime) -> sa.Select[Any]:
    """Return the query of complaints not resolved yet: customer, name, when, subject.

    A complaint is resolved by its own outcome, or by a later interaction of the same
    customer, starting with one of ``resolved_words``. Complaints of nobody come with a
    NULL customer, for the caller to skip.
    """
    t = interactions.alias("complaint")
    resolving = starts_with(interactions.c.outcome, settings.resolved_words)
    return (
        sa.select(t.c.customer_id, name_of(t), t.c.occurred_at, t.c.subject)
        .where(
            t.c.channel == "complaint",
            t.c.occurred_at <= now,
            ~starts_with(sa.func.coalesce(t.c.outcome, ""), settings.resolved_words),
            ~contact_since(t, resolving, inclusive=True),
        )
        .order_by(t.c.occurred_at)
    )


def _complaints(
    database: Database, settings: AnalyticsSettings, now: dt.datetime
) -> list[Reminder]:
    found = []
    with database.connect() as conn:
        for customer_id, name, occurred, subject in conn.execute(open_complaints(settings, now)):
            if customer_id is None:
                continue
            at = _time(occurred)
            days = (now - at).days
            text = f"open complaint for {days} days: {subject or 'no subject'}"
            found.append(Reminder("complaint", now.date(), customer_id, name, text))
    return found


def reminders(
    database: Database,
    settings: AnalyticsSettings,
    now: dt.datetime,
    days: int,
    date_attributes: Iterable[str] = (),
) -> list[Reminder]:
    """Return every reminder due within ``days`` days from ``now`` (overdue ones included).

    ``date_attributes`` names the declared ``date`` attributes that are key dates. The
    kinds are read at once, each on its own connection.
    """
    start = now.date()
    end = start + dt.timedelta(days=days)
    with side_by_side(database, 3) as pool:
        jobs = [
            pool.submit(_key_dates, database, date_attributes, start, days),
            pool.submit(_follow_ups, database, settings, now, end),
            pool.submit(_complaints, database, settings, now),
        ]
        found = _replenishment(database, settings, now, end)
        for job in jobs:
            found += job.result()
    return sorted(found, key=lambda r: (r.due, KINDS.index(r.kind), r.customer_id, r.text))
