"""Outcomes: monthly public-verification counts per provider and verifier country (aggregates
only), and the index that lets a provider's credentials be counted by month.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagement_counts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("count", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer_id", "month", "country"),
    )
    op.create_index("ix_credentials_issuer_issued_at", "credentials", ["issuer_id", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_credentials_issuer_issued_at", table_name="credentials")
    op.drop_table("engagement_counts")
