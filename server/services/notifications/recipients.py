"""Who a notification goes to, and how they are told.

A person is a user: every user token (`callsheet token create`) stands for one, created the first
time its name is used, with the e-mail address given by `--email`. In-app notifications are the
user's, whichever of their tokens reads them. Crew are reached through their resource: its linked
user (in-app, e-mailed at the resource's address or else the user's), or, for crew without an
account, the resource's own address (e-mail only).
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Resource, User


@dataclass(frozen=True)
class Recipient:
    studio_id: int
    user_id: int | None = None
    resource_id: int | None = None
    email: str | None = None

    @property
    def key(self) -> str:
        """One spelling per recipient, unique with the event (`notifications.recipient`)."""
        return f"user:{self.user_id}" if self.user_id is not None else f"resource:{self.resource_id}"


def person(user: User) -> Recipient:
    return Recipient(user.studio_id, user_id=user.id, email=user.email)


def crew_member(resource: Resource, users: dict[int, User]) -> Recipient | None:
    """A crew resource as a recipient: its user if it has one, else its address; None if unreachable."""
    user = users.get(resource.user_id) if resource.user_id is not None else None
    if user is not None:
        return Recipient(resource.studio_id, user_id=user.id, email=resource.email or user.email)
    if resource.email:
        return Recipient(resource.studio_id, resource_id=resource.id, email=resource.email)
    return None
