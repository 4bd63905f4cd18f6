"""Indexes for learner data rights at volume: export and erasure find a learner by the
provider's learner id; retention finds the oldest stored credentials.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_credentials_learner_ref", "credentials", ["issuer_id", "learner_ref"])
    op.create_index("ix_wallet_links_learner_ref", "wallet_links", ["issuer_id", "learner_ref"])
    op.create_index("ix_credentials_issued_at", "credentials", ["issued_at"])


def downgrade() -> None:
    op.drop_index("ix_credentials_issued_at", table_name="credentials")
    op.drop_index("ix_wallet_links_learner_ref", table_name="wallet_links")
    op.drop_index("ix_credentials_learner_ref", table_name="credentials")
