"""The `callsheet` command: serve, migrate, demo, export-schema, studio, token (and scanner)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from server.config import Settings, SettingsError

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from db.models import Role
    from server.runtime import Runtime
    from server.services.uow import Tx

T = TypeVar("T")

log = logging.getLogger("callsheet")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Library chatter (alembic, sqlalchemy) stays out of the output; uvicorn logs requests itself.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"callsheet: configuration error: {exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"callsheet: {exc}", file=sys.stderr)
        return 1


class CommandError(Exception):
    """A refusal to print to the user, without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callsheet", description="The operating record of a creative studio.")
    sub = parser.add_subparsers(title="commands")

    serve = sub.add_parser("serve", help="serve GraphQL over HTTP and websockets")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="load the demo studio (once) and print demo tokens")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (needs Redis for more than one)")
    serve.set_defaults(func=cmd_serve)

    dispatch = sub.add_parser(
        "dispatch", help="send webhooks (`serve` starts one itself unless CALLSHEET_WEBHOOK_DISPATCHER says otherwise)"
    )
    dispatch.add_argument("--parent", type=int, help=argparse.SUPPRESS)
    dispatch.set_defaults(func=cmd_dispatch)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="load the demo studio (idempotent) and print demo tokens")
    demo.set_defaults(func=cmd_demo)

    export = sub.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    export.add_argument("--output", default="schema.graphql")
    export.add_argument("--check", action="store_true", help="fail if the file differs from the code")
    export.set_defaults(func=cmd_export_schema)

    studio = sub.add_parser("studio", help="studios and locations").add_subparsers(title="studio commands")
    create_studio = studio.add_parser("create", help="create a studio")
    create_studio.add_argument("name")
    create_studio.add_argument("--timezone", default="UTC")
    create_studio.add_argument("--currency", default="EUR")
    create_studio.add_argument("--location", action="append", default=[], help="add a location (repeatable)")
    create_studio.set_defaults(func=cmd_studio_create)

    client = sub.add_parser("client", help="clients (for CLIENT tokens)").add_subparsers(title="client commands")
    create_client = client.add_parser("create", help="add a client to a studio")
    create_client.add_argument("name")
    create_client.add_argument("--studio", help="studio name (optional while there is one studio)")
    create_client.set_defaults(func=cmd_client_create)

    token = sub.add_parser("token", help="API tokens").add_subparsers(title="token commands")
    create = token.add_parser("create", help="mint a token; it is printed once, alone on the last line")
    create.add_argument("--role", required=True, type=str.upper)
    create.add_argument("--location", help="location name (required for SCANNER and DISPLAY)")
    create.add_argument("--studio", help="studio name (optional while there is one studio)")
    create.add_argument("--name", help="who or what holds the token")
    create.add_argument("--expires-in-days", type=int)
    create.add_argument("--client", help="client name (required for CLIENT; the client must exist)")
    create.add_argument("--email", help="the person's e-mail address, for notifications")
    create.set_defaults(func=cmd_token_create)
    revoke = token.add_parser("revoke", help="revoke a token by its id or its full text")
    revoke.add_argument("token", help="token id (as listed) or the token itself")
    revoke.add_argument("--studio")
    revoke.set_defaults(func=cmd_token_revoke)
    listing = token.add_parser("list", help="list a studio's tokens")
    listing.add_argument("--studio")
    listing.set_defaults(func=cmd_token_list)

    _register_optional(sub)
    return parser


def _register_optional(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Commands that live in other packages (the scanner agent, the wall display)."""
    from server.display.cli import register as register_display

    register_display(sub)
    try:
        from devices.scanner_agent.cli import register as register_scanner
    except ImportError:
        return
    register_scanner(sub)


# Commands


def cmd_migrate(args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url, args.revision)
    print(f"migrated {redact(settings.database_url)} to {args.revision}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    asyncio.run(_demo(settings, announce=True))
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    from server.api import build_schema

    sdl = build_schema().as_str() + "\n"
    path = Path(args.output)
    if args.check:
        current = path.read_text() if path.exists() else ""
        if current != sdl:
            raise CommandError(f"{path} is out of date: run `callsheet export-schema`")
        print(f"{path} matches the code")
        return 0
    path.write_text(sdl)
    print(f"wrote {path}")
    return 0


def cmd_studio_create(args: argparse.Namespace) -> int:
    from server.services import studios

    settings = Settings.from_env()

    async def work() -> None:
        runtime = await _runtime(settings)
        try:

            async def create(tx: Tx) -> bool:
                studio, created = await studios.ensure_studio(tx, args.name, args.timezone, args.currency)
                for name in args.location:
                    await studios.ensure_location(tx, studio.id, name)
                return created

            created = await runtime.uow.run(create, studio_id=None, actor="cli")
            print(("created studio " if created else "studio exists: ") + args.name)
        finally:
            await runtime.close()

    _run_domain(work())
    return 0


def cmd_client_create(args: argparse.Namespace) -> int:
    from db.models import Role as RoleEnum
    from server.services import clients
    from server.services.principal import Principal

    settings = Settings.from_env()

    async def work() -> int:
        runtime = await _runtime(settings)
        try:
            studio_id = await _studio_id(runtime, args.studio)
            cli = Principal(token_id=None, studio_id=studio_id, role=RoleEnum.ADMIN, name="cli")
            return (await clients.open_client(runtime.uow, cli, args.name)).id
        finally:
            await runtime.close()

    _run_domain(work())
    print(f"created client {args.name}")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from db.models import Role as RoleEnum

    settings = Settings.from_env()
    try:
        role = RoleEnum(args.role)
    except ValueError:
        raise CommandError(f"unknown role {args.role}; one of {', '.join(r.value for r in RoleEnum)}") from None
    expires = timedelta(days=args.expires_in_days) if args.expires_in_days else None

    async def work() -> str:
        runtime = await _runtime(settings)
        try:
            return await _mint(
                runtime, args.studio, role, args.location, args.name, expires, client_name=args.client, email=args.email
            )
        finally:
            await runtime.close()

    token = _run_domain(work())
    print(f"{role.value} token (shown once; store it now):")
    print(token)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from db.repositories import tenancy
    from server.services import auth

    settings = Settings.from_env()

    async def work() -> int:
        runtime = await _runtime(settings)
        try:
            if args.token.isdigit():
                studio_id = await _studio_id(runtime, args.studio)
                token_id = int(args.token)
            else:
                async with runtime.uow.read() as session:
                    row = await tenancy.token_by_hash(session, auth.hash_token(settings.secret, args.token))
                if row is None:
                    raise CommandError("no such token")
                studio_id, token_id = row.studio_id, row.id
            await runtime.uow.run(
                lambda tx: auth.revoke_token(tx, studio_id=studio_id, token_id=token_id),
                studio_id=studio_id,
                actor="cli",
            )
            return token_id
        finally:
            await runtime.close()

    print(f"revoked token {_run_domain(work())}")
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from db.repositories import tenancy

    settings = Settings.from_env()

    async def work() -> None:
        runtime = await _runtime(settings)
        try:
            studio_id = await _studio_id(runtime, args.studio)
            async with runtime.uow.read() as session:
                rows = await tenancy.tokens(session, _Scope(studio_id))
            for t in rows:
                state = (
                    "revoked" if t.revoked_at else ("expires " + t.expires_at.isoformat() if t.expires_at else "active")
                )
                print(f"{t.id:>5}  {t.role.value:<12} {t.name:<30} cs_{t.prefix}…  {state}")
        finally:
            await runtime.close()

    _run_domain(work())
    return 0


def serve_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for every server process (the benchmarks serve their baselines with them too)."""
    # Websockets: no per-message deflate (it roughly doubles memory and CPU per subscriber for
    # small board messages) and no message larger than an HTTP request body may be.
    return {
        # Requests are logged once, by the app (`server.observe`), with secrets redacted.
        "access_log": False,
        "log_config": None,
        "ws": "websockets-sansio",
        "ws_per_message_deflate": False,
        "ws_max_size": settings.limits.max_body_bytes,
    }


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.workers > 1 and settings.redis_url is None:
        raise CommandError("--workers above 1 needs CALLSHEET_REDIS_URL: live updates must cross processes")
    from server.telemetry import logs

    logs.configure(settings.log_format)
    if args.workers > 1 and settings.metrics and settings.metrics_dir is None:
        # Each worker writes its samples here and /metrics in any worker sums them; the workers
        # read the directory from their environment when they start.
        metrics_dir = tempfile.mkdtemp(prefix="callsheet-metrics-")
        settings = settings.with_overrides(metrics_dir=metrics_dir)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    if settings.is_sqlite:
        # The embedded mode sets itself up: create the file and bring the schema to head.
        from db.migrate import upgrade

        upgrade(settings.database_url)
    else:
        _require_migrated(settings)
    if args.demo:
        asyncio.run(_demo(settings, announce=False))
    dispatcher = None
    if settings.webhook_dispatcher == "process":
        # Webhooks go out from a process of their own; the server's workers send none.
        dispatcher = _start_dispatcher()
        settings = settings.with_overrides(webhook_dispatcher="off")
        os.environ["CALLSHEET_WEBHOOK_DISPATCHER"] = "off"
    try:
        _serve(args, settings)
    finally:
        if dispatcher is not None:
            _stop_dispatcher(dispatcher)
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from server.app import create_app

    base = f"http://{args.host}:{args.port}"
    print(f"Callsheet GraphQL: {base}/graphql   (websockets: ws://{args.host}:{args.port}/graphql)")
    if not settings.production:
        print(f"GraphiQL:          {base}/graphql")
    if args.demo:
        for line in _DEMO_LINES:
            print(line)
    sys.stdout.flush()
    ws_options = serve_options(settings)
    if args.workers > 1:
        uvicorn.run(
            "server.app:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            **ws_options,
        )
    else:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, **ws_options)


# How much lower than the API's the dispatcher's CPU priority is (os.nice increment): the lowest.
# Measured against +5 (bench.webhooks, 4 clients, alternating): createBooking p50 with webhooks
# 1.18-1.29x of without (median 1.20x) against 1.27-1.33x, deliveries still drained within a second.
DISPATCH_NICENESS = 19


def _start_dispatcher() -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "CALLSHEET_WEBHOOK_DISPATCHER"}
    command = [sys.executable, "-m", "server.cli", "dispatch", "--parent", str(os.getpid())]
    return subprocess.Popen(command, env=env)


def _stop_dispatcher(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cmd_dispatch(args: argparse.Namespace) -> int:
    from server.telemetry import logs

    if args.parent:
        _die_with(args.parent)
        # Started beside the API by `serve`: webhooks have a 24-hour delivery window, requests have a
        # person waiting, so on a busy machine the requests get the CPU first.
        with contextlib.suppress(OSError):
            os.nice(DISPATCH_NICENESS)
    settings = Settings.from_env()
    logs.configure(settings.log_format)
    _require_migrated(settings)
    asyncio.run(_dispatch(settings, args.parent))
    return 0


def _die_with(parent: int) -> None:
    """End this process when `parent` ends, even by SIGKILL: a dispatcher outliving its server would
    keep sending beside the one the next server starts."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the line above
        os._exit(0)


async def _dispatch(settings: Settings, parent: int | None) -> None:
    import signal

    from server.background.webhooks import PROCESS_POLL, Dispatching
    from server.runtime import Runtime

    runtime = await Runtime.open(settings)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    dispatching = Dispatching(runtime, poll=PROCESS_POLL)
    dispatching.start()
    try:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), 1.0)
            if parent is not None and os.getppid() != parent:
                break  # where the parent's death sends no signal
    finally:
        await dispatching.stop()
        await runtime.close()


# Helpers

_DEMO_LINES: list[str] = []


async def _demo(settings: Settings, *, announce: bool) -> None:
    from server import demo

    runtime = await _runtime(settings)
    try:
        await demo.load(runtime.uow, runtime.budget)
        _DEMO_LINES.clear()
        _DEMO_LINES.append(f"Demo studio: {demo.STUDIO}. One token per role (valid until the next demo load):")
        for role, name, location in demo.DEMO_TOKENS:
            client = demo.DEMO_CLIENT if role.value == "CLIENT" else None
            token = await _mint(
                runtime, demo.STUDIO, role, location, name, None, replace_existing=True, client_name=client
            )
            _DEMO_LINES.append(f"  {role.value:<12} {token}")
    finally:
        await runtime.close()
    if announce:
        for line in _DEMO_LINES:
            print(line)


async def _mint(
    runtime: Runtime,
    studio_name: str | None,
    role: Role,
    location_name: str | None,
    name: str | None,
    expires: timedelta | None,
    *,
    replace_existing: bool = False,
    client_name: str | None = None,
    email: str | None = None,
) -> str:
    from db.models import Role as RoleEnum
    from db.repositories import projects, tenancy
    from db.types import utcnow
    from server.services import auth

    studio_id = await _studio_id(runtime, studio_name)
    location_id = None
    if location_name:
        async with runtime.uow.read() as session:
            location = await tenancy.location_by_name(session, studio_id, location_name)
        if location is None:
            raise CommandError(f"no location named {location_name!r} in this studio")
        location_id = location.id
    elif role in auth.DEVICE_ROLES:
        raise CommandError(f"a {role.value} token needs --location")
    client_id = None
    if client_name:
        async with runtime.uow.read() as session:
            client = await projects.client_named(session, studio_id, client_name)
        if client is None:
            raise CommandError(f"no client named {client_name!r} in this studio (createClient first)")
        client_id = client.id
    elif role == RoleEnum.CLIENT:
        raise CommandError("a CLIENT token needs --client")
    label = name or f"{role.value.lower()} token"

    async def work(tx: Tx) -> str:
        if replace_existing:
            for old in await tenancy.tokens(tx.session, _Scope(studio_id)):
                if old.name == label and old.role == role and old.revoked_at is None:
                    await auth.revoke_token(tx, studio_id=studio_id, token_id=old.id)
        minted = await auth.create_token(
            tx,
            runtime.settings.secret,
            studio_id=studio_id,
            role=role,
            name=label,
            location_id=location_id,
            expires_at=utcnow() + expires if expires else None,
            client_id=client_id,
            email=email,
        )
        return minted.token

    return await runtime.uow.run(work, studio_id=studio_id, actor="cli")


class _Scope:
    def __init__(self, studio_id: int) -> None:
        self.studio_id = studio_id


async def _studio_id(runtime: Runtime, name: str | None) -> int:
    from db.repositories import tenancy

    async with runtime.uow.read() as session:
        if name:
            studio = await tenancy.studio_by_name(session, name)
            if studio is None:
                raise CommandError(f"no studio named {name!r}")
            return studio.id
        studios = await tenancy.all_studios(session)
    if len(studios) == 1:
        return studios[0].id
    if not studios:
        raise CommandError("there is no studio yet: run `callsheet studio create NAME` or `callsheet demo`")
    raise CommandError("there are several studios: pass --studio NAME")


async def _runtime(settings: Settings) -> Runtime:
    from server.runtime import Runtime

    if settings.is_sqlite:
        from db.migrate import upgrade

        await asyncio.to_thread(upgrade, settings.database_url)
    return await Runtime.open(settings)


def _run_domain(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine, turning domain refusals into a one-line message."""
    from server.services.errors import DomainError

    try:
        return asyncio.run(coro)
    except DomainError as exc:
        raise CommandError(exc.message) from None


def _require_migrated(settings: Settings) -> None:
    from db.migrate import is_current

    if not is_current(settings.database_url):
        raise CommandError("the database is not at the latest migration: run `callsheet migrate` first")


def redact(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    raise SystemExit(main())
