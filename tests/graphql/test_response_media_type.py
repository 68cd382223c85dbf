"""GraphQL over HTTP: `application/graphql-response+json` when the client asks for it (request errors
are then a 400 without `data`); `application/json` otherwise, as before."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import Role
from server.http import response_media_type
from tests.conftest import StudioFixture

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def post(studio: StudioFixture, payload: Any, accept: str | None) -> tuple[int, str, Any]:
    headers = {"Authorization": f"Bearer {studio.tokens[Role.ADMIN]}"}
    if accept is not None:
        headers["Accept"] = accept
    response = await studio.http.post("/graphql", json=payload, headers=headers)
    return response.status_code, response.headers["content-type"], response.json()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json;q=0.5", "application/json"),
        ("application/graphql-response+json;q=0", "application/json"),
        ("application/graphql-response+json;q=abc", "application/json"),
        ("text/html", "application/json"),
    ],
)
def test_media_type_negotiation(accept: str | None, expected: str) -> None:
    assert response_media_type(accept) == expected


async def test_a_successful_operation_in_either_type(studio: StudioFixture) -> None:
    query = {"query": "{ viewer { role } }"}
    assert await post(studio, query, None) == (200, "application/json", {"data": {"viewer": {"role": "ADMIN"}}})
    assert await post(studio, query, GRAPHQL_RESPONSE) == (
        200,
        GRAPHQL_RESPONSE,
        {"data": {"viewer": {"role": "ADMIN"}}},
    )


REQUEST_ERRORS = [
    ({"query": "{ viewer { role }"}, "GRAPHQL_PARSE_FAILED", "Syntax Error: Expected Name, found <EOF>."),
    ({"query": "{ viewr { role } }"}, "GRAPHQL_VALIDATION_FAILED", "Cannot query field 'viewr' on type 'Query'."),
    (
        {"query": "query($n: Int!) { resources(first: $n) { edges { cursor } } }", "variables": {"n": "many"}},
        "BAD_USER_INPUT",
        "Variable '$n' has invalid value: Int cannot represent non-integer value: 'many'",
    ),
    (
        {"query": "query($n: Int!) { resources(first: $n) { edges { cursor } } }"},
        "BAD_USER_INPUT",
        "Variable '$n' has invalid value: Expected a value of non-null type 'Int!' to be provided.",
    ),
]


@pytest.mark.parametrize(("payload", "code", "message"), REQUEST_ERRORS)
async def test_request_errors_are_400_without_data_in_graphql_response_json(
    studio: StudioFixture, payload: dict[str, Any], code: str, message: str
) -> None:
    status, media_type, body = await post(studio, payload, GRAPHQL_RESPONSE)
    assert (status, media_type) == (400, GRAPHQL_RESPONSE)
    assert list(body) == ["errors"]
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize(("payload", "code", "message"), REQUEST_ERRORS)
async def test_request_errors_stay_200_with_null_data_in_application_json(
    studio: StudioFixture, payload: dict[str, Any], code: str, message: str
) -> None:
    status, media_type, body = await post(studio, payload, "application/json")
    assert (status, media_type) == (200, "application/json")
    assert body["data"] is None
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["extensions"]["code"] == code


async def test_a_field_error_keeps_data_and_200_in_graphql_response_json(studio: StudioFixture) -> None:
    status, media_type, body = await post(
        studio, {"query": "{ viewer { role } resources(first: 5000) { edges { cursor } } }"}, GRAPHQL_RESPONSE
    )
    assert (status, media_type) == (200, GRAPHQL_RESPONSE)
    assert body["data"] is None  # resources is non-null, so the error reaches the root; data is still present
    assert body["errors"][0]["path"] == ["resources"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_unreadable_body_answers_in_the_asked_type(studio: StudioFixture) -> None:
    response = await studio.http.post(
        "/graphql",
        content=b"null",
        headers={
            "Authorization": f"Bearer {studio.tokens[Role.ADMIN]}",
            "Content-Type": "application/json",
            "Accept": GRAPHQL_RESPONSE,
        },
    )
    assert (response.status_code, response.headers["content-type"]) == (400, GRAPHQL_RESPONSE)
    assert response.json() == {
        "errors": [{"message": "Expected a JSON object, found null.", "extensions": {"code": "BAD_REQUEST"}}]
    }


async def test_a_get_query_answers_in_the_asked_type(studio: StudioFixture) -> None:
    response = await studio.http.get(
        "/graphql",
        params={"query": "{ viewer { role } }"},
        headers={"Authorization": f"Bearer {studio.tokens[Role.ADMIN]}", "Accept": GRAPHQL_RESPONSE},
    )
    assert (response.status_code, response.headers["content-type"]) == (200, GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"viewer": {"role": "ADMIN"}}}
