"""One-time display links and the display page's HTTP surface."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from db.models import DisplayLink
from db.types import utcnow
from server.config import Settings
from server.schema.ids import to_global_id
from server.services import display
from tests.conftest import TEST_SECRET, StudioFixture
from tests.realtime.test_display_page import _link

VIEWER = "{ viewer { role location { name } } }"


async def test_a_code_is_exchanged_once_for_a_display_token_of_its_location(studio: StudioFixture) -> None:
    code = await _link(studio, "Post")
    response = await studio.http.post("/display/exchange", json={"code": code})
    assert response.status_code == 200
    body = response.json()
    assert body["locationId"] == to_global_id("Location", studio.locations["Post"])
    assert response.headers["cache-control"] == "no-store"
    viewer = await studio.gql(VIEWER, token=body["token"])
    assert viewer == {"data": {"viewer": {"role": "DISPLAY", "location": {"name": "Post"}}}}
    again = await studio.http.post("/display/exchange", json={"code": code})
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "NOT_FOUND"


async def test_expired_unknown_and_malformed_codes_are_refused(studio: StudioFixture) -> None:
    code = await _link(studio)

    async def expire(tx):  # type: ignore[no-untyped-def]
        await tx.session.execute(
            update(DisplayLink).where(DisplayLink.studio_id == studio.id).values(expires_at=utcnow() - timedelta(1))
        )

    await studio.runtime.uow.run(expire, studio_id=studio.id)
    for payload in ({"code": code}, {"code": "dl_unknown"}, {"code": "cs_" + code}):
        assert (await studio.http.post("/display/exchange", json=payload)).status_code == 404
    for raw in (b"{nope", b'{"code": 7}', b"[]", b'{"other": "x"}'):
        response = await studio.http.post("/display/exchange", content=raw)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "BAD_REQUEST"


async def test_a_link_lives_between_a_minute_and_a_day_at_a_location_of_the_studio(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    from server.services.errors import Invalid, NotFound

    async def create(location_id: int, ttl: timedelta) -> str:
        return await studio.runtime.uow.run(
            lambda tx: display.create_link(
                tx, TEST_SECRET, studio_id=studio.id, location_id=location_id, ttl=ttl, now=utcnow()
            ),
            studio_id=studio.id,
        )

    with pytest.raises(Invalid):
        await create(studio.locations["Cage"], timedelta(days=2))
    with pytest.raises(NotFound):
        await create(other_studio.locations["Cage"], timedelta(minutes=5))


async def test_the_page_is_served_with_a_strict_policy(studio: StudioFixture) -> None:
    page = await studio.http.get(f"/display/rooms/{to_global_id('Location', studio.locations['Main floor'])}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert '<script src="/display/static/board.js" defer></script>' in page.text
    script = await studio.http.get("/display/static/board.js")
    assert script.status_code == 200 and "graphql-transport-ws" in script.text
    for bad in ("not-an-id", to_global_id("Resource", 1)):
        assert (await studio.http.get(f"/display/rooms/{bad}")).status_code == 404
    assert (await studio.http.get("/display/static/../routes.py")).status_code == 404


async def test_the_cli_prints_a_link_that_opens_the_locations_display(
    studio: StudioFixture, settings: Settings
) -> None:
    env = {
        **os.environ,
        "CALLSHEET_DATABASE_URL": settings.database_url,
        "CALLSHEET_SECRET": TEST_SECRET,
    }
    env.pop("CALLSHEET_REDIS_URL", None)
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "callsheet"),
        *("display-link", "--location", "Cage", "--studio", studio.name, "--url", "https://rooms.example/"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err
    url = out.decode().strip().splitlines()[-1]
    prefix = f"https://rooms.example/display/rooms/{to_global_id('Location', studio.locations['Cage'])}#code=dl_"
    assert url.startswith(prefix)
    code = url.split("#code=", 1)[1]
    response = await studio.http.post("/display/exchange", json={"code": code})
    assert response.status_code == 200
    viewer = await studio.gql(VIEWER, token=response.json()["token"])
    assert viewer["data"]["viewer"]["location"] == {"name": "Cage"}
