"""Outcomes: covering indexes, so a year of a provider's indicators reads indexes only
(bench/bench_outcomes.py): credentials by issue time with their module (it replaces the
narrower ix_credentials_issuer_issued_at, its prefix), and by learner
(wallet link) in time order, which feeds progression's window without a sort.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_credentials_issuer_issued_at", table_name="credentials")
    op.create_index(
        "ix_credentials_outcomes_month", "credentials", ["issuer_id", "issued_at", "module_id"]
    )
    op.create_index(
        "ix_credentials_outcomes_learner",
        "credentials",
        ["issuer_id", "wallet_link_id", "issued_at", "module_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_credentials_outcomes_learner", table_name="credentials")
    op.drop_index("ix_credentials_outcomes_month", table_name="credentials")
    op.create_index("ix_credentials_issuer_issued_at", "credentials", ["issuer_id", "issued_at"])
