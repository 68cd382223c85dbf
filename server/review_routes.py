"""The client review page: `GET /review/{token}` shows the project and the asset with one form;
`POST` records Approve or Request changes with a comment, once.

No account and no script: the page is server-rendered HTML with a strict Content-Security-Policy (no
script at all, its one stylesheet by hash, forms only to itself). The form's hidden `csrf` must match
both the link (an HMAC of its token) and a same-site cookie set with the page. Unknown tokens answer
404, expired or used ones 410, each with a plain page.
"""

from __future__ import annotations

import base64
import hashlib
import html
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.http import RuntimeRef
from server.services.errors import DomainError, Invalid, NotFound
from server.services.plan.review import LinkGone, ReviewView

STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:36rem;padding:1rem;color:#111}"
    "h1{font-size:1.4rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{color:#555}"
    "textarea{width:100%;min-height:8rem;box-sizing:border-box;font:inherit}"
    "button{font:inherit;padding:.75rem 1rem;margin:.5rem .5rem 0 0;border-radius:.4rem;border:1px solid #333}"
    ".ok{background:#0a7d32;color:#fff}.no{background:#fff}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
COOKIE = "review_csrf"
MAX_FORM_BYTES = 64 * 1024


def review_routes(ref: RuntimeRef) -> list[Route]:
    """The review page's route, bound to the app's runtime."""

    async def page(request: Request) -> Response:
        token = request.path_params["token"]
        plan = ref.runtime.plan
        if request.method == "GET":
            try:
                shown = await plan.review_page(token)
            except DomainError as exc:
                return _refusal(exc)
            response = _html(_form(shown))
            response.set_cookie(
                COOKIE,
                shown.csrf,
                path=request.url.path,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
            return response
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return _plain(413, "The form is too large.")
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        csrf = fields.get("csrf", "")
        if request.cookies.get(COOKIE) != csrf:
            return _plain(403, "The form is stale or forged; open the link again.")
        try:
            link = await plan.review_decide(token, fields.get("decision", ""), fields.get("comment") or None, csrf)
        except DomainError as exc:
            return _refusal(exc)
        word = "approved" if link.decision == "APPROVED" else "sent back with changes requested"
        return _html(f"<h1>Thank you</h1><p>The cut was {word}. Your decision is recorded.</p>")

    return [Route("/review/{token}", page, methods=["GET", "POST"])]


def _form(view: ReviewView) -> str:
    e = html.escape
    return (
        f"<h1>Review: {e(view.asset)}</h1>"
        f"<dl><dt>Project</dt><dd>{e(view.project)}</dd><dt>Asset</dt><dd>{e(view.asset)}</dd>"
        f"<dt>Size</dt><dd>{view.size_megabytes:,} MB</dd>"
        f"<dt>Link valid until</dt><dd>{e(view.expires_at.strftime('%d %b %Y %H:%M %Z'))}</dd></dl>"
        '<form method="post">'
        f'<input type="hidden" name="csrf" value="{e(view.csrf)}">'
        '<label for="comment">Comment</label>'
        '<textarea id="comment" name="comment" maxlength="4000"></textarea>'
        '<button class="ok" type="submit" name="decision" value="APPROVED">Approve</button>'
        '<button class="no" type="submit" name="decision" value="CHANGES_REQUESTED">Request changes</button>'
        "</form>"
    )


def _html(content: str, status: int = 200) -> Response:
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Callsheet review</title><style>{STYLE}</style></head><body>{content}</body></html>"
    )
    return Response(document, status_code=status, media_type="text/html; charset=utf-8", headers=HEADERS)


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status_code=status, media_type="text/plain; charset=utf-8", headers=HEADERS)


def _refusal(exc: DomainError) -> Response:
    if isinstance(exc, LinkGone):
        return _plain(410, exc.message)
    if isinstance(exc, NotFound):
        return _plain(404, exc.message)
    if isinstance(exc, Invalid) and exc.field == "csrf":
        return _plain(403, exc.message)
    return _plain(400, exc.message)
