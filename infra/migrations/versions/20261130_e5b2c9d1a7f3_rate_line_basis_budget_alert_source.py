"""rate lines state their basis (provisioned or measured); egress (per GB) is a service;
budget alerts say what they summed (invoiced or month to date)

Revision ID: e5b2c9d1a7f3
Revises: d4e8a1c7b3f9
Create Date: 2026-11-30 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b2c9d1a7f3"
down_revision: str | None = "d4e8a1c7b3f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_SERVICES = (
    "ecs_vcpu", "ecs_memory", "gpu", "bare_metal", "block_ssd", "block_hdd", "object_storage",
    "rds", "eip", "slb", "bandwidth",
)  # fmt: skip
OLD_UNITS = (
    "vcpu_hour", "gib_hour", "gpu_hour", "server_hour", "instance_hour", "ip_hour", "mbps_hour",
)  # fmt: skip


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(services: Sequence[str], units: Sequence[str]) -> None:
    """Replace the enum CHECKs of ``service`` (both tables) and ``unit`` (rate lines)."""
    for table, checks in (
        ("rate_lines", (("servicetype", "service", services), ("unit", "unit", units))),
        ("usage_intervals", (("servicetype", "service", services),)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, values in checks:
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
                batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), _in(column, values))


def upgrade() -> None:
    _checks((*OLD_SERVICES, "egress"), (*OLD_UNITS, "gb"))
    with op.batch_alter_table("rate_lines", schema=None) as batch_op:
        # Existing lines keep what they did: everything was billed as provisioned.
        batch_op.add_column(
            sa.Column(
                "basis",
                sa.Enum(
                    "provisioned",
                    "measured",
                    name="usagebasis",
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=False,
                server_default="provisioned",
            )
        )
    with op.batch_alter_table("budget_alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("basis", sa.String(length=20), nullable=False, server_default="invoiced")
        )


def downgrade() -> None:
    with op.batch_alter_table("rate_lines", schema=None) as batch_op:
        batch_op.drop_column("basis")
    with op.batch_alter_table("budget_alerts", schema=None) as batch_op:
        batch_op.drop_column("basis")
    _checks(OLD_SERVICES, OLD_UNITS)
