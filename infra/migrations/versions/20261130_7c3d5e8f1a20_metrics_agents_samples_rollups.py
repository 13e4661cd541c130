"""metrics agents samples rollups

Revision ID: 7c3d5e8f1a20
Revises: 7c3d5e9f1a2b
Create Date: 2026-11-30 01:13:11.241313
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c3d5e8f1a20"
down_revision: str | None = "7c3d5e9f1a2b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["hosts.id"],
            name=op.f("fk_agent_enrolments_host_id_hosts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_enrolments")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agent_enrolments_token_hash")),
    )
    with op.batch_alter_table("agent_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_enrolments_host_id"), ["host_id"], unique=False)

    op.create_table(
        "metric_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("labels", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["hosts.id"],
            name=op.f("fk_metric_series_host_id_hosts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_series")),
        sa.UniqueConstraint(
            "host_id", "name", "labels", name=op.f("uq_metric_series_host_id_name_labels")
        ),
    )
    with op.batch_alter_table("metric_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_metric_series_host_id"), ["host_id"], unique=False)

    op.create_table(
        "metric_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_uuid", sa.String(length=36), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sample_count", sa.Integer(), nullable=False),
        sa.Column("first_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_ms", sa.BigInteger(), nullable=False),
        sa.Column("dropped_batches_total", sa.BigInteger(), nullable=False),
        sa.Column("dropped_samples_total", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("sample_count >= 0", name=op.f("ck_metric_batches_sample_count")),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["agent_enrolments.id"],
            name=op.f("fk_metric_batches_enrolment_id_agent_enrolments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["hosts.id"],
            name=op.f("fk_metric_batches_host_id_hosts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_batches")),
        sa.UniqueConstraint("batch_uuid", name=op.f("uq_metric_batches_batch_uuid")),
    )
    with op.batch_alter_table("metric_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_metric_batches_enrolment_id"), ["enrolment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_metric_batches_host_id"), ["host_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_metric_batches_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "metric_rollups",
        sa.Column("series_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("step_s", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bucket_ms", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sum", sa.Float(), nullable=False),
        sa.Column("min", sa.Float(), nullable=False),
        sa.Column("max", sa.Float(), nullable=False),
        sa.Column("last", sa.Float(), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_metric_rollups_count")),
        sa.CheckConstraint("step_s IN (60, 3600)", name=op.f("ck_metric_rollups_step")),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["metric_series.id"],
            name=op.f("fk_metric_rollups_series_id_metric_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "step_s", "bucket_ms", name=op.f("pk_metric_rollups")),
    )
    op.create_table(
        "metric_samples",
        sa.Column("series_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("t_ms", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["metric_series.id"],
            name=op.f("fk_metric_samples_series_id_metric_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "t_ms", name=op.f("pk_metric_samples")),
    )
    with op.batch_alter_table("metric_samples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_metric_samples_t_ms"), ["t_ms"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("metric_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_samples_t_ms"))

    op.drop_table("metric_samples")
    op.drop_table("metric_rollups")
    with op.batch_alter_table("metric_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_batches_received_at"))
        batch_op.drop_index(batch_op.f("ix_metric_batches_host_id"))
        batch_op.drop_index(batch_op.f("ix_metric_batches_enrolment_id"))

    op.drop_table("metric_batches")
    with op.batch_alter_table("metric_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_series_host_id"))

    op.drop_table("metric_series")
    with op.batch_alter_table("agent_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_enrolments_host_id"))

    op.drop_table("agent_enrolments")
