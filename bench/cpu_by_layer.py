"""Where a request's CPU goes, by layer: the process is sampled on its CPU clock (a `SIGPROF`
timer) while each request runs, and each sample is charged to the package or part of the tree
whose Python code was running (time in C is charged to the Python code that called it).

Used by `bench.booking_cost --by-layer`. A sampler, not cProfile: cProfile's deterministic timing of
coroutines that suspend and resume charges one function for the others' time, and its own overhead
inflates Python-heavy layers. The kernel delivers the timer at its tick (a few ms of CPU), so a
request gets a sample or two: shares need many requests, and each share is turned into time with
the CPU the requests of that outcome were measured to spend.
"""

from __future__ import annotations

import re
import signal
from collections import Counter, defaultdict
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
_SITE = re.compile(r"site-packages/([A-Za-z0-9_]+)")
_STDLIB = re.compile(r"python3\.\d+/([A-Za-z0-9_]+)")
TREE_PARTS = ("server/schema", "server/resolvers", "server/services", "server/background", "db", "server", "bench")


def layer(filename: str) -> str:
    """The layer a function's file belongs to."""
    path = filename.replace("\\", "/")
    site = _SITE.search(path)
    if site:
        return site.group(1)
    if path.startswith(str(ROOT)):
        relative = path[len(str(ROOT)) + 1 :]
        return "callsheet " + next((p for p in TREE_PARTS if relative.startswith(p + "/")), relative)
    stdlib = _STDLIB.search(path)
    if stdlib:
        name = stdlib.group(1)
        return f"stdlib {name}" if name in ("asyncio", "json", "contextlib", "contextvars") else "stdlib other"
    return "other"


class Layers:
    """CPU samples of single requests, per outcome (`start` / `stop(outcome)`)."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.by_layer: dict[str, Counter[str]] = defaultdict(Counter)
        self.by_function: dict[str, Counter[str]] = defaultdict(Counter)
        self.requests: Counter[str] = Counter()
        self.cpu: dict[str, float] = defaultdict(float)
        self._layers: Counter[str] = Counter()
        self._functions: Counter[str] = Counter()
        self._on = False
        signal.signal(signal.SIGPROF, self._sample)

    def _sample(self, _signum: int, frame: FrameType | None) -> None:
        if not self._on or frame is None:
            return
        code = frame.f_code
        self._layers[layer(code.co_filename)] += 1
        where = code.co_filename.rsplit("site-packages/", 1)[-1].replace(str(ROOT) + "/", "")
        self._functions[f"{where}:{code.co_firstlineno} {code.co_name}"] += 1

    def start(self) -> None:
        self._layers, self._functions = Counter(), Counter()
        self._on = True
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)

    def stop(self, outcome: str, cpu: float) -> None:
        """End the request's sampling; `cpu`: the CPU seconds it was measured to spend."""
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        self._on = False
        self.cpu[outcome] += cpu
        self.by_layer[outcome].update(self._layers)
        self.by_function[outcome].update(self._functions)
        self.requests[outcome] += 1

    def report(self, top: int = 15) -> str:
        """CPU per request by layer, and the functions most often running, per outcome."""
        lines: list[str] = []
        for outcome in sorted(self.by_layer):
            n, layers = self.requests[outcome], self.by_layer[outcome]
            total = sum(layers.values())
            ms = self.cpu[outcome] / n * 1000 / max(total, 1)  # CPU per request that one sample stands for
            lines.append(
                f"{outcome}: {n} requests, {self.cpu[outcome] / n * 1000:.2f} ms CPU each (mean), "
                f"{total} samples; by layer:"
            )
            for name, count in layers.most_common():
                lines.append(f"  {count * ms:7.3f} ms  {count / total:6.1%}  {name}")
            lines.append(f"  the functions running most (top {top}):")
            for where, count in self.by_function[outcome].most_common(top):
                lines.append(f"  {count * ms:7.3f} ms  {count / total:6.1%}  {where}")
        return "\n".join(lines)
