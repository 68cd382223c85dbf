"""The HTTP connections deliveries go over: one kept-alive HTTP/1.1 connection per webhook.

A webhook's deliveries go one at a time, in seq order, so each needs one connection and never a
pool: httpcore's connection is used directly (no client, pool or redirect layers, which cost as much
CPU as the request itself), over asyncio streams rather than anyio's (no cancel scope per read and
write), and a request's head and body leave in one write (one send instead of two). A connection
goes to the checked address (the URL's host is sent as `Host` and, over TLS, as the server name), is
replaced when the address changes, when the receiver closed it or after `KEEPALIVE` seconds idle,
and is dropped after any failure. Redirects are never followed (the next hop would skip the address
check) and no proxy settings are read.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore

from server.services.webhooks.urls import Target

# Seconds an idle connection is kept for the webhook's next delivery.
KEEPALIVE = 5.0
# What a failed request raises: a refused or dropped connection, a timeout, a broken answer.
FAILURES: tuple[type[Exception], ...] = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ConnectionNotAvailable,
    OSError,
)


class _Stream(httpcore.AsyncNetworkStream):
    """A connection as httpcore reads and writes it, over asyncio's streams. Writes are held until
    the next read: httpcore writes a request's head and body apart, then reads the answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self._held: list[bytes] = []

    # The `timeout` parameters are httpcore's interface (ASYNC109).
    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if buffer:
            self._held.append(buffer)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(timeout):
                if self._held:
                    self.writer.write(b"".join(self._held))
                    self._held.clear()
                    await self.writer.drain()
                return await self.reader.read(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout(f"no answer within {timeout:g} s") from None
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._held.clear()
        self.writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self.writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError:
            raise httpcore.ConnectTimeout("the TLS handshake took too long") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # on an idle connection: the receiver closed it (or spoke unasked)
            return self.reader.at_eof() or self.writer.transport.is_closing()
        names = {"ssl_object": "ssl_object", "socket": "socket", "client_addr": "sockname", "server_addr": "peername"}
        return self.writer.get_extra_info(names[info]) if info in names else None


class _Backend(httpcore.AsyncNetworkBackend):
    """Opens httpcore's connections with asyncio."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection within {timeout:g} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return _Stream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes  # at most the limit asked for


class Connections:
    """The open connection of each webhook, by webhook id."""

    def __init__(self, *, timeout: float, ssl_context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._open: dict[int, httpcore.AsyncHTTPConnection] = {}
        self._backend = _Backend()

    async def post(self, webhook_id: int, target: Target, headers: dict[str, str], body: bytes, limit: int) -> Answer:
        """POST `body` to the target over the webhook's connection; the status and the first `limit`
        bytes of the answer. Raises one of `FAILURES` when no answer came."""
        host = target.address or target.host
        default = 443 if target.scheme == "https" else 80
        authority = target.host if target.port == default else f"{target.host}:{target.port}"
        parts = urlsplit(target.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = httpcore.Request(
            "POST",
            httpcore.URL(scheme=target.scheme, host=host, port=target.port, target=path),
            headers=[("Host", authority), ("Content-Length", str(len(body))), *headers.items()],
            content=body,
            extensions={
                "timeout": dict.fromkeys(("connect", "read", "write", "pool"), self.timeout),
                **({"sni_hostname": target.host} if target.scheme == "https" else {}),
            },
        )
        connection = await self._connection(webhook_id, request.url.origin)
        try:
            response = await connection.handle_async_request(request)
            try:
                kept = b""
                async for chunk in response.aiter_stream():
                    kept += chunk
                    if len(kept) >= limit:
                        break  # the rest is never read: the connection closes with the response
            finally:
                await response.aclose()
        except BaseException:
            await self.drop(webhook_id)
            raise
        return Answer(response.status, kept[:limit])

    async def _connection(self, webhook_id: int, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        connection = self._open.get(webhook_id)
        if connection is not None and (
            not connection.can_handle_request(origin) or connection.has_expired() or not connection.is_available()
        ):
            await self.drop(webhook_id)
            connection = None
        if connection is None:
            connection = httpcore.AsyncHTTPConnection(
                origin, ssl_context=self.ssl_context, keepalive_expiry=KEEPALIVE, network_backend=self._backend
            )
            self._open[webhook_id] = connection
        return connection

    async def drop(self, webhook_id: int) -> None:
        """Close the webhook's connection, if it has one."""
        connection = self._open.pop(webhook_id, None)
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.aclose()

    async def close(self) -> None:
        """Close every connection."""
        for webhook_id in list(self._open):
            await self.drop(webhook_id)
