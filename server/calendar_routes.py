"""Calendar feed downloads: `GET /calendar/{secret}.ics`, no header needed (the URL is the key).

An unknown, malformed or revoked secret answers 404 (nothing says which). An unchanged feed answers
304 to a matching `If-None-Match`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.config import Settings
from server.http import RuntimeRef
from server.services.calendar import feeds

HEADERS = {
    # Calendar clients poll; they must revalidate, and no shared cache may keep a personal feed.
    "Cache-Control": "private, no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def calendar_routes(ref: RuntimeRef, settings: Settings) -> list[Route]:
    """The feed route, bound to the app's runtime."""

    async def download(request: Request) -> Response:
        rendered = await feeds.fetch(ref.runtime.uow, settings.secret, request.path_params["secret"])
        if rendered is None:
            return Response("Not found.\n", status_code=404, media_type="text/plain", headers=HEADERS)
        headers = {**HEADERS, "ETag": rendered.etag}
        if feeds.ical.matches(request.headers.get("if-none-match"), rendered.etag):
            return Response(status_code=304, headers=headers)
        return Response(rendered.body, media_type="text/calendar; charset=utf-8", headers=headers)

    return [Route("/calendar/{secret}.ics", download, methods=["GET", "HEAD"])]
