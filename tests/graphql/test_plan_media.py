"""Storage volumes and media assets: capacity never exceeded (concurrently too), allocation warnings,
bad sizes; review links: lifetimes, other studios' assets, permissions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from db.models import Role
from tests.alloc_support import build, create, iso
from tests.conftest import StudioFixture
from tests.graphql.plan_support import REVIEW_LINK, media, register, storage


async def test_sizes_out_of_range_are_refused_and_nothing_is_written(studio: StudioFixture) -> None:
    cat = await build(studio)
    nas = await storage(studio, "NAS", 40_000)
    for size in (0, -5, 10**9 + 1):
        refused = await register(cat, nas, size)
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "ValidationError",
            "VALIDATION",
            "sizeMegabytes",
        )
    assert await media(cat) == []
    room = await register(cat, cat.gid("Studio A"), 10)
    assert (room["__typename"], room["field"]) == ("ValidationError", "storageId")
    assert (await register(cat, nas, 10**9))["__typename"] == "ValidationError"  # 1 PB on a 40 TB volume
    assert (await register(cat, nas, 10**9))["code"] == "STORAGE_FULL"


async def test_a_volume_is_never_filled_past_its_capacity(studio: StudioFixture) -> None:
    cat = await build(studio)
    share = await storage(studio, "Review share", 1)  # 1,000 MB
    first = await register(cat, share, 600)
    assert first["__typename"] == "MediaAssetRegistered"
    assert first["mediaAsset"]["status"] == "INGESTED"
    full = await register(cat, share, 401)
    assert (full["__typename"], full["code"], full["field"]) == ("ValidationError", "STORAGE_FULL", "sizeMegabytes")
    assert full["message"] == "Review share has 400 MB free of 1000 MB; 401 MB do not fit."
    assert [m["sizeMegabytes"] for m in await media(cat)] == [600]
    assert (await register(cat, share, 400))["__typename"] == "MediaAssetRegistered"


async def test_concurrent_registrations_never_overfill_a_volume(studio: StudioFixture) -> None:
    cat = await build(studio)
    share = await storage(studio, "Review share", 1)
    answers = await asyncio.gather(*(register(cat, share, 300) for _ in range(8)))
    kinds = sorted(a["__typename"] for a in answers)
    assert kinds == ["MediaAssetRegistered"] * 3 + ["ValidationError"] * 5
    assert {a["code"] for a in answers if a["__typename"] == "ValidationError"} == {"STORAGE_FULL"}
    assert sum(m["sizeMegabytes"] for m in await media(cat)) == 900


async def test_past_the_projects_allocation_is_a_warning(studio: StudioFixture) -> None:
    cat = await build(studio)
    nas = await storage(studio, "NAS", 100)
    now = datetime.now(UTC)
    held = await create(
        cat,
        start=now + timedelta(hours=1),
        end=now + timedelta(hours=3),
        allocations=[
            {"resourceId": cat.gid("Studio A")},
            {
                "resourceId": nas,
                "quantity": 2,
                "start": iso(now - timedelta(days=1)),
                "end": iso(now + timedelta(days=6)),
            },
        ],
    )
    assert held["__typename"] == "BookingCreated", held
    within = await register(cat, nas, 1500, bookingId=held["booking"]["id"])
    assert (within["__typename"], within["warnings"]) == ("MediaAssetRegistered", [])
    assert within["mediaAsset"]["booking"]["id"] == held["booking"]["id"]
    past = await register(cat, nas, 600)
    assert past["warnings"] == ["Founders Unfiltered now has 2100 MB on NAS, past the 2000 MB its bookings hold there."]
    # Other bookings cannot take more of the volume than is left over their windows.
    greedy = await create(
        cat,
        start=now + timedelta(hours=1),
        end=now + timedelta(hours=3),
        allocations=[{"resourceId": nas, "quantity": 99}],
        projectId=cat.other_project,
    )
    assert greedy["__typename"] == "ConflictError"


async def test_review_links_refuse_bad_lifetimes_and_other_studios_assets(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    cat = await build(studio)
    nas = await storage(studio, "NAS", 100)
    asset = (await register(cat, nas, 100))["mediaAsset"]
    now = datetime.now(UTC)
    for expires in (now - timedelta(minutes=1), now + timedelta(days=91)):
        body = await studio.data(REVIEW_LINK, {"input": {"mediaAssetId": asset["id"], "expiresAt": iso(expires)}})
        refused = body["createReviewLink"]
        assert (refused["__typename"], refused["field"]) == ("ValidationError", "expiresAt")
    other = await other_studio.data(
        REVIEW_LINK, {"input": {"mediaAssetId": asset["id"], "expiresAt": iso(now + timedelta(days=7))}}
    )
    assert (other["createReviewLink"]["__typename"], other["createReviewLink"]["code"]) == (
        "NotFoundError",
        "NOT_FOUND",
    )
    (still,) = await media(cat)
    assert (still["status"], still["reviewLinks"]) == ("INGESTED", [])

    made = (
        await studio.data(
            REVIEW_LINK, {"input": {"mediaAssetId": asset["id"], "expiresAt": iso(now + timedelta(days=7))}}
        )
    )["createReviewLink"]
    assert made["__typename"] == "ReviewLinkCreated"
    assert made["link"]["url"].startswith("http://callsheet.test/review/rv_")
    assert made["mediaAsset"]["status"] == "IN_REVIEW"
    (listed,) = (await media(cat))[0]["reviewLinks"]
    assert listed["url"] == made["link"]["url"][: len("http://callsheet.test/review/rv_") + 8] + "\u2026"


async def test_every_role_registers_and_links_only_what_it_may(studio: StudioFixture) -> None:
    cat = await build(studio)
    nas = await storage(studio, "NAS", 100)
    outcomes = {role: (await register(cat, nas, 10, role))["__typename"] for role in Role}
    allowed = {Role.ADMIN, Role.COORDINATOR, Role.PRODUCER}
    assert {r for r, o in outcomes.items() if o == "MediaAssetRegistered"} == allowed
    assert {o for r, o in outcomes.items() if r not in allowed} == {"ForbiddenError"}
    other = await register(cat, nas, 10, Role.PRODUCER, projectId=cat.other_project)
    assert other["__typename"] == "ForbiddenError"
    asset = (await media(cat))[0]["id"]
    expires = iso(datetime.now(UTC) + timedelta(days=1))
    links = {
        role: (await studio.gql(REVIEW_LINK, {"input": {"mediaAssetId": asset, "expiresAt": expires}}, role=role))[
            "data"
        ]["createReviewLink"]["__typename"]
        for role in Role
    }
    assert {r for r, o in links.items() if o == "ReviewLinkCreated"} == allowed
    assert {o for r, o in links.items() if r not in allowed} == {"ForbiddenError"}
