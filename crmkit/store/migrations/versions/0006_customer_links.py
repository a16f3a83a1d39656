"""The stored customer link of orders and interactions, for the analytics.

Each order and interaction row gets ``customer_id``: the customer holding the source identity
it names, else its phone, else its e-mail (the lowest id when several do, so that each row
counts once). Existing rows are linked here; crmkit keeps the link current when
it projects rows and when identity resolution rewrites customers.

Migrations are frozen copies: they never import crmkit's current table definitions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ACTIVITY = ("customer_id", "occurred_at", "channel", "duration_seconds", "csat", "nps")


def _link(table: str, phone: str, email: str) -> None:
    """Set ``customer_id`` of every row of ``table``: identity, else phone, else e-mail."""
    op.execute(
        f"UPDATE {table} SET customer_id = COALESCE("
        "(SELECT ci.customer_id FROM customer_identities ci"
        f" WHERE ci.source = {table}.customer_source"
        f" AND ci.external_id = {table}.customer_external_id),"
        "(SELECT MIN(k.customer_id) FROM customer_keys k"
        f" WHERE k.kind = 'phone' AND k.value = {table}.{phone}),"
        "(SELECT MIN(k.customer_id) FROM customer_keys k"
        f" WHERE k.kind = 'email' AND k.value = {table}.{email}))"
    )


def upgrade() -> None:
    op.add_column("orders", sa.Column("customer_id", _ID, nullable=True))
    op.add_column("interactions", sa.Column("customer_id", _ID, nullable=True))
    _link("orders", "contact_phone", "contact_email")
    _link("interactions", "phone", "email")
    op.create_index(op.f("ix_orders_customer_id"), "orders", ["customer_id"], unique=False)
    op.create_index(
        "ix_interactions_customer_activity", "interactions", list(_ACTIVITY), unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_interactions_customer_activity", table_name="interactions")
    op.drop_index(op.f("ix_orders_customer_id"), table_name="orders")
    op.drop_column("interactions", "customer_id")
    op.drop_column("orders", "customer_id")
