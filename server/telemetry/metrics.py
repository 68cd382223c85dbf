"""The Prometheus metrics of a Callsheet process (`prometheus_client`).

Several workers (`callsheet serve --workers N`) use prometheus_client's multiprocess mode: the CLI
points `PROMETHEUS_MULTIPROC_DIR` at a fresh directory before the workers start, each worker writes
its samples there, and `/metrics` in any worker sums them (gauges of live things: `livesum`, of
moments: `max`); the live gauges of a worker that ended are dropped (an ending worker drops its own,
and every scrape drops those of workers no longer running). One process keeps them in memory.

Labels are bounded: operations are named by their root field (a name from the schema, never the
client's `operationName`), outcomes by error codes, routes by a fixed list of prefixes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as mp

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "callsheet_http_requests",
    "HTTP requests answered, by route, method and status class.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "callsheet_http_request_duration_seconds", "Time to answer an HTTP request.", ["route"], buckets=LATENCY_BUCKETS
)
OPERATIONS = Counter(
    "callsheet_graphql_operations",
    "GraphQL operations by root field, type and outcome (success or an error code).",
    ["operation", "type", "outcome"],
)
OPERATION_LATENCY = Histogram(
    "callsheet_graphql_operation_duration_seconds",
    "Time to parse, validate and execute a GraphQL operation.",
    ["operation", "type"],
    buckets=LATENCY_BUCKETS,
)
WEBSOCKETS = Gauge("callsheet_websockets_open", "Open GraphQL websockets.", multiprocess_mode="livesum")
SUBSCRIPTIONS = Gauge(
    "callsheet_subscriptions_active", "Active subscriptions by field.", ["field"], multiprocess_mode="livesum"
)
BUS_PUBLISHED = Counter("callsheet_bus_published_messages", "Committed events published on the bus.", ["bus"])
BUS_RECONNECTS = Counter("callsheet_bus_reconnects", "Times the Redis bus link came back.")
BUS_RESYNCS = Counter("callsheet_bus_resyncs", "Times every local subscriber was told to reload.", ["reason"])
SWEEPER_RUNS = Counter("callsheet_sweeper_runs", "Sweeper job runs by outcome.", ["job", "outcome"])
SWEEPER_CHANGES = Counter("callsheet_sweeper_changes", "Rows a sweeper job changed.", ["job"])
SWEEPER_LAG = Gauge(
    "callsheet_sweeper_lag_seconds", "How late the last sweep started after it was due.", multiprocess_mode="max"
)
SWEEPER_LAST_RUN = Gauge(
    "callsheet_sweeper_last_run_timestamp_seconds", "When the last sweep finished (unix time).", multiprocess_mode="max"
)
DB_CHECKED_OUT = Gauge(
    "callsheet_db_pool_checked_out", "Database connections checked out of the pool.", multiprocess_mode="livesum"
)
# Set from the database at each scrape (workers: the latest scrape's answer counts).
WEBHOOK_BACKLOG = Gauge(
    "callsheet_webhook_backlog", "Webhook deliveries waiting to be sent.", multiprocess_mode="mostrecent"
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def exposition(multiprocess_dir: str | None = None) -> bytes:
    """The text exposition of this process, or of every worker writing into `multiprocess_dir`."""
    if multiprocess_dir:
        forget_dead_workers(multiprocess_dir)
        registry = CollectorRegistry()
        mp.MultiProcessCollector(registry, path=multiprocess_dir)
        return generate_latest(registry)
    return generate_latest()


def forget_dead_workers(multiprocess_dir: str) -> None:
    """Drop the live gauges (open websockets, pool connections) of workers that have ended: their
    files stay in the directory, and a worker killed or restarted by the server would otherwise be
    counted for ever. Counters and histograms of ended workers stay: their totals still happened."""
    for path in Path(multiprocess_dir).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            mp.mark_process_dead(int(pid), multiprocess_dir)


def forget_worker(multiprocess_dir: str | None) -> None:
    """An ending worker takes its live gauges with it."""
    if multiprocess_dir:
        mp.mark_process_dead(os.getpid(), multiprocess_dir)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clock() -> float:
    return time.perf_counter()


# The labelled children of the request path's four metrics, found once per set of labels: asking
# prometheus_client for them (`labels()`: validation and a lock) made recording a request's four
# samples cost 10.8 us instead of 2.3. Labels are bounded (module docstring), and so are these.
_http_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_operation_children: dict[tuple[str, str, str], tuple[Any, Any]] = {}


def record_http(route: str, method: str, status: int, seconds: float) -> None:
    """One HTTP request answered: counted by route, method and status, and timed by route."""
    children = _http_children.get((route, method, status))
    if children is None:
        children = (HTTP_REQUESTS.labels(route, method, str(status)), HTTP_LATENCY.labels(route))
        _http_children[(route, method, status)] = children
    children[0].inc()
    children[1].observe(seconds)


def record_operation(operation: str, kind: str, outcome: str, seconds: float) -> None:
    """One GraphQL operation: counted by root field, type and outcome, and timed by root field and type."""
    children = _operation_children.get((operation, kind, outcome))
    if children is None:
        children = (OPERATIONS.labels(operation, kind, outcome), OPERATION_LATENCY.labels(operation, kind))
        _operation_children[(operation, kind, outcome)] = children
    children[0].inc()
    children[1].observe(seconds)
