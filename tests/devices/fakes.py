"""A fake Callsheet cage for the agent's tests: dedupes by idempotency key like the real server.

It answers through `httpx.MockTransport` (in-process agents) or a small HTTP server on localhost
(agents run as subprocesses).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

FIELDS = ("checkOutAsset", "returnAsset", "recordAuditScans")


def due_today(hour: int = 14) -> str:
    """An ISO time today at `hour`:00 local time, so the display shows `due 14:00`."""
    return datetime.now().astimezone().replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


class FakeCage:
    """Records every request and applies each idempotency key once.

    `attempts` lists the key of every request the transport saw, failed ones included;
    `requests` only those that reached the server.
    """

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.attempts: list[str] = []
        self.applied: dict[str, dict[str, Any]] = {}
        self.applied_order: list[str] = []
        self.refusals: dict[str, tuple[str, str, str]] = {}
        self.kits: dict[str, tuple[str, list[str], list[tuple[str, str]]]] = {}
        self.down = False
        self.status: int | None = None
        self.connect_errors = 0
        self.hold_request: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def refuse(self, code: str, message: str, typename: str = "InvalidTransitionError") -> None:
        """Answer scans of `code` with a typed error."""
        self.refusals[code] = (typename, "INVALID_TRANSITION", message)

    def kit(self, label: str, name: str, items: list[str], missing: list[tuple[str, str]] | None = None) -> None:
        """A kit label: `items` go out with it, `missing` (code, reason) stay behind."""
        self.kits[label] = (name, items, missing or [])

    def keys(self, field: str | None = None) -> list[str]:
        """Idempotency keys in arrival order, repeats included."""
        return [inp["idempotencyKey"] for name, inp in self.requests if field in (None, name)]

    def applied_codes(self) -> list[str]:
        """Codes applied, in the order first applied."""
        return [self.applied[key]["_code"] for key in self.applied_order]

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """The GraphQL answer for one request body."""
        field = next(name for name in FIELDS if name in body["query"])
        inp = body["variables"]["input"]
        key = inp["idempotencyKey"]
        with self._lock:
            self.requests.append((field, inp))
            number = len(self.requests)
            if key not in self.applied:
                self.applied[key] = self._apply(field, inp)
                self.applied_order.append(key)
            result = self.applied[key]
        if self.hold_request == number:
            # Applied, but the answer is held back: the client may die before it hears it.
            self.held.set()
            self.release.wait(10)
        return {"data": {field: {k: v for k, v in result.items() if k != "_code"}}}

    def _apply(self, field: str, inp: dict[str, Any]) -> dict[str, Any]:
        code = inp.get("code") or ",".join(inp.get("codes", []))
        if code in self.refusals:
            typename, error_code, message = self.refusals[code]
            return {"__typename": typename, "code": error_code, "message": message, "_code": code}
        asset = {"id": f"Asset:{code}", "name": f"Item {code}", "code": code}
        if field == "checkOutAsset":
            booking = {"id": inp["bookingId"], "title": "Interview"} if inp.get("bookingId") else None
            asset["custody"] = "CHECKED_OUT"
            kit, items, missing = None, [asset], []
            if code in self.kits:
                name, codes, left = self.kits[code]
                kit = {"id": f"Kit:{code}", "name": name, "code": code}
                items = [{"id": f"Asset:{c}", "name": f"Item {c}", "code": c} for c in codes]
                missing = [
                    {"reason": why, "resource": {"id": f"Asset:{c}", "name": f"Item {c}", "code": c}} for c, why in left
                ]
                asset = items[0]
            return {
                "__typename": "AssetCheckedOut",
                "asset": asset,
                "booking": booking,
                "dueAt": due_today(),
                "kit": kit,
                "items": items,
                "missing": missing,
                "_code": code,
            }
        if field == "returnAsset":
            condition = inp.get("condition") or "OK"
            asset["custody"] = "MAINTENANCE" if condition == "DAMAGED" else "IN_CAGE"
            return {"__typename": "AssetReturned", "asset": asset, "condition": condition, "_code": code}
        return {"__typename": "AuditScansRecorded", "_code": code}

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering like the server (or failing like a server that is down)."""

        def handler(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content)
            self.attempts.append(body["variables"]["input"]["idempotencyKey"])
            if self.down:
                raise httpx.ConnectError("connection refused", request=request)
            if self.connect_errors:
                self.connect_errors -= 1
                raise httpx.ConnectError("connection refused", request=request)
            if self.status is not None:
                return httpx.Response(self.status, text="unavailable")
            return httpx.Response(200, json=self.answer(body))

        return httpx.MockTransport(handler)

    @contextmanager
    def http_server(self) -> Iterator[str]:
        """Serve on a free localhost port; yields the `/graphql` URL."""
        cage = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                payload = json.dumps(cage.answer(body)).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the agent was killed while waiting for this answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
        finally:
            self.release.set()
            server.shutdown()
            server.server_close()


async def wait_until(predicate: Callable[[], bool], within: float = 5.0, what: str = "condition") -> None:
    """Poll `predicate` on the event loop until it holds."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def wait_until_sync(predicate: Callable[[], bool], within: float = 5.0, what: str = "condition") -> None:
    """Poll `predicate` from a plain (non-async) test until it holds."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
