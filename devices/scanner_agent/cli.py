"""`callsheet scanner run | simulate | status`: the agent's command line (flags and CALLSHEET_SCANNER_* variables)."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .acknowledge import DEFAULT_LATE_AFTER
from .agent import DEFAULT_BAUDRATE, READER_KINDS, Agent, AgentConfig
from .display import verb
from .outbox import PENDING, REJECTED, Outbox
from .simulator import Simulator
from .station import Mode

ENV_TOKEN = "CALLSHEET_SCANNER_TOKEN"
ENV_SERVER = "CALLSHEET_SCANNER_SERVER"
ENV_OUTBOX = "CALLSHEET_SCANNER_OUTBOX"
ENV_PORT = "CALLSHEET_SCANNER_PORT"
DEFAULT_SERVER = "http://127.0.0.1:8000/graphql"
DEFAULT_OUTBOX = "callsheet-scanner.db"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `scanner` command and its `run`, `simulate` and `status` subcommands."""
    scanner = subparsers.add_parser("scanner", help="the cage scanner agent (barcode and RFID readers)")
    commands = scanner.add_subparsers(dest="scanner_command", required=True)
    _add_run(commands)
    _add_simulate(commands)
    _add_status(commands)


def _outbox_default() -> str:
    return os.environ.get(ENV_OUTBOX, DEFAULT_OUTBOX)


def _add_run(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = commands.add_parser("run", help="read a scanner and post check-outs, returns and audit scans")
    run.add_argument(
        "--port",
        default=os.environ.get(ENV_PORT),
        help="device path (prefer /dev/serial/by-id/...) or pyserial URL such as loop://",
    )
    run.add_argument("--reader", choices=READER_KINDS, default="barcode", help="reader type (default barcode)")
    run.add_argument(
        "--baudrate",
        type=int,
        help="default: " + ", ".join(f"{k} {v}" for k, v in DEFAULT_BAUDRATE.items()),
    )
    run.add_argument("--server", default=os.environ.get(ENV_SERVER, DEFAULT_SERVER), help="GraphQL endpoint URL")
    run.add_argument("--token", default=os.environ.get(ENV_TOKEN), help=f"SCANNER token (or ${ENV_TOKEN})")
    run.add_argument(
        "--mode",
        type=str.upper,
        choices=[mode.value for mode in Mode],
        help="station mode at start (default: the last mode set by a card, else RETURN)",
    )
    run.add_argument("--booking", help="booking id to check out to (implies --mode CHECKOUT)")
    run.add_argument("--audit", help="audit id to record scans for (implies --mode AUDIT)")
    run.add_argument("--outbox", default=_outbox_default(), help=f"outbox SQLite file (default {DEFAULT_OUTBOX})")
    run.add_argument("--debounce", type=float, default=2.0, help="seconds in which the same barcode is one read")
    run.add_argument("--gone-after", type=float, default=3.0, help="seconds without a sighting before a tag is gone")
    run.add_argument("--poll-interval", type=float, default=0.2, help="seconds between UHF inventory commands")
    run.add_argument(
        "--idle-flush",
        type=float,
        default=0.3,
        help="seconds of quiet after which an unterminated line is a complete code",
    )
    run.add_argument("--address", type=lambda text: int(text, 0), default=0xFF, help="UHF reader address (0xFF: any)")
    run.add_argument("--retry-initial", type=float, default=0.5, help="first retry delay when the server fails")
    run.add_argument("--retry-max", type=float, default=30.0, help="longest retry delay")
    run.add_argument(
        "--late-after",
        type=float,
        default=DEFAULT_LATE_AFTER,
        help=f"seconds without the server's answer after which a scan shows as saved (default {DEFAULT_LATE_AFTER})",
    )
    run.add_argument(
        "--reopen-max", type=float, default=10.0, help="longest delay between attempts to reopen the reader"
    )
    run.add_argument("--bell", action="store_true", help="ring the terminal bell on refusals and alerts")
    run.set_defaults(func=run_command)


def _add_simulate(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    simulate = commands.add_parser("simulate", help="play a reader on a pseudo-terminal for the agent to read")
    simulate.add_argument("--reader", choices=READER_KINDS, default="barcode")
    simulate.add_argument(
        "--script", type=Path, help="one code (barcode) or EPC/URI [inventories] (uhf) per line; 'sleep SECONDS' pauses"
    )
    simulate.add_argument("--link", type=Path, help="also make this symlink to the pty (like /dev/serial/by-id)")
    simulate.add_argument("--aim", default="", help="AIM prefix added to every barcode, e.g. ]C0 or ]C1")
    simulate.add_argument("--hold", type=int, default=10, help="inventories a tag stays in the field (uhf)")
    simulate.add_argument("--interval", type=float, default=0.5, help="seconds between scripted barcodes")
    simulate.add_argument("--address", type=lambda text: int(text, 0), default=0x00, help="UHF reader address")
    simulate.set_defaults(func=simulate_command)


def _add_status(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    status = commands.add_parser("status", help="queue depth, rejected scans and reader health from the outbox")
    status.add_argument("--outbox", default=_outbox_default())
    status.add_argument("--limit", type=int, default=10, help="rejected and waiting scans to list")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=status_command)


def config_from_args(args: argparse.Namespace) -> AgentConfig:
    """The agent's configuration from parsed `scanner run` arguments."""
    return AgentConfig(
        port=args.port,
        reader=args.reader,
        baudrate=args.baudrate,
        server=args.server,
        token=args.token,
        outbox=args.outbox,
        mode=Mode(args.mode) if args.mode else None,
        booking_id=args.booking,
        audit_id=args.audit,
        debounce=args.debounce,
        gone_after=args.gone_after,
        poll_interval=args.poll_interval,
        idle_flush=args.idle_flush,
        address=args.address,
        retry_initial=args.retry_initial,
        retry_max=args.retry_max,
        late_after=args.late_after,
        reopen_max=args.reopen_max,
        bell=args.bell,
    )


def _tolerant_stdout() -> None:
    # A terminal without UTF-8 must not kill the agent over a ✔.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="replace", line_buffering=True)


def run_command(args: argparse.Namespace) -> int:
    """`scanner run`: run the agent until SIGINT or SIGTERM."""
    if not args.port:
        print(f"scanner run: --port (or ${ENV_PORT}) is required", file=sys.stderr)
        return 2
    _tolerant_stdout()
    if not args.token:
        print(f"⚠ no token (--token or ${ENV_TOKEN}): scans will wait in the outbox", file=sys.stderr)
    agent = Agent(config_from_args(args))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, agent.stop)
        await agent.run()

    asyncio.run(main())
    return 0


def simulate_command(args: argparse.Namespace) -> int:
    """`scanner simulate`: a reader on a pty, fed by a script and then by typed lines."""
    _tolerant_stdout()
    sim = Simulator(args.reader, aim=args.aim, hold=args.hold, address=args.address, link=args.link)
    path = sim.open()
    print(path, flush=True)
    what = "tags to place (EPC hex or urn:epc:id:giai:...)" if args.reader == "uhf" else "codes to scan"
    print(
        f"{args.reader} reader simulator on {sim.path}: point the agent at {path}; type {what}, Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    feeder = threading.Thread(target=_feed, args=(sim, args, stop), daemon=True)
    feeder.start()
    try:
        while not stop.is_set():
            sim.step(0.02)
    finally:
        sim.close()
    return 0


def _feed(sim: Simulator, args: argparse.Namespace, stop: threading.Event) -> None:
    if args.script is not None:
        while not sim.connected and not stop.is_set():
            time.sleep(0.05)  # play the script to an agent that is listening
        for line in args.script.read_text().splitlines():
            if stop.is_set():
                return
            _play(sim, line, args.interval, stop)
    for line in sys.stdin:
        if stop.is_set():
            return
        _play(sim, line, 0.0, stop)


def _play(sim: Simulator, line: str, interval: float, stop: threading.Event) -> None:
    words = line.split()
    if len(words) == 2 and words[0] == "sleep":
        stop.wait(float(words[1]))
        return
    try:
        sim.handle(line)
    except ValueError as exc:
        print(f"skipped {line.strip()!r}: {exc}", file=sys.stderr, flush=True)
        return
    if line.strip() and not line.lstrip().startswith("#") and sim.kind != "uhf":
        stop.wait(interval)


def status_command(args: argparse.Namespace) -> int:
    """`scanner status`: what the outbox holds and what the agent last reported."""
    if not Path(args.outbox).exists():
        print(f"no outbox at {args.outbox}", file=sys.stderr)
        return 1
    outbox = Outbox(args.outbox)
    try:
        report = status_report(outbox, args.limit)
    finally:
        outbox.close()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_status(report))
    return 0


def status_report(outbox: Outbox, limit: int = 10) -> dict[str, Any]:
    """Queue depth, counts, the oldest waiting and latest rejected scans, and the agent's last report."""
    waiting = outbox.entries(PENDING, limit)
    agent = outbox.get_state("agent")
    station = outbox.get_state("station")
    return {
        "outbox": outbox.path,
        "counts": outbox.counts(),
        "waiting": [_entry_summary(entry) for entry in waiting],
        "rejected": [_entry_summary(entry) for entry in outbox.entries(REJECTED, limit, newest_first=True)],
        "agent": {"updated_at": agent[1], **agent[0]} if agent else None,
        # The running agent's report is fresher than the last command card.
        "station": (agent[0].get("station") if agent else None) or (station[0] if station else None),
    }


def _entry_summary(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "key": entry.key,
        "op": entry.op,
        "code": entry.code,
        "scanned_at": entry.scanned_at,
        "attempts": entry.attempts,
        "error": entry.last_error,
    }


def _ago(iso: str) -> str:
    seconds = (datetime.now(UTC) - datetime.fromisoformat(iso)).total_seconds()
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def format_status(report: dict[str, Any]) -> str:
    """The status report as a few lines for a person."""
    counts = report["counts"]
    lines = [
        f"outbox   {report['outbox']}",
        f"queue    {counts[PENDING]} waiting, {counts['applied']} applied, {counts[REJECTED]} rejected",
    ]
    if report["waiting"]:
        oldest = report["waiting"][0]
        lines.append(
            f"oldest   {verb(oldest['op'])} {oldest['code']} scanned {_ago(oldest['scanned_at'])}, "
            f"{oldest['attempts']} attempts, last error: {oldest['error'] or '-'}"
        )
    agent = report["agent"]
    if agent:
        if agent.get("running") is False:
            reader = "agent stopped"
        elif agent.get("reader_connected"):
            reader = "connected"
        else:
            reader = f"NOT CONNECTED ({agent.get('reader_error')})"
        server = {True: "online", False: f"UNREACHABLE ({agent.get('server_error')})", None: "not tried yet"}[
            agent.get("server_online")
        ]
        reported = _ago(agent["updated_at"])
        lines.append(f"reader   {agent.get('reader')} on {agent.get('port')}: {reader} (reported {reported})")
        lines.append(f"server   {server}")
        decoder = ", ".join(f"{k}={v}" for k, v in (agent.get("decoder") or {}).items())
        lines.append(
            f"counts   scans={agent.get('scans')} late_answers={agent.get('late_answers', 0)} "
            f"debounced={agent.get('debounced')} rfid_repeats={agent.get('rfid_repeats')} {decoder}"
        )
    station = report["station"]
    if station:
        extra = station.get("booking_id") or station.get("audit_id") or ""
        if station.get("condition"):
            extra += f"next return: {station['condition']}"
        lines.append(f"station  {station.get('mode')} {extra}".rstrip())
    if report["rejected"]:
        lines.append("rejected (newest first):")
        lines.extend(
            f"  {entry['scanned_at'][:19]}  {verb(entry['op'])} {entry['code']}  {entry['error']}"
            for entry in report["rejected"]
        )
    return "\n".join(lines)
