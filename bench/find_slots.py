"""The slot finder on PostgreSQL: 200 rooms, 150 crew, 400 items in 12 categories, 20,000 bookings.

    .venv/bin/python -m bench.find_slots [--requests 200] [--check 40] [--warmup 20]

Builds a fresh database (bulk COPY, like `bench.availability`): 200 rooms (video studios, edit
bays, booths), 150 crew (12 technical producers), 400 items in 12 categories and 20,000 confirmed
single-resource bookings over the next 8 weeks in opening hours, denser on the rooms and people an
interview needs. Starts `callsheet serve` (one worker) and asks `findSlots` for the "Interview
with video" template (a video studio for 4, a technical producer, two microphones, a camera and 90
minutes of an edit bay after) in a random 14-day window, interleaved with one `availability` call
(video studios free for two hours that day), and reports p50/p99 of each and their ratio. A random
sample of answers, and every answer later than the first open start, is checked against a
brute-force reference that tries every aligned start against every candidate's claims, read with
raw SQL (same first slot). Last, a 52-week weekly series with onConflict FAIL on the busiest video
studio, once clashing (refused) and once clear (booked).
Targets: findSlots p50 <= 150 ms, p99 <= 400 ms; the series <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from bench.alloc_setup import fresh_pg, raw_dsn, server, studio_with_token, summary
from server.schema.ids import to_global_id

TZ = ZoneInfo("Europe/London")
WEEKS = 8
BOOKINGS = 20_000
STEP = timedelta(minutes=30)
DURATION = timedelta(minutes=120)
# Where a booking may start, in local minutes after midnight: 2.5 h apart, so a booking of at most
# 2 h with 15-minute buffers never overlaps its neighbour.
SLOT_STARTS = (9 * 60, 11 * 60 + 30, 14 * 60, 16 * 60 + 30)
ROOMS = [("video studio", 60, 130), ("edit bay", 60, 60), ("audio booth", 50, 10), ("podcast room", 30, 10)]
CREW = [("technical producer", 12, 130), ("engineer", 78, 20), ("editor", 60, 20)]
ITEMS = [("microphone", 60, 23), ("camera", 40, 30)] + [(f"gear {i}", 30, 3) for i in range(10)]

TEMPLATE = """mutation($input: CreateSessionTemplateInput!) {
  createSessionTemplate(input: $input) { __typename ... on SessionTemplateCreated { template { id } } } }"""
FIND = """query($input: FindSlotsInput!) {
  findSlots(input: $input) { key start end assignments { need resource { id name } start end } } }"""
AVAILABILITY = """query($i: AvailabilityInput!) { availability(input: $i) { availableQuantity resource { id } } }"""
SERIES = """mutation($input: CreateBookingSeriesInput!) {
  createBookingSeries(input: $input) {
    __typename
    ... on BookingSeriesCreated { series { bookings { id } } }
    ... on ConflictError { conflicts { occurrenceStart } } } }"""

# Need: (kind, category, skill, min capacity, quantity, offset minutes, duration minutes)
NEEDS = [
    ("ROOM", "video studio", None, 4, 1, 0, 120),
    ("CREW", None, "technical producer", None, 1, 0, 120),
    ("EQUIPMENT", "microphone", None, None, 2, 0, 120),
    ("EQUIPMENT", "camera", None, None, 1, 0, 120),
    ("ROOM", "edit bay", None, None, 1, 120, 90),
]


def local_midnight(t: datetime) -> datetime:
    return datetime.combine(t.astimezone(TZ).date(), datetime.min.time(), tzinfo=TZ).astimezone(UTC)


def day_start(day0_local: datetime, d: int) -> datetime:
    """Local midnight `d` days after `day0_local` (a local midnight), in UTC."""
    local = (day0_local + timedelta(days=d)).replace(tzinfo=None)
    return local.replace(tzinfo=TZ).astimezone(UTC)


async def load(dsn: str, studio_id: int, project_id: int, day0: datetime, rng: random.Random) -> dict[str, Any]:
    """COPY the studio in; returns its resources by kind and category and the busiest video studio."""
    conn = await asyncpg.connect(dsn)
    try:
        now = datetime.now(UTC)
        loc = await conn.fetchval("SELECT id FROM locations WHERE studio_id = $1", studio_id)
        rows, per = [], []  # per: bookings wanted per resource, aligned with rows
        n = 0
        for cat, count, busy in ROOMS:
            for _ in range(count):
                capacity = rng.choice([2, 3, 3, 6]) if cat == "video studio" else 2
                rows.append((studio_id, "ROOM", f"Room {n:03d}", cat, loc, capacity, None, "[]", 15, 15))
                per.append(busy)
                n += 1
        for skill, count, busy in CREW:
            for _ in range(count):
                rows.append((studio_id, "CREW", f"Crew {n:03d}", "crew", None, None, None, json.dumps([skill]), 0, 0))
                per.append(busy)
                n += 1
        for cat, count, busy in ITEMS:
            for _ in range(count):
                rows.append((studio_id, "EQUIPMENT", f"Item {n:03d}", cat, None, None, "IN_CAGE", "[]", 0, 0))
                per.append(busy)
                n += 1
        assert sum(per) == BOOKINGS, sum(per)
        await conn.copy_records_to_table(
            "resources",
            records=[(*r, "[]", "[]", 1, now) for r in rows],
            columns=["studio_id", "kind", "name", "category", "location_id", "capacity", "custody", "skills",
                     "setup_minutes", "teardown_minutes", "features", "accessories", "quantity", "created_at"],
        )  # fmt: skip
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM resources WHERE studio_id=$1 ORDER BY id", studio_id)]
        local0 = day0.astimezone(TZ)
        weekdays = [d for d in range(WEEKS * 7) if (local0 + timedelta(days=d)).weekday() < 5]
        windows = []
        for (rid, row), count in zip(zip(ids, rows, strict=True), per, strict=True):
            buf = timedelta(minutes=row[-1])
            for d, s in rng.sample([(d, s) for d in weekdays for s in SLOT_STARTS], count):
                start = day_start(local0, d) + timedelta(minutes=s)
                end = start + timedelta(minutes=rng.choice([60, 90, 120]))
                windows.append((rid, start, end, buf))
        await conn.copy_records_to_table(
            "bookings",
            records=[(studio_id, project_id, "Session", s, e, "CONFIRMED", 1, now, now) for _, s, e, _ in windows],
            columns=["studio_id", "project_id", "title", "start_at", "end_at", "status", "version", "created_at",
                     "updated_at"],
        )  # fmt: skip
        bids = [r["id"] for r in await conn.fetch("SELECT id FROM bookings WHERE studio_id=$1 ORDER BY id", studio_id)]
        await conn.copy_records_to_table(
            "allocations",
            records=[(studio_id, b, w[0], 1, w[1], w[2], now) for b, w in zip(bids, windows, strict=True)],
            columns=["studio_id", "booking_id", "resource_id", "quantity", "start_at", "end_at", "created_at"],
        )
        aids = await conn.fetch("SELECT id FROM allocations WHERE studio_id=$1 ORDER BY id", studio_id)
        await conn.copy_records_to_table(
            "occupancies",
            records=[
                (studio_id, rid, a["id"], s - buf, e + buf, True)
                for a, (rid, s, e, buf) in zip(aids, windows, strict=True)
            ],
            columns=["studio_id", "resource_id", "allocation_id", "start_at", "end_at", "active"],
        )
        await conn.execute("ANALYZE")
        busiest = await conn.fetchval(
            """SELECT r.id FROM resources r JOIN allocations a ON a.resource_id = r.id
               WHERE r.studio_id = $1 AND r.category = 'video studio'
               GROUP BY r.id ORDER BY count(*) DESC, r.id LIMIT 1""",
            studio_id,
        )
        return {"busiest": busiest, "location": loc}
    finally:
        await conn.close()


class Reference:
    """Brute force: every aligned start, every candidate, every claim (read with raw SQL)."""

    def __init__(self, resources: list[asyncpg.Record], claims: list[asyncpg.Record]) -> None:
        self.resources = resources
        self.claims: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        for c in claims:
            self.claims[c["resource_id"]].append((c["start_at"], c["end_at"]))

    @classmethod
    async def read(cls, dsn: str, studio_id: int) -> Reference:
        conn = await asyncpg.connect(dsn)
        try:
            resources = await conn.fetch(
                "SELECT id, kind, category, capacity, skills, setup_minutes, teardown_minutes FROM resources "
                "WHERE studio_id = $1 AND retired_at IS NULL",
                studio_id,
            )
            claims = await conn.fetch(
                """SELECT o.resource_id, o.start_at, o.end_at FROM occupancies o
                   JOIN allocations a ON a.id = o.allocation_id JOIN bookings b ON b.id = a.booking_id
                   WHERE o.studio_id = $1 AND o.active
                     AND (b.status = 'CONFIRMED' OR (b.status = 'HOLD' AND b.hold_expires_at > now()))""",
                studio_id,
            )
        finally:
            await conn.close()
        return cls(list(resources), list(claims))

    def candidates(self, need: tuple[Any, ...]) -> list[asyncpg.Record]:
        kind, category, skill, capacity, *_ = need
        out = []
        for r in self.resources:
            if r["kind"] != kind or (category is not None and r["category"] != category):
                continue
            if capacity is not None and (r["capacity"] or 0) < capacity:
                continue
            if skill is not None and skill not in [s.lower() for s in json.loads(r["skills"])]:
                continue
            out.append(r)
        return out

    def free(self, r: asyncpg.Record, lo: datetime, hi: datetime) -> bool:
        lo -= timedelta(minutes=r["setup_minutes"])
        hi += timedelta(minutes=r["teardown_minutes"])
        return all(not (s < hi and lo < e) for s, e in self.claims.get(r["id"], []))

    def first(self, start: datetime, until: datetime, *, resources: bool = True) -> datetime | None:
        per_need = [self.candidates(n) for n in NEEDS]
        t = local_midnight(start)
        while t < until:
            local = t.astimezone(TZ)
            minute = local.hour * 60 + local.minute
            open_ = local.weekday() < 5 and minute >= 9 * 60 and minute + DURATION // timedelta(minutes=1) <= 19 * 60
            if t >= start and open_:
                ok = True
                for need, cands in zip(NEEDS, per_need, strict=True):
                    if not resources:
                        break
                    lo = t + timedelta(minutes=need[5])
                    hi = lo + timedelta(minutes=need[6])
                    if sum(1 for r in cands if self.free(r, lo, hi)) < need[4]:
                        ok = False
                        break
                if ok:
                    return t
            t += STEP
        return None


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], float]:
    t = time.perf_counter()
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    took = time.perf_counter() - t
    body = response.json()
    assert "errors" not in body, body
    return body["data"], took


async def main(n: int, check: int, warmup: int) -> None:
    url = await fresh_pg("callsheet_bench_find_slots")
    dsn = raw_dsn(url)
    studio_id, project_id, token = await studio_with_token(url)
    rng = random.Random(11)
    day0 = local_midnight(datetime.now(UTC) + timedelta(days=1))
    t0 = time.perf_counter()
    info = await load(dsn, studio_id, project_id, day0, rng)
    print(f"loaded 750 resources and {BOOKINGS} bookings over {WEEKS} weeks in {time.perf_counter() - t0:.1f} s")
    reference = await Reference.read(dsn, studio_id)
    asks = []
    for _ in range(n + warmup):
        start = day0 + timedelta(days=rng.randrange(0, WEEKS * 7 - 14), hours=rng.randrange(0, 24))
        asks.append(start)
    find_times: list[float] = []
    avail_times: list[float] = []
    firsts: list[tuple[datetime, datetime, datetime | None]] = []
    headers = {"Authorization": f"Bearer {token}"}
    project = to_global_id("Project", project_id)
    with server(url) as base:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=20) as client:
            needs = [
                {
                    "kind": kind,
                    "category": cat,
                    "skills": [skill] if skill else None,
                    "role": skill,
                    "minCapacity": cap,
                    "quantity": qty,
                    "offsetMinutes": off,
                    "durationMinutes": length,
                }
                for kind, cat, skill, cap, qty, off, length in NEEDS
            ]
            made, _ = await gql(
                client,
                TEMPLATE,
                {"input": {"name": "Interview with video", "durationMinutes": 120, "needs": needs}},
            )
            template_id = made["createSessionTemplate"]["template"]["id"]
            for i, start in enumerate(asks):
                until = start + timedelta(days=14)
                found, f = await gql(
                    client,
                    FIND,
                    {"input": {"from": start.isoformat(), "until": until.isoformat(), "templateId": template_id}},
                )
                day = local_midnight(start) + timedelta(hours=10)
                _, a = await gql(
                    client,
                    AVAILABILITY,
                    {
                        "i": {
                            "start": day.isoformat(),
                            "end": (day + DURATION).isoformat(),
                            "kind": "ROOM",
                            "category": "video studio",
                        }
                    },
                )
                slots = found["findSlots"]
                if i >= warmup:
                    find_times.append(f)
                    avail_times.append(a)
                    firsts.append((start, until, parse(slots[0]["start"]) if slots else None))
            # Every ask starts tomorrow or later, so "never before now" does not move its first start.
            # A random sample, plus every ask the studio's bookings pushed past its first open start.
            sample = rng.sample(firsts, min(check, len(firsts)))
            sample += [f for f in firsts if f not in sample and f[2] != reference.first(f[0], f[1], resources=False)]
            mismatches = [(s, got, want) for s, u, got in sample if (want := reference.first(s, u)) != got]

            busy_room = to_global_id("Resource", info["busiest"])
            clash = await busiest_booking(dsn, info["busiest"])
            free_at = day_start(day0.astimezone(TZ), 0) + timedelta(hours=7)
            series_times = {}
            for label, first_start in (("refused (clashes)", clash), ("booked (clear)", free_at)):
                booking = {
                    "projectId": project,
                    "title": "Weekly interview",
                    "start": first_start.isoformat(),
                    "end": (first_start + timedelta(minutes=60)).isoformat(),
                    "status": "CONFIRMED",
                    "allocations": [{"resourceId": busy_room}],
                }
                answer, took = await gql(
                    client,
                    SERIES,
                    {"input": {"booking": booking, "rrule": "FREQ=WEEKLY;COUNT=52", "onConflict": "FAIL"}},
                )
                result = answer["createBookingSeries"]
                detail = (
                    f"{len(result['series']['bookings'])} bookings"
                    if result["__typename"] == "BookingSeriesCreated"
                    else f"{len(result['conflicts'])} clashes named"
                )
                series_times[label] = (took, result["__typename"], detail)

    fp50, fp99 = summary(find_times)
    ap50, ap99 = summary(avail_times)
    answered = sum(1 for _, _, got in firsts if got is not None)
    pushed = sum(1 for s, u, got in firsts if got != reference.first(s, u, resources=False))
    print(
        json.dumps(
            {
                "requests": n,
                "with a slot": answered,
                "later than the first open start": pushed,
                "checked": len(sample),
                "mismatches": len(mismatches),
            }
        )
    )
    for m in mismatches[:5]:
        print("mismatch: from", m[0], "finder", m[1], "reference", m[2])
    print(f"findSlots over HTTP:    p50 {fp50:.2f} ms  p99 {fp99:.2f} ms")
    print(f"availability over HTTP: p50 {ap50:.2f} ms  p99 {ap99:.2f} ms")
    print(f"ratio p50 {fp50 / ap50:.2f}x  p99 {fp99 / ap99:.2f}x")
    for label, (took, typename, detail) in series_times.items():
        print(f"52-week FAIL series, {label}: {took * 1000:.0f} ms ({typename}, {detail})")


async def busiest_booking(dsn: str, resource_id: int) -> datetime:
    """The start of the busiest room's first booking: a weekly series from there clashes."""
    conn = await asyncpg.connect(dsn)
    try:
        start: datetime = await conn.fetchval(
            "SELECT min(start_at) FROM allocations WHERE resource_id = $1", resource_id
        )
        return start
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--check", type=int, default=40, help="answers checked against the brute-force reference")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.check, args.warmup))
