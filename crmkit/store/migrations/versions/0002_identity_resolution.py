"""Identity resolution: the decisions journal and the review queue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _pair_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("left_source", sa.String(length=100), nullable=False),
        sa.Column("left_external_id", sa.String(length=255), nullable=False),
        sa.Column("right_source", sa.String(length=100), nullable=False),
        sa.Column("right_external_id", sa.String(length=255), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        *_pair_columns(),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_table(
        "review_items",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        *_pair_columns(),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("explanation", _JSON, nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_items_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_items_status"))
    op.drop_table("review_items")
    op.drop_table("decisions")
