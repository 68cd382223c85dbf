"""GraphQL request overhead with and without the parser and validation caches, in one run; or, with
`--metrics`, with and without metrics (the HTTP and operation counters and histograms, and the
scrapes) in one run.

    .venv/bin/python -m bench.request_overhead [--requests 2000] [--metrics]

Both apps share one SQLite database and one runtime; the query is the catalogue screen a client
loads most (viewer, locations and a page of resources). Reports medians, p99 and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx
import strawberry

from bench.demo_setup import demo_studio
from server import api as root
from server.app import create_app

QUERY = """query Screen { viewer { role studio { name } } locations { id name }
  resources(first: 20) { edges { node { id name kind category location { name } } } } }"""


def without_caches(limits: Any, *, production: bool = False, metrics: bool = True) -> strawberry.Schema:
    """The production schema minus the parser and validation caches."""
    schema = root.build_schema(limits, production=production, metrics=metrics)
    schema.guards.caches = False
    return schema


async def measure(client: httpx.AsyncClient, token: str, n: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
        times.append(time.perf_counter() - start)
        assert "errors" not in response.json()
    return times


async def scraped(client: httpx.AsyncClient, token: str, n: int, every: int) -> list[float]:
    """`measure`, with a /metrics scrape every `every` requests (as Prometheus would, far more often)."""
    times: list[float] = []
    for start in range(0, n, every):
        times += await measure(client, token, min(every, n - start))
        assert (await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    return times


async def compare_metrics(n: int) -> None:
    """The same app with metrics on and off, interleaved in forty rounds."""
    async with demo_studio() as loaded:
        settings, runtime, token = loaded.settings, loaded.runtime, loaded.token
        on_app = create_app(settings, runtime)
        off_app = create_app(settings.with_overrides(metrics=False), runtime)
        results: dict[str, list[float]] = {"metrics on": [], "metrics off": []}
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=on_app), base_url="http://b") as on,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=off_app), base_url="http://b") as off,
        ):
            await measure(on, token, 50)
            await measure(off, token, 50)
            # Short alternating rounds: the machine's noise drifts over seconds, and hits both alike.
            for _ in range(40):
                results["metrics on"] += await scraped(on, token, n // 40, 25)
                results["metrics off"] += await measure(off, token, n // 40)
    med = {k: statistics.median(v) * 1000 for k, v in results.items()}
    p99 = {k: statistics.quantiles(v, n=100)[98] * 1000 for k, v in results.items()}
    print(f"requests per variant: {n}")
    for k in results:
        print(f"{k:>11}: p50 {med[k]:.2f} ms  p99 {p99[k]:.2f} ms")
    print(f"on / off p50 ratio: {med['metrics on'] / med['metrics off']:.3f}x")


async def main(n: int) -> None:
    async with demo_studio() as loaded:
        settings, runtime, token = loaded.settings, loaded.runtime, loaded.token
        cached_app = create_app(settings, runtime)
        original = root.build_schema
        root.build_schema = without_caches  # type: ignore[assignment]
        try:
            plain_app = create_app(settings, runtime)
        finally:
            root.build_schema = original
        results: dict[str, list[float]] = {"cached": [], "uncached": []}
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=cached_app), base_url="http://b") as cached,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=plain_app), base_url="http://b") as plain,
        ):
            await measure(cached, token, 50)
            await measure(plain, token, 50)
            # Interleave rounds so machine noise hits both variants alike.
            for _ in range(10):
                results["cached"] += await measure(cached, token, n // 10)
                results["uncached"] += await measure(plain, token, n // 10)
    med = {k: statistics.median(v) * 1000 for k, v in results.items()}
    p99 = {k: statistics.quantiles(v, n=100)[98] * 1000 for k, v in results.items()}
    print(f"requests per variant: {n}")
    for k in results:
        print(f"{k:>9}: p50 {med[k]:.2f} ms  p99 {p99[k]:.2f} ms")
    print(f"uncached / cached p50 ratio: {med['uncached'] / med['cached']:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--metrics", action="store_true", help="compare metrics on and off instead of the caches")
    args = parser.parse_args()
    asyncio.run(compare_metrics(args.requests) if args.metrics else main(args.requests))
