"""Routes of the wall display.

The page itself is static and public: it holds no data until its script authenticates over the
websocket. Its token comes from the URL fragment (never sent to the server) or from a one-time code
exchanged here; the script keeps it in the browser's storage.
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from db.types import utcnow
from server.http import RuntimeRef
from server.schema.ids import parse_global_id, to_global_id
from server.services import display
from server.services.errors import DomainError

STATIC = Path(__file__).resolve().parent / "static"

# Same origin only; the script opens a websocket to its own host.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


def routes(ref: RuntimeRef) -> list[BaseRoute]:
    async def page(request: Request) -> Response:
        parsed = parse_global_id(request.path_params["location_id"])
        if parsed is None or parsed[0] != "Location":
            return Response("No such location.", status_code=404, media_type="text/plain")
        return FileResponse(STATIC / "board.html", headers=PAGE_HEADERS)

    async def exchange(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            code = body["code"]
            if not isinstance(code, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return _error(400, "BAD_REQUEST", 'Send {"code": "..."} as JSON.')
        runtime = ref.runtime
        try:
            redeemed = await runtime.uow.run(
                lambda tx: display.redeem(tx, runtime.settings.secret, code, utcnow()), studio_id=None, actor="display"
            )
        except DomainError as exc:
            return _error(404, exc.code, exc.message)
        return JSONResponse(
            {"token": redeemed.token, "locationId": to_global_id("Location", redeemed.location_id)},
            headers={"Cache-Control": "no-store"},
        )

    return [
        Route("/display/rooms/{location_id}", page, methods=["GET"]),
        Route("/display/exchange", exchange, methods=["POST"]),
        Mount("/display/static", app=StaticFiles(directory=STATIC), name="display-static"),
    ]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
