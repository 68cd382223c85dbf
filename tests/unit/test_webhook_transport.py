"""The connection a webhook's deliveries go over: TLS to the checked address under the URL's name,
kept alive between deliveries, replaced when the receiver closed it, answers cut at the limit."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from db.repositories.webhooks import Destination, Queued
from server.services.webhooks import dispatch
from server.services.webhooks.dispatch import Sender
from server.services.webhooks.manage import WebhookPolicy, WebhookService
from server.services.webhooks.transport import FAILURES, Connections
from server.services.webhooks.urls import Target

HEADERS = {"Content-Type": "application/json", "Callsheet-Signature": "t=1,v1=00"}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for `localhost` (openssl, as any operator would make one)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    name = ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            *name,
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[HTTPServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def target(url: str, host: str, port: int, address: str | None = "127.0.0.1") -> Target:
    return Target(url, url.split(":", 1)[0], host, port, address)


async def test_tls_goes_to_the_checked_address_under_the_urls_name(
    tls_server: HTTPServer, certificate: tuple[Path, Path]
) -> None:
    tls_server.expect_request("/hook", method="POST", query_string="a=1").respond_with_data("thanks", status=202)
    connections = Connections(timeout=5, ssl_context=trusting(certificate))
    url = f"https://localhost:{tls_server.port}/hook?a=1"
    try:
        answer = await connections.post(7, target(url, "localhost", tls_server.port), HEADERS, b'{"x":1}', 1024)
    finally:
        await connections.close()
    assert (answer.status_code, answer.body) == (202, b"thanks")
    ((request, _),) = tls_server.log
    assert request.headers["Host"] == f"localhost:{tls_server.port}"
    assert request.headers["Callsheet-Signature"] == "t=1,v1=00"
    assert request.get_data() == b'{"x":1}'


async def test_a_certificate_for_another_name_is_a_failure_and_nothing_is_sent(
    tls_server: HTTPServer, certificate: tuple[Path, Path]
) -> None:
    tls_server.expect_request("/hook").respond_with_data("ok")
    connections = Connections(timeout=5, ssl_context=trusting(certificate))
    url = f"https://receiver.example:{tls_server.port}/hook"
    try:
        with pytest.raises(FAILURES):
            await connections.post(7, target(url, "receiver.example", tls_server.port), HEADERS, b"{}", 1024)
    finally:
        await connections.close()
    assert tls_server.log == []


class Receiver:
    """A plain HTTP/1.1 receiver counting its connections; it may close each after one answer."""

    def __init__(self, close_after_answer: bool, body: bytes = b"ok") -> None:
        self.close_after_answer = close_after_answer
        self.body = body
        self.connections = 0
        self.requests = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                await reader.readexactly(length)
                self.requests += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(self.body), self.body))
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def plain() -> AsyncIterator[tuple[Receiver, int]]:
    receiver = Receiver(close_after_answer=False)
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    yield receiver, server.sockets[0].getsockname()[1]
    server.close()


async def deliver(connections: Connections, port: int, times: int, limit: int = 1024) -> list[tuple[int, bytes]]:
    url = f"http://127.0.0.1:{port}/hook"
    answers = []
    for _ in range(times):
        answer = await connections.post(1, target(url, "127.0.0.1", port, None), HEADERS, b"{}", limit)
        answers.append((answer.status_code, answer.body))
    return answers


async def test_one_connection_carries_a_webhooks_deliveries(plain: tuple[Receiver, int]) -> None:
    receiver, port = plain
    connections = Connections(timeout=5)
    try:
        assert await deliver(connections, port, 5) == [(200, b"ok")] * 5
    finally:
        await connections.close()
    assert (receiver.requests, receiver.connections) == (5, 1)


async def test_a_connection_the_receiver_closed_is_replaced_not_failed(plain: tuple[Receiver, int]) -> None:
    receiver, port = plain
    receiver.close_after_answer = True
    connections = Connections(timeout=5)
    try:
        answers = []
        for _ in range(4):
            answers += await deliver(connections, port, 1)
            await asyncio.sleep(0.05)  # the receiver's close has arrived before the next delivery
    finally:
        await connections.close()
    assert answers == [(200, b"ok")] * 4
    assert (receiver.requests, receiver.connections) == (4, 4)


async def test_an_answer_is_kept_only_up_to_the_limit(plain: tuple[Receiver, int]) -> None:
    receiver, port = plain
    receiver.body = b"x" * 100_000
    connections = Connections(timeout=5)
    try:
        assert await deliver(connections, port, 2, limit=1024) == [(200, b"x" * 1024)] * 2
    finally:
        await connections.close()
    assert receiver.requests == 2


async def test_every_send_checks_the_address_again_and_a_refusal_sends_nothing(
    plain: tuple[Receiver, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A webhook made while private targets were allowed, sent to after they no longer are (or after
    its name came to resolve privately): refused at send time, nothing reaches the receiver; the
    check is remembered only `CHECK_SECONDS`, and only when it passed."""
    receiver, port = plain
    strict, lenient = WebhookPolicy("s" * 40, allow_private=False), WebhookPolicy("s" * 40, allow_private=True)
    service = WebhookService(None, strict, None)  # type: ignore[arg-type]
    sender = Sender(service, Connections(timeout=5), retry_seconds=1, timeout=5)
    webhook = Destination(1, 1, f"http://127.0.0.1:{port}/hook", "salt")
    queued = Queued(1, 1, "booking.created", datetime(2032, 1, 1, tzinfo=UTC), {}, None)
    try:
        outcome = await sender.attempt(webhook, queued)
        assert outcome.status_code is None and outcome.error is not None and outcome.error.startswith("refused:")
        assert receiver.requests == 0
        service.policy = lenient  # the deployment allows it now: the refusal was not remembered
        assert (await sender.attempt(webhook, queued)).delivered
        service.policy = strict  # remembered for a few seconds, then checked again
        assert (await sender.attempt(webhook, queued)).delivered
        monkeypatch.setattr(dispatch, "CHECK_SECONDS", 0.0)
        assert (await sender.attempt(webhook, queued)).error.startswith("refused:")  # type: ignore[union-attr]
    finally:
        await sender.connections.close()
    assert receiver.requests == 2
