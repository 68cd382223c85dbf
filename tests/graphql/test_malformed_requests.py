"""Every bad input gets a clear answer: the status, the reason and the code, never a masked error
or a 500; and refusals are logged as one line, an unexpected fault as one traceback."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from db.models import Role
from tests.conftest import StudioFixture

AVAILABILITY = 'query { availability(input: {start: %s, end: "2026-12-01T12:00:00Z"}) { __typename } }'
CREATE_ROOM = "mutation($name: String!) { createResource(input: {kind: ROOM, name: $name}) { __typename } }"
SET_RATE = """
mutation($rate: Decimal!) {
  setRate(input: {category: "room", unit: HOUR, costRate: "10.00", billRate: $rate}) { __typename }
}
"""
NEXT_FREE = """{ nextFreeWindows(resourceId: "UmVzb3VyY2U6OTk5OTk5", duration: 60,
  from: "2026-12-01T10:00:00Z", until: "2026-12-02T10:00:00Z") { start } }"""
COUNT = "{ resources(first: 200) { edges { node { id } } } }"


def headers(studio: StudioFixture, role: Role = Role.ADMIN) -> dict[str, str]:
    return {"Authorization": f"Bearer {studio.tokens[role]}", "Content-Type": "application/json"}


async def post_raw(studio: StudioFixture, body: bytes) -> tuple[int, str, Any]:
    response = await studio.http.post("/graphql", content=body, headers=headers(studio))
    return response.status_code, response.headers["content-type"], response.json()


# 1. A literal the scalar refuses names the argument and the reason.


@pytest.mark.parametrize(
    ("literal", "reason"),
    [
        ('"2026-12-01T10:00:00"', "DateTime must carry a UTC offset, e.g. 2026-03-02T10:00:00+01:00"),
        ('"2026-02-30T10:00:00Z"', "'2026-02-30T10:00:00Z' is not an ISO-8601 date-time"),
        ('""', "'' is not an ISO-8601 date-time"),
        ('"not a date"', "'not a date' is not an ISO-8601 date-time"),
        ('"0001-01-01T00:00:00Z"', "DateTime must lie between 1970 and 2200"),
        ('"9999-12-31T23:59:59Z"', "DateTime must lie between 1970 and 2200"),
        ("20261201", "DateTime must be an ISO-8601 string"),
    ],
)
async def test_a_refused_datetime_literal_names_the_field_and_the_reason(
    studio: StudioFixture, literal: str, reason: str
) -> None:
    body = await studio.gql(AVAILABILITY % literal)
    assert body == {
        "data": None,
        "errors": [
            {
                "message": f"Argument 'input' of 'availability' has invalid value at .start: {reason}.",
                "locations": [{"line": 1, "column": 29}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED", "field": "input.start"},
            }
        ],
    }


async def test_the_same_value_as_a_variable_gets_the_same_reason(studio: StudioFixture) -> None:
    query = 'query($s: DateTime!) { availability(input: {start: $s, end: "2026-12-01T12:00:00Z"}) { __typename } }'
    body = await studio.gql(query, {"s": "2026-12-01T10:00:00"})
    assert body["data"] is None
    assert body["errors"][0]["message"] == (
        "Variable '$s' has invalid value: DateTime must carry a UTC offset, e.g. 2026-03-02T10:00:00+01:00"
    )
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}


async def test_a_refused_default_value_is_named_too(studio: StudioFixture) -> None:
    query = (
        'query($s: DateTime = "soon") { availability(input: {start: $s, end: "2026-12-01T12:00:00Z"}) { __typename } }'
    )
    body = await studio.gql(query)
    assert body["errors"][0]["message"] == (
        "Default value of '$s' has invalid value: 'soon' is not an ISO-8601 date-time."
    )
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


# 2. Bodies the server cannot read are a 400 with a GraphQL error body.


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'"hello"', "Expected a JSON object, found a string."),
        (b"null", "Expected a JSON object, found null."),
        (b"42", "Expected a JSON object, found a number."),
        (b"[]", "Batching is not enabled"),
        (b'[{"query": "{ viewer { role } }"}]', "Batching is not enabled"),
        (b'{"query": "{ viewer { role } }", "x": "\xff"}', "The request body is not valid UTF-8."),
        (b'{"query": "{ viewer { role } }", "variables": ' + b"[" * 3000 + b"]" * 3000 + b"}", "JSON may nest"),
        (b'{"query": "{ viewer { role } }", "variables": ' + b'{"a":' * 30000 + b"1" + b"}" * 30001, "JSON may nest"),
        (b'{"query": "{ viewer { role } }", "variables": ' + b"[" * 40 + b"]" * 40 + b"}", "JSON may nest"),
        (b'{"query": ', "The request body is not valid JSON (Expecting value at position 10)."),
        (
            b'{"query": "{ viewer { role } }", "variables": "x"}',
            "The GraphQL operation's `variables` must be an object or null, if provided.",
        ),
        (b'{"query": 7}', "The GraphQL operation's `query` must be a string or null, if provided."),
        (b"{}", "No GraphQL query found in the request"),
    ],
    ids=lambda v: v[:24] if isinstance(v, bytes) else None,
)
async def test_an_unreadable_body_is_a_400_with_a_graphql_error(
    studio: StudioFixture, body: bytes, message: str
) -> None:
    status, media_type, answer = await post_raw(studio, body)
    assert (status, media_type) == (400, "application/json")
    assert list(answer) == ["errors"]
    assert answer["errors"][0]["message"].startswith(message)
    assert answer["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}


async def test_a_nesting_limit_message_names_the_limit(studio: StudioFixture) -> None:
    _, _, answer = await post_raw(
        studio, b'{"query": "{ viewer { role } }", "variables": ' + b"[" * 3000 + b"]" * 3000 + b"}"
    )
    assert answer["errors"][0]["message"] == "JSON may nest at most 32 levels deep."


async def test_a_body_within_the_limits_is_served(studio: StudioFixture) -> None:
    body = json.dumps({"query": "{ viewer { role } }", "variables": {"a": [[[[[[1]]]]]]}}).encode()
    assert await post_raw(studio, body) == (200, "application/json", {"data": {"viewer": {"role": "ADMIN"}}})


async def test_the_size_limit_is_still_a_413(studio: StudioFixture) -> None:
    status, _, answer = await post_raw(studio, b'{"query": "' + b" " * (300 * 1024) + b'{ viewer { role } }"}')
    assert status == 413
    assert answer["errors"][0]["extensions"]["code"] == "TOO_LARGE"


async def test_an_unsupported_content_type_is_a_graphql_error(studio: StudioFixture) -> None:
    response = await studio.http.post(
        "/graphql", content=b"{ viewer { role } }", headers=headers(studio) | {"Content-Type": "text/plain"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": "Unsupported content type", "extensions": {"code": "BAD_REQUEST"}}]
    }


async def test_a_get_with_bad_variables_is_a_graphql_error(studio: StudioFixture) -> None:
    response = await studio.http.get(
        "/graphql", params={"query": "{ viewer { role } }", "variables": "{"}, headers=headers(studio)
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("The request body is not valid JSON")


# 3. Values that pass a scalar but could not be stored are refused at the edge, with the reason.


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad \ud800 half", "Text must be valid Unicode (found a lone surrogate)."),
        ("nul\x00inside", "Text may not contain NUL characters."),
    ],
)
async def test_text_that_cannot_be_stored_is_refused_before_the_resolver(
    studio: StudioFixture, name: str, reason: str
) -> None:
    before = await studio.data(COUNT)
    # Encoded by hand: a lone surrogate can only travel as a JSON escape.
    _, _, body = await post_raw(studio, json.dumps({"query": CREATE_ROOM, "variables": {"name": name}}).encode())
    assert body == {
        "data": None,
        "errors": [
            {"message": f"Variable '$name' has invalid value: {reason}", "extensions": {"code": "BAD_USER_INPUT"}}
        ],
    }
    assert await studio.data(COUNT) == before


async def test_a_nested_text_variable_is_refused_with_its_path(studio: StudioFixture) -> None:
    query = "mutation($input: CreateResourceInput!) { createResource(input: $input) { __typename } }"
    body = await studio.gql(query, {"input": {"kind": "CREW", "name": "Sam", "skills": ["ok", "bad\x00"]}})
    assert body["errors"][0]["message"] == (
        "Variable '$input' has invalid value at .skills[1]: Text may not contain NUL characters."
    )


async def test_a_nul_written_into_the_document_is_refused(studio: StudioFixture) -> None:
    body = await studio.gql('mutation { createResource(input: {kind: ROOM, name: "a\\u0000b"}) { __typename } }')
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Text may not contain NUL characters."
    assert body["errors"][0]["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}


async def test_a_lone_surrogate_written_into_the_document_is_a_syntax_error(studio: StudioFixture) -> None:
    body = await studio.gql('mutation { createResource(input: {kind: ROOM, name: "bad \\ud800 half"}) { __typename } }')
    assert body["errors"][0]["message"] == "Syntax Error: Invalid Unicode escape sequence: '\\ud800'."
    assert body["errors"][0]["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}


@pytest.mark.parametrize(
    ("rate", "reason"),
    [
        ("1e999999", "Decimal must have at most 15 digits before the point"),
        ("1234567890123456", "Decimal must have at most 15 digits before the point"),
        ("0.0000000000001", "Decimal must have at most 12 decimal places"),
        ("1e-999999", "Decimal must have at most 12 decimal places"),
        ("twelve", "'twelve' is not a decimal number"),
        ("sNaN", "Decimal must be a number"),
        (True, 'Decimal must be a string such as "125.50"'),
    ],
)
async def test_a_decimal_beyond_money_precision_is_refused(studio: StudioFixture, rate: object, reason: str) -> None:
    body = await studio.gql(SET_RATE, {"rate": rate})
    assert body == {
        "data": None,
        "errors": [
            {
                "message": f"Variable '$rate' has invalid value: {reason}",
                "locations": [{"line": 2, "column": 10}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
    }


async def test_a_decimal_literal_is_read_from_its_digits(studio: StudioFixture) -> None:
    huge = await studio.gql(SET_RATE.replace("($rate: Decimal!)", "").replace("$rate", "1e999999"))
    assert huge["errors"][0]["message"] == (
        "Argument 'input' of 'setRate' has invalid value at .billRate: "
        "Decimal must have at most 15 digits before the point."
    )
    exact = await studio.gql(SET_RATE.replace("($rate: Decimal!)", "").replace("$rate", "45.10"))
    assert exact == {"data": {"setRate": {"__typename": "RateSet"}}}


async def test_trailing_zeros_are_not_precision(studio: StudioFixture) -> None:
    body = await studio.gql(SET_RATE, {"rate": "45.100000000000000000000000"})
    assert body == {"data": {"setRate": {"__typename": "RateSet"}}}


async def test_an_int_beyond_32_bits_is_refused(studio: StudioFixture) -> None:
    body = await studio.gql("query($n: Int) { resources(first: $n) { edges { cursor } } }", {"n": 2**31})
    assert body["errors"][0]["message"] == (
        "Variable '$n' has invalid value: Int cannot represent non 32-bit signed integer value: 2147483648"
    )
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}


async def test_variables_nested_beyond_any_input_are_refused(studio: StudioFixture) -> None:
    deep: Any = "x"
    for _ in range(20):
        deep = [deep]
    body = await studio.gql("{ viewer { role } }", {"deep": deep})
    assert body["errors"] == [
        {
            "message": "Variable '$deep' has invalid value at " + "[0]" * 17 + ": Variables may nest at most 16 deep.",
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]


async def test_a_global_id_beyond_any_key_is_not_found(studio: StudioFixture) -> None:
    from server.schema.ids import parse_global_id, to_global_id

    assert parse_global_id(to_global_id("Resource", 2**31 - 1)) == ("Resource", 2**31 - 1)
    assert parse_global_id(to_global_id("Resource", 2**31)) is None
    query = """mutation($id: ID!) { blockResource(input: {resourceId: $id, reason: "x",
      start: "2026-12-01T10:00:00Z", end: "2026-12-01T12:00:00Z"}) { __typename ... on UserError { message } } }"""
    body = await studio.gql(query, {"id": to_global_id("Resource", 2**31)})
    assert body == {"data": {"blockResource": {"__typename": "NotFoundError", "message": "No such resource."}}}


# 4. Several operations need an operationName.

TWO = 'query A { viewer { role } } mutation B { createResource(input: {kind: ROOM, name: "Sneaky"}) { __typename } }'


async def test_two_operations_without_a_name_are_refused(studio: StudioFixture) -> None:
    before = await studio.data(COUNT)
    body = await studio.gql(TWO)
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "Must provide operation name if query contains multiple operations.",
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
    }
    assert await studio.data(COUNT) == before


async def test_a_named_operation_of_several_runs(studio: StudioFixture) -> None:
    response = await studio.http.post("/graphql", json={"query": TWO, "operationName": "A"}, headers=headers(studio))
    assert response.json() == {"data": {"viewer": {"role": "ADMIN"}}}
    unknown = await studio.http.post("/graphql", json={"query": TWO, "operationName": "C"}, headers=headers(studio))
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


# 5. Refusals are one log line; an unexpected fault is one traceback with the request id.


async def test_refusals_are_logged_without_tracebacks(
    studio: StudioFixture, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.repositories import tenancy

    bad: list[tuple[str, dict[str, Any]]] = [
        (AVAILABILITY % '"2026-12-01T10:00:00"', {}),
        (CREATE_ROOM, {"name": "nul\x00"}),
        (SET_RATE, {"rate": "1e999999"}),
        ("{ resources(first: 5000) { edges { cursor } } }", {}),
        (NEXT_FREE, {}),
        ("{ viewr { role } }", {}),
        ("{ viewer { role }", {}),
        (TWO, {}),
    ]
    with caplog.at_level(logging.INFO):
        for query, variables in bad:
            body = await studio.gql(query, variables)
            assert body.get("errors"), (query, body)
            assert body["errors"][0]["message"] != "Unexpected error."
        await studio.gql("{ locations { name } }", role=Role.CREW)
        assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("provoked on purpose")

        monkeypatch.setattr(tenancy, "locations", broken)
        response = await studio.http.post(
            "/graphql", json={"query": "{ locations { name } }"}, headers=headers(studio) | {"X-Request-Id": "rid-42"}
        )
    assert response.json()["errors"][0]["message"] == "Unexpected error."
    assert response.headers["x-request-id"] == "rid-42"
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert "rid-42" in tracebacks[0].getMessage()
    assert tracebacks[0].exc_info is not None and str(tracebacks[0].exc_info[1]) == "provoked on purpose"
    refusals = [r for r in caplog.records if r.name == "callsheet.graphql" and not r.exc_info]
    assert len(refusals) >= len(bad)
    assert all("\n" not in r.getMessage() for r in refusals)
    logged = " | ".join(r.getMessage() for r in refusals)
    assert "No such resource." in logged and "first must be between 1 and 200." in logged


async def test_every_response_carries_a_request_id(studio: StudioFixture) -> None:
    ok = await studio.http.post("/graphql", json={"query": "{ viewer { role } }"}, headers=headers(studio))
    bad = await studio.http.post("/graphql", content=b"null", headers=headers(studio))
    assert len(ok.headers["x-request-id"]) == 16
    assert len(bad.headers["x-request-id"]) == 16
    assert ok.headers["x-request-id"] != bad.headers["x-request-id"]
