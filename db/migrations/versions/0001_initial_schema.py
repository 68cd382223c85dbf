"""Initial schema: every table; on PostgreSQL also the occupancy period and its exclusion constraint.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 22:09:24.080658
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "studios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("overdue_grace_minutes", sa.Integer(), nullable=False),
        sa.Column("max_booking_hours", sa.Integer(), nullable=False),
        sa.Column("crew_rules_hard", sa.Boolean(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("max_booking_hours > 0", name=op.f("ck_studios_max_booking_positive")),
        sa.CheckConstraint("overdue_grace_minutes >= 0", name=op.f("ck_studios_grace_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studios")),
        sa.UniqueConstraint("name", name=op.f("uq_studios_name")),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_clients_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("studio_id", "name", name=op.f("uq_clients_studio_id_name")),
    )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clients_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "idempotency_records",
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("operation", sa.String(length=60), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_idempotency_records_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("studio_id", "key", name=op.f("pk_idempotency_records")),
    )
    op.create_table(
        "invoice_counters",
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_invoice_counters_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("studio_id", name=op.f("pk_invoice_counters")),
    )
    op.create_table(
        "kits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_kits_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kits")),
        sa.UniqueConstraint("studio_id", "code", name=op.f("uq_kits_studio_id_code")),
        sa.UniqueConstraint("studio_id", "name", name=op.f("uq_kits_studio_id_name")),
    )
    with op.batch_alter_table("kits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kits_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_locations_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("studio_id", "name", name=op.f("uq_locations_studio_id_name")),
    )
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_locations_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "ADMIN",
                "COORDINATOR",
                "PRODUCER",
                "CREW",
                "SCANNER",
                "DISPLAY",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_users_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("studio_id", "name", name=op.f("uq_users_studio_id_name")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "ADMIN",
                "COORDINATOR",
                "PRODUCER",
                "CREW",
                "SCANNER",
                "DISPLAY",
                name="token_role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "(role IN ('SCANNER', 'DISPLAY')) = (location_id IS NOT NULL)",
            name=op.f("ck_api_tokens_device_has_location"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_api_tokens_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_api_tokens_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "display_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_display_links_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_display_links_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_display_links_token_id_api_tokens"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_display_links")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_display_links_code_hash")),
    )
    with op.batch_alter_table("display_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_display_links_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("approved_budget_minor", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "approved_budget_minor IS NULL OR approved_budget_minor >= 0", name=op.f("ck_projects_budget_ge0")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_projects_client_id_clients"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["users.id"], name=op.f("fk_projects_producer_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_projects_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("studio_id", "name", name=op.f("uq_projects_studio_id_name")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ROOM",
                "EQUIPMENT",
                "STOCK",
                "CREW",
                name="resource_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=True),
        sa.Column("epc", sa.String(length=64), nullable=True),
        sa.Column("serial_number", sa.String(length=80), nullable=True),
        sa.Column("model", sa.String(length=120), nullable=True),
        sa.Column("condition", sa.String(length=16), nullable=True),
        sa.Column(
            "custody",
            sa.Enum(
                "IN_CAGE",
                "CHECKED_OUT",
                "MAINTENANCE",
                "MISSING",
                "RETIRED",
                name="custody_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("replacement_value_minor", sa.BigInteger(), nullable=True),
        sa.Column("accessories", sa.JSON(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=24), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("weekly_hour_cap", sa.Integer(), nullable=True),
        sa.Column("min_rest_minutes", sa.Integer(), nullable=True),
        sa.Column("setup_minutes", sa.Integer(), nullable=False),
        sa.Column("teardown_minutes", sa.Integer(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'EQUIPMENT') = (custody IS NOT NULL)", name=op.f("ck_resources_custody_for_equipment")
        ),
        sa.CheckConstraint("kind = 'STOCK' OR quantity = 1", name=op.f("ck_resources_unit_quantity_one")),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name=op.f("ck_resources_capacity_non_negative")),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_resources_quantity_positive")),
        sa.CheckConstraint(
            "setup_minutes >= 0 AND teardown_minutes >= 0", name=op.f("ck_resources_buffers_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_resources_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_resources_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_resources_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
        sa.UniqueConstraint("studio_id", "code", name=op.f("uq_resources_studio_id_code")),
        sa.UniqueConstraint("studio_id", "epc", name=op.f("uq_resources_studio_id_epc")),
    )
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resources_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_resources_studio_id"), ["studio_id"], unique=False)
        batch_op.create_index("ix_resources_studio_kind", ["studio_id", "kind"], unique=False)

    op.create_table(
        "audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("started_by_token_id", sa.Integer(), nullable=True),
        sa.Column("finished_by_token_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["finished_by_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_audits_finished_by_token_id_api_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_audits_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_audits_started_by_token_id_api_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_audits_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audits")),
    )
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audits_studio_id"), ["studio_id"], unique=False)
        batch_op.create_index(
            "uq_audits_open_location",
            ["location_id"],
            unique=True,
            sqlite_where=sa.text("finished_at IS NULL"),
            postgresql_where=sa.text("finished_at IS NULL"),
        )

    op.create_table(
        "blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_blocks_window_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_blocks_created_by_token_id_api_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_blocks_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_blocks_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocks")),
    )
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blocks_resource_id"), ["resource_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_blocks_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "HOLD",
                "CONFIRMED",
                "IN_PROGRESS",
                "COMPLETED",
                "CANCELLED",
                "EXPIRED",
                name="booking_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("hold_expires_at", UTCDateTime(), nullable=True),
        sa.Column("actual_start_at", UTCDateTime(), nullable=True),
        sa.Column("actual_end_at", UTCDateTime(), nullable=True),
        sa.Column("created_by_token_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_bookings_window_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_bookings_created_by_token_id_api_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_bookings_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_bookings_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_studio_id"), ["studio_id"], unique=False)
        batch_op.create_index("ix_bookings_studio_window", ["studio_id", "start_at", "end_at"], unique=False)

    op.create_table(
        "budget_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("previous_minor", sa.BigInteger(), nullable=True),
        sa.Column("approved_minor", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_budget_changes_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_budget_changes_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_changes")),
    )
    with op.batch_alter_table("budget_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_changes_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_changes_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_events_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_events_token_id_api_tokens"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_studio_topic_seq", ["studio_id", "topic", "seq"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "DRAFT",
                "ISSUED",
                "PAID",
                "VOID",
                name="invoice_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=True),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("(status = 'DRAFT') = (number IS NULL)", name=op.f("ck_invoices_number_when_issued")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_invoices_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_invoices_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("studio_id", "number", name=op.f("uq_invoices_studio_id_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "kit_items",
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["kit_id"], ["kits.id"], name=op.f("fk_kit_items_kit_id_kits"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_kit_items_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kit_id", "resource_id", name=op.f("pk_kit_items")),
        sa.UniqueConstraint("resource_id", name=op.f("uq_kit_items_resource_id")),
    )
    op.create_table(
        "rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column(
            "unit",
            sa.Enum(
                "HOUR",
                "HALF_DAY",
                "DAY",
                "FLAT",
                name="rate_unit",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("cost_rate_minor", sa.BigInteger(), nullable=False),
        sa.Column("bill_rate_minor", sa.BigInteger(), nullable=False),
        sa.Column("day_cap_hours", sa.Integer(), nullable=True),
        sa.Column("overtime_after_hours", sa.Integer(), nullable=True),
        sa.Column("overtime_percent", sa.Integer(), nullable=True),
        sa.Column("late_fee_per_day_minor", sa.BigInteger(), nullable=True),
        sa.Column("valid_from", UTCDateTime(), nullable=True),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("(resource_id IS NULL) <> (category IS NULL)", name=op.f("ck_rates_one_target")),
        sa.CheckConstraint("cost_rate_minor >= 0 AND bill_rate_minor >= 0", name=op.f("ck_rates_rates_non_negative")),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from",
            name=op.f("ck_rates_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["resources.id"], name=op.f("fk_rates_resource_id_resources"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_rates_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rates")),
    )
    with op.batch_alter_table("rates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rates_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column("role", sa.String(length=80), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_allocations_window_positive")),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_allocations_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_allocations_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["kit_id"], ["kits.id"], name=op.f("fk_allocations_kit_id_kits"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_allocations_resource_id_resources"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_allocations_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocations_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocations_resource_id"), ["resource_id"], unique=False)
        batch_op.create_index("ix_allocations_resource_window", ["resource_id", "start_at", "end_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocations_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "audit_sightings",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_audit_sightings_audit_id_audits"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_audit_sightings_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("audit_id", "resource_id", name=op.f("pk_audit_sightings")),
    )
    op.create_table(
        "custody_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("custodian", sa.String(length=120), nullable=False),
        sa.Column("checked_out_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("overdue_at", UTCDateTime(), nullable=True),
        sa.Column("returned_at", UTCDateTime(), nullable=True),
        sa.Column("return_condition", sa.String(length=16), nullable=True),
        sa.Column("return_notes", sa.Text(), nullable=True),
        sa.Column("missing_accessories", sa.JSON(), nullable=False),
        sa.Column("out_token_id", sa.Integer(), nullable=True),
        sa.Column("in_token_id", sa.Integer(), nullable=True),
        sa.Column("kit_id", sa.Integer(), nullable=True),
        sa.Column("maintenance_block_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_custody_records_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["kit_id"], ["kits.id"], name=op.f("fk_custody_records_kit_id_kits"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["maintenance_block_id"],
            ["blocks.id"],
            name=op.f("fk_custody_records_maintenance_block_id_blocks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["in_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_custody_records_in_token_id_api_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["out_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_custody_records_out_token_id_api_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_custody_records_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_custody_records_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_records")),
    )
    with op.batch_alter_table("custody_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custody_records_resource_id"), ["resource_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_custody_records_studio_id"), ["studio_id"], unique=False)
        batch_op.create_index(
            "uq_custody_records_open_item",
            ["resource_id"],
            unique=True,
            sqlite_where=sa.text("returned_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL"),
        )
        batch_op.create_index(
            "ix_custody_records_open_due",
            ["due_at"],
            unique=False,
            sqlite_where=sa.text("returned_at IS NULL AND overdue_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL AND overdue_at IS NULL"),
        )

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("quantity", sa.String(length=24), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("rate_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_invoice_lines_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_lines_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_lines_studio_id"), ["studio_id"], unique=False)
        batch_op.create_index(
            "uq_invoice_lines_live_source",
            ["studio_id", "source_key"],
            unique=True,
            sqlite_where=sa.text("live"),
            postgresql_where=sa.text("live"),
        )

    op.create_table(
        "scan_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_scan_records_audit_id_audits"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_scan_records_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_scan_records_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_scan_records_resource_id_resources"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_scan_records_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_scan_records_token_id_api_tokens"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_records")),
    )
    with op.batch_alter_table("scan_records", schema=None) as batch_op:
        batch_op.create_index("ix_scan_records_resource_at", ["resource_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_scan_records_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "scope_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("delta_minor", sa.BigInteger(), nullable=False),
        sa.Column("over_budget", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_scope_changes_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_scope_changes_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_scope_changes_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scope_changes")),
    )
    with op.batch_alter_table("scope_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scope_changes_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scope_changes_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "occupancies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=True),
        sa.Column("block_id", sa.Integer(), nullable=True),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("(allocation_id IS NULL) <> (block_id IS NULL)", name=op.f("ck_occupancies_one_source")),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_occupancies_window_positive")),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allocations.id"],
            name=op.f("fk_occupancies_allocation_id_allocations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["block_id"], ["blocks.id"], name=op.f("fk_occupancies_block_id_blocks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_occupancies_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_occupancies_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupancies")),
        sa.UniqueConstraint("allocation_id", name=op.f("uq_occupancies_allocation_id")),
        sa.UniqueConstraint("block_id", name=op.f("uq_occupancies_block_id")),
    )
    with op.batch_alter_table("occupancies", schema=None) as batch_op:
        batch_op.create_index("ix_occupancies_resource_window", ["resource_id", "start_at", "end_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_occupancies_studio_id"), ["studio_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _create_postgres_exclusion()


def _create_postgres_exclusion() -> None:
    """No two active claims on one resource overlap: range first, as the availability scan wants."""
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        "ALTER TABLE occupancies ADD COLUMN period tstzrange "
        "GENERATED ALWAYS AS (tstzrange(start_at, end_at, '[)')) STORED"
    )
    op.execute(
        "ALTER TABLE occupancies ADD CONSTRAINT ex_occupancies_no_overlap "
        "EXCLUDE USING gist (period WITH &&, resource_id WITH =) WHERE (active)"
    )
    op.execute(
        "ALTER TABLE bookings ADD COLUMN period tstzrange "
        "GENERATED ALWAYS AS (tstzrange(start_at, end_at, '[)')) STORED"
    )
    op.execute("CREATE INDEX ix_bookings_period ON bookings USING gist (studio_id, period)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_bookings_period")
        op.execute("ALTER TABLE bookings DROP COLUMN IF EXISTS period")
        op.execute("ALTER TABLE occupancies DROP CONSTRAINT IF EXISTS ex_occupancies_no_overlap")
        op.execute("ALTER TABLE occupancies DROP COLUMN IF EXISTS period")
    with op.batch_alter_table("occupancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occupancies_studio_id"))
        batch_op.drop_index("ix_occupancies_resource_window")

    op.drop_table("occupancies")
    with op.batch_alter_table("scope_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scope_changes_studio_id"))
        batch_op.drop_index(batch_op.f("ix_scope_changes_project_id"))

    op.drop_table("scope_changes")
    with op.batch_alter_table("scan_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scan_records_studio_id"))
        batch_op.drop_index("ix_scan_records_resource_at")

    op.drop_table("scan_records")
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_invoice_lines_live_source", sqlite_where=sa.text("live"), postgresql_where=sa.text("live")
        )
        batch_op.drop_index(batch_op.f("ix_invoice_lines_studio_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_lines_invoice_id"))

    op.drop_table("invoice_lines")
    with op.batch_alter_table("custody_records", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_custody_records_open_due",
            sqlite_where=sa.text("returned_at IS NULL AND overdue_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL AND overdue_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_custody_records_open_item",
            sqlite_where=sa.text("returned_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_custody_records_studio_id"))
        batch_op.drop_index(batch_op.f("ix_custody_records_resource_id"))

    op.drop_table("custody_records")
    op.drop_table("audit_sightings")
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocations_studio_id"))
        batch_op.drop_index("ix_allocations_resource_window")
        batch_op.drop_index(batch_op.f("ix_allocations_resource_id"))
        batch_op.drop_index(batch_op.f("ix_allocations_booking_id"))

    op.drop_table("allocations")
    with op.batch_alter_table("rates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rates_studio_id"))

    op.drop_table("rates")
    op.drop_table("kit_items")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_studio_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_project_id"))

    op.drop_table("invoices")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_studio_topic_seq")

    op.drop_table("events")
    with op.batch_alter_table("budget_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_changes_studio_id"))
        batch_op.drop_index(batch_op.f("ix_budget_changes_project_id"))

    op.drop_table("budget_changes")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_studio_window")
        batch_op.drop_index(batch_op.f("ix_bookings_studio_id"))
        batch_op.drop_index(batch_op.f("ix_bookings_project_id"))

    op.drop_table("bookings")
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blocks_studio_id"))
        batch_op.drop_index(batch_op.f("ix_blocks_resource_id"))

    op.drop_table("blocks")
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_audits_open_location",
            sqlite_where=sa.text("finished_at IS NULL"),
            postgresql_where=sa.text("finished_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_audits_studio_id"))

    op.drop_table("audits")
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_index("ix_resources_studio_kind")
        batch_op.drop_index(batch_op.f("ix_resources_studio_id"))
        batch_op.drop_index(batch_op.f("ix_resources_category"))

    op.drop_table("resources")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_studio_id"))

    op.drop_table("projects")
    with op.batch_alter_table("display_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_display_links_studio_id"))

    op.drop_table("display_links")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_studio_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_studio_id"))

    op.drop_table("users")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_locations_studio_id"))

    op.drop_table("locations")
    with op.batch_alter_table("kits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kits_studio_id"))

    op.drop_table("kits")
    op.drop_table("invoice_counters")
    op.drop_table("idempotency_records")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clients_studio_id"))

    op.drop_table("clients")
    op.drop_table("studios")
