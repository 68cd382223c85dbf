"""Ranked holds: a queued hold's place in line, and the deadline a challenged hold must meet.

Revision ID: 0006_holds
Revises: 0005_templates_series
Create Date: 2026-11-30 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision: str = "0006_holds"
down_revision: str | None = "0005_templates_series"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("challenge_respond_by", UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_bookings_challenge_respond_by"), ["challenge_respond_by"], unique=False)
        batch_op.create_index("ix_bookings_studio_queue", ["studio_id", "queue_seq"], unique=False)
        batch_op.create_index("ix_bookings_hold_expiry", ["hold_expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_hold_expiry")
        batch_op.drop_index("ix_bookings_studio_queue")
        batch_op.drop_index(batch_op.f("ix_bookings_challenge_respond_by"))
        batch_op.drop_column("challenge_respond_by")
        batch_op.drop_column("queue_seq")
