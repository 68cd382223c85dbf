"""Schema-driven fuzzing: documents generated from the exported schema.graphql (valid ones with random
and edge argument values, and ones with a single schema violation) go through the real app with every
role's token. Whatever they ask, the answer is well-formed GraphQL JSON, never a 5xx and never a
masked "Unexpected error."; the server is healthy afterwards.

`CALLSHEET_FUZZ_EXAMPLES` sets the number of examples per test (default 200, derandomized, so CI
sees the same documents every run); set it higher for a longer, randomized run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes

from db.models import Role
from server.schema.ids import to_global_id
from tests.conftest import StudioFixture

SCHEMA = (Path(__file__).parents[2] / "schema.graphql").read_text()
LONG_RUN = "CALLSHEET_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("CALLSHEET_FUZZ_EXAMPLES", "200"))

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=not LONG_RUN,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

EDGE_TEXT = st.sampled_from(["", " ", "not a date", "2026-02-30T10:00:00Z", "0001-01-01T00:00:00Z", "\x00", "9" * 70])


def mostly(usual: st.SearchStrategy[str], edge: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Usual values nine times in ten, so a document with several of them still reaches a service."""
    return st.integers(0, 9).flatmap(lambda n: edge if n == 0 else usual).map(nodes.String)


START = datetime(2026, 11, 30, tzinfo=UTC)
DATETIMES = mostly(
    st.one_of(
        st.integers(-2_000, 2_000).map(lambda h: (START + timedelta(hours=h)).isoformat()),
        st.integers(-8_000, 8_000).map(lambda q: (START + timedelta(minutes=15 * q)).strftime("%Y-%m-%dT%H:%M:%SZ")),
    ),
    st.one_of(
        st.datetimes(min_value=datetime(1969, 12, 31), max_value=datetime(2201, 1, 2), timezones=st.just(UTC)).map(
            datetime.isoformat
        ),
        st.sampled_from(["2026-12-01T10:00:00", "2026-12-01T10:00:00+14:00", "1970-01-01T00:00:00-12:00"]),
        EDGE_TEXT,
    ),
)
DECIMALS = mostly(
    st.one_of(st.integers(0, 100_000).map(str), st.decimals(0, 10_000, places=2).map(str)),
    st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(["1e999999", "-1e999999", "1e-999999", "0.001", "-0", "99999999999999.99", "1E+2", "sNaN"]),
        st.integers(-(10**20), 10**20).map(str),
        EDGE_TEXT,
    ),
)
NODE_TYPES = ["Resource", "Location", "Kit", "Project", "Booking", "Allocation", "Block", "Audit", "Invoice", "Rate"]
IDS = mostly(
    st.builds(to_global_id, st.sampled_from(NODE_TYPES), st.integers(1, 40)),
    st.one_of(
        st.builds(to_global_id, st.sampled_from(NODE_TYPES), st.sampled_from([0, -1, 2**31, 2**63, 10**30])),
        st.text(max_size=12),
        EDGE_TEXT,
    ),
)
SCALARS = {"DateTime": DATETIMES, "Decimal": DECIMALS, "ID": IDS}
SEED = [
    'createResource(input: {kind: ROOM, name: "Fuzz room", category: "room"})',
    'createResource(input: {kind: EQUIPMENT, name: "Fuzz mic", category: "mic", code: "FZ-1"})',
    'createResource(input: {kind: STOCK, name: "Fuzz cables", quantity: 12, unit: "cable"})',
    'createResource(input: {kind: CREW, name: "Fuzz crew", skills: ["sound"]})',
    'createProject(input: {name: "Fuzz project", clientName: "Fuzz client", approvedBudget: "5000"})',
]


def well_formed(status: int, body: Any) -> None:
    """A GraphQL response: an object with `data` and/or a list of `errors`, each with a message."""
    assert status < 500, (status, body)
    assert isinstance(body, dict) and body, body
    assert set(body) <= {"data", "errors", "extensions"}, body
    if status != 200:
        assert status in (400, 413) and "data" not in body, (status, body)
    for error in body.get("errors") or ():
        assert isinstance(error["message"], str) and error["message"], body
        assert error["message"] != "Unexpected error.", body
    if "errors" not in body:
        assert isinstance(body.get("data"), dict), body


async def send(studio: StudioFixture, role: Role, query: str) -> None:
    response = await studio.http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {studio.tokens[role]}"}
    )
    well_formed(response.status_code, response.json())


@pytest.fixture
async def fuzzed(studio: StudioFixture) -> Any:
    for i, field in enumerate(SEED):
        await studio.data(f"mutation {{ m{i}: {field} {{ __typename }} }}")
    yield studio
    health = await studio.http.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"


@FUZZ
@given(query=from_schema(SCHEMA, custom_scalars=SCALARS, allow_x00=False), role=st.sampled_from(Role))
async def test_valid_documents_get_graphql_answers(fuzzed: StudioFixture, query: str, role: Role) -> None:
    await send(fuzzed, role, query)


@FUZZ
@given(query=from_schema(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE), role=st.sampled_from(Role))
async def test_invalid_documents_get_graphql_refusals(fuzzed: StudioFixture, query: str, role: Role) -> None:
    await send(fuzzed, role, query)
