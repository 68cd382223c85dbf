"""`scanner run | simulate | status`: argument wiring, the status report, and the simulator as a process."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import serial

from devices.scanner_agent.__main__ import main
from devices.scanner_agent.agent import AgentConfig
from devices.scanner_agent.cli import config_from_args, register, run_command, simulate_command, status_command
from devices.scanner_agent.outbox import Outbox
from devices.scanner_agent.station import Mode

REPO = Path(__file__).resolve().parents[2]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="callsheet")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_register_wires_the_three_subcommands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLSHEET_SCANNER_TOKEN", "from-env")
    monkeypatch.delenv("CALLSHEET_SCANNER_OUTBOX", raising=False)
    args = parse("scanner", "run", "--port", "loop://", "--mode", "checkout", "--booking", "B1", "--debounce", "1.5")
    assert args.func is run_command
    assert config_from_args(args) == AgentConfig(
        port="loop://", token="from-env", mode=Mode.CHECKOUT, booking_id="B1", debounce=1.5
    )
    assert config_from_args(args).late_after == 0.4
    assert config_from_args(parse("scanner", "run", "--port", "loop://", "--late-after", "0.25")).late_after == 0.25
    assert parse("scanner", "simulate", "--reader", "uhf").func is simulate_command
    assert parse("scanner", "status").func is status_command
    uhf = parse("scanner", "run", "--port", "/dev/ttyUSB0", "--reader", "uhf", "--address", "0x00", "--token", "t")
    assert (uhf.reader, uhf.address, uhf.token) == ("uhf", 0, "t")


def test_run_needs_a_port(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CALLSHEET_SCANNER_PORT", raising=False)
    assert main(["scanner", "run"]) == 2
    assert "--port" in capsys.readouterr().err


def make_outbox(path: Path) -> None:
    outbox = Outbox(path)
    for code in ("MIC-0001", "MIC-0002", "MIC-0003", "MIC-0004"):
        outbox.add("RETURN", code, source="barcode", raw=code)
    applied = outbox.next_batch()
    assert applied is not None
    outbox.mark_applied(applied, {})
    rejected = outbox.next_batch()
    assert rejected is not None
    outbox.mark_rejected(rejected, {}, "NOT_FOUND: no asset with code MIC-0002")
    waiting = outbox.next_batch()
    assert waiting is not None
    outbox.mark_failed_attempt(waiting, "ConnectError: refused")
    outbox.set_state("station", {"mode": "RETURN", "booking_id": None, "audit_id": None})
    outbox.set_state(
        "agent",
        {
            "reader": "barcode",
            "port": "/dev/pts/3",
            "reader_connected": False,
            "reader_error": "unplugged",
            "server_online": False,
            "server_error": "refused",
            "scans": 4,
            "late_answers": 2,
            "debounced": 0,
            "rfid_repeats": 0,
            "decoder": {"reads": 4},
        },
    )
    outbox.close()


def test_status_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_outbox(tmp_path / "outbox.db")
    assert main(["scanner", "status", "--outbox", str(tmp_path / "outbox.db"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"pending": 2, "applied": 1, "rejected": 1}
    assert [(e["code"], e["attempts"], e["error"]) for e in report["waiting"]] == [
        ("MIC-0003", 1, "ConnectError: refused"),
        ("MIC-0004", 0, None),
    ]
    assert [(e["code"], e["error"]) for e in report["rejected"]] == [
        ("MIC-0002", "NOT_FOUND: no asset with code MIC-0002")
    ]
    assert report["station"] == {"mode": "RETURN", "booking_id": None, "audit_id": None}


def test_status_for_a_person(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_outbox(tmp_path / "outbox.db")
    assert main(["scanner", "status", "--outbox", str(tmp_path / "outbox.db")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "queue    2 waiting, 1 applied, 1 rejected"
    assert lines[2].startswith("oldest   IN   MIC-0003 scanned ")
    assert lines[2].endswith(", 1 attempts, last error: ConnectError: refused")
    assert lines[3].startswith("reader   barcode on /dev/pts/3: NOT CONNECTED (unplugged) (reported ")
    assert lines[4] == "server   UNREACHABLE (refused)"
    assert lines[5] == "counts   scans=4 late_answers=2 debounced=0 rfid_repeats=0 reads=4"
    assert lines[6] == "station  RETURN"
    assert lines[7] == "rejected (newest first):"
    assert lines[8].endswith("  IN   MIC-0002  NOT_FOUND: no asset with code MIC-0002")


def test_status_without_an_outbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scanner", "status", "--outbox", str(tmp_path / "none.db")]) == 1
    assert capsys.readouterr().err == f"no outbox at {tmp_path / 'none.db'}\n"


def test_simulate_plays_a_script_on_the_pty_it_prints(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text("# cage run\nMIC-0001\nsleep 0.05\n8004401234598765\n0104012345678901<GS>8004401234598765\n")
    sim = subprocess.Popen(
        [sys.executable, "-m", "devices.scanner_agent", "scanner", "simulate", "--script", str(script),
         "--aim", "]C1", "--interval", "0.01"],
        cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert sim.stdout is not None
        path = sim.stdout.readline().strip()
        assert path.startswith("/dev/pts/")
        port = serial.serial_for_url(path, timeout=5)
        lines = [port.read_until(b"\r\n") for _ in range(3)]
        port.close()
        sim.send_signal(signal.SIGTERM)
        assert sim.wait(5) == 0
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait()
    assert lines == [b"]C1MIC-0001\r\n", b"]C18004401234598765\r\n", b"]C10104012345678901\x1d8004401234598765\r\n"]
