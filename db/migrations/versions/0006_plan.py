"""The production plan: tasks, dependencies, milestones, media assets, review links; STORAGE resources.

Revision ID: 0006_plan
Revises: 0006_clients
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision: str = "0006_plan"
down_revision: str | None = "0006_clients"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = "kind IN ('ROOM', 'EQUIPMENT', 'STOCK', 'CREW')"
KINDS_AFTER = "kind IN ('ROOM', 'EQUIPMENT', 'STOCK', 'CREW', 'STORAGE')"
POOL_BEFORE = "kind = 'STOCK' OR quantity = 1"
POOL_AFTER = "kind IN ('STOCK', 'STORAGE') OR quantity = 1"


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(
        *values, name=name, native_enum=False, create_constraint=True, length=max(16, *(len(v) for v in values))
    )


def _resource_checks(kinds: str, pool: str) -> None:
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_constraint("resource_kind", type_="check")
        batch_op.drop_constraint(batch_op.f("ck_resources_unit_quantity_one"), type_="check")
        batch_op.create_check_constraint("resource_kind", kinds)
        batch_op.create_check_constraint(batch_op.f("ck_resources_unit_quantity_one"), pool)


def upgrade() -> None:
    _resource_checks(KINDS_AFTER, POOL_AFTER)

    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_milestones_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_milestones_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestones_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestones_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            _enum("task_kind", "PREP", "CAPTURE", "INGEST", "EDIT", "REVIEW", "DELIVERY", "OTHER"),
            nullable=False,
        ),
        sa.Column("status", _enum("task_status", "TODO", "IN_PROGRESS", "BLOCKED", "DONE"), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["resources.id"], name=op.f("fk_tasks_assignee_id_resources"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_tasks_booking_id_bookings"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"], ["milestones.id"], name=op.f("fk_tasks_milestone_id_milestones"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_tasks_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_tasks_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        for column in ("assignee_id", "booking_id", "milestone_id", "project_id", "studio_id"):
            batch_op.create_index(batch_op.f(f"ix_tasks_{column}"), [column], unique=False)

    op.create_table(
        "task_dependencies",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("depends_on_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("task_id <> depends_on_id", name=op.f("ck_task_dependencies_not_self")),
        sa.ForeignKeyConstraint(
            ["depends_on_id"], ["tasks.id"], name=op.f("fk_task_dependencies_depends_on_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_dependencies_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "depends_on_id", name=op.f("pk_task_dependencies")),
    )
    with op.batch_alter_table("task_dependencies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_dependencies_depends_on_id"), ["depends_on_id"], unique=False)

    op.create_table(
        "media_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("storage_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("size_megabytes", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            _enum("media_status", "INGESTED", "IN_REVIEW", "CHANGES_REQUESTED", "APPROVED", "DELIVERED", "ARCHIVED"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("size_megabytes > 0", name=op.f("ck_media_assets_size_positive")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_media_assets_booking_id_bookings"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_media_assets_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["storage_id"], ["resources.id"], name=op.f("fk_media_assets_storage_id_resources"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_media_assets_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_assets")),
    )
    with op.batch_alter_table("media_assets", schema=None) as batch_op:
        for column in ("booking_id", "project_id", "storage_id", "studio_id"):
            batch_op.create_index(batch_op.f(f"ix_media_assets_{column}"), [column], unique=False)

    op.create_table(
        "review_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("media_asset_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("decision", sa.String(length=24), nullable=True),
        sa.Column("comment", sa.String(length=4000), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("created_by_token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('APPROVED', 'CHANGES_REQUESTED')",
            name=op.f("ck_review_links_decision_known"),
        ),
        sa.CheckConstraint("(decision IS NULL) = (decided_at IS NULL)", name=op.f("ck_review_links_decided_once")),
        sa.ForeignKeyConstraint(
            ["created_by_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_review_links_created_by_token_id_api_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["media_asset_id"],
            ["media_assets.id"],
            name=op.f("fk_review_links_media_asset_id_media_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"], ["studios.id"], name=op.f("fk_review_links_studio_id_studios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_review_links_token_hash")),
    )
    with op.batch_alter_table("review_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_links_media_asset_id"), ["media_asset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_links_studio_id"), ["studio_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_links_studio_id"))
        batch_op.drop_index(batch_op.f("ix_review_links_media_asset_id"))
    op.drop_table("review_links")
    with op.batch_alter_table("media_assets", schema=None) as batch_op:
        for column in ("booking_id", "project_id", "storage_id", "studio_id"):
            batch_op.drop_index(batch_op.f(f"ix_media_assets_{column}"))
    op.drop_table("media_assets")
    with op.batch_alter_table("task_dependencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_dependencies_depends_on_id"))
    op.drop_table("task_dependencies")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        for column in ("assignee_id", "booking_id", "milestone_id", "project_id", "studio_id"):
            batch_op.drop_index(batch_op.f(f"ix_tasks_{column}"))
    op.drop_table("tasks")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestones_studio_id"))
        batch_op.drop_index(batch_op.f("ix_milestones_project_id"))
    op.drop_table("milestones")
    # Storage volumes cannot survive the narrower kind check.
    op.execute("DELETE FROM resources WHERE kind = 'STORAGE'")
    _resource_checks(KINDS_BEFORE, POOL_BEFORE)
