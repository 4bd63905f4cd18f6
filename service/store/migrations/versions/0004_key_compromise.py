"""A provider key can be declared compromised from a given moment (published as the
verification method's ``revoked`` in the DID document).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issuer_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compromised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issuer_keys", schema=None) as batch_op:
        batch_op.drop_column("compromised_at")
