"""`callsheet display-link`: a one-time link that turns a browser into a location's wall display."""

from __future__ import annotations

import argparse
from datetime import timedelta

from server.config import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    link = sub.add_parser(
        "display-link",
        help="print a one-time link that sets up a wall display for a location",
        description=(
            "Prints the URL of the location's room board with a single-use code in its fragment. Opened in a "
            "browser, the page exchanges the code for its own DISPLAY token (kept by that browser); the code "
            "then no longer works. The URL is printed alone on the last line."
        ),
    )
    link.add_argument("--location", required=True, help="location name")
    link.add_argument("--studio", help="studio name (optional while there is one studio)")
    link.add_argument("--url", default="http://127.0.0.1:8000", help="the address displays reach Callsheet at")
    link.add_argument("--ttl-minutes", type=int, default=15, help="how long the link may wait to be opened")
    link.set_defaults(func=cmd_display_link)


def cmd_display_link(args: argparse.Namespace) -> int:
    from db.repositories import tenancy
    from db.types import utcnow
    from server.cli import CommandError, _run_domain, _runtime, _studio_id
    from server.schema.ids import to_global_id
    from server.services import display

    settings = Settings.from_env()
    if args.ttl_minutes < 1:
        raise CommandError("--ttl-minutes must be at least 1")

    async def work() -> tuple[int, str]:
        runtime = await _runtime(settings)
        try:
            studio_id = await _studio_id(runtime, args.studio)
            async with runtime.uow.read() as session:
                location = await tenancy.location_by_name(session, studio_id, args.location)
            if location is None:
                raise CommandError(f"no location named {args.location!r} in this studio")
            code = await runtime.uow.run(
                lambda tx: display.create_link(
                    tx,
                    settings.secret,
                    studio_id=studio_id,
                    location_id=location.id,
                    ttl=timedelta(minutes=args.ttl_minutes),
                    now=utcnow(),
                ),
                studio_id=studio_id,
                actor="cli",
            )
            return location.id, code
        finally:
            await runtime.close()

    location_id, code = _run_domain(work())
    base = args.url.rstrip("/")
    print(f"Display link for {args.location} (single use, valid {args.ttl_minutes} minutes):")
    print(f"{base}/display/rooms/{to_global_id('Location', location_id)}#code={code}")
    return 0
