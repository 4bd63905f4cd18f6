"""Outcomes: each qualification records when the learner's first module credential of the
programme was issued (qualifications.started_at), so the median time to a qualification is a
plain aggregate over qualifications instead of one index probe per award
(bench/bench_outcomes.py). Stored qualifications get it here, by the same rule as
``OutcomesRepository.mark_started``.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE qualifications SET started_at = (
    SELECT min(c.issued_at)
    FROM credentials c JOIN modules m ON m.id = c.module_id
    WHERE c.issuer_id = qualifications.issuer_id
      AND c.wallet_link_id = qualifications.wallet_link_id
      AND m.programme_id = qualifications.programme_id
      AND c.issued_at <= qualifications.created_at
)
"""


def backfill(connection: sa.Connection) -> None:
    """Set the start of every stored qualification."""
    connection.execute(sa.text(BACKFILL))


def upgrade() -> None:
    op.add_column(
        "qualifications", sa.Column("started_at", sa.DateTime(timezone=True), nullable=True)
    )
    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("qualifications") as batch_op:
        batch_op.drop_column("started_at")
