"""Incremental identity resolution: the keys each stored record is found by.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add ``record_keys`` and index customer identities by record."""
    op.create_table(
        "record_keys",
        sa.Column("key_hash", sa.BigInteger(), nullable=False),
        sa.Column("record_id", _ID, nullable=False),
    )
    op.create_index(op.f("ix_record_keys_key_hash"), "record_keys", ["key_hash"])
    op.create_index(op.f("ix_record_keys_record_id"), "record_keys", ["record_id"])
    op.create_index(op.f("ix_customer_identities_record_id"), "customer_identities", ["record_id"])


def downgrade() -> None:
    """Drop ``record_keys`` and the identity index."""
    op.drop_index(op.f("ix_customer_identities_record_id"), table_name="customer_identities")
    op.drop_table("record_keys")
