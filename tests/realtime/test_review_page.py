"""The client review page in a real (headless) Chromium: open the link, approve with a comment, the
REVIEW task is DONE through GraphQL; a second submit of the same form is refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from tests.alloc_support import build
from tests.conftest import StudioFixture
from tests.graphql.plan_support import media, node, reviewable
from tests.realtime.chromium import CHROMIUM, Browser

PAGE = """JSON.stringify({
  forms: document.forms.length,
  method: document.forms[0]?.getAttribute('method'),
  fields: Array.from(document.forms[0]?.elements ?? []).map(e => [e.name, e.type, e.value]),
  text: document.body.innerText,
  fits: document.documentElement.scrollWidth <= innerWidth,
})"""


@pytest.fixture
async def browsers() -> AsyncIterator[tuple[Browser, Browser]]:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    first, second = Browser(), Browser()
    await first.start()
    try:
        await second.start()
        try:
            yield first, second
        finally:
            await second.close()
    finally:
        await first.close()


async def test_a_client_approves_the_cut_once(
    studio: StudioFixture, live_server: str, browsers: tuple[Browser, Browser]
) -> None:
    cat = await build(studio)
    task, _asset, url = await reviewable(cat)
    page_url = f"http://{live_server}{urlsplit(url).path}"
    reviewer, forwarded = browsers
    # A phone-sized window: the page must fit without scrolling sideways.
    await reviewer.call(
        "Emulation.setDeviceMetricsOverride", {"width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": True}
    )
    for browser in (reviewer, forwarded):
        await browser.navigate(page_url)
        await browser.wait_for("document.forms.length === 1")
    shown = json.loads(await reviewer.evaluate(PAGE))
    assert shown["forms"] == 1 and shown["method"] == "post" and shown["fits"]
    assert [(name, kind) for name, kind, _ in shown["fields"]] == [
        ("csrf", "hidden"),
        ("comment", "textarea"),
        ("decision", "submit"),
        ("decision", "submit"),
    ]
    assert [v for name, _, v in shown["fields"] if name == "decision"] == ["APPROVED", "CHANGES_REQUESTED"]
    assert "Founders Unfiltered" in shown["text"] and "Episode 12 cut" in shown["text"]

    await reviewer.evaluate("document.querySelector('#comment').value = 'Approved, lovely pacing.'")
    await reviewer.evaluate("document.querySelector('button[value=\"APPROVED\"]').click()")
    await reviewer.wait_for("document.body.innerText.includes('Thank you')")
    assert (await node(studio, task))["status"] == "DONE"
    (asset,) = await media(cat)
    assert asset["status"] == "APPROVED"
    assert [(link["decision"], link["comment"]) for link in asset["reviewLinks"]] == [
        ("APPROVED", "Approved, lovely pacing.")
    ]

    # The same form, opened before the decision, submitted after it: refused, nothing changes.
    await forwarded.evaluate("document.querySelector('button[value=\"CHANGES_REQUESTED\"]').click()")
    await forwarded.wait_for("document.body.innerText.includes('used already')")
    assert (await node(studio, task))["status"] == "DONE"
    assert (await media(cat))[0]["status"] == "APPROVED"
