"""Recognition of prior learning: assessors (each with a key under the provider's DID) and
cases.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rpl_assessors",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_name", sa.String(length=64), nullable=False),
        sa.Column("verification_method", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_name"),
        sa.UniqueConstraint("verification_method"),
    )
    with op.batch_alter_table("rpl_assessors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rpl_assessors_issuer_id"), ["issuer_id"])
    op.create_table(
        "rpl_cases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("learner_name", sa.String(length=300), nullable=False),
        sa.Column("learner_ref", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rpl_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rpl_cases_issuer_id"), ["issuer_id"])
        batch_op.create_index(batch_op.f("ix_rpl_cases_status"), ["status"])


def downgrade() -> None:
    op.drop_table("rpl_cases")
    op.drop_table("rpl_assessors")
