"""The GraphQL client: applied, rejected (final) or retryable, decided only by typed results."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from graphql import parse, validate

from devices.scanner_agent.client import (
    CHECK_OUT,
    RECORD_AUDIT_SCANS,
    RETURN,
    Applied,
    CallsheetClient,
    Rejected,
    RetryableError,
)
from server.api import build_schema

URL = "http://cage.test/graphql"
UNAUTHENTICATED = {"message": "bad token", "extensions": {"code": "UNAUTHENTICATED"}}


def client_answering(handler: Callable[[httpx.Request], httpx.Response]) -> CallsheetClient:
    return CallsheetClient(URL, "scanner-token", transport=httpx.MockTransport(handler))


async def test_check_out_sends_the_input_and_the_bearer_token() -> None:
    seen: list[httpx.Request] = []
    result = {"__typename": "AssetCheckedOut", "asset": {"name": "SM7B #2"}, "booking": None, "dueAt": None}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"checkOutAsset": result}})

    client = client_answering(handler)
    assert await client.check_out("MIC-0002", "B1", "key-1") == Applied("AssetCheckedOut", result)
    await client.aclose()
    body = json.loads(seen[0].content)
    assert seen[0].headers["Authorization"] == "Bearer scanner-token"
    assert str(seen[0].url) == URL
    assert body["variables"] == {"input": {"code": "MIC-0002", "bookingId": "B1", "idempotencyKey": "key-1"}}
    assert "checkOutAsset(input: $input)" in body["query"]
    assert "... on UserError { code message }" in body["query"]


async def test_return_and_audit_inputs() -> None:
    bodies: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append(body["variables"])
        field = "returnAsset" if "returnAsset" in body["query"] else "recordAuditScans"
        return httpx.Response(200, json={"data": {field: {"__typename": "Ok"}}})

    client = client_answering(handler)
    assert await client.return_asset("MIC-1", "DAMAGED", "k1") == Applied("Ok", {"__typename": "Ok"})
    assert await client.record_audit_scans("A1", ["T1", "T2"], "k2") == Applied("Ok", {"__typename": "Ok"})
    await client.aclose()
    assert bodies == [
        {"input": {"code": "MIC-1", "condition": "DAMAGED", "idempotencyKey": "k1"}},
        {"input": {"auditId": "A1", "codes": ["T1", "T2"], "idempotencyKey": "k2"}},
    ]


async def test_typed_error_is_a_final_rejection() -> None:
    error = {"__typename": "InvalidTransitionError", "code": "INVALID_TRANSITION", "message": "already out"}
    client = client_answering(lambda request: httpx.Response(200, json={"data": {"returnAsset": error}}))
    assert await client.return_asset("MIC-1", "OK", "k") == Rejected(
        "InvalidTransitionError", "INVALID_TRANSITION", "already out", error
    )
    await client.aclose()


def _raise_connect(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def _raise_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


@pytest.mark.parametrize(
    ("handler", "reason", "auth"),
    [
        (_raise_connect, "ConnectError: refused", False),
        (_raise_timeout, "ReadTimeout: slow", False),
        (lambda r: httpx.Response(503, text="down"), "HTTP 503", False),
        (lambda r: httpx.Response(429), "HTTP 429", False),
        (lambda r: httpx.Response(401), "HTTP 401: the server refused the token", True),
        (lambda r: httpx.Response(200, text="<html>"), "HTTP 200: answer is not JSON", False),
        (
            lambda r: httpx.Response(200, json={"data": None, "errors": [UNAUTHENTICATED]}),
            "UNAUTHENTICATED: bad token",
            True,
        ),
        (
            lambda r: httpx.Response(200, json={"data": None, "errors": [{"message": "Unexpected error."}]}),
            "Unexpected error.",
            False,
        ),
        (
            lambda r: httpx.Response(400, json={"errors": [{"message": "Cannot query field 'returnAsset'"}]}),
            "Cannot query field 'returnAsset'",
            False,
        ),
    ],
)
async def test_anything_but_a_typed_result_is_retryable(
    handler: Callable[[httpx.Request], httpx.Response], reason: str, auth: bool
) -> None:
    client = client_answering(handler)
    with pytest.raises(RetryableError) as raised:
        await client.return_asset("MIC-1", "OK", "k")
    await client.aclose()
    assert (raised.value.reason, raised.value.auth) == (reason, auth)


@pytest.mark.parametrize("document", [CHECK_OUT, RETURN, RECORD_AUDIT_SCANS])
def test_the_documents_are_valid_against_the_server_schema(document: str) -> None:
    schema = build_schema()._schema
    assert validate(schema, parse(document)) == []
