"""Talking to AbletonOSC over UDP, as it behaves.

AbletonOSC (a remote script inside Live) listens on port 11000 and answers
every query on port 11001 of the *sender's host*, whatever port the query
came from; a reply repeats the query's address and starts with the indexes
it was asked about (``/live/clip/get/length 0 2`` -> ``0 2 8.0``). Commands
(``create_clip``, ``add/notes``, ``set/name``) answer nothing. An exception
inside Live is logged and relayed, without saying which message caused it, as
``/live/error "Error handling OSC message: ..."`` to the last sender.

So this client binds the reply port itself (only one AbletonOSC client per
computer can), matches replies by address and leading arguments, and charges
a ``/live/error`` to the messages sent since the last reply: AbletonOSC
handles datagrams in the order they arrive. Every wait has a deadline and
ends in a :class:`LiveError` that says what did not answer.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket, ParseError

from bridge.errors import BridgeError

__all__ = [
    "DEFAULT_HOST",
    "LISTEN_PORT",
    "REPLY_PORT",
    "AbletonOSC",
    "LiveError",
    "LiveTimeoutError",
    "Query",
    "encode",
]

DEFAULT_HOST = "127.0.0.1"
LISTEN_PORT = 11000  # where AbletonOSC listens
REPLY_PORT = 11001  # where AbletonOSC answers, on the sender's host
ERROR_ADDRESS = "/live/error"


class LiveError(BridgeError):
    """AbletonOSC reported an error, or Live's set cannot do what was asked."""

    code = "live"


class LiveTimeoutError(LiveError):
    """AbletonOSC did not answer in time (Live closed, script not selected, reply lost)."""

    code = "live_timeout"


def too_long(error: LiveError) -> bool:
    """True when the error says a reply did not fit one datagram (EMSGSIZE)."""
    text = error.message.lower()
    return "message too long" in text or "emsgsize" in text


@dataclass(frozen=True)
class Query:
    """One getter: its address, its arguments, and the reply prefix that answers it."""

    address: str
    args: tuple[Any, ...] = ()
    match: tuple[Any, ...] | None = None  # leading reply arguments; None: the query's args
    # A last say on a reply that matches (all of its arguments): False leaves it unanswered.
    accept: Callable[[list[Any]], bool] | None = None

    @property
    def prefix(self) -> tuple[Any, ...]:
        return self.args if self.match is None else self.match

    def describe(self) -> str:
        return " ".join([self.address, *(str(a) for a in self.args[:6])]) + (
            " ..." if len(self.args) > 6 else ""
        )


def encode(address: str, args: Sequence[Any]) -> bytes:
    """One OSC message as AbletonOSC expects it (ints, floats, strings)."""
    builder = OscMessageBuilder(address)
    for a in args:
        if isinstance(a, bool):
            builder.add_arg(int(a), OscMessageBuilder.ARG_TYPE_INT)
        elif isinstance(a, int):
            builder.add_arg(a, OscMessageBuilder.ARG_TYPE_INT)
        elif isinstance(a, float):
            builder.add_arg(a, OscMessageBuilder.ARG_TYPE_FLOAT)
        else:
            builder.add_arg(str(a), OscMessageBuilder.ARG_TYPE_STRING)
    dgram: bytes = builder.build().dgram
    return dgram


def _same(a: Any, b: Any) -> bool:
    # Indexes come back as ints, but a float 2.0 from another OSC stack is the same slot.
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return bool(a == b)


class AbletonOSC:
    """A blocking AbletonOSC client on ``host:port``, replies on ``reply_port``."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = LISTEN_PORT,
        *,
        reply_port: int = REPLY_PORT,
        timeout: float = 2.0,
    ) -> None:
        if timeout <= 0:
            raise LiveError(f"timeout must be more than 0 seconds, got {timeout}")
        self.address = (host, port)
        self.reply_port = reply_port
        self.timeout = timeout
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        loopback = host in ("127.0.0.1", "localhost")
        try:
            self._sock.bind(("127.0.0.1" if loopback else "0.0.0.0", reply_port))
        except OSError as exc:
            self._sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise LiveError(
                    f"port {reply_port} is taken: AbletonOSC answers there, and another "
                    "program (a second latent-bridge live, TouchOSC, a script) is listening "
                    "on it; close that program first"
                ) from None
            raise LiveError(f"cannot listen for AbletonOSC on port {reply_port}: {exc}") from exc
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        # Messages sent since the last reply: the ones a /live/error belongs to.
        self._unanswered: list[str] = []

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> AbletonOSC:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def where(self) -> str:
        host, port = self.address
        return f"{host}:{port}"

    # -- sending ----------------------------------------------------------------
    def send(self, address: str, *args: Any) -> None:
        """A command: sent, nothing awaited (errors show up at the next query)."""
        dgram = encode(address, args)
        try:
            self._sock.sendto(dgram, self.address)
        except OSError as exc:
            raise LiveError(f"cannot send {address} to AbletonOSC at {self.where}: {exc}") from exc
        self._unanswered.append(Query(address, tuple(args)).describe())

    # -- queries ------------------------------------------------------------------
    def query(
        self,
        address: str,
        *args: Any,
        match: tuple[Any, ...] | None = None,
        timeout: float | None = None,
    ) -> list[Any]:
        """Send one getter and return the reply's arguments after its matched prefix."""
        return self.query_many([Query(address, tuple(args), match)], timeout=timeout)[0]

    def query_many(self, queries: Sequence[Query], timeout: float | None = None) -> list[list[Any]]:
        """Send every query at once, then wait for all their replies (in any order).

        AbletonOSC handles everything queued in one Live tick (about 100 ms),
        so a batch costs one round trip, not one per query.
        """
        self._drain()
        for q in queries:
            self.send(q.address, *q.args)
        results: list[list[Any] | None] = [None] * len(queries)
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        while any(r is None for r in results):
            for address, args in self._receive(deadline, wait, queries, results):
                if address == ERROR_ADDRESS:
                    raise self._error(args)
                for i, q in enumerate(queries):
                    if results[i] is not None or address != q.address:
                        continue
                    prefix = q.prefix
                    if (
                        len(args) >= len(prefix)
                        and all(_same(a, b) for a, b in zip(args, prefix, strict=False))
                        and (q.accept is None or q.accept(args))
                    ):
                        results[i] = list(args[len(prefix) :])
                        self._unanswered.clear()
                        break
        return [r if r is not None else [] for r in results]

    def _error(self, args: Sequence[Any]) -> LiveError:
        detail = " ".join(str(a) for a in args) or "(no detail)"
        sent = self._unanswered[-3:]
        self._unanswered.clear()
        context = f" (after {'; '.join(sent)})" if sent else ""
        return LiveError(f"AbletonOSC reported an error{context}: {detail}")

    def _receive(
        self,
        deadline: float,
        wait: float,
        queries: Sequence[Query],
        results: Sequence[list[Any] | None],
    ) -> list[tuple[str, list[Any]]]:
        """The messages of the next datagram; LiveTimeoutError once ``deadline`` passes."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            missing = [q.describe() for q, r in zip(queries, results, strict=True) if r is None]
            shown = "; ".join(missing[:3]) + (
                f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            )
            raise LiveTimeoutError(
                f"AbletonOSC at {self.where} did not answer {shown} within "
                f"{wait:g} s (replies are expected on port "
                f"{self.reply_port}). Is Live running, with AbletonOSC selected as a Control "
                "Surface in Preferences > Link, Tempo & MIDI?"
            )
        self._sock.settimeout(remaining)
        try:
            dgram, _ = self._sock.recvfrom(65535)
        except TimeoutError:
            return []
        except OSError as exc:  # e.g. ICMP port unreachable reported on Windows
            if exc.errno in (errno.ECONNREFUSED, errno.ECONNRESET):
                return []
            raise LiveError(f"cannot receive from AbletonOSC: {exc}") from exc
        try:
            packet = OscPacket(dgram)
        except ParseError:
            return []  # not OSC: not ours to answer
        return [(m.message.address, list(m.message.params)) for m in packet.messages]

    def _drain(self) -> None:
        """Drop replies that came after their query gave up; raise an error that came."""
        self._sock.settimeout(0.0)
        while True:
            try:
                dgram, _ = self._sock.recvfrom(65535)
            except OSError:  # nothing more queued (BlockingIOError), or a stale ICMP error
                return
            try:
                packet = OscPacket(dgram)
            except ParseError:
                continue
            for m in packet.messages:
                if m.message.address == ERROR_ADDRESS:
                    raise self._error(list(m.message.params))
