"""The cage from end to end: the server started with `callsheet serve`, a SCANNER token from the CLI, the
scanner agent as its own process reading a simulated barcode scanner on a pseudo-terminal."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devices.scanner_agent.simulator import Simulator
from tests.e2e.live import AgentProcess, Deployment, scratch_database, wait_for

SETUP = """
mutation($item: CreateResourceInput!) { createResource(input: $item) { ... on ResourceCreated { resource { id } } } }
"""
KIT = "mutation($kit: CreateKitInput!) { createKit(input: $kit) { ... on KitCreated { kit { id } } } }"
PROJECT = "mutation($p: CreateProjectInput!) { createProject(input: $p) { ... on ProjectCreated { project { id } } } }"
BOOKING = """
mutation($b: CreateBookingInput!) {
  createBooking(input: $b) { __typename ... on BookingCreated { booking { id title pickListCode } } }
}
"""
CUSTODY = "query($code: String!) { assetByCode(code: $code) { name custody } }"
HISTORY = """
query($id: ID!) {
  assetHistory(id: $id) {
    custody { custodian checkedOutBy returnedBy condition booking { title } }
    scans { action outcome device }
  }
}
"""
GIAI_96 = "3414F4E4E4000000000181CD"


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    with scratch_database(tmp_path) as url:
        live = Deployment(tmp=tmp_path, database_url=url)
        live.setup()
        live.start()
        try:
            yield live
        finally:
            live.stop()


@pytest.fixture
def reader() -> Iterator[Simulator]:
    sim = Simulator("barcode")
    sim.start()
    try:
        yield sim
    finally:
        sim.close()


def _item(live: Deployment, name: str, code: str, epc: str | None = None) -> str:
    cage = next(loc["id"] for loc in live.gql("{ locations { id name } }")["locations"] if loc["name"] == "Cage")
    spec: dict[str, Any] = {"kind": "EQUIPMENT", "name": name, "code": code, "locationId": cage, "category": "camera"}
    if epc:
        spec["epc"] = epc
    return str(live.gql(SETUP, {"item": spec})["createResource"]["resource"]["id"])


def _booking(live: Deployment, title: str, allocations: list[dict[str, str]]) -> dict[str, str]:
    project = live.gql(PROJECT, {"p": {"name": f"{title} project"}})["createProject"]["project"]["id"]
    now = datetime.now(UTC)
    created = live.gql(
        BOOKING,
        {
            "b": {
                "projectId": project,
                "title": title,
                "start": (now - timedelta(minutes=30)).isoformat(),
                "end": (now + timedelta(hours=3)).isoformat(),
                "status": "CONFIRMED",
                "allocations": allocations,
            }
        },
    )["createBooking"]
    assert created["__typename"] == "BookingCreated", created
    return dict(created["booking"])


def _custody(live: Deployment, code: str) -> str:
    found = live.gql(CUSTODY, {"code": code})["assetByCode"]
    return str(found["custody"])


def _all(live: Deployment, codes: list[str], state: str) -> bool:
    return all(_custody(live, c) == state for c in codes)


def test_pick_list_and_gear_out_then_back_with_one_item_damaged(
    deployment: Deployment, reader: Simulator, tmp_path: Path
) -> None:
    live = deployment
    scanner_token = live.token("SCANNER", "--location", "Cage", "--name", "Cage scanner")
    body = _item(live, "Camera body A", "CAM-001")
    lens = _item(live, "Lens kit A", "LENS-001")
    tripod = _item(live, "Tripod A", "TRI-001")
    mic = _item(live, "Shure SM7B #1", "MIC-0001", epc=GIAI_96)
    kit = live.gql(KIT, {"kit": {"name": "Camera package A", "code": "KIT-CAM-A", "itemIds": [body, lens, tripod]}})
    booking = _booking(live, "Episode 12", [{"kitId": kit["createKit"]["kit"]["id"]}, {"resourceId": mic}])
    agent = AgentProcess(tmp_path, reader.path, live.url, scanner_token)
    agent.start()
    try:
        wait_for(lambda: reader.connected, what="the agent to open the reader")
        # The pick list, the kit's label, and the microphone's GS1 DataMatrix (GIAI).
        reader.send_line(booking["pickListCode"])
        reader.send_line("KIT-CAM-A")
        reader.send_line("]d28004401234598765")
        everything = ["CAM-001", "LENS-001", "TRI-001", "MIC-0001"]
        wait_for(lambda: _all(live, everything, "CHECKED_OUT"), what="the gear to be out")

        # Back: a mode card, then each item; the tripod comes back damaged, after a condition card.
        reader.send_line("CS:MODE:RETURN")
        for code in ("CAM-001", "LENS-001", "]d28004401234598765", "CS:CONDITION:DAMAGED", "TRI-001"):
            reader.send_line(code)
        wait_for(lambda: _all(live, ["CAM-001", "LENS-001", "MIC-0001"], "IN_CAGE"), what="the gear to be back")
        wait_for(lambda: agent.states().get("applied") == 6, what="every scan applied")
    finally:
        agent.stop()

    assert agent.states() == {"applied": 6}, agent.output()
    assert [(s["op"], s["code"]) for s in agent.scans()] == [
        ("CHECKOUT", "KIT-CAM-A"),
        ("CHECKOUT", "8004401234598765"),
        ("RETURN", "CAM-001"),
        ("RETURN", "LENS-001"),
        ("RETURN", "8004401234598765"),
        ("RETURN", "TRI-001"),
    ]
    assert '✔ OUT  Camera package A: 3 items → "Episode 12" due ' in agent.output()
    assert "✔ IN   Tripod A (TRI-001)  DAMAGED, to maintenance" in agent.output()
    assert {c: _custody(live, c) for c in ("CAM-001", "LENS-001", "TRI-001", "MIC-0001")} == {
        "CAM-001": "IN_CAGE",
        "LENS-001": "IN_CAGE",
        "TRI-001": "MAINTENANCE",
        "MIC-0001": "IN_CAGE",
    }
    history = live.gql(HISTORY, {"id": body})["assetHistory"]
    assert history["custody"] == [
        {
            "custodian": "Episode 12",
            "checkedOutBy": "Cage scanner",
            "returnedBy": "Cage scanner",
            "condition": "OK",
            "booking": {"title": "Episode 12"},
        }
    ]
    assert history["scans"] == [
        {"action": "RETURN", "outcome": "RETURNED", "device": "Cage scanner"},
        {"action": "CHECK_OUT", "outcome": "CHECKED_OUT", "device": "Cage scanner"},
    ]
    tripod_history = live.gql(HISTORY, {"id": tripod})["assetHistory"]
    assert tripod_history["custody"][0]["condition"] == "DAMAGED"
    assert tripod_history["custody"][0]["returnedBy"] == "Cage scanner"


def test_server_down_scans_made_server_up_every_scan_applied_once_in_order(
    deployment: Deployment, reader: Simulator, tmp_path: Path
) -> None:
    live = deployment
    scanner_token = live.token("SCANNER", "--location", "Cage", "--name", "Cage scanner")
    a = _item(live, "Camera body B", "E2E-A")
    b = _item(live, "Lens kit B", "E2E-B")
    booking = _booking(live, "Pickup shoot", [{"resourceId": a}, {"resourceId": b}])
    live.stop()

    agent = AgentProcess(tmp_path, reader.path, live.url, scanner_token)
    agent.start()
    try:
        wait_for(lambda: reader.connected, what="the agent to open the reader")
        # Out A and B, A back, A out again: only the right order gives this end state without refusals.
        for code in (booking["pickListCode"], "E2E-A", "E2E-B", "CS:MODE:RETURN", "E2E-A"):
            reader.send_line(code)
        reader.send_line(booking["pickListCode"])
        reader.send_line("E2E-A")
        wait_for(lambda: agent.states().get("pending") == 4, what="four scans waiting in the outbox")
        assert "applied" not in agent.states()

        live.start()
        wait_for(lambda: agent.states().get("applied") == 4, timeout=30, what="the queue to drain")
    finally:
        agent.stop()

    assert agent.states() == {"applied": 4}, agent.output()
    scans = agent.scans()
    assert [(s["op"], s["code"]) for s in scans] == [
        ("CHECKOUT", "E2E-A"),
        ("CHECKOUT", "E2E-B"),
        ("RETURN", "E2E-A"),
        ("CHECKOUT", "E2E-A"),
    ]
    assert (_custody(live, "E2E-A"), _custody(live, "E2E-B")) == ("CHECKED_OUT", "CHECKED_OUT")
    history = live.gql(HISTORY, {"id": a})["assetHistory"]
    # Newest first: out, back, out; exactly one scan record per outbox scan, none refused.
    assert history["scans"] == [
        {"action": "CHECK_OUT", "outcome": "CHECKED_OUT", "device": "Cage scanner"},
        {"action": "RETURN", "outcome": "RETURNED", "device": "Cage scanner"},
        {"action": "CHECK_OUT", "outcome": "CHECKED_OUT", "device": "Cage scanner"},
    ]
    assert [c["custodian"] for c in history["custody"]] == ["Pickup shoot", "Pickup shoot"]
    assert len(live.gql(HISTORY, {"id": b})["assetHistory"]["scans"]) == 1


def test_a_frozen_server_still_leaves_every_scan_on_screen_within_a_second_and_applies_it_once_when_it_wakes(
    deployment: Deployment, reader: Simulator, tmp_path: Path
) -> None:
    live = deployment
    scanner_token = live.token("SCANNER", "--location", "Cage", "--name", "Cage scanner")
    a = _item(live, "Camera body C", "E2E-C")
    b = _item(live, "Lens kit C", "E2E-D")
    booking = _booking(live, "Frozen server shoot", [{"resourceId": a}, {"resourceId": b}])
    server = live.server
    assert server is not None
    agent = AgentProcess(tmp_path, reader.path, live.url, scanner_token)
    agent.start()
    try:
        wait_for(lambda: reader.connected, what="the agent to open the reader")
        reader.send_line(booking["pickListCode"])
        reader.send_line("E2E-C")
        wait_for(lambda: agent.states() == {"applied": 1}, what="a prompt answer")

        # A stopped process: the kernel still takes the connection, nobody reads or answers it.
        os.kill(server.pid, signal.SIGSTOP)
        try:
            scanned = time.monotonic()
            reader.send_line("E2E-D")
            saved = "⋯ OUT  E2E-D  saved, 1 waiting for the server"
            wait_for(lambda: saved in agent.output(), timeout=1.0, every=0.02, what="the scan shown as saved")
            assert time.monotonic() - scanned < 1.0
            assert agent.states() == {"applied": 1, "pending": 1}
        finally:
            os.kill(server.pid, signal.SIGCONT)
        wait_for(lambda: agent.states() == {"applied": 2}, what="the late answer")
    finally:
        agent.stop()

    lines = agent.output().splitlines()
    late = lines.index(saved)
    assert lines[late + 1].startswith('✔ OUT  Lens kit C (E2E-D) → "Frozen server shoot" due '), agent.output()
    assert not any(line.startswith(("⚠", "✖")) for line in lines), agent.output()
    assert (_custody(live, "E2E-C"), _custody(live, "E2E-D")) == ("CHECKED_OUT", "CHECKED_OUT")
    assert live.gql(HISTORY, {"id": b})["assetHistory"]["scans"] == [
        {"action": "CHECK_OUT", "outcome": "CHECKED_OUT", "device": "Cage scanner"}
    ]
