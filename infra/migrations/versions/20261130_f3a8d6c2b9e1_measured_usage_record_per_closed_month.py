"""billing keeps each closed month's measured usage (monitoring's minute roll-ups expire);
periods say when it was last recorded

Revision ID: f3a8d6c2b9e1
Revises: e5b2c9d1a7f3
Create Date: 2026-11-30 05:23:05.901979
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3a8d6c2b9e1"
down_revision: str | None = "e5b2c9d1a7f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "measured_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "quantity", sa.Numeric(24, 4).with_variant(sa.String(26), "sqlite"), nullable=False
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_measured_usage_quantity_not_negative")),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allocations.id"],
            name=op.f("fk_measured_usage_allocation_id_allocations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_measured_usage_department_id_departments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_measured_usage_provider_id_providers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measured_usage")),
        sa.UniqueConstraint(
            "month",
            "allocation_id",
            "service",
            "zone",
            "day",
            name=op.f("uq_measured_usage_month_allocation_id_service_zone_day"),
        ),
    )
    with op.batch_alter_table("measured_usage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measured_usage_allocation_id"), ["allocation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measured_usage_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_measured_usage_month"), ["month"], unique=False)

    with op.batch_alter_table("billing_periods", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("measured_recorded_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("billing_periods", schema=None) as batch_op:
        batch_op.drop_column("measured_recorded_at")

    with op.batch_alter_table("measured_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measured_usage_month"))
        batch_op.drop_index(batch_op.f("ix_measured_usage_department_id"))
        batch_op.drop_index(batch_op.f("ix_measured_usage_allocation_id"))

    op.drop_table("measured_usage")
