"""The graphql-transport-ws connection as Callsheet runs it, on top of Strawberry's handler:

- every message is checked for shape first (and a subscribe's query for syntax): anything
  malformed closes the socket with 4400 instead of reaching the handler, which assumes
  well-formed objects;
- once acknowledged, the server pings every `keep_alive_interval` and closes a connection that has
  sent nothing for three intervals (1011, as websocket keepalives do). One ticker per process does
  it for every connection (`Connections`), writing the ping's frame bytes at once where it can:
  five thousand sockets cost no task and no timer apiece;
- the connection follows its token: once it is revoked or expires, the socket closes with 4403
  (at once on the revocation's event, otherwise at the next once-a-second re-read: `TokenWatch`);
- on shutdown every operation is cancelled, so subscriptions release their bus subscriptions;
- each operation gets a `FastLane`: a subscription whose event many subscribers receive alike (a
  room board version) sends the payload rendered for the first of them as it is, instead of
  executing and encoding it again for every socket (DESIGN §9: one update to a thousand screens);
- where the server is uvicorn's websockets-sansio (as `callsheet serve` runs it), such a message can
  also be `push`ed: written at once as frame bytes built once for every socket sent the same text
  (same operation id), with no await and no task, by whichever task fans the message out
  (`server.background.live.BoardHub`). A connection that cannot take it at once (its write buffer
  is full, it is closing) is left to its operation's own task, which sends the ordinary way;
- such a subscription, once it is only ever pushed to, can `detach` from its operation's task: the
  operation stays open for the client, but Strawberry's and graphql-core's per-operation state is
  let go, and the lane carries it (about 20 KiB less per wall display; `FastLane`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import json
import logging
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, NoReturn, Protocol

from graphql import GraphQLSyntaxError, parse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, Message

from server.background.live import LiveViews
from server.schema.context import Context
from server.schema.operation_metrics import RESUMED

log = logging.getLogger(__name__)

MAX_OPERATION_ID = 128
SILENCE_LIMIT = 3  # keepalive intervals without a word from the client before it is given up


RAW_SEND = "callsheet.raw_send"


class RawSend:
    """ASGI middleware (outermost): keeps the server's own `send` of a websocket in its scope, so a
    lane can tell whether it may write frames to the connection's transport itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[RAW_SEND] = send
        await self.app(scope, receive, send)


class _Writable(Protocol):
    def is_set(self) -> bool: ...


class _Transport(Protocol):
    def write(self, data: bytes) -> None: ...

    def is_closing(self) -> bool: ...


class _SansioConnection(Protocol):
    """What a direct write needs of uvicorn's websockets-sansio connection (checked by duck type)."""

    transport: _Transport
    writable: _Writable
    close_sent: bool
    disconnected: bool
    conn: Any


def direct_connection(send: object) -> _SansioConnection | None:
    """uvicorn's websockets-sansio connection behind `send`, if it is one without extensions (no
    per-message compression): its text frames are then plain bytes anyone may build."""
    connection = getattr(send, "__self__", None)
    conn = getattr(connection, "conn", None)
    needed = ("transport", "writable", "close_sent", "disconnected")
    if conn is None or not all(hasattr(connection, name) for name in needed):
        return None
    if getattr(conn, "extensions", None) != [] or not hasattr(conn, "expect_continuation_frame"):
        return None
    return connection  # type: ignore[return-value]


def text_frame(text: str) -> bytes:
    """One unfragmented, unmasked websocket text frame (RFC 6455 §5.2), as a server sends it."""
    data = text.encode()
    size = len(data)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 1 << 16:
        head = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return head + data


class Held(Protocol):
    """What a detached operation's stream leaves behind to be resumed from (see `FastLane.detach`)."""

    async def release(self) -> None: ...


class Detached(BaseException):
    """Ends a detached operation's stream and task without a `complete` (see `FastLane.detach`).

    A BaseException, like GeneratorExit, so that it passes through graphql-core's and Strawberry's
    handlers of stream errors (which would answer it as an error) to `run_operation`.
    """


class FastLane:
    """One operation's way to send a `next` payload that is already rendered.

    The operation's task carries its lane in `FAST_LANE`; a subscription resolver that yields an
    event shared by many subscribers asks the lane to `capture` the payload Strawberry renders
    for it under a key, and sends what is stored under that key with `send` when it is there.

    A stream whose messages are all pushed to it may `detach`: its operation stays open for the
    client (its id taken, `complete` honoured) but its task, generator and Strawberry's operation
    state end, and the lane alone carries the subscription, with what the stream `held`. A push
    the socket cannot take at once is then sent by a short task (the newest message only). When
    the stream must run again, `resume` starts the operation anew with the same id and what it
    held (it sends nothing until its next message).
    """

    __slots__ = (
        "busy",
        "capture",
        "closed",
        "detached",
        "handler",
        "held",
        "operation",
        "pending",
        "prefix",
        "sender",
        "signature",
    )

    def __init__(self, handler: CallsheetTransportWS, operation: Operation[Context, None]) -> None:
        self.handler = handler
        self.operation = operation
        self.prefix = '{"id": ' + json.dumps(operation.id) + ', "type": "next", "payload": '
        # What the client asked: equal signatures (and viewers) get equal results for equal events.
        self.signature = (
            operation.query,
            json.dumps(operation.variables, sort_keys=True, default=str),
            operation.operation_name,
        )
        self.capture: tuple[dict[Any, Any], Any] | None = None
        # Messages of this operation being sent the ordinary way: a push meanwhile could overtake them.
        self.busy = 0
        self.held: Held | None = None
        self.detached = False
        self.closed = False
        self.pending: tuple[str, dict[Any, Any]] | None = None
        self.sender: asyncio.Task[None] | None = None

    def take_held(self) -> Held | None:
        """What a resumed stream left behind when it detached (now the caller's to release)."""
        held, self.held = self.held, None
        return held

    def detach(self, held: Held) -> NoReturn:
        """End the stream here and go on as this lane (see the class docstring); raises `Detached`,
        which the stream must let through. `held` is released when the operation ends."""
        self.held = held
        self.detached = True
        raise Detached

    def resume(self) -> None:
        """Run the detached operation's stream again, in a new task (see the class docstring)."""
        if self.detached and not self.closed:
            self.handler.resume(self)

    async def close(self) -> None:
        """The detached operation ended (completed by the client, or its socket closed)."""
        self.closed = True
        if self.sender is not None:
            self.sender.cancel()
        held = self.take_held()
        if held is not None:
            await held.release()

    def _send_later(self, payload: str, memo: dict[Any, Any]) -> None:
        self.pending = (payload, memo)
        if self.sender is None:
            self.sender = asyncio.create_task(self._send_pending(), name="graphql-ws-send")

    async def _send_pending(self) -> None:
        try:
            while self.pending is not None:
                payload, memo = self.pending
                self.pending = None
                await self.send(payload, memo)
        except Exception:  # the socket is going: its handler's shutdown ends the operation
            log.debug("sending to a detached subscription failed", exc_info=True)
        finally:
            self.sender = None

    def _text(self, payload: str, memo: dict[Any, Any]) -> str:
        text: str | None = memo.get((self.prefix, payload))
        if text is None:
            text = memo[(self.prefix, payload)] = self.prefix + payload + "}"
        return text

    async def send(self, payload: str, memo: dict[Any, Any]) -> None:
        """Send a rendered payload; the whole message is kept in `memo` too, as many clients use the
        same operation id and can then be sent the very same text."""
        if self.operation.completed or self.closed:
            return
        self.busy += 1
        try:
            await self.handler.send_text(self._text(payload, memo))
        finally:
            self.busy -= 1

    def push(self, payload: str, memo: dict[Any, Any]) -> bool:
        """Write a rendered payload now, as frame bytes shared (in `memo`) by every socket sent the
        same text; False if this connection cannot take it at once (send it the ordinary way), which a
        detached lane does by itself."""
        if self.operation.completed or self.closed:
            return True
        connection = self.handler.direct
        if self.busy or self.sender is not None or connection is None or not writable_now(connection):
            if self.detached:
                self._send_later(payload, memo)
                return True
            return False
        text = self._text(payload, memo)
        frame: bytes | None = memo.get(("frame", text))
        if frame is None:
            frame = memo[("frame", text)] = text_frame(text)
        connection.transport.write(frame)
        return True


FAST_LANE: ContextVar[FastLane | None] = ContextVar("callsheet_fast_lane", default=None)

PING = '{"type": "ping"}'  # as Strawberry encodes it
PING_FRAME = text_frame(PING)
TICK = 1.0  # seconds between two rounds of the ticker (a ping is up to this late)
FREEZE_AFTER = 100  # connections opened since the last freeze before the heap is frozen again


def writable_now(connection: _SansioConnection | None) -> bool:
    """Whether a frame may be written to this connection's transport at once."""
    return not (
        connection is None
        or connection.close_sent
        or connection.disconnected
        or not connection.writable.is_set()
        or connection.transport.is_closing()
        or connection.conn.expect_continuation_frame
        or getattr(connection.conn.state, "name", None) != "OPEN"
    )


class Connections:
    """The acknowledged connections of one process (one registry per event loop) and its one ticker.

    Every `TICK` the ticker pings the connections that are due and closes those silent for
    `SILENCE_LIMIT` intervals: no task, no timer per socket (a sleeping task apiece was ~2 KiB and
    a wake-up, a Strawberry send and an ASGI send every interval for each of thousands of sockets).

    With `hold_heap` (a real server: the app that opened its runtime), it also keeps the cyclic
    collector's full passes out of the fan-out. With thousands of subscriptions the heap is millions
    of tracked objects and one full pass takes a second, stalling every socket; so once a hundred
    connections have arrived since the last time, what survives a young collection is frozen
    (`gc.freeze`: full passes no longer walk it). Frozen objects are freed by their reference
    counts as usual; only cycles among them wait: once a quarter of the connections that were open
    at the last full pass have closed, the heap is unfrozen and collected in full, once.
    """

    _registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Connections] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self.handlers: dict[CallsheetTransportWS, None] = {}
        self.hold_heap = False
        self.tick = TICK
        self._task: asyncio.Task[None] | None = None
        self._opened = 0  # since the last freeze
        self._closed = 0  # since the last full collection
        self._open_at_collection = 0

    @classmethod
    def of_loop(cls) -> Connections:
        loop = asyncio.get_running_loop()
        registry = cls._registries.get(loop)
        if registry is None:
            registry = cls._registries[loop] = cls()
        return registry

    def add(self, handler: CallsheetTransportWS) -> None:
        self.handlers[handler] = None
        self.tick = min(self.tick, handler.ping_interval / 4)
        self._opened += 1
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="graphql-ws-keepalive")

    def remove(self, handler: CallsheetTransportWS) -> None:
        if self.handlers.pop(handler, 0) is None:
            self._closed += 1

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.handlers:
                await asyncio.sleep(self.tick)
                now = loop.time()
                for handler in list(self.handlers):
                    if now >= handler.ping_due:
                        try:
                            handler.keep_alive(now)
                        except Exception:  # one broken socket must not stop every other's keepalive
                            log.exception("keeping a websocket alive failed")
                if self.hold_heap:
                    self.settle_heap()
        finally:
            self._task = None
            self.tick = TICK

    def settle_heap(self) -> None:
        """Freeze what the connections opened since the last time hold; unfreeze and collect once
        enough of them closed (see the class docstring)."""
        if self._closed > max(FREEZE_AFTER, self._open_at_collection // 4):
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._open_at_collection = len(self.handlers)
            self._opened = self._closed = 0
        elif self._opened >= FREEZE_AFTER:
            # Young garbage is not frozen. Some cycles that operations leave when they end or detach
            # (graphql-core's executor refers to itself) are older and get frozen, until the next
            # full pass: measured at 2,000 screens, 0.7 KiB a screen. A full pass here would take
            # them, but it walks every object the last hundred connections made, live or not: a
            # third more CPU to subscribe a reconnecting wall, and its pauses land in fan-outs.
            gc.collect(1)
            gc.freeze()
            self._open_at_collection = max(self._open_at_collection, len(self.handlers))
            self._opened = 0

    def hold(self) -> None:
        """Start holding the heap (see the class docstring); what start-up left is frozen at once."""
        self.hold_heap = True
        gc.collect()
        gc.freeze()

    def release_heap(self) -> None:
        """Stop holding the heap: everything frozen is collectable again."""
        self.hold_heap = False
        gc.unfreeze()


def malformed(message: object) -> str | None:
    """Why a decoded message is not a graphql-transport-ws message, or None if it is one."""
    if not isinstance(message, dict):
        return "Message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "Message type must be a string"
    payload = message.get("payload")
    if kind in ("subscribe", "complete"):
        op_id = message.get("id")
        if not isinstance(op_id, str) or not 0 < len(op_id) <= MAX_OPERATION_ID:
            return "Operation id must be a non-empty string"
    if kind == "subscribe":
        if not isinstance(payload, dict):
            return "Subscribe payload must be an object"
        if not isinstance(payload.get("query"), str):
            return "Subscribe payload needs a query string"
        if not isinstance(payload.get("variables"), dict | None):
            return "Variables must be an object"
        if not isinstance(payload.get("operationName"), str | None):
            return "Operation name must be a string"
        if not isinstance(payload.get("extensions"), dict | None):
            return "Extensions must be an object"
    elif kind in ("ping", "pong") and not isinstance(payload, dict | None):
        return "Ping and pong payloads must be objects"
    return None


REMEMBERED_DOCUMENT = 8192  # characters: longer documents are checked every time (the cache stays small)


def syntax_error(query: str, max_tokens: int) -> str | None:
    """The syntax error of a subscribe's document, if any; remembered for short documents, as a wall
    of screens sends the same few again and again (a reconnect storm parsed each one per socket)."""
    if len(query) > REMEMBERED_DOCUMENT:
        return _syntax_error(query, max_tokens)
    return _remembered_syntax_error(query, max_tokens)


def _syntax_error(query: str, max_tokens: int) -> str | None:
    try:
        parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLSyntaxError as exc:
        return exc.message
    return None


_remembered_syntax_error = functools.lru_cache(maxsize=256)(_syntax_error)


class CallsheetTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """See the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unwatch: Callable[[], None] | None = None
        self._connections: Connections | None = None
        self._pinging: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._last_heard = asyncio.get_running_loop().time()
        self.ping_interval = float(getattr(self.view, "keep_alive_interval", 15) or 15)
        self.ping_due = self._last_heard + self.ping_interval
        self._pinged = float("-inf")  # when the last ping was sent
        self._lanes: dict[str, FastLane] = {}
        self._resuming: dict[str, Held] = {}  # what resumed operations held, until their task starts
        self.direct = direct_connection(self.websocket.ws.scope.get(RAW_SEND))  # type: ignore[attr-defined]

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        lane = FastLane(self, operation)
        lane.held = self._resuming.pop(operation.id, None)
        self._lanes[operation.id] = lane
        FAST_LANE.set(lane)  # this task's context: seen by the operation's resolvers
        if lane.held is not None:
            RESUMED.set(True)  # the operation was counted when it detached
        try:
            await super().run_operation(operation)
        except Detached:
            # The operation goes on in its lane. A finished task keeps its context (and all its
            # context variables hold) for as long as it is referenced: the operation holds a done
            # future instead, which Strawberry's clean-up may cancel and await alike.
            ended = asyncio.get_running_loop().create_future()
            ended.set_result(None)
            operation.task = ended  # type: ignore[assignment]
            return
        finally:
            if not lane.detached:
                if self._lanes.get(operation.id) is lane:
                    del self._lanes[operation.id]
                held = lane.take_held()  # a resumed stream that ended before taking it back
                if held is not None:
                    await held.release()

    def resume(self, lane: FastLane) -> None:
        """Start a detached operation's stream again: a new operation task under the same id, handed
        what the stream held (see `FastLane`)."""
        old = lane.operation
        if self.operations.get(old.id) is not old:
            return
        held = lane.take_held()
        if held is None:
            return
        self._resuming[old.id] = held
        lane.detached = False  # its pushes now go the way of an attached lane, until it is replaced
        self._lanes.pop(old.id, None)
        operation: Operation[Context, None] = Operation(self, old.id, old.query, old.variables, old.operation_name)
        operation.task = asyncio.create_task(self.run_operation(operation))
        operation.task.add_done_callback(self._task_done)
        self.operations[old.id] = operation

    async def cleanup_operation(self, operation_id: str) -> None:
        lane = self._lanes.get(operation_id)
        if lane is not None and lane.detached:
            del self._lanes[operation_id]
            await lane.close()
        await super().cleanup_operation(operation_id)
        held = self._resuming.pop(operation_id, None)  # resumed, but its task was cancelled unstarted
        if held is not None:
            await held.release()

    async def send_message(self, message: Message) -> None:
        lane = self._lanes.get(message.get("id", "")) if message["type"] == "next" else None  # type: ignore[arg-type]
        if lane is None:
            await super().send_message(message)
            return
        lane.busy += 1
        try:
            if lane.capture is None:
                await super().send_message(message)
                return
            memo, key = lane.capture
            lane.capture = None
            payload = json.dumps(message["payload"])  # type: ignore[typeddict-item]
            memo[key] = payload
            await self.send_text(lane.prefix + payload + "}")
        finally:
            lane.busy -= 1

    async def send_text(self, text: str) -> None:
        try:
            await self.websocket.ws.send_text(text)  # type: ignore[attr-defined]
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc

    async def handle_message(self, message: Message) -> None:
        self._last_heard = asyncio.get_running_loop().time()
        reason = malformed(message)
        if reason is None and message["type"] == "subscribe":
            reason = self._unparsable(message["payload"]["query"])
        if reason is not None:
            await self.handle_invalid_message(reason)
            return
        await super().handle_message(message)

    def _unparsable(self, query: str) -> str | None:
        """A syntax error (or a document over the token limit) is a malformed message: 4400.

        Checking here keeps the error on the protocol's path; inside the operation the parser-cache
        extension would raise it past Strawberry's own handling.
        """
        return syntax_error(query, self.context.settings.limits.max_tokens)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        principal = self.context.principal
        if not self.connection_acknowledged or principal is None or self._connections is not None:
            return
        if principal.token_id is not None:
            live = LiveViews.of(self.context.uow)
            self._unwatch = await live.watch_token(principal.studio_id, principal.token_id, self._revoked)
        self.ping_due = asyncio.get_running_loop().time() + self.ping_interval
        self._connections = Connections.of_loop()
        self._connections.add(self)

    def _revoked(self) -> None:
        self._close_soon(4403, "Token no longer valid")

    def _close_soon(self, code: int, reason: str) -> None:
        """Close from a callback or a side task, once; the handler's own loop then shuts down."""
        if self._closing is None:
            self._closing = asyncio.create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=reason)

    def keep_alive(self, now: float) -> None:
        """The ticker's turn for this connection: close it if it went silent, else ping it (its
        frame written at once when the socket can take it, otherwise sent by a task of its own, none
        while the previous such send is still on its way)."""
        self.ping_due = now + self.ping_interval
        # Silent: nothing heard for the limit, though pinged since (a late ticker must not count as silence).
        if now - self._last_heard > SILENCE_LIMIT * self.ping_interval and self._pinged > self._last_heard:
            if self._connections is not None:
                self._connections.remove(self)
            self._close_soon(1011, "Ping timeout")
            return
        if self.direct is not None and writable_now(self.direct):
            self.direct.transport.write(PING_FRAME)
        elif self._pinging is None or self._pinging.done():
            self._pinging = asyncio.create_task(self._ping(), name="graphql-ws-ping")
        else:
            return
        self._pinged = now

    async def _ping(self) -> None:
        with contextlib.suppress(Exception):
            await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        if self._connections is not None:
            self._connections.remove(self)
        if self._pinging is not None:
            self._pinging.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._pinging
        if self._closing is not None:
            # Let a close in flight finish; it is one frame.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._closing), 1.0)
        await super().shutdown()
