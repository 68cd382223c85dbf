"""Who sees what, walked generically: every `Node` type through `node(id)` and every list query
that returns Nodes, with every role, against an oracle written from the studio's rules (DESIGN §4.6,
§7) rather than from the code's read scopes.

A Node type or a list query that the oracle does not know fails the test, so a new type is covered
the day it is added: add its rule to `expected` (or to `NOT_FETCHABLE` with its reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

from db.models import Project, Resource, Role
from server.schema.ids import parse_global_id, to_global_id
from tests.alloc_support import Catalogue, at, booking_input, build, create
from tests.conftest import StudioFixture
from tests.graphql.cage_queries import START_AUDIT
from tests.graphql.slots_support import SERIES, template
from tests.money_support import CREATE_INVOICE, price_catalogue

# Nodes reached only through their parents: `node` answers null for them, whoever asks.
NOT_FETCHABLE = {
    "ApiToken": "listed by apiTokens (administrators); never fetched by id",
    "Block": "shown on its resource's schedule",
    "InvoiceLine": "part of its invoice",
    "Studio": "the viewer's own, through viewer",
}
STAFF = {Role.ADMIN, Role.COORDINATOR}
START = "mutation($id: ID!, $at: DateTime) { startSession(id: $id, at: $at) { __typename } }"
END = "mutation($id: ID!, $at: DateTime) { endSession(id: $id, at: $at) { __typename } }"
CREATE_FEED = """mutation($input: CreateCalendarFeedInput!) { createCalendarFeed(input: $input) {
  __typename ... on CalendarFeedCreated { feed { id } } } }"""


@dataclass
class World:
    """One studio's rows by type, and the facts the rules are written in."""

    studio: StudioFixture
    ids: dict[str, set[str]] = field(default_factory=dict)
    booking_project: dict[str, str] = field(default_factory=dict)
    calls_sam: set[str] = field(default_factory=set)  # bookings the CREW token's person works on
    room_on_main_floor: set[str] = field(default_factory=set)  # the display's location
    gear_in_cage: set[str] = field(default_factory=set)  # the scanner's location
    produced: str = ""  # the PRODUCER token's project
    invoice_project: dict[str, str] = field(default_factory=dict)
    audit_location: dict[str, str] = field(default_factory=dict)
    allocation_booking: dict[str, str] = field(default_factory=dict)
    feed_owner: dict[str, Role] = field(default_factory=dict)  # calendar feed -> the role of its owner
    series_project: dict[str, str] = field(default_factory=dict)
    rooms: set[str] = field(default_factory=set)  # ROOM resources: all the client portal sees of the catalogue
    allocation_resource: dict[str, str] = field(default_factory=dict)
    client_projects: dict[str, set[str]] = field(default_factory=dict)
    own_client: str = ""  # the CLIENT token's client
    notification_owner: dict[str, Role] = field(default_factory=dict)
    plan_project: dict[str, str] = field(default_factory=dict)  # task / milestone / media asset -> project
    sams_tasks: set[str] = field(default_factory=set)  # tasks assigned to the CREW token's person
    sams_milestones: set[str] = field(default_factory=set)  # milestones with one of those tasks

    def add(self, type_name: str, gid: str) -> None:
        self.ids.setdefault(type_name, set()).add(gid)


def expected(world: World, role: Role, type_name: str, gid: str) -> bool:
    """The oracle: may `role` of the world's studio see this row of its studio?"""
    staff = role in STAFF
    if type_name in ("Location",):
        return True
    if type_name == "Resource" and role == Role.CLIENT:
        return gid in world.rooms
    if type_name in ("Resource", "Kit"):
        return role not in (Role.DISPLAY, Role.CLIENT)
    clients_own = world.client_projects.get(world.own_client, set())
    if type_name == "Booking":
        return (
            staff
            or {
                Role.PRODUCER: world.booking_project.get(gid) == world.produced,
                Role.CREW: gid in world.calls_sam,
                Role.DISPLAY: gid in world.room_on_main_floor,
                Role.SCANNER: gid in world.gear_in_cage,
                Role.CLIENT: world.booking_project.get(gid) in clients_own,
            }[role]
        )
    if type_name == "Allocation":
        # The client portal sees the rooms of its bookings, never their crew or gear.
        if role == Role.CLIENT and world.allocation_resource[gid] not in world.rooms:
            return False
        return expected(world, role, "Booking", world.allocation_booking[gid])
    if type_name == "Project":
        crew_projects = {world.booking_project[b] for b in world.calls_sam}
        return (
            staff
            or {
                Role.PRODUCER: gid == world.produced,
                Role.CREW: gid in crew_projects,
                Role.DISPLAY: False,
                Role.SCANNER: False,
                Role.CLIENT: gid in clients_own,
            }[role]
        )
    if type_name == "Client":
        # A client is seen by whoever sees one of its projects; the portal sees its own, whatever it has.
        if role == Role.CLIENT:
            return gid == world.own_client
        return staff or any(expected(world, role, "Project", p) for p in world.client_projects.get(gid, set()))
    if type_name == "Notification":
        # A notification is its recipient's alone.
        return world.notification_owner[gid] == role
    if type_name == "Invoice":
        return staff or (role == Role.PRODUCER and world.invoice_project[gid] == world.produced)
    if type_name == "Rate":
        return staff
    if type_name == "Audit":
        return staff or (role == Role.SCANNER and world.audit_location[gid] == "Cage")
    if type_name in ("ApiToken", "Webhook", "WebhookDelivery"):
        return role == Role.ADMIN
    if type_name == "CalendarFeed":
        # A feed is its owner's; staff see every one of the studio (to revoke a leaver's).
        return staff or world.feed_owner[gid] == role
    if type_name == "SessionTemplate":
        # The studio's packages: read by the people who plan or ask for sessions, never by crew or devices.
        return staff or role in (Role.PRODUCER, Role.CLIENT)
    if type_name == "BookingSeries":
        # A series is seen by whoever sees its project; its bookings keep their own rule.
        return expected(world, role, "Project", world.series_project[gid])
    if type_name == "Task":
        # Producers their projects' tasks; crew the tasks assigned to them; devices none.
        return (
            staff
            or {
                Role.PRODUCER: world.plan_project.get(gid) == world.produced,
                Role.CREW: gid in world.sams_tasks,
                Role.DISPLAY: False,
                Role.SCANNER: False,
                Role.CLIENT: False,  # a client follows milestones, never tasks
            }[role]
        )
    if type_name == "Milestone":
        return (
            staff
            or {
                Role.PRODUCER: world.plan_project.get(gid) == world.produced,
                Role.CREW: gid in world.sams_milestones,
                Role.DISPLAY: False,
                Role.SCANNER: False,
                Role.CLIENT: world.plan_project.get(gid) in clients_own,
            }[role]
        )
    if type_name == "MediaAsset":
        return staff or (role == Role.PRODUCER and world.plan_project.get(gid) == world.produced)
    raise AssertionError(f"the visibility oracle has no rule for {type_name}")


REQUEST = """mutation($input: RequestBookingInput!) { requestBooking(input: $input) {
  __typename ... on BookingRequested { booking { id } } } }"""
APPROVE = """mutation($input: ApproveBookingInput!) { approveBooking(input: $input) { __typename } }"""


def _request(cat: Catalogue, project: str, day: int) -> dict[str, Any]:
    return {
        "projectId": project,
        "title": "Album launch",
        "start": at(day, 14).isoformat(),
        "end": at(day, 16).isoformat(),
        "allocations": [{"resourceId": cat.gid("Studio C")}],
    }


async def _for_client(studio: StudioFixture, project_id: int) -> None:
    """The project becomes the CLIENT token's client's."""

    async def work(tx: Any) -> None:
        await tx.session.execute(update(Project).where(Project.id == project_id).values(client_id=studio.client_id))

    await studio.runtime.uow.run(work, studio_id=studio.id)


async def _located(studio: StudioFixture, cat: Catalogue, name: str, location: str) -> None:
    async def work(tx: Any) -> None:
        await tx.session.execute(
            update(Resource).where(Resource.id == cat.ids[name]).values(location_id=studio.locations[location])
        )

    await studio.runtime.uow.run(work, studio_id=studio.id)


async def _book(world: World, cat: Catalogue, project: str, day: int, names: list[str], done: bool = False) -> str:
    allocations = [
        {"resourceId": cat.gid(n), **({"role": "recording engineer"} if n == "Sam Okafor" else {})} for n in names
    ]
    made = await create(
        cat, projectId=project, start=at(day, 10), end=at(day, 12), status="CONFIRMED", allocations=allocations
    )
    assert made["__typename"] == "BookingCreated", made
    gid = made["booking"]["id"]
    world.add("Booking", gid)
    world.booking_project[gid] = project
    if "Sam Okafor" in names:
        world.calls_sam.add(gid)
    if "Studio A" in names:
        world.room_on_main_floor.add(gid)
    if "SM7B 1" in names:
        world.gear_in_cage.add(gid)
    if done:
        await cat.studio.data(START, {"id": gid, "at": at(day, 10).isoformat()})
        await cat.studio.data(END, {"id": gid, "at": at(day, 12).isoformat()})
    return gid


CREATE_PLAN_TASK = """mutation($i: CreateTaskInput!) { createTask(input: $i) {
  __typename ... on TaskCreated { task { id } } } }"""
REGISTER_MEDIA = """mutation($i: RegisterMediaAssetInput!) { registerMediaAsset(input: $i) {
  __typename ... on MediaAssetRegistered { mediaAsset { id } } } }"""
CREATE_PLAN_MILESTONE = """mutation($i: CreateMilestoneInput!) { createMilestone(input: $i) {
  __typename ... on MilestoneCreated { milestone { id } } } }"""


async def _plan(world: World, cat: Catalogue) -> None:
    """A milestone per project with tasks for Sam (the CREW token's person), Theo and nobody, plus a
    milestone with no task of Sam's; a media asset per project on a NAS volume."""
    created = await cat.studio.data(
        'mutation { createResource(input: {kind: STORAGE, name: "NAS", quantity: 100}) '
        "{ ... on ResourceCreated { resource { id } } } }"
    )
    volume = created["createResource"]["resource"]["id"]
    for project in (cat.project, cat.other_project):
        ms = []
        for name in ("Episode live", "Trailer"):
            made = (
                await cat.studio.data(
                    CREATE_PLAN_MILESTONE, {"i": {"projectId": project, "name": name, "dueAt": at(9, 12).isoformat()}}
                )
            )["createMilestone"]
            ms.append(made["milestone"]["id"])
            world.add("Milestone", ms[-1])
            world.plan_project[ms[-1]] = project
        for who, milestone in (("Sam Okafor", ms[0]), ("Theo Lindqvist", ms[1]), (None, ms[1])):
            task_input = {"projectId": project, "title": f"Task of {who}", "kind": "EDIT", "milestoneId": milestone}
            if who is not None:
                task_input["assigneeId"] = cat.gid(who)
            made = (await cat.studio.data(CREATE_PLAN_TASK, {"i": task_input}))["createTask"]
            assert made["__typename"] == "TaskCreated", made
            gid = made["task"]["id"]
            world.add("Task", gid)
            world.plan_project[gid] = project
            if who == "Sam Okafor":
                world.sams_tasks.add(gid)
                world.sams_milestones.add(milestone)
        made = (
            await cat.studio.data(
                REGISTER_MEDIA,
                {"i": {"projectId": project, "storageId": volume, "name": "Footage", "sizeMegabytes": 100}},
            )
        )["registerMediaAsset"]
        assert made["__typename"] == "MediaAssetRegistered", made
        world.add("MediaAsset", made["mediaAsset"]["id"])
        world.plan_project[made["mediaAsset"]["id"]] = project


async def build_world(studio: StudioFixture) -> World:
    world = World(studio)
    cat = await build(studio)
    await price_catalogue(cat)
    await _located(studio, cat, "Studio A", "Main floor")
    await _located(studio, cat, "SM7B 1", "Cage")
    await _located(studio, cat, "Studio B", "Post")
    world.produced = cat.project
    await _for_client(studio, cat.other_project_id)
    hook = (
        await studio.data(
            "mutation($i: CreateWebhookInput!) "
            "{ createWebhook(input: $i) { ... on WebhookCreated { webhook { id } } } }",
            {"i": {"url": "https://receiver.example/hooks", "events": ["*"]}},
        )
    )["createWebhook"]["webhook"]["id"]
    world.add("Webhook", hook)
    await _book(world, cat, cat.project, 2, ["Studio A", "Sam Okafor"])
    await _book(world, cat, cat.other_project, 3, ["Studio B", "SM7B 1"])
    await _book(world, cat, cat.other_project, 4, ["Booth", "Sam Okafor"])
    await _book(world, cat, cat.other_project, 5, ["Edit Bay 1"])
    await _book(world, cat, cat.project, 1, ["Studio A"], done=True)
    await _book(world, cat, cat.other_project, 1, ["Studio B"], done=True)
    for project in (cat.project, cat.other_project):
        made = (await studio.data(CREATE_INVOICE, {"id": project}))["createInvoice"]
        assert made["__typename"] == "InvoiceChanged", made
        world.add("Invoice", made["invoice"]["id"])
        world.invoice_project[made["invoice"]["id"]] = project
    made = await template(
        studio, name="Interview", durationMinutes=60, needs=[{"kind": "ROOM", "category": "podcast studio"}]
    )
    world.add("SessionTemplate", made["template"]["id"])
    for project, day in ((cat.project, 7), (cat.other_project, 10)):
        first = booking_input(cat, at(day, 10), at(day, 11), [{"resourceId": cat.gid("Booth")}], projectId=project)
        answer = (await studio.data(SERIES, {"input": {"booking": first, "rrule": "FREQ=DAILY;COUNT=2"}}))[
            "createBookingSeries"
        ]
        assert answer["__typename"] == "BookingSeriesCreated", answer
        world.add("BookingSeries", answer["series"]["id"])
        world.series_project[answer["series"]["id"]] = project
        for b in answer["series"]["bookings"]:
            world.add("Booking", b["id"])
            world.booking_project[b["id"]] = project
    for location in ("Cage", "Post"):
        loc = to_global_id("Location", studio.locations[location])
        started = (await studio.data(START_AUDIT, {"input": {"locationId": loc, "idempotencyKey": location}}))[
            "startAudit"
        ]
        assert started["__typename"] == "AuditStarted", started
        world.add("Audit", started["audit"]["id"])
        world.audit_location[started["audit"]["id"]] = location
    for role in (Role.ADMIN, Role.COORDINATOR, Role.PRODUCER, Role.CREW):
        made = (await studio.data(CREATE_FEED, {"input": {"mine": True}}, role=role))["createCalendarFeed"]
        assert made["__typename"] == "CalendarFeedCreated", made
        world.add("CalendarFeed", made["feed"]["id"])
        world.feed_owner[made["feed"]["id"]] = role
    # The client asks for a session; the studio approves it: notifications for staff and the client.
    asked = (await studio.data(REQUEST, {"input": _request(cat, cat.other_project, 6)}, role=Role.CLIENT))[
        "requestBooking"
    ]
    assert asked["__typename"] == "BookingRequested", asked
    world.add("Booking", asked["booking"]["id"])
    world.booking_project[asked["booking"]["id"]] = cat.other_project
    approved = (await studio.data(APPROVE, {"input": {"id": asked["booking"]["id"]}}))["approveBooking"]
    assert approved["__typename"] == "BookingApproved", approved
    for role in Role:
        mine = await studio.data("{ notifications(first: 50) { edges { node { id } } } }", role=role)
        for edge in mine["notifications"]["edges"]:
            world.add("Notification", edge["node"]["id"])
            world.notification_owner[edge["node"]["id"]] = role
    # Staff were asked, the client was answered, and Sam (the CREW token's person) was called.
    assert set(world.notification_owner.values()) == {Role.ADMIN, Role.COORDINATOR, Role.CLIENT, Role.CREW}
    await _plan(world, cat)
    # Everything else the studio has, read as its administrator.
    everything = await studio.data(
        """{ locations { id } kits { id } rates { id } apiTokens { id }
             resources(first: 200) { edges { node { id kind } } }
             projects(first: 200) { edges { node { id client { id } } } }
             bookings(first: 200) { edges { node { id allocations { id resource { id } } } } } }"""
    )
    for edge in everything["projects"]["edges"]:
        if edge["node"]["client"] is not None:
            world.add("Client", edge["node"]["client"]["id"])
            world.client_projects.setdefault(edge["node"]["client"]["id"], set()).add(edge["node"]["id"])
    world.own_client = to_global_id("Client", studio.client_id)
    assert world.own_client in world.client_projects
    world.rooms = {e["node"]["id"] for e in everything["resources"]["edges"] if e["node"]["kind"] == "ROOM"}
    for key, type_name in (("locations", "Location"), ("kits", "Kit"), ("rates", "Rate"), ("apiTokens", "ApiToken")):
        for row in everything[key]:
            world.add(type_name, row["id"])
    for key, type_name in (("resources", "Resource"), ("projects", "Project")):
        for edge in everything[key]["edges"]:
            world.add(type_name, edge["node"]["id"])
    deliveries = await studio.data(
        "query($w: ID!) { webhookDeliveries(webhookId: $w, first: 200) { id } }", {"w": hook}
    )
    assert deliveries["webhookDeliveries"], "the world's bookings were announced to its webhook"
    for row in deliveries["webhookDeliveries"]:
        world.add("WebhookDelivery", row["id"])
    for edge in everything["bookings"]["edges"]:
        for allocation in edge["node"]["allocations"]:
            world.add("Allocation", allocation["id"])
            world.allocation_booking[allocation["id"]] = edge["node"]["id"]
            world.allocation_resource[allocation["id"]] = allocation["resource"]["id"]
    return world


async def _fetch(studio: StudioFixture, role: Role, ids: list[str]) -> set[str]:
    """The ids `node` answers for the role, in requests under the alias limit."""
    seen: set[str] = set()
    for start in range(0, len(ids), 25):
        chunk = ids[start : start + 25]
        aliases = " ".join(f'n{i}: node(id: "{gid}") {{ id }}' for i, gid in enumerate(chunk))
        answer = await studio.data("{ " + aliases + " }", role=role)
        seen |= {answer[f"n{i}"]["id"] for i in range(len(chunk)) if answer[f"n{i}"] is not None}
    return seen


async def _node_types(studio: StudioFixture) -> list[str]:
    found = await studio.data('{ __type(name: "Node") { possibleTypes { name } } }')
    return sorted(t["name"] for t in found["__type"]["possibleTypes"])


async def test_node_answers_exactly_what_each_role_may_see(studio: StudioFixture, other_studio: StudioFixture) -> None:
    here, there = await build_world(studio), await build_world(other_studio)
    types = await _node_types(studio)
    unknown = [t for t in types if t not in NOT_FETCHABLE and t not in here.ids]
    assert unknown == [], f"Node types with no row in the world (add them and their rule): {unknown}"
    for role in Role:
        for type_name in types:
            ids = sorted(here.ids.get(type_name, set()) | there.ids.get(type_name, set()))
            seen = await _fetch(studio, role, ids)
            if type_name in NOT_FETCHABLE:
                want: set[str] = set()
            else:
                want = {gid for gid in here.ids.get(type_name, set()) if expected(here, role, type_name, gid)}
            assert seen == want, (role, type_name, sorted(seen ^ want))


# List queries that return Nodes: how to read them, and which Node type they hold. A new query that
# returns Nodes and is missing here fails `test_every_list_query_is_walked`.
LISTS: dict[str, tuple[str, Callable[[Any], list[str]]]] = {
    "locations": ("{ locations { id } }", lambda d: [r["id"] for r in d]),
    "kits": ("{ kits { id } }", lambda d: [r["id"] for r in d]),
    "rates": ("{ rates { id } }", lambda d: [r["id"] for r in d]),
    "apiTokens": ("{ apiTokens { id } }", lambda d: [r["id"] for r in d]),
    "resources": (
        "{ resources(first: 200) { edges { node { id } } } }",
        lambda d: [e["node"]["id"] for e in d["edges"]],
    ),
    "projects": ("{ projects(first: 200) { edges { node { id } } } }", lambda d: [e["node"]["id"] for e in d["edges"]]),
    "bookings": ("{ bookings(first: 200) { edges { node { id } } } }", lambda d: [e["node"]["id"] for e in d["edges"]]),
    "invoices": ("{ invoices(first: 200) { edges { node { id } } } }", lambda d: [e["node"]["id"] for e in d["edges"]]),
    "webhooks": ("{ webhooks { id } }", lambda d: [r["id"] for r in d]),
    "sessionTemplates": ("{ sessionTemplates { id } }", lambda d: [r["id"] for r in d]),
    "notifications": (
        "{ notifications(first: 200) { edges { node { id } } } }",
        lambda d: [e["node"]["id"] for e in d["edges"]],
    ),
}
# Queries that take the object they read as a required argument: `node`'s walk covers what they return.
BY_ARGUMENT = {"node", "project", "budget", "availability", "nextFreeWindows", "quote", "utilization", "roomBoard",
               "assetByCode", "assetHistory", "viewer", "webhookDeliveries", "findSlots"}  # fmt: skip
# Queries that return no Nodes, with where their readers are tested.
NOT_NODES = {"auditLog": "entries are not Nodes; ADMIN and COORDINATOR only (tests/graphql/test_audit_log.py)"}


async def test_every_list_query_is_walked(studio: StudioFixture) -> None:
    fields = await studio.data("{ __schema { queryType { fields { name } } } }")
    names = {f["name"] for f in fields["__schema"]["queryType"]["fields"]}
    assert names - set(LISTS) - BY_ARGUMENT - set(NOT_NODES) == set(), "a new query: add it to LISTS or BY_ARGUMENT"


async def test_list_queries_return_nothing_outside_the_callers_scope(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    here, there = await build_world(studio), await build_world(other_studio)
    for name, (query, ids_of) in LISTS.items():
        for role in Role:
            body = await studio.gql(query, role=role)
            if "errors" in body:
                codes = {e.get("extensions", {}).get("code") for e in body["errors"]}
                assert codes <= {"FORBIDDEN"}, (name, role, body)
                continue
            seen = ids_of(body["data"][name])
            type_name = {(parse_global_id(g) or ("?", 0))[0] for g in seen}
            assert len(type_name) <= 1, (name, type_name)
            for gid in seen:
                kind = (parse_global_id(gid) or ("?", 0))[0]
                assert gid not in there.ids.get(kind, set()), (name, role, "another studio's row", gid)
                assert gid in here.ids.get(kind, set()) and expected(here, role, kind, gid), (name, role, gid)
            if role == Role.ADMIN and seen:
                kind = (parse_global_id(seen[0]) or ("?", 0))[0]
                # Notifications are their recipient's alone, the administrator's too.
                want = {g for g in here.ids[kind] if kind != "Notification" or here.notification_owner[g] == role}
                assert set(seen) == want, (name, "an administrator sees every row of the studio")
