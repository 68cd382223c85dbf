"""Resolvers of the room board query and the live subscriptions.

A subscription resolver checks the caller and the arguments before the stream starts, so a refusal
reaches the client as the protocol's `error` message for that operation. Each stream then sends a
snapshot carrying the newest event `seq`, then updates; a gap reported by the bus (`Resync`) sends
a fresh snapshot. DataLoaders are renewed for every message by the execution context (the
connection's context lives as long as the socket, see `server.schema.execution`), and no database
session is held between messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError

from db.types import utcnow
from server.background.live import AssetChange, BoardGone, BoardSeat, Change, LiveViews
from server.events.types import AVAILABILITY, BOOKINGS, BusMessage
from server.resolvers.errors import refusal, refuses_query
from server.schema.context import Context
from server.schema.execution import SharedRender, viewer_class
from server.schema.ids import decode_id, decode_optional
from server.schema.scheduling.inputs import (
    AvailabilityInput,
)
from server.schema.types.catalogue import Resource
from server.schema.types.realtime import AssetStatusEvent, AvailabilityUpdate, BookingEvent, RoomBoard
from server.schema.types.scheduling import AvailableResource, Booking
from server.services import feeds, roomboard
from server.services.allocation.availability import AvailabilityQuery
from server.services.errors import DomainError
from server.services.principal import Principal
from server.services.uow import UnitOfWork
from server.telemetry import metrics
from server.websocket import FAST_LANE, FastLane

Info = strawberry.Info[Context, None]
COALESCE = 0.25  # seconds between two recomputed answers of one subscription

T = TypeVar("T")


# Query


@refuses_query
async def room_board(info: Info, location_id: strawberry.ID, at: datetime | None = None) -> RoomBoard:
    principal = info.context.require_principal()
    data = await roomboard.board(info.context.uow, principal, decode_id(location_id, "Location"), at or utcnow())
    return RoomBoard.from_data(data, await roomboard.visible_bookings(info.context.uow, principal, data))


# Subscriptions


async def counted(field: str, stream: AsyncGenerator[T, None]) -> AsyncGenerator[T, None]:
    """The stream, counted in `callsheet_subscriptions_active` while it runs."""
    gauge = metrics.SUBSCRIPTIONS.labels(field)
    gauge.inc()
    try:
        async for item in stream:
            yield item
    finally:
        gauge.dec()
        await stream.aclose()


@refuses_query
async def room_board_stream(info: Info, location_id: strawberry.ID) -> AsyncGenerator[RoomBoard, None]:
    principal = info.context.require_principal()
    pk = decode_id(location_id, "Location")
    await roomboard.may_watch(info.context.uow, principal, pk, LiveViews.of(info.context.uow).shows)
    return counted("roomBoard", _boards(info, principal, pk))


async def _boards(info: Info, principal: Principal, location_id: int) -> AsyncGenerator[RoomBoard, None]:
    uow = info.context.uow
    viewer = viewer_class(principal)
    lane = FAST_LANE.get()
    # Every subscriber of a version asking the same with the same rights gets the same message:
    # the first (the group's leader) renders it, the others are sent it as it is.
    key = ("message", lane.signature if lane is not None else None, viewer)
    held = lane.take_held() if lane is not None else None
    if isinstance(held, BoardSeat):  # resumed after it detached: back in its place in the group
        seat = held
        seat.attach(lane.push if lane is not None else None)
    else:
        seat = LiveViews.of(uow).seat(principal.studio_id, location_id, key, lane.push if lane is not None else None)
    hub, watcher = seat.hub, seat.watcher
    try:
        while True:
            try:
                version, data = await hub.next_for(watcher)
            except BoardGone:
                raise GraphQLError("The location no longer exists.", extensions={"code": "NOT_FOUND"}) from None
            rendered = data.memo.get(key) if lane is not None else None
            if lane is not None and rendered is not None:
                if not lane.push(rendered, data.memo):
                    await lane.send(rendered, data.memo)
                hub.fan_out(watcher, version, rendered, data.memo)
            else:
                board = data.memo.get(("board", viewer))
                if board is None:
                    board = RoomBoard.from_data(data, await roomboard.visible_bookings(uow, principal, data))
                    board.shared = SharedRender(data.memo, viewer)
                    data.memo[("board", viewer)] = board
                if lane is not None:
                    lane.capture = (data.memo, key)
                yield board
                if lane is None:
                    continue
                lane.capture = None
                hub.fan_out(watcher, version, data.memo.get(key), data.memo)
            if not hub.leads(watcher):
                # A follower is pushed its group's messages: it goes on without a task of its own.
                seat.detach(lane.resume)
                lane.detach(seat)
    finally:
        if not seat.detached:
            await seat.release()


@refuses_query
async def asset_status_stream(
    info: Info, location_id: strawberry.ID | None = None
) -> AsyncGenerator[AssetStatusEvent, None]:
    principal = info.context.require_principal()
    pk = decode_optional(location_id, "Location")
    locations = await feeds.asset_locations(info.context.uow, principal, pk)
    return counted("assetStatusChanged", _asset_events(info, principal, locations))


async def _asset_events(
    info: Info, principal: Principal, locations: list[int]
) -> AsyncGenerator[AssetStatusEvent, None]:
    uow = info.context.uow
    live = LiveViews.of(uow)
    viewer = viewer_class(principal)
    lane = FAST_LANE.get()
    key = ("message", lane.signature if lane is not None else None, viewer)
    async with live.assets(principal.studio_id, locations) as mailbox:
        seq = -1
        item: AssetChange | Change | None = None
        while True:
            memos: dict[Any, Any] | None  # where each entry's rendering is kept for other followers
            prefix: tuple[Any, ...]
            if not isinstance(item, AssetChange):
                # The start, or a gap: every item as it is now (after a gap shared by the followers
                # of the same rights, and reloaded a few at a time).
                if item is None:
                    snapshot, shown = await _asset_snapshot(uow, principal, locations)
                else:
                    snapshot, shown = await item.once(
                        ("snapshot", viewer, tuple(locations)),
                        lambda: live.gated(lambda: _asset_snapshot(uow, principal, locations)),
                    )
                # After a gap every follower of the same rights is sent the same snapshot: each
                # entry rendered once, then sent as it is.
                shared = item is not None and snapshot.seq >= seq
                seq = max(seq, snapshot.seq)
                states, at, is_snapshot = snapshot.items, snapshot.at, True
                memos, prefix = (item.memo if item is not None else None), ("snapshot", viewer)
            else:
                # A change is the same for every follower with the same rights: rendered once, then
                # sent as it is (unless this follower's stream is already past its seq).
                shared = item.seq >= seq
                seq = max(seq, item.seq)
                known: set[int] | None = item.memo.get(("visible", viewer))
                if known is None:
                    known = await feeds.visible_booking_ids(uow, principal, _booking_ids(item.states))
                    item.memo[("visible", viewer)] = known
                shown = known
                states, at, is_snapshot = item.states, item.at, False
                memos, prefix = item.memo, ("payload",)
            for index, state in enumerate(states):
                memo = memos.setdefault((*prefix, index), {}) if memos is not None else {}
                if shared and await _sent_as_rendered(lane, memo, key):
                    continue
                event = _asset_event(state, seq, at, shown, snapshot=is_snapshot)
                if shared:
                    event.shared = SharedRender(memo, viewer)
                yield event
                if lane is not None:
                    lane.capture = None
            item = await mailbox.get()


async def _asset_snapshot(
    uow: UnitOfWork, principal: Principal, locations: list[int]
) -> tuple[feeds.Snapshot[feeds.AssetState], set[int]]:
    snapshot = await feeds.asset_snapshot(uow, principal, locations)
    return snapshot, await feeds.visible_booking_ids(uow, principal, _booking_ids(snapshot.items))


async def _sent_as_rendered(lane: FastLane | None, memo: dict[Any, Any], key: Any) -> bool:
    """Send the message already rendered under `key` for an event shared by many subscribers, if
    there is one; otherwise have the lane keep what is rendered now under that key."""
    if lane is None:
        return False
    rendered = memo.get(key)
    if rendered is None:
        lane.capture = (memo, key)
        return False
    if not lane.push(rendered, memo):
        await lane.send(rendered, memo)
    return True


def _booking_ids(states: list[feeds.AssetState]) -> set[int]:
    return {s.booking.id for s in states if s.booking is not None}


def _asset_event(
    state: feeds.AssetState, seq: int, at: datetime, shown: set[int], *, snapshot: bool
) -> AssetStatusEvent:
    custody = state.asset.custody
    assert custody is not None
    booking = state.booking
    return AssetStatusEvent(
        seq=str(seq),
        asset=Resource.from_model(state.asset),
        custody=custody,
        at=at,
        snapshot=snapshot,
        booking=Booking.from_model(booking) if booking is not None and booking.id in shown else None,
    )


@refuses_query
async def booking_stream(info: Info, project_id: strawberry.ID) -> AsyncGenerator[BookingEvent, None]:
    principal = info.context.require_principal()
    pk = await feeds.project_for_feed(info.context.uow, principal, decode_id(project_id, "Project"))
    return counted("bookingChanged", _booking_events(info, principal, pk))


async def _booking_events(info: Info, principal: Principal, project_id: int) -> AsyncGenerator[BookingEvent, None]:
    uow = info.context.uow
    live = LiveViews.of(uow)
    viewer = viewer_class(principal)
    lane = FAST_LANE.get()
    key = ("message", lane.signature if lane is not None else None, viewer)

    def wants(message: BusMessage) -> bool:
        return message.payload.get("projectId") == project_id and isinstance(message.payload.get("bookingId"), int)

    def reload() -> Awaitable[feeds.Snapshot[Any]]:
        return feeds.booking_snapshot(uow, principal, project_id)

    async with live.follow(principal.studio_id, BOOKINGS, wants) as mailbox:
        seq = -1
        change: Change | None = None
        while True:
            item = None if change is None else change.item
            if not isinstance(item, BusMessage):
                # The start, or a gap (then loaded once per viewer class, a few at a time).
                if change is None:
                    snapshot = await reload()
                else:
                    snapshot = await change.once(("snapshot", viewer, project_id), lambda: live.gated(reload))
                shared = change is not None and snapshot.seq >= seq
                seq = max(seq, snapshot.seq)
                for index, row in enumerate(snapshot.items):
                    memo = change.memo.setdefault(("snapshot", viewer, project_id, index), {}) if change else {}
                    if shared and await _sent_as_rendered(lane, memo, key):
                        continue
                    event = BookingEvent(
                        seq=str(seq), type="SNAPSHOT", booking=Booking.from_model(row), at=snapshot.at, snapshot=True
                    )
                    if shared:
                        event.shared = SharedRender(memo, viewer)
                    yield event
                    if lane is not None:
                        lane.capture = None
            else:
                assert change is not None
                changed = await change.once(
                    ("booking", viewer), partial(feeds.booking_changed, uow, principal, item.payload["bookingId"])
                )
                shared = item.seq >= seq
                seq = max(seq, item.seq)
                if changed is not None:
                    memo = change.memo.setdefault("payload", {})
                    if not (shared and await _sent_as_rendered(lane, memo, key)):
                        booking = Booking.from_model(changed)
                        event = BookingEvent(seq=str(seq), type=item.type, booking=booking, at=item.at, snapshot=False)
                        if shared:
                            event.shared = SharedRender(memo, viewer)
                        yield event
                        if lane is not None:
                            lane.capture = None
            change = await mailbox.get()


@refuses_query
async def availability_stream(info: Info, filter: AvailabilityInput) -> AsyncGenerator[AvailabilityUpdate, None]:
    principal = info.context.require_principal()
    feeds.availability_authorize(principal)
    query = AvailabilityQuery(
        start=filter.start,
        end=filter.end,
        kind=filter.kind,
        category=filter.category,
        skills=tuple(filter.skills or ()),
        location_id=decode_optional(filter.location_id, "Location"),
        quantity=1 if filter.quantity is None else filter.quantity,
    )
    # The first answer is computed here, so a query that cannot be answered is refused up front.
    first = await feeds.availability_snapshot(info.context.uow, principal, query)
    return counted("availabilityChanged", _availability(info, principal, query, first))


async def _availability(
    info: Info, principal: Principal, query: AvailabilityQuery, first: feeds.Snapshot[tuple[Any, int]]
) -> AsyncGenerator[AvailabilityUpdate, None]:
    uow = info.context.uow
    live = LiveViews.of(uow)
    loop = asyncio.get_running_loop()
    viewer = viewer_class(principal)
    lane = FAST_LANE.get()
    key = ("message", lane.signature if lane is not None else None, viewer)
    # Followers asking the same with the same rights share each answer: loaded by the first of
    # them to reach a change, rendered once.
    load_key = ("availability", viewer, query)

    def wants(message: BusMessage) -> bool:
        return feeds.touches_window(message.payload, query)

    def answer() -> Awaitable[feeds.Snapshot[tuple[Any, int]]]:
        return feeds.availability_snapshot(uow, principal, query)

    async with live.follow(principal.studio_id, AVAILABILITY, wants) as mailbox:
        # Subscribed only now: recompute once so nothing between the first answer and here is lost.
        snapshot = await answer()
        seq = max(first.seq, snapshot.seq)
        memo: dict[Any, Any] = {}
        shared = False
        while True:
            if not (shared and await _sent_as_rendered(lane, memo, key)):
                update = AvailabilityUpdate(
                    seq=str(seq),
                    at=snapshot.at,
                    resources=[
                        AvailableResource(resource=Resource.from_model(r), available_quantity=q)
                        for r, q in snapshot.items
                    ],
                )
                if shared:
                    update.shared = SharedRender(memo, viewer)
                yield update
                if lane is not None:
                    lane.capture = None
            sent = loop.time()
            change = await mailbox.get()
            # Coalesce a burst: at most one answer per COALESCE seconds, for the newest change.
            pause = sent + COALESCE - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            gap = change.is_gap
            while mailbox.pending():
                change = await mailbox.get()
                gap = gap or change.is_gap
            # After a gap, reloads run a few at a time. The answer keyed on the newest change is
            # the same for every follower that saw it: it was computed after that change committed.
            load = (lambda: live.gated(answer)) if gap else answer
            try:
                snapshot = await change.once(load_key, load)
            except DomainError as exc:
                raise refusal(exc) from None
            shared = snapshot.seq >= seq
            seq = max(seq, snapshot.seq)
            memo = change.memo.setdefault(("render", load_key), {})


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class RealtimeQuery:
    room_board = strawberry.field(
        resolver=room_board,
        description="Every room of a location and its state at `at` (default: now). A display sees its own location.",
    )


@strawberry.type(description="Live views: each starts with a snapshot carrying the newest event seq, then updates.")
class Subscription:
    room_board = strawberry.subscription(
        resolver=room_board_stream,
        description=(
            "A location's board now, then again whenever it changes: on every write that touches its rooms "
            "(at most one board per 250 ms) and when a session starts or ends, with no write needed."
        ),
    )
    asset_status_changed = strawberry.subscription(
        resolver=asset_status_stream,
        description=(
            "The custody of every item at the location (all locations you may follow if omitted), "
            "then each change as it happens."
        ),
    )
    availability_changed = strawberry.subscription(
        resolver=availability_stream,
        description=(
            "What is free for the window (as the `availability` query answers) now, then again after every "
            "change that may affect it (at most one answer per 250 ms)."
        ),
    )
    booking_changed = strawberry.subscription(
        resolver=booking_stream,
        description="The project's current and coming bookings you may see, then each booking as it changes.",
    )
