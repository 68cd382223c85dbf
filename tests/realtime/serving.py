"""`callsheet serve` as a separate process on a free port, for tests of the real command."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx

from server.config import Settings
from tests.conftest import TEST_SECRET

CALLSHEET = str(Path(sys.executable).parent / "callsheet")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Instance:
    def __init__(self, port: int, process: asyncio.subprocess.Process) -> None:
        self.port = port
        self.process = process
        self.address = f"127.0.0.1:{port}"
        self.output = b""

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            out, _ = await asyncio.wait_for(self.process.communicate(), 15)
        except TimeoutError:
            self.process.kill()
            out, _ = await self.process.communicate()
        self.output += out
        return self.process.returncode or 0


async def start_serving(settings: Settings, extra_env: dict[str, str] | None = None) -> Instance:
    port = _free_port()
    env = {
        **os.environ,
        "CALLSHEET_DATABASE_URL": settings.database_url,
        "CALLSHEET_REDIS_URL": settings.redis_url or "",
        "CALLSHEET_SECRET": TEST_SECRET,
        **(extra_env or {}),
    }
    process = await asyncio.create_subprocess_exec(
        CALLSHEET,
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    instance = Instance(port, process)
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if process.returncode is not None:
                break
            try:
                if (await client.get(f"http://{instance.address}/healthz")).status_code == 200:
                    return instance
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    await instance.stop()
    raise AssertionError(f"callsheet serve did not come up: {instance.output.decode(errors='replace')}")


async def start_several(settings: Settings, count: int, extra_env: dict[str, str] | None = None) -> list[Instance]:
    """`count` instances started at once; if one does not come up, the others are stopped (a server
    left running would hold the sweeper's and the dispatcher's locks for the tests after it)."""
    results = await asyncio.gather(*(start_serving(settings, extra_env) for _ in range(count)), return_exceptions=True)
    started = [r for r in results if isinstance(r, Instance)]
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        await asyncio.gather(*(i.stop() for i in started))
        raise failed[0]
    return started
