"""Clients on the portal, booking requests, notifications and the reminders the sweeper sent.

Revision ID: 0006_clients
Revises: 0006_holds
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision: str = "0006_clients"
down_revision: str | None = "0006_holds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = ("ADMIN", "COORDINATOR", "PRODUCER", "CREW", "SCANNER", "DISPLAY")
ROLES_AFTER = (*ROLES_BEFORE, "CLIENT")
STATUSES_BEFORE = ("HOLD", "CONFIRMED", "IN_PROGRESS", "COMPLETED", "CANCELLED", "EXPIRED")
STATUSES_AFTER = (*STATUSES_BEFORE, "REQUESTED", "DECLINED")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _enum_checks(roles: tuple[str, ...], statuses: tuple[str, ...]) -> None:
    """Recreate the CHECK constraints of the role and booking status vocabularies."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role"), _in("role", roles))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_tokens_token_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_api_tokens_token_role"), _in("role", roles))
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bookings_booking_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_bookings_booking_status"), _in("status", statuses))


def upgrade() -> None:
    _enum_checks(ROLES_AFTER, STATUSES_AFTER)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_client_id"), ["client_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_users_client_id_clients"), "clients", ["client_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_check_constraint(
            op.f("ck_users_client_has_client"), "(role = 'CLIENT') = (client_id IS NOT NULL)"
        )
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_note", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("decline_reason", sa.String(length=2000), nullable=True))

    op.create_table(
        "notifications",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("event_seq", BIG_ID, nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("email_status", sa.String(length=16), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_next_at", UTCDateTime(), nullable=True),
        sa.Column("email_sent_at", UTCDateTime(), nullable=True),
        sa.Column("email_error", sa.String(length=300), nullable=True),
        sa.CheckConstraint("(user_id IS NULL) <> (resource_id IS NULL)", name=op.f("ck_notifications_one_recipient")),
        sa.CheckConstraint(
            "email_status IS NULL OR email_status IN ('PENDING', 'SENT', 'FAILED')",
            name=op.f("ck_notifications_email_status"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_notifications_booking_id_bookings"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["resources.id"], name=op.f("fk_notifications_resource_id_resources"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_notifications_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("event_seq", "recipient", name=op.f("uq_notifications_event_seq_recipient")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user", ["user_id", "id"], unique=False)
        batch_op.create_index("ix_notifications_email_queue", ["email_status", "email_next_at"], unique=False)

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_reminders_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("kind", "subject_id", "deadline", name=op.f("uq_reminders_kind_subject_id_deadline")),
    )


def downgrade() -> None:
    op.drop_table("reminders")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_email_queue")
        batch_op.drop_index("ix_notifications_user")
    op.drop_table("notifications")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("decline_reason")
        batch_op.drop_column("request_note")
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_column("email")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_client_has_client"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_users_client_id_clients"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_client_id"))
        batch_op.drop_column("client_id")
    _enum_checks(ROLES_BEFORE, STATUSES_BEFORE)
