"""Learner data rights: erasure requests, and audit-log retention that keeps the log
append-only (no event is ever changed; only events older than a recorded retention cutoff may
be deleted, oldest first).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("wallet_link_id", sa.String(length=36), nullable=True),
        sa.Column("requested_by", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credentials_erased", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erasure_requests_issuer_id"), ["issuer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erasure_requests_wallet_link_id"), ["wallet_link_id"], unique=False
        )
    op.create_table(
        "audit_retention",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION tessera_audit_append_only() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE'
                 AND OLD.at < (SELECT max(cutoff) FROM audit_retention) THEN
                RETURN OLD;
              END IF;
              RAISE EXCEPTION 'audit_log is append-only';
            END;
            $$ LANGUAGE plpgsql;
            """
        )
        op.execute(
            """
            CREATE FUNCTION tessera_retention_in_past() RETURNS trigger AS $$
            BEGIN
              IF NEW.cutoff > NEW.at THEN
                RAISE EXCEPTION 'an audit retention cutoff must lie in the past';
              END IF;
              IF TG_OP <> 'INSERT' THEN
                RAISE EXCEPTION 'audit_retention is append-only';
              END IF;
              RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            """
        )
        op.execute(
            "CREATE TRIGGER audit_retention_checked BEFORE INSERT OR UPDATE ON audit_retention "
            "FOR EACH ROW EXECUTE FUNCTION tessera_retention_in_past()"
        )
    else:
        # SQLite stores these times as sortable UTC text, so the comparison is by time.
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "WHEN OLD.at >= coalesce((SELECT max(cutoff) FROM audit_retention), '0') "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_retention_in_past BEFORE INSERT ON audit_retention "
            "WHEN NEW.cutoff > NEW.at "
            "BEGIN SELECT RAISE(ABORT, 'an audit retention cutoff must lie in the past'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_retention_no_update BEFORE UPDATE ON audit_retention "
            "BEGIN SELECT RAISE(ABORT, 'audit_retention is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_retention_checked ON audit_retention")
        op.execute("DROP FUNCTION IF EXISTS tessera_retention_in_past()")
        op.execute(
            """
            CREATE OR REPLACE FUNCTION tessera_audit_append_only() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION 'audit_log is append-only';
            END;
            $$ LANGUAGE plpgsql;
            """
        )
    else:
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
    op.drop_table("audit_retention")
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_requests_wallet_link_id"))
        batch_op.drop_index(batch_op.f("ix_erasure_requests_issuer_id"))
    op.drop_table("erasure_requests")
