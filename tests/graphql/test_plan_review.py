"""The review page over HTTP: headers, the form, the one decision and what it changes; refusals."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from db.models import Event
from server.schema.ids import parse_global_id
from tests.alloc_support import build
from tests.conftest import StudioFixture
from tests.graphql.plan_support import media, node, reviewable
from tests.graphql.test_audit_log import entries


def _path(url: str) -> str:
    return urlsplit(url).path


async def _open(studio: StudioFixture, url: str) -> tuple[str, str]:
    """GET the page: (its csrf field, the cookie it set)."""
    page = await studio.http.get(_path(url))
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert csrf is not None
    cookie = page.cookies["review_csrf"]
    # Each request below says which cookie it carries.
    studio.http.cookies.clear()
    return csrf.group(1), cookie


async def test_the_page_shows_the_project_and_the_asset_with_one_form(studio: StudioFixture) -> None:
    cat = await build(studio)
    _task, _asset, url = await reviewable(cat)
    page = await studio.http.get(_path(url))
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp and "script" not in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert "Founders Unfiltered" in page.text and "Episode 12 cut" in page.text and "2,400 MB" in page.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    assert page.text.count("<form") == 1 and '<form method="post">' in page.text
    assert 'name="decision" value="APPROVED"' in page.text
    assert 'name="decision" value="CHANGES_REQUESTED"' in page.text
    assert '<textarea id="comment" name="comment"' in page.text
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and f"Path={_path(url)}" in cookie


async def test_approving_completes_the_review_task_once(studio: StudioFixture) -> None:
    cat = await build(studio)
    task, asset, url = await reviewable(cat)
    csrf, cookie = await _open(studio, url)
    form = {"csrf": csrf, "comment": "Lovely cut <b>ship it</b>", "decision": "APPROVED"}

    # Without the page's cookie (a forged cross-site post) nothing happens.
    forged = await studio.http.post(_path(url), data=form)
    assert forged.status_code == 403
    assert (await node(studio, task))["status"] == "TODO"

    done = await studio.http.post(_path(url), data=form, headers={"cookie": f"review_csrf={cookie}"})
    assert done.status_code == 200 and "approved" in done.text
    assert (await node(studio, task))["status"] == "DONE"
    (shown,) = await media(cat)
    assert shown["status"] == "APPROVED"
    (link,) = shown["reviewLinks"]
    assert (link["decision"], link["comment"]) == ("APPROVED", "Lovely cut <b>ship it</b>")

    again = await studio.http.post(
        _path(url), data={**form, "decision": "CHANGES_REQUESTED"}, headers={"cookie": f"review_csrf={cookie}"}
    )
    assert again.status_code == 410 and again.headers["content-type"].startswith("text/plain")
    assert (await studio.http.get(_path(url))).status_code == 410
    assert (await media(cat))[0]["status"] == "APPROVED"

    (entry,) = await entries(studio, filter={"action": "reviewDecided"})
    assert entry["entityId"] == asset
    assert (entry["before"], entry["after"]) == (
        {"status": "IN_REVIEW"},
        {"status": "APPROVED", "decision": "APPROVED", "comment": "Lovely cut <b>ship it</b>"},
    )
    async with studio.runtime.uow.read() as session:
        events = (
            await session.scalars(select(Event).where(Event.studio_id == studio.id, Event.type == "ReviewDecided"))
        ).all()
    assert [e.payload for e in events] == [
        {"projectId": cat.project_id, "mediaAssetId": (parse_global_id(asset) or ("", 0))[1], "decision": "APPROVED"}
    ]


async def test_changes_requested_blocks_the_review_task(studio: StudioFixture) -> None:
    cat = await build(studio)
    task, _asset, url = await reviewable(cat)
    csrf, cookie = await _open(studio, url)
    answer = await studio.http.post(
        _path(url),
        data={"csrf": csrf, "comment": "Shorter intro", "decision": "CHANGES_REQUESTED"},
        headers={"cookie": f"review_csrf={cookie}"},
    )
    assert answer.status_code == 200
    assert (await node(studio, task))["status"] == "BLOCKED"
    assert (await media(cat))[0]["status"] == "CHANGES_REQUESTED"


async def test_two_racing_submits_decide_once(studio: StudioFixture) -> None:
    cat = await build(studio)
    _task, _asset, url = await reviewable(cat)
    csrf, cookie = await _open(studio, url)
    answers = await asyncio.gather(
        *(
            studio.http.post(
                _path(url), data={"csrf": csrf, "decision": d}, headers={"cookie": f"review_csrf={cookie}"}
            )
            for d in ("APPROVED", "CHANGES_REQUESTED", "APPROVED", "CHANGES_REQUESTED")
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 410, 410, 410]
    assert len(await entries(studio, filter={"action": "reviewDecided"})) == 1


async def test_unknown_bad_and_expired_links(studio: StudioFixture) -> None:
    cat = await build(studio)
    _task, _asset, url = await reviewable(cat)
    for path in ("/review/rv_nothing", "/review/cs_notalink", _path(url) + "x"):
        missing = await studio.http.get(path)
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/plain")
    csrf, cookie = await _open(studio, url)
    bad = await studio.http.post(
        _path(url), data={"csrf": csrf, "decision": "MAYBE"}, headers={"cookie": f"review_csrf={cookie}"}
    )
    assert bad.status_code == 400
    forged = await studio.http.post(
        _path(url), data={"csrf": "0" * 64, "decision": "APPROVED"}, headers={"cookie": f"review_csrf={'0' * 64}"}
    )
    assert forged.status_code == 403
    assert (await media(cat))[0]["status"] == "IN_REVIEW"

    async def expire(tx: object) -> None:
        from sqlalchemy import update

        from db.models import ReviewLink
        from db.types import utcnow

        await tx.session.execute(update(ReviewLink).values(expires_at=utcnow()))  # type: ignore[attr-defined]

    await studio.runtime.uow.run(expire, studio_id=studio.id)
    assert (await studio.http.get(_path(url))).status_code == 410
    late = await studio.http.post(
        _path(url), data={"csrf": csrf, "decision": "APPROVED"}, headers={"cookie": f"review_csrf={cookie}"}
    )
    assert late.status_code == 410
