"""Who is calling: a user or device token resolved to a studio, a role and, for devices, a location."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Role


@dataclass(frozen=True)
class Principal:
    token_id: int | None
    studio_id: int
    role: Role
    name: str
    user_id: int | None = None
    location_id: int | None = None
    # CLIENT: the client whose projects it reads and asks bookings for.
    client_id: int | None = None

    @property
    def actor(self) -> str:
        """How the principal appears in the audit log."""
        return f"{self.role.value.lower()}:{self.name}"

    @property
    def is_device(self) -> bool:
        return self.role in (Role.SCANNER, Role.DISPLAY)
