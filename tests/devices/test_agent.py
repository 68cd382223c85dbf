"""The agent end to end over a pyserial loop:// port and a mocked server."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import serial

from devices.scanner_agent.agent import Agent
from devices.scanner_agent.outbox import REJECTED, Batch, Outbox
from devices.scanner_agent.reader import Idle, ReaderEvent
from devices.scanner_agent.station import Condition, Mode, StationState
from devices.scanner_agent.uhf import encode_inventory_answer

from .fakes import FakeCage, wait_until
from .harness import RunAgent, fast_config, output

GIAI_EPC = bytes.fromhex("3414F4E4E4000000000181CD")
EPC_313 = bytes.fromhex("000000000000000000000313")


def scan(port: serial.SerialBase, *codes: str) -> None:
    port.write(b"".join(code.encode() + b"\r\n" for code in codes))


async def test_scans_wait_while_the_server_is_down_then_go_once_each_in_order(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    cage.down = True
    async with run_agent(open_port=lambda: loop_port) as agent:
        scan(loop_port, *(f"MIC-000{i}" for i in range(1, 6)))
        await wait_until(lambda: agent.scans == 5 and agent.sender.failures >= 2, what="queued scans")
        cage.down, cage.status = False, 503
        failures = agent.sender.failures
        await wait_until(lambda: agent.sender.failures >= failures + 2, what="5xx retries")
        assert cage.applied == {}
        assert agent.outbox.depth() == 5
        cage.status = None
        await wait_until(lambda: agent.outbox.depth() == 0, what="drained outbox")
        keys = [entry.key for entry in agent.outbox.entries()]
    assert cage.keys() == keys
    assert cage.applied_order == keys
    assert cage.applied_codes() == ["MIC-0001", "MIC-0002", "MIC-0003", "MIC-0004", "MIC-0005"]
    assert set(cage.attempts) == set(keys)
    lines = output(agent)
    assert [line for line in lines if line.startswith("✔ IN")] == [
        f"✔ IN   Item MIC-000{i} (MIC-000{i})" for i in range(1, 6)
    ]
    server_lines = [line for line in lines if line.startswith(("⚠", "✔ SERVER"))]
    assert len(server_lines) == 2
    assert server_lines[0].startswith("⚠ SERVER UNREACHABLE  ConnectError: connection refused; ")
    assert server_lines[1] == "✔ SERVER BACK  5 waiting"


async def test_a_definitive_rejection_is_kept_shown_and_not_retried(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    cage.refuse("MIC-0009", "not allocated to this booking")
    async with run_agent(open_port=lambda: loop_port, mode=Mode.CHECKOUT, booking_id="B1") as agent:
        scan(loop_port, "MIC-0009", "MIC-0001")
        await wait_until(lambda: agent.scans == 2 and agent.outbox.depth() == 0, what="both answered")
        await asyncio.sleep(0.2)  # time enough for several retries, were there any
        rejected = agent.outbox.entries(REJECTED)
        keys = [entry.key for entry in agent.outbox.entries()]
    assert cage.attempts == keys
    assert [(entry.code, entry.last_error) for entry in rejected] == [
        ("MIC-0009", "INVALID_TRANSITION: not allocated to this booking")
    ]
    lines = output(agent)
    assert "✖ REFUSED  MIC-0009: not allocated to this booking" in lines
    assert '✔ OUT  Item MIC-0001 (MIC-0001) → "Interview" due 14:00' in lines


async def test_a_network_error_is_retried_with_the_same_key(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    cage.connect_errors = 3
    async with run_agent(open_port=lambda: loop_port) as agent:
        scan(loop_port, "MIC-0001")
        await wait_until(lambda: agent.scans == 1 and agent.outbox.depth() == 0, what="applied")
        (entry,) = agent.outbox.entries()
    assert cage.attempts == [entry.key] * 4
    assert cage.applied_codes() == ["MIC-0001"]
    assert entry.attempts == 4


async def test_command_cards_debounce_and_gs1_codes(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    async with run_agent(open_port=lambda: loop_port) as agent:
        scan(loop_port, "CS:BOOKING:Qm9va2luZzo0Mg==", "]C18004401234598765", "]C18004401234598765")
        await wait_until(lambda: agent.scans == 1 and agent.outbox.depth() == 0, what="check-out")
        scan(loop_port, "]C0CS:MODE:RETURN", "]C18004401234598765", "MIC-0002", "MIC-0002")
        await wait_until(lambda: agent.scans == 3 and agent.outbox.depth() == 0, what="returns")
        keys = [entry.key for entry in agent.outbox.entries()]
    assert cage.requests == [
        ("checkOutAsset", {"code": "8004401234598765", "bookingId": "Qm9va2luZzo0Mg==", "idempotencyKey": keys[0]}),
        ("returnAsset", {"code": "8004401234598765", "condition": "OK", "idempotencyKey": keys[1]}),
        ("returnAsset", {"code": "MIC-0002", "condition": "OK", "idempotencyKey": keys[2]}),
    ]
    assert agent.debouncer.suppressed == 2
    lines = output(agent)
    assert lines[0] == "▶ MODE RETURN"
    assert "▶ MODE CHECKOUT  booking Qm9va2luZzo0Mg==" in lines
    assert lines.count("▶ MODE RETURN") == 2


async def test_rfid_tags_reported_many_times_are_one_scan_each(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    async with run_agent(open_port=lambda: loop_port, reader="uhf", mode=Mode.CHECKOUT) as agent:
        for _ in range(20):
            loop_port.write(encode_inventory_answer([GIAI_EPC, EPC_313]))
            await asyncio.sleep(0.01)
        await wait_until(lambda: agent.scans == 2 and agent.outbox.depth() == 0, what="two check-outs")
        await asyncio.sleep(0.1)
    assert [(field, inp["code"], inp["bookingId"]) for field, inp in cage.requests] == [
        ("checkOutAsset", "urn:epc:id:giai:4012345.98765", None),
        ("checkOutAsset", "000000000000000000000313", None),
    ]
    assert agent.presence.repeats == 38
    assert agent.decoder.stats()["tags"] == 40


async def test_audit_reads_go_as_one_batch_under_the_first_scan_key(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    cage.down = True
    async with run_agent(open_port=lambda: loop_port, reader="uhf", audit_id="QXVkaXQ6Nw==") as agent:
        third = bytes.fromhex("000000000000000000000314")
        loop_port.write(encode_inventory_answer([GIAI_EPC, EPC_313]) + encode_inventory_answer([EPC_313, third]))
        await wait_until(lambda: agent.scans == 3 and agent.sender.failures >= 1, what="audit reads queued")
        cage.down = False
        await wait_until(lambda: agent.outbox.depth() == 0, what="audit sent")
        first_key = agent.outbox.entries()[0].key
    assert cage.requests == [
        (
            "recordAuditScans",
            {
                "auditId": "QXVkaXQ6Nw==",
                "codes": ["urn:epc:id:giai:4012345.98765", "000000000000000000000313", "000000000000000000000314"],
                "idempotencyKey": first_key,
            },
        )
    ]
    assert "✔ AUDIT 3 items recorded" in output(agent)


async def test_the_mode_set_by_a_card_survives_a_restart(run_agent: RunAgent, loop_port: serial.SerialBase) -> None:
    async with run_agent(open_port=lambda: loop_port) as agent:
        scan(loop_port, "CS:BOOKING:B7")
        await wait_until(lambda: agent.station.state.mode is Mode.CHECKOUT, what="mode card")
    async with run_agent(open_port=lambda: serial.serial_for_url("loop://", timeout=0.05)) as agent:
        assert agent.station.state == StationState(Mode.CHECKOUT, booking_id="B7")
        assert output(agent)[0] == "▶ MODE CHECKOUT  booking B7"
    async with run_agent(open_port=lambda: serial.serial_for_url("loop://", timeout=0.05), mode=Mode.RETURN) as agent:
        assert agent.station.state == StationState(Mode.RETURN)


class OutboxCheckingOutput(io.StringIO):
    """Checks, at the moment each line is printed, that the scan it names is already committed."""

    def __init__(self, outbox_path: Path) -> None:
        super().__init__()
        self.outbox_path = outbox_path
        self.checked: list[tuple[str, bool]] = []

    def write(self, text: str) -> int:
        if "MIC-" in text:
            code = "MIC-" + text.split("MIC-")[1][:4]
            db = sqlite3.connect(self.outbox_path)
            committed = db.execute("SELECT COUNT(*) FROM scans WHERE code = ?", (code,)).fetchone()[0] == 1
            db.close()
            self.checked.append((code, committed))
        return super().write(text)


async def test_every_scan_is_committed_before_it_is_acknowledged(
    tmp_path: Path, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    cage.down = True
    out = OutboxCheckingOutput(tmp_path / "outbox.db")
    agent = Agent(fast_config(tmp_path), out=out, transport=cage.transport(), open_port=lambda: loop_port)
    task = asyncio.create_task(agent.run())
    await wait_until(lambda: agent.reader_connected, what="reader")
    scan(loop_port, "MIC-0001")
    await wait_until(lambda: agent.scans == 1, what="first scan")
    scan(loop_port, "MIC-0002")
    await wait_until(lambda: agent.scans == 2, what="second scan")
    cage.down = False
    await wait_until(lambda: agent.outbox.depth() == 0, what="drained")
    agent.stop()
    await task
    assert ("MIC-0001", True) in out.checked
    assert all(committed for _, committed in out.checked)
    assert [code for code, _ in out.checked][:2] == ["MIC-0001", "MIC-0002"]


async def test_an_unopenable_port_is_retried_and_scans_queued_before_still_go(tmp_path: Path, cage: FakeCage) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    key = outbox.add("RETURN", "MIC-0001", source="barcode", raw="MIC-0001").key
    outbox.close()
    agent = Agent(
        fast_config(tmp_path, port=str(tmp_path / "no-such-reader")), out=io.StringIO(), transport=cage.transport()
    )
    task = asyncio.create_task(agent.run())
    await wait_until(lambda: cage.applied_order == [key], what="queued scan sent")
    await asyncio.sleep(0.2)
    agent.stop()
    await task
    lines = output(agent)
    assert lines[:2] == ["▶ MODE RETURN", "⋯ QUEUE  1 scans waiting from before"]
    gone = [line for line in lines if line.startswith("⚠ READER GONE")]
    assert len(gone) == 1
    assert gone[0].startswith(f"⚠ READER GONE  {tmp_path / 'no-such-reader'}: [Errno 2] could not open port")
    assert agent.reader_connected is False
    outbox = Outbox(tmp_path / "outbox.db")
    report = outbox.get_state("agent")
    outbox.close()
    assert report is not None
    assert (report[0]["running"], report[0]["reader_connected"], report[0]["depth"]) == (False, False, 0)


async def test_an_answer_that_cannot_be_recorded_is_asked_again_under_the_same_key(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with run_agent(open_port=lambda: loop_port) as agent:
        real_mark_applied = agent.outbox.mark_applied
        failures = iter([sqlite3.OperationalError("disk I/O error")])

        def flaky_mark_applied(batch: Batch, result: dict[str, Any]) -> None:
            for exc in failures:
                raise exc
            real_mark_applied(batch, result)

        monkeypatch.setattr(agent.outbox, "mark_applied", flaky_mark_applied)
        scan(loop_port, "MIC-0001")
        await wait_until(lambda: agent.scans == 1 and agent.outbox.depth() == 0, what="recorded")
        (entry,) = agent.outbox.entries()
    assert cage.attempts == [entry.key, entry.key]
    assert cage.applied_codes() == ["MIC-0001"]
    assert "⚠ OUTBOX ERROR  disk I/O error; retrying" in output(agent)


async def test_epc_line_reader_uses_presence_too(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    async with run_agent(open_port=lambda: loop_port, reader="epc-lines") as agent:
        scan(loop_port, *["3414F4E4E4000000000181CD"] * 5, "E2801160600002054E4F5E2A")
        await wait_until(lambda: agent.scans == 2 and agent.outbox.depth() == 0, what="two returns")
    assert [(field, inp["code"]) for field, inp in cage.requests] == [
        ("returnAsset", "urn:epc:id:giai:4012345.98765"),
        ("returnAsset", "E2801160600002054E4F5E2A"),
    ]


async def test_a_condition_card_goes_with_the_next_return_only(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    async with run_agent(open_port=lambda: loop_port) as agent:
        scan(loop_port, "CS:CONDITION:DAMAGED")
        await wait_until(lambda: agent.station.state.condition is Condition.DAMAGED, what="condition card")
        # A label read again right after a card is a new scan, within the debounce window or not.
        scan(loop_port, "TRI-001", "LENS-001", "CS:CONDITION:WORN", "LENS-001")
        await wait_until(lambda: agent.scans == 3 and agent.outbox.depth() == 0, what="three returns")
        keys = [entry.key for entry in agent.outbox.entries()]
        assert agent.station.state == StationState(Mode.RETURN)
        saved = agent.outbox.get_state("station")
        assert saved is not None and saved[0]["condition"] is None
    assert cage.requests == [
        ("returnAsset", {"code": "TRI-001", "condition": "DAMAGED", "idempotencyKey": keys[0]}),
        ("returnAsset", {"code": "LENS-001", "condition": "OK", "idempotencyKey": keys[1]}),
        ("returnAsset", {"code": "LENS-001", "condition": "WORN", "idempotencyKey": keys[2]}),
    ]
    lines = output(agent)
    assert [line for line in lines if line.startswith("▶")] == [
        "▶ MODE RETURN",
        "▶ MODE RETURN  next return: DAMAGED",
        "▶ MODE RETURN  next return: WORN",
    ]
    assert [line for line in lines if line.startswith("✔ IN")] == [
        "✔ IN   Item TRI-001 (TRI-001)  DAMAGED, to maintenance",
        "✔ IN   Item LENS-001 (LENS-001)",
        "✔ IN   Item LENS-001 (LENS-001)  WORN",
    ]


async def test_a_condition_card_outside_return_mode_is_refused_and_ignored(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    async with run_agent(open_port=lambda: loop_port, booking_id="B1") as agent:
        scan(loop_port, "CS:CONDITION:DAMAGED", "MIC-0001", "CS:MODE:RETURN", "MIC-0002")
        await wait_until(lambda: agent.scans == 2 and agent.outbox.depth() == 0, what="out and back")
        keys = [entry.key for entry in agent.outbox.entries()]
        assert [entry.condition for entry in agent.outbox.entries()] == [None, "OK"]
    assert cage.requests == [
        ("checkOutAsset", {"code": "MIC-0001", "bookingId": "B1", "idempotencyKey": keys[0]}),
        ("returnAsset", {"code": "MIC-0002", "condition": "OK", "idempotencyKey": keys[1]}),
    ]
    lines = output(agent)
    assert [line for line in lines if line.startswith(("▶", "✖"))] == [
        "▶ MODE CHECKOUT  booking B1",
        "✖ REFUSED  CS:CONDITION:DAMAGED: condition cards are for returns (mode is CHECKOUT): "
        "scan CS:MODE:RETURN first",
        "▶ MODE RETURN",
    ]
    assert not any("next return" in line for line in lines)


async def test_a_restart_neither_loses_nor_reapplies_a_condition(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    cage.down = True
    async with run_agent(open_port=lambda: loop_port) as agent:
        scan(loop_port, "CS:CONDITION:DAMAGED", "TRI-001")
        await wait_until(lambda: agent.scans == 1 and agent.sender.failures >= 1, what="return queued")
        scan(loop_port, "CS:CONDITION:WORN")
        await wait_until(lambda: agent.station.state.condition is Condition.WORN, what="second card")
    assert "⋯ IN   TRI-001  DAMAGED  saved, 1 waiting for the server" in output(agent)
    cage.down = False
    port = serial.serial_for_url("loop://", timeout=0.05)
    async with run_agent(open_port=lambda: port) as agent:
        # The queued return keeps its DAMAGED; the card scanned after it is still waiting for its item.
        assert output(agent)[:2] == ["▶ MODE RETURN  next return: WORN", "⋯ QUEUE  1 scans waiting from before"]
        await wait_until(lambda: agent.outbox.depth() == 0, what="queued return sent")
        scan(port, "LENS-001", "CAM-001")
        await wait_until(lambda: agent.scans == 2 and agent.outbox.depth() == 0, what="two more returns")
    async with run_agent(open_port=lambda: serial.serial_for_url("loop://", timeout=0.05)) as agent:
        assert agent.station.state == StationState(Mode.RETURN)
        assert output(agent)[0] == "▶ MODE RETURN"
    assert [(inp["code"], inp["condition"]) for _, inp in cage.requests] == [
        ("TRI-001", "DAMAGED"),
        ("LENS-001", "WORN"),
        ("CAM-001", "OK"),
    ]


async def test_a_kit_label_shows_one_line_for_the_kit_and_one_per_component_left_behind(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    cage.kit("KIT-CAM-A", "Camera package A", ["CAM-001", "LENS-001", "MIC-0001"], [("TRI-001", "in maintenance")])
    async with run_agent(open_port=lambda: loop_port, booking_id="B1") as agent:
        scan(loop_port, "KIT-CAM-A", "MIC-0002")
        await wait_until(lambda: agent.scans == 2 and agent.outbox.depth() == 0, what="kit and item out")
    lines = output(agent)
    assert [line for line in lines if line.startswith(("✔ OUT", "⚠"))] == [
        '✔ OUT  Camera package A: 3 items → "Interview" due 14:00',
        "⚠ NOT OUT  Item TRI-001 (TRI-001): in maintenance",
        '✔ OUT  Item MIC-0002 (MIC-0002) → "Interview" due 14:00',
    ]


async def test_stopping_as_a_reader_event_arrives_still_stops(tmp_path: Path) -> None:
    agent = Agent(fast_config(tmp_path), out=io.StringIO())
    events: asyncio.Queue[ReaderEvent] = asyncio.Queue()
    task = asyncio.create_task(agent._consume(events))
    await asyncio.sleep(0)
    # The event and the cancellation land in the same turn of the loop.
    events.put_nowait(Idle(0.0))
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=2)
    assert task in done and task.cancelled()
