"""Domain events as recorded by services, and the messages the bus carries after commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Topics (DESIGN §6). Room and asset topics carry the location id.
BOOKINGS = "bookings"
AVAILABILITY = "availability"
RESOURCES = "resources"
PROJECTS = "projects"
TOKENS = "tokens"


def rooms_topic(location_id: int) -> str:
    return f"rooms:{location_id}"


def assets_topic(location_id: int) -> str:
    return f"assets:{location_id}"


def channel(studio_id: int, topic: str) -> str:
    """The bus channel of a studio's topic."""
    return f"studio:{studio_id}:{topic}"


@dataclass(frozen=True)
class DomainEvent:
    """What a service records; the unit of work stamps studio, actor and seq."""

    topic: str
    type: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BusMessage:
    """A committed event as published: small, ids and seq only."""

    seq: int
    studio_id: int
    topic: str
    type: str
    payload: dict[str, Any]
    at: datetime

    @property
    def channel(self) -> str:
        return channel(self.studio_id, self.topic)


@dataclass(frozen=True)
class Resync:
    """Told to a subscriber whose stream has a gap: reload a snapshot before trusting updates."""

    reason: str
