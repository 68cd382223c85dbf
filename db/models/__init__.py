"""All Callsheet tables; importing this module registers them on `Base.metadata`."""

from db.models.base import Base
from db.models.cage import Audit, AuditSighting, CustodyRecord, ScanRecord
from db.models.calendar import CalendarFeed
from db.models.enums import (
    BLOCKING_STATUSES,
    POOL_KINDS,
    BookingStatus,
    Condition,
    CustodyState,
    InvoiceStatus,
    MediaStatus,
    MilestoneStatus,
    RateUnit,
    ResourceKind,
    Role,
    TaskKind,
    TaskStatus,
)
from db.models.events import Event, IdempotencyRecord
from db.models.money import BudgetChange, Invoice, InvoiceCounter, InvoiceLine, Rate, ScopeChange
from db.models.notifications import Notification, Reminder
from db.models.plan import MediaAsset, Milestone, ReviewLink, Task, TaskDependency
from db.models.projects import Client, Project
from db.models.resources import Kit, KitItem, Resource
from db.models.scheduling import Allocation, Block, Booking, Occupancy
from db.models.templates import BookingSeries, SessionTemplate
from db.models.tenancy import ApiToken, DisplayLink, Location, Studio, User
from db.models.webhooks import Webhook, WebhookDelivery

__all__ = [
    "BLOCKING_STATUSES",
    "POOL_KINDS",
    "Allocation",
    "ApiToken",
    "Audit",
    "AuditSighting",
    "Base",
    "Block",
    "Booking",
    "BookingSeries",
    "BookingStatus",
    "BudgetChange",
    "CalendarFeed",
    "Client",
    "Condition",
    "CustodyRecord",
    "CustodyState",
    "DisplayLink",
    "Event",
    "IdempotencyRecord",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "InvoiceStatus",
    "Kit",
    "KitItem",
    "Location",
    "MediaAsset",
    "MediaStatus",
    "Milestone",
    "MilestoneStatus",
    "Notification",
    "Occupancy",
    "Project",
    "Rate",
    "RateUnit",
    "Reminder",
    "Resource",
    "ResourceKind",
    "ReviewLink",
    "Role",
    "ScanRecord",
    "ScopeChange",
    "SessionTemplate",
    "Studio",
    "Task",
    "TaskDependency",
    "TaskKind",
    "TaskStatus",
    "User",
    "Webhook",
    "WebhookDelivery",
]
