"""Jobs of their own: a cohort job's state (its rows are checked by the job, not the
request) and row errors; a slice's qualification awards (run after it, as their own task);
a status list's last published document and since when it has had unpublished changes
(republished by a job, the publication lag measured from it).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        # Jobs stored before this revision were checked in their request: issuing.
        batch.add_column(
            sa.Column("state", sa.String(length=10), nullable=False, server_default="issuing")
        )
        batch.add_column(sa.Column("errors", sa.JSON(), nullable=True))
    with op.batch_alter_table("job_chunks") as batch:
        # Slices done before this revision awarded their qualifications inline.
        batch.add_column(
            sa.Column("qualified", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("status_lists") as batch:
        batch.add_column(
            sa.Column(
                "published_version",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("published_document", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("published_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("dirty_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("status_lists") as batch:
        for column in ("dirty_since", "published_until", "published_document", "published_version"):
            batch.drop_column(column)
    with op.batch_alter_table("job_chunks") as batch:
        batch.drop_column("qualified")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("errors")
        batch.drop_column("state")
