"""Clients: who may add one, projects for a client, and who reads a client's name."""

from __future__ import annotations

import pytest

from db.models import Role
from server.schema.ids import to_global_id
from tests.conftest import StudioFixture

CREATE = """mutation($name: String!) { createClient(input: {name: $name}) { __typename
  ... on ClientCreated { client { id name } } ... on UserError { code } ... on ValidationError { field } } }"""
PROJECT = """mutation($input: CreateProjectInput!) { createProject(input: $input) { __typename
  ... on ProjectCreated { project { id name client { id name } clientName } } ... on UserError { code } } }"""
CLIENTS = "{ clients: projects(first: 50) { edges { node { client { name } } } } }"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_coordinators_and_administrators_add_clients(studio: StudioFixture, role: Role) -> None:
    made = (await studio.data(CREATE, {"name": "Zenith Films"}, role=role))["createClient"]
    if role in (Role.ADMIN, Role.COORDINATOR):
        assert made["__typename"] == "ClientCreated" and made["client"]["name"] == "Zenith Films"
        seen = await studio.data(
            "query($id: ID!) { node(id: $id) { ... on Client { name } } }", {"id": made["client"]["id"]}
        )
        assert seen["node"] == {"name": "Zenith Films"}
    else:
        assert (made["__typename"], made["code"]) == ("ForbiddenError", "FORBIDDEN")
        again = (await studio.data(CREATE, {"name": "Zenith Films"}))["createClient"]
        assert again["__typename"] == "ClientCreated"  # the refused attempt created nothing


async def test_client_names_are_required_and_unique(studio: StudioFixture) -> None:
    blank = (await studio.data(CREATE, {"name": "  "}))["createClient"]
    taken = (await studio.data(CREATE, {"name": "Acme Records"}))["createClient"]
    assert (blank["code"], blank["field"]) == ("VALIDATION", "name")
    assert (taken["code"], taken["field"]) == ("VALIDATION", "name")


async def test_a_project_is_for_a_client_by_id(studio: StudioFixture, other_studio: StudioFixture) -> None:
    acme = to_global_id("Client", studio.client_id)
    made = (await studio.data(PROJECT, {"input": {"name": "Launch", "clientId": acme}}))["createProject"]
    assert made["project"]["client"] == {"id": acme, "name": "Acme Records"}
    assert made["project"]["clientName"] == "Acme Records"
    theirs = to_global_id("Client", other_studio.client_id)
    refused = (await studio.data(PROJECT, {"input": {"name": "Elsewhere", "clientId": theirs}}))["createProject"]
    assert (refused["__typename"], refused["code"]) == ("NotFoundError", "NOT_FOUND")
    both = {"name": "Both", "clientId": acme, "clientName": "Acme Records"}
    assert (await studio.data(PROJECT, {"input": both}))["createProject"]["code"] == "VALIDATION"
    # The client's own people see it; nobody outside the project's readers learns the name.
    seen = {
        role: [e["node"]["client"] for e in (await studio.data(CLIENTS, role=role))["clients"]["edges"]]
        for role in Role
    }
    assert seen[Role.CLIENT] == seen[Role.ADMIN] == [{"name": "Acme Records"}]
    assert seen[Role.PRODUCER] == seen[Role.CREW] == seen[Role.SCANNER] == seen[Role.DISPLAY] == []
