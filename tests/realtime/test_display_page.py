"""The wall display page in a real (headless) Chromium, and its one-time display links."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn

from db.models import Role
from db.types import utcnow
from server.config import Settings
from server.services import display
from tests.conftest import StudioFixture
from tests.realtime.chromium import CHROMIUM, Browser
from tests.realtime.revoking import finish_cli, revoke_through_graphql, revoked_at, start_cli_revoke
from tests.realtime.support import World, build_world, soon

ROOMS = """JSON.stringify(Array.from(document.querySelectorAll('.room')).map(r => ({
  room: r.dataset.room, state: r.dataset.state,
  current: r.querySelector('.current .title')?.textContent ?? null,
  next: r.querySelector('.next .title')?.textContent ?? null})))"""
RECORD_STATUS = """window.__seen = [];
new MutationObserver(() => window.__seen.push(document.body.dataset.status))
  .observe(document.body, {attributes: true, attributeFilter: ['data-status']})"""
STUDIO_A = "document.querySelector('[data-room=\"Studio A\"]')"
# What a passer-by sees once the display is refused: no rooms, no clock, the reason across the screen.
SWITCHED_OFF = """(() => {
  const shown = (selector) => getComputedStyle(document.querySelector(selector)).display !== 'none';
  const notice = document.querySelector('#notice').getBoundingClientRect();
  return JSON.stringify({
    status: document.body.dataset.status,
    rooms: document.querySelectorAll('.room').length,
    roomsShown: shown('#rooms'),
    clockShown: shown('#clock'),
    clock: document.querySelector('#clock').textContent,
    title: document.querySelector('#notice-title').textContent,
    text: document.querySelector('#status').textContent,
    fullScreen: notice.width === innerWidth && notice.height === innerHeight,
    body: document.body.innerText,
  });
})()"""


async def _link(studio: StudioFixture, location: str = "Main floor", minutes: int = 10) -> str:
    return await studio.runtime.uow.run(
        lambda tx: display.create_link(
            tx,
            studio.runtime.settings.secret,
            studio_id=studio.id,
            location_id=studio.locations[location],
            ttl=timedelta(minutes=minutes),
            now=utcnow(),
        ),
        studio_id=studio.id,
    )


async def _rooms(browser: Browser) -> list[dict[str, str | None]]:
    return json.loads(await browser.evaluate(ROOMS))  # type: ignore[no-any-return]


async def _room(browser: Browser, name: str) -> dict[str, str | None]:
    return next(r for r in await _rooms(browser) if r["room"] == name)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    b = Browser()
    await b.start()
    try:
        yield b
    finally:
        await b.close()


async def test_the_page_follows_a_new_booking_and_the_start_of_the_session(
    studio: StudioFixture, live_uvicorn: tuple[uvicorn.Server, str], browser: Browser
) -> None:
    server, live_server = live_uvicorn
    world: World = await build_world(studio)
    code = await _link(studio)
    await browser.navigate(f"http://{live_server}/display/rooms/{world.location()}#code={code}")
    await browser.wait_for("document.body.dataset.status === 'live'")
    assert await browser.evaluate("document.querySelector('#location').textContent") == "Main floor"
    assert await browser.evaluate("location.hash") == ""  # the code left the address
    assert [(r["room"], r["state"]) for r in await _rooms(browser)] == [("Studio A", "FREE"), ("Studio B", "FREE")]

    # A booking is created: the page shows it as the room's next session.
    start = soon(2.5)
    await world.book("Studio A", start, start + timedelta(seconds=30), title="Chromium session")
    await browser.wait_for(
        "document.querySelector('[data-room=\"Studio A\"] .next .title')?.textContent === 'Chromium session'", within=5
    )
    assert (await _room(browser, "Studio A"))["state"] == "FREE"

    # The session starts: no write happens, the page changes at the start.
    await browser.wait_for(
        "document.querySelector('[data-room=\"Studio A\"]')?.dataset.state === 'IN_SESSION'", within=6
    )
    assert await _room(browser, "Studio A") == {
        "room": "Studio A",
        "state": "IN_SESSION",
        "current": "Chromium session",
        "next": None,
    }
    assert utcnow() >= start

    # The server drops every socket (as a restart does): the page reconnects by itself.
    await browser.evaluate(RECORD_STATUS)
    for connection in list(server.server_state.connections):
        connection.shutdown()
    await browser.wait_for("window.__seen.includes('connecting') && document.body.dataset.status === 'live'", within=10)
    assert (await _room(browser, "Studio A"))["state"] == "IN_SESSION"

    # Reloaded, the page keeps its token (the code is spent) and comes back live by itself.
    await browser.call("Page.reload")
    await browser.wait_for("document.body.dataset.status === 'live' && document.querySelectorAll('.room').length === 2")
    async with httpx.AsyncClient() as client:
        again = await client.post(f"http://{live_server}/display/exchange", json={"code": code})
    assert again.status_code == 404


async def test_a_display_without_access_says_so(studio: StudioFixture, live_server: str, browser: Browser) -> None:
    world = await build_world(studio)
    await browser.navigate(f"http://{live_server}/display/rooms/{world.location()}")
    await browser.wait_for("document.body.dataset.status === 'refused'")
    await browser.navigate(
        f"http://{live_server}/display/rooms/{world.location('Post')}#token={studio.tokens[Role.DISPLAY]}"
    )
    message = await browser.wait_for(
        "document.body.dataset.status === 'refused' && document.querySelector('#status').textContent"
    )
    assert message == "This display may only show the board of its own location."


@pytest.mark.parametrize("way", ["graphql", "cli"])
async def test_a_revoked_display_switches_off_within_two_seconds(
    studio: StudioFixture, settings: Settings, live_server: str, browser: Browser, way: str
) -> None:
    world = await build_world(studio)
    await world.book("Studio A", utcnow() - timedelta(minutes=5), utcnow() + timedelta(hours=1), title="Secret take")
    token, token_id = await studio.mint(Role.DISPLAY, location="Main floor")
    await browser.navigate(f"http://{live_server}/display/rooms/{world.location()}#token={token}")
    await browser.wait_for("document.body.dataset.status === 'live' && document.querySelector('#clock').textContent")
    assert (await _room(browser, "Studio A"))["current"] == "Secret take"
    await browser.evaluate(RECORD_STATUS)

    # The studio revokes the display's token: through the API, or with the CLI in its own process.
    cli = None
    if way == "graphql":
        await revoke_through_graphql(studio, token_id)
    else:
        cli = await start_cli_revoke(settings, token)
    await browser.wait_for("document.body.dataset.status === 'refused'", within=10)
    seen = datetime.now(UTC)
    if cli is not None:
        await finish_cli(cli, token_id)
    assert seen - await revoked_at(studio, token_id) < timedelta(seconds=2)

    screen = json.loads(await browser.evaluate(SWITCHED_OFF))
    assert {k: v for k, v in screen.items() if k != "body"} == {
        "status": "refused",
        "rooms": 0,
        "roomsShown": False,
        "clockShown": False,
        "clock": "",
        "title": "This display's link was revoked or has expired",
        "text": "Ask the studio for a new one. The rooms are not shown here until then.",
        "fullScreen": True,
    }
    assert "Secret take" not in screen["body"] and "Studio A" not in screen["body"]

    # It stays switched off: no clock comes back, no board is shown again.
    await asyncio.sleep(1.5)
    assert json.loads(await browser.evaluate(SWITCHED_OFF)) == screen
    assert await browser.evaluate("window.__seen") == ["refused"]

    # Reloaded with its revoked token, it says the same at once.
    await browser.call("Page.reload")
    await browser.wait_for("document.body.dataset.status === 'refused'")
    assert await browser.evaluate("document.querySelector('#notice-title').textContent") == screen["title"]

    # A new link typed into the open display's address brings the board back.
    code = await _link(studio)
    await browser.navigate(f"http://{live_server}/display/rooms/{world.location()}#code={code}")
    await browser.wait_for("document.body.dataset.status === 'live' && document.querySelector('#clock').textContent")
    assert (await _room(browser, "Studio A"))["current"] == "Secret take"
    assert await browser.evaluate("document.querySelector('#notice-title').textContent") == ""
