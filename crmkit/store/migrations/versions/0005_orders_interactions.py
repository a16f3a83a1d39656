"""Orders, order events, interactions: projections of their source records.

Migrations are frozen copies: they never import crmkit's current table definitions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def _record_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["record_id"], ["source_records.id"], name=op.f(f"fk_{table}_record_id_source_records")
    )


def _group_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["order_group"], ["order_groups.id"], name=op.f(f"fk_{table}_order_group_order_groups")
    )


def _indexes(table: str, *columns: tuple[str, ...]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for names in columns:
            batch_op.create_index(
                batch_op.f(f"ix_{table}_{'_'.join(names)}"), list(names), unique=False
            )


def upgrade() -> None:
    op.create_table(
        "order_groups",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("status_word", sa.String(length=100), nullable=True),
        sa.Column("status_at", _TIME, nullable=True),
        sa.Column("placed_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_groups")),
    )
    _indexes("order_groups", ("status", "status_at"))
    op.create_table(
        "orders",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("record_id", _ID, nullable=False),
        sa.Column("order_group", _ID, nullable=False),
        sa.Column("number", sa.String(length=255), nullable=True),
        sa.Column("customer_source", sa.String(length=100), nullable=True),
        sa.Column("customer_external_id", sa.String(length=255), nullable=True),
        sa.Column("contact_name", sa.Text(), nullable=True),
        sa.Column("contact_phone", sa.String(length=64), nullable=True),
        sa.Column("contact_email", sa.String(length=255), nullable=True),
        sa.Column("placed_at", _TIME, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("total", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("status_word", sa.String(length=100), nullable=True),
        sa.Column("status_at", _TIME, nullable=True),
        sa.Column("shipping_address", _JSON, nullable=True),
        sa.Column("lines", _JSON, nullable=False),
        _record_fk("orders"),
        _group_fk("orders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_orders_source_external_id")),
    )
    _indexes(
        "orders",
        ("order_group",),
        ("contact_phone",),
        ("contact_email",),
        ("customer_source", "customer_external_id"),
        ("external_id",),
    )
    op.create_table(
        "order_refs",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=255), nullable=False),
        sa.Column("order_group", _ID, nullable=False),
        _group_fk("order_refs"),
        sa.PrimaryKeyConstraint("source", "number", name=op.f("pk_order_refs")),
    )
    _indexes("order_refs", ("order_group",), ("number",))
    op.create_table(
        "order_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("record_id", _ID, nullable=False),
        sa.Column("order_source", sa.String(length=100), nullable=False),
        sa.Column("order_external_id", sa.String(length=255), nullable=True),
        sa.Column("order_number", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("status_word", sa.String(length=100), nullable=False),
        sa.Column("occurred_at", _TIME, nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _record_fk("order_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_order_events_source_external_id")
        ),
    )
    _indexes(
        "order_events",
        ("tracking_number",),
        ("order_source", "order_external_id"),
        ("order_source", "order_number"),
    )
    op.create_table(
        "interactions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("record_id", _ID, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("occurred_at", _TIME, nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("customer_source", sa.String(length=100), nullable=True),
        sa.Column("customer_external_id", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("order_number", sa.String(length=255), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        _record_fk("interactions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_interactions_source_external_id")
        ),
    )
    _indexes(
        "interactions",
        ("phone",),
        ("email",),
        ("customer_source", "customer_external_id"),
    )


def downgrade() -> None:
    for table in ("interactions", "order_events", "order_refs", "orders", "order_groups"):
        op.drop_table(table)
