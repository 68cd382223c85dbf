"""Invoice downloads: `/invoices/{id}.csv` and `/invoices/{id}.html`, with the same Bearer token as GraphQL.

No or a bad token: 401; a role that may not read money: 403; an invoice the caller may not see
(another studio's, another producer's project) or a malformed ID: 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.config import Settings
from server.http import RuntimeRef, unauthenticated
from server.schema.ids import parse_global_id
from server.services.auth import authenticate, parse_bearer
from server.services.money import documents
from server.services.permissions import Action, allowed

PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# The printable page needs nothing but its own inline style.
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status, headers=PRIVATE)


def invoice_routes(ref: RuntimeRef, settings: Settings) -> list[Route]:
    """The download routes, bound to the app's runtime."""

    async def download(request: Request, format: str) -> Response:
        runtime = ref.runtime
        principal = await authenticate(runtime.uow, settings.secret, parse_bearer(request.headers.get("authorization")))
        if principal is None:
            return unauthenticated()
        if not allowed(principal, Action.READ_MONEY):
            return _error(403, "FORBIDDEN", "Your role may not read invoices.")
        parsed = parse_global_id(request.path_params["invoice_id"])
        if parsed is None or parsed[0] != "Invoice":
            return _error(404, "NOT_FOUND", "No such invoice.")
        async with runtime.uow.read() as session:
            doc = await documents.load_document(session, principal, parsed[1])
        if doc is None:
            return _error(404, "NOT_FOUND", "No such invoice.")
        if format == "csv":
            return Response(
                documents.render_csv(doc),
                media_type="text/csv; charset=utf-8",
                headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{doc.filename}.csv"'},
            )
        return Response(
            documents.render_html(doc),
            media_type="text/html; charset=utf-8",
            headers={**PRIVATE, "Content-Security-Policy": HTML_POLICY},
        )

    async def as_csv(request: Request) -> Response:
        return await download(request, "csv")

    async def as_html(request: Request) -> Response:
        return await download(request, "html")

    return [
        Route("/invoices/{invoice_id}.csv", as_csv, methods=["GET"]),
        Route("/invoices/{invoice_id}.html", as_html, methods=["GET"]),
    ]
