"""The agent as its own process, killed with SIGKILL in the middle of sending, then restarted."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from devices.scanner_agent.simulator import Simulator

from .fakes import FakeCage, wait_until_sync

REPO = Path(__file__).resolve().parents[2]


def start_agent(port: Path, url: str, outbox: Path) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "devices.scanner_agent", "scanner", "run",
        "--port", str(port), "--server", url, "--token", "scanner-token", "--outbox", str(outbox),
        "--retry-initial", "0.02", "--retry-max", "0.1", "--reopen-max", "0.2", "--idle-flush", "0.05",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rows(outbox: Path, where: str = "1") -> list[tuple[str, str]]:
    if not outbox.exists():
        return []
    db = sqlite3.connect(outbox)
    try:
        return db.execute(f"SELECT key, code FROM scans WHERE {where} ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []  # the agent has not created its tables yet
    finally:
        db.close()


def test_killed_mid_send_and_restarted_every_scan_applies_exactly_once(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.db"
    codes = [f"MIC-{i:04d}" for i in range(1, 9)]
    cage = FakeCage()
    cage.hold_request = 3  # the server applies the third scan but the agent dies before hearing so
    sim = Simulator("barcode", link=tmp_path / "reader")
    sim.start()
    processes: list[subprocess.Popen[str]] = []
    try:
        with cage.http_server() as url:
            processes.append(start_agent(tmp_path / "reader", url, outbox))
            for code in codes:
                sim.send_line(code)
            wait_until_sync(cage.held.is_set, within=15, what="third request in flight")
            wait_until_sync(lambda: len(rows(outbox)) == 8, within=15, what="all scans committed")
            processes[0].kill()
            processes[0].wait(5)
            keys = [key for key, _ in rows(outbox)]
            assert [code for _, code in rows(outbox)] == codes
            assert cage.keys() == keys[:3]
            assert [key for key, _ in rows(outbox, "state = 'pending'")] == keys[2:]

            cage.hold_request = None
            cage.release.set()
            processes.append(start_agent(tmp_path / "reader", url, outbox))
            wait_until_sync(
                lambda: len(cage.applied) == 8 and not rows(outbox, "state = 'pending'"),
                within=15,
                what="queue drained after restart",
            )
            processes[1].send_signal(signal.SIGTERM)
            stdout, stderr = processes[1].communicate(timeout=5)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        sim.close()
    assert processes[0].returncode == -signal.SIGKILL
    assert processes[1].returncode == 0, stderr
    assert cage.applied_order == keys
    assert cage.applied_codes() == codes
    # The third scan was sent again after the restart under the same key; the server applied it once.
    assert cage.keys() == keys[:3] + keys[2:]
    lines = stdout.splitlines()
    assert "⋯ QUEUE  6 scans waiting from before" in lines
    assert [line for line in lines if line.startswith("✔ IN")] == [f"✔ IN   Item {code} ({code})" for code in codes[2:]]
