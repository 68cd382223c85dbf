"""The budget reaches `bookingChanged` subscribers as changes land; crew following the project never see it."""

from __future__ import annotations

from db.models import Role
from tests.alloc_support import at, build, create
from tests.conftest import StudioFixture
from tests.money_support import ADD, price_catalogue
from tests.realtime.support import WsClient

FEED = """subscription($p: ID!) { bookingChanged(projectId: $p) {
  type snapshot booking { title project { budget { estimate { amount } remaining { amount } } } } } }"""


async def test_budget_is_pushed_with_each_booking_change(studio: StudioFixture, live_server: str) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    made = await create(
        cat,
        start=at(1, 10),
        end=at(1, 12),
        allocations=[{"resourceId": cat.gid("Studio A")}, {"resourceId": cat.gid("Sam Okafor")}],
    )
    async with (
        WsClient.connect(live_server, token=studio.tokens[Role.COORDINATOR]) as staff,
        WsClient.connect(live_server, token=studio.tokens[Role.CREW]) as crew,
    ):
        await staff.subscribe("b", FEED, {"p": cat.project})
        await crew.subscribe("b", FEED, {"p": cat.project})
        first = (await staff.next("b"))["bookingChanged"]
        assert (first["snapshot"], first["booking"]["project"]["budget"]) == (
            True,
            {"estimate": {"amount": "250.00"}, "remaining": {"amount": "49750.00"}},
        )
        assert (await crew.next("b"))["bookingChanged"]["booking"]["project"]["budget"] is None

        extra = {"bookingId": made["booking"]["id"], "allocations": [{"resourceId": cat.gid("Jordan Blake")}]}
        assert (await studio.data(ADD, {"input": extra}))["addAllocations"]["__typename"] == "AllocationsAdded"
        pushed = [(await staff.next("b"))["bookingChanged"] for _ in range(2)]
        # The change itself and the scope change it recorded both carry the new estimate (250 + 2 h x 45.00).
        assert {p["type"] for p in pushed} == {"AllocationsAdded", "ScopeChanged"}
        assert {p["booking"]["project"]["budget"]["estimate"]["amount"] for p in pushed} == {"340.00"}
        crew_pushed = [(await crew.next("b"))["bookingChanged"] for _ in range(2)]
        assert [p["booking"]["project"]["budget"] for p in crew_pushed] == [None, None]
