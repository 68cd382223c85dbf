"""The fake cage over real HTTP on a localhost socket, able to freeze like a hung server process.

Frozen, it still accepts connections and reads requests but writes nothing back, so a client sees
neither a refusal nor an error, only silence. Thawed, it either answers what it held (the process
was only slow) or drops those connections unanswered (the process was restarted).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from types import TracebackType

from .fakes import FakeCage


class StallingServer:
    """HTTP/1.1 with keep-alive, one request at a time per connection, answering through a `FakeCage`."""

    def __init__(self, cage: FakeCage) -> None:
        self.cage = cage
        self.received: list[str] = []
        self.held = 0
        self._frozen: asyncio.Future[bool] | None = None
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    @property
    def url(self) -> str:
        """The `/graphql` URL the server listens on."""
        assert self._server is not None, "the server is not started"
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/graphql"

    async def __aenter__(self) -> StallingServer:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        self.thaw(answer=False)
        for writer in self._connections.values():
            writer.close()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    def freeze(self) -> None:
        """From now on, read requests and leave them unanswered."""
        self._frozen = asyncio.get_running_loop().create_future()

    def thaw(self, *, answer: bool = True) -> None:
        """Answer normally again; the held requests are answered late, or their connections dropped."""
        frozen, self._frozen = self._frozen, None
        if frozen is not None:
            frozen.set_result(answer)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            while await self._one_request(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client hung up, or the server is closing
        finally:
            del self._connections[task]
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        body = json.loads(await reader.readexactly(length))
        self.received.append(body["variables"]["input"]["idempotencyKey"])
        frozen = self._frozen
        if frozen is not None:
            self.held += 1
            try:
                if not await asyncio.shield(frozen):
                    return False
            finally:
                self.held -= 1
        payload = json.dumps(self.cage.answer(body)).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        return True
