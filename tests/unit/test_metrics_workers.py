"""Several workers' metrics: an ended worker's live gauges (open websockets, pool connections) stop
counting, its counters keep counting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from server.telemetry import metrics

WORKER = """
import sys
from server.telemetry import metrics
metrics.WEBSOCKETS.inc(int(sys.argv[1]))
metrics.BUS_PUBLISHED.labels("memory").inc(1)
print("ready", flush=True)
sys.stdin.readline()
"""


def worker(directory: Path, websockets: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(websockets)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    return process


def value(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_an_ended_workers_live_gauges_stop_counting(tmp_path: Path) -> None:
    killed = worker(tmp_path, 3)
    ended = worker(tmp_path, 5)
    alive = worker(tmp_path, 2)
    try:
        before = metrics.exposition(str(tmp_path)).decode()
        assert value(before, "callsheet_websockets_open") == 10
        killed.kill()
        killed.wait()
        assert ended.stdin is not None
        ended.stdin.write("\n")
        ended.stdin.close()
        ended.wait()
        after = metrics.exposition(str(tmp_path)).decode()
        assert value(after, "callsheet_websockets_open") == 2
        assert value(after, "callsheet_bus_published_messages_total") == 3
    finally:
        for process in (killed, ended, alive):
            process.kill()
            process.wait()
