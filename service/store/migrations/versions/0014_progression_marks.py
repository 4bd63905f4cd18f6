"""Outcomes: progression is marked when a learner's holdings change (progression_marks: one
row per provider, learner and month in which the learner progressed), so the indicator is an
indexed count instead of a window over every credential (bench/bench_outcomes.py). The
marks of the data already stored are derived here, by the same rule as
``OutcomesRepository.refresh_progression``.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# A module credential at a higher EQF level than the lowest its learner held before it, or
# a qualification: once per provider, learner (wallet link) and month. {month} and {level}
# are the dialect's expressions.
BACKFILL = """
INSERT INTO progression_marks (issuer_id, wallet_link_id, month)
SELECT issuer_id, learner, month FROM (
    SELECT issuer_id, learner, month FROM (
        SELECT c.issuer_id, c.wallet_link_id AS learner, {month_c} AS month, {level} AS eqf,
               min({level}) OVER (PARTITION BY c.issuer_id, c.wallet_link_id
                                  ORDER BY c.issued_at
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier
        FROM credentials c JOIN modules m ON m.id = c.module_id
        WHERE c.wallet_link_id IS NOT NULL
    ) history
    WHERE eqf > earlier
    UNION
    SELECT issuer_id, wallet_link_id, {month_q} FROM qualifications q
) events
"""


def backfill(connection: sa.Connection) -> None:
    """Derive the marks of every stored credential and qualification."""
    if connection.dialect.name == "postgresql":
        statement = BACKFILL.format(
            month_c="to_char(c.issued_at AT TIME ZONE 'UTC', 'YYYY-MM')",
            month_q="to_char(q.created_at AT TIME ZONE 'UTC', 'YYYY-MM')",
            level=(
                "CASE WHEN json_typeof(m.data -> 'eqfLevel') = 'number' "
                "THEN (m.data ->> 'eqfLevel')::numeric END"
            ),
        )
    else:
        statement = BACKFILL.format(
            month_c="strftime('%Y-%m', c.issued_at)",
            month_q="strftime('%Y-%m', q.created_at)",
            level=(
                "CASE WHEN json_type(m.data, '$.eqfLevel') IN ('integer', 'real') "
                "THEN json_extract(m.data, '$.eqfLevel') END"
            ),
        )
    connection.execute(sa.text(statement))


def upgrade() -> None:
    op.create_table(
        "progression_marks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("wallet_link_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer_id", "month", "wallet_link_id"),
    )
    op.create_index("ix_progression_marks_wallet_link_id", "progression_marks", ["wallet_link_id"])
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_progression_marks_wallet_link_id", table_name="progression_marks")
    op.drop_table("progression_marks")
