"""Row versions on every entity a person edits: resources, kits, projects, rates, invoices, blocks.

Bookings have carried `version` since 0001. Each new column is NOT NULL with a server default of 1,
so existing rows start at version 1. SQLite alters tables in batch mode (copy and swap).

Revision ID: 0002_versions
Revises: 0001
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_versions"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("resources", "kits", "projects", "rates", "invoices", "blocks")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
