"""Pathways: qualifications awarded per learner and programme version, and module credentials
from other providers that learners presented.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qualifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("programme_id", sa.String(length=36), nullable=False),
        sa.Column("programme_version", sa.Integer(), nullable=False),
        sa.Column("wallet_link_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("clr_id", sa.String(length=36), nullable=False),
        sa.Column("relied_on", sa.JSON(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuers.id"]),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"]),
        sa.ForeignKeyConstraint(["wallet_link_id"], ["wallet_links.id"]),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"]),
        sa.ForeignKeyConstraint(["clr_id"], ["credentials.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "programme_version", "wallet_link_id"),
    )
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qualifications_issuer_id"), ["issuer_id"])
        batch_op.create_index(batch_op.f("ix_qualifications_wallet_link_id"), ["wallet_link_id"])
    op.create_table(
        "qualification_sources",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("qualification_id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["qualification_id"], ["qualifications.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("qualification_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_qualification_sources_qualification_id"), ["qualification_id"]
        )
        batch_op.create_index(batch_op.f("ix_qualification_sources_document_id"), ["document_id"])
    op.create_table(
        "external_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("wallet_link_id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=500), nullable=False),
        sa.Column("issuer_did", sa.String(length=300), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuers.id"]),
        sa.ForeignKeyConstraint(["wallet_link_id"], ["wallet_links.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("wallet_link_id", "document_id"),
    )
    with op.batch_alter_table("external_credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_credentials_issuer_id"), ["issuer_id"])
        batch_op.create_index(
            batch_op.f("ix_external_credentials_wallet_link_id"), ["wallet_link_id"]
        )


def downgrade() -> None:
    op.drop_table("external_credentials")
    op.drop_table("qualification_sources")
    op.drop_table("qualifications")
