"""Through real serial: the simulator's pseudo-terminal read by the agent, unplugged and plugged back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import serial

from devices.scanner_agent.simulator import Simulator
from devices.scanner_agent.station import Mode
from devices.scanner_agent.uhf import encode_inventory_answer, inventory_command

from .fakes import FakeCage, wait_until, wait_until_sync
from .harness import RunAgent, output

EPC_313 = bytes.fromhex("000000000000000000000313")


def test_uhf_simulator_answers_inventories_with_real_frames() -> None:
    sim = Simulator("uhf")
    path = sim.start()
    try:
        sim.place("000000000000000000000313", hold=2)
        port = serial.serial_for_url(path, timeout=0.5)
        answers = []
        for expected in [[EPC_313], [EPC_313], []]:
            port.write(inventory_command())
            answers.append(port.read(len(encode_inventory_answer(expected))))
        port.timeout = 0.1
        port.write(inventory_command(0x05))  # another reader's address: no answer
        assert port.read(1) == b""
        port.close()
    finally:
        sim.close()
    assert answers == [encode_inventory_answer([EPC_313])] * 2 + [encode_inventory_answer([])]
    assert answers[0] == bytes.fromhex("13 00 01 01 01 0C 000000000000000000000313") + answers[0][-2:]
    assert sim.inventories == 3


def test_barcode_simulator_waits_for_the_port_to_be_opened() -> None:
    sim = Simulator("barcode", aim="]C0")
    path = sim.start()
    try:
        sim.send_line("MIC-0001")
        wait_until_sync(lambda: sim.pending_lines() == 1, what="line held")
        port = serial.serial_for_url(path, timeout=2.0)
        assert port.read_until(b"\r\n") == b"]C0MIC-0001\r\n"
        port.close()
    finally:
        sim.close()


async def test_barcodes_through_a_pty_reach_the_server(run_agent: RunAgent, cage: FakeCage) -> None:
    sim = Simulator("barcode", aim="]C1")
    path = sim.start()
    try:
        async with run_agent(port=path) as agent:
            sim.send_line("8004401234598765")
            sim.send_line("800304012345000016ABC")
            await wait_until(lambda: agent.scans == 2 and agent.outbox.depth() == 0, what="two returns")
    finally:
        sim.close()
    assert cage.applied_codes() == ["8004401234598765", "800304012345000016ABC"]


async def test_a_tag_held_in_the_field_is_one_scan_until_it_leaves(run_agent: RunAgent, cage: FakeCage) -> None:
    sim = Simulator("uhf")
    path = sim.start()
    try:
        async with run_agent(port=path, reader="uhf", mode=Mode.CHECKOUT, booking_id="B1") as agent:
            sim.place("urn:epc:id:giai:4012345.98765", hold=15)
            await wait_until(lambda: sim.inventories >= 20, what="tag in and out of the field")
            assert agent.scans == 1
            await wait_until(lambda: agent.presence.present() == [], what="tag gone")
            sim.place("urn:epc:id:giai:4012345.98765", hold=5)
            await wait_until(lambda: agent.scans == 2 and agent.outbox.depth() == 0, what="second arrival")
    finally:
        sim.close()
    assert [(field, inp["code"], inp["bookingId"]) for field, inp in cage.requests] == [
        ("checkOutAsset", "urn:epc:id:giai:4012345.98765", "B1")
    ] * 2
    assert agent.presence.repeats >= 14


async def test_reader_unplugged_and_plugged_back_loses_no_scan(
    run_agent: RunAgent, cage: FakeCage, tmp_path: Path
) -> None:
    link = tmp_path / "usb-Scanner_1234-if00"
    cage.down = True
    first = Simulator("barcode", link=link)
    first.start()
    second = Simulator("barcode", link=link)
    try:
        async with run_agent(port=str(link)) as agent:
            first.send_line("MIC-0001")
            first.send_line("MIC-0002")
            await wait_until(lambda: agent.scans == 2, what="first two scans")
            first.close()
            await wait_until(lambda: not agent.reader_connected, what="reader gone")
            await asyncio.sleep(0.2)  # a few failed reopen attempts while unplugged
            second.start()
            await wait_until(lambda: agent.reader_connected, what="reader back")
            second.send_line("MIC-0003")
            second.send_line("MIC-0004")
            await wait_until(lambda: agent.scans == 4, what="scans after replug")
            cage.down = False
            await wait_until(lambda: agent.outbox.depth() == 0, what="drained")
            keys = [entry.key for entry in agent.outbox.entries()]
    finally:
        first.close()
        second.close()
    assert cage.applied_codes() == ["MIC-0001", "MIC-0002", "MIC-0003", "MIC-0004"]
    assert cage.applied_order == keys
    assert cage.keys() == keys
    lines = output(agent)
    assert [line.split("  ")[0] for line in lines if "READER" in line] == [
        "✔ READER READY",
        "⚠ READER GONE",
        "✔ READER READY",
    ]
    assert not link.exists()
