"""A small OSC client for the server's protocol (tests, benchmarks, scripts)."""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pythonosc.osc_packet import OscPacket

from bridge.clips import Clip, TimeSignature, Track
from bridge.errors import BridgeError
from bridge.osc.protocol import PREFIX, build, chunks, note_args, parse_notes

_ids = itertools.count(1)


class RemoteError(BridgeError):
    """An error reply from the server."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Reply:
    address: str
    args: list[Any]


@dataclass
class Outcome:
    """Everything the server answered to one request, in order."""

    replies: list[Reply] = field(default_factory=list)
    outputs: list[list[Track]] = field(default_factory=list)
    seed: int | None = None


class OscClient:
    """Talks to a server on ``host:port`` from its own loopback socket."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9000, timeout: float = 30.0) -> None:
        self.server = (host, port)
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self.reply_port = self.sock.getsockname()[1]
        self._pending: list[Reply] = []

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> OscClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def new_id() -> int:
        return next(_ids)

    def send(self, address: str, rid: int | str, *args: Any) -> None:
        self.sock.sendto(build(address, (self.reply_port, rid, *args)), self.server)

    def send_clip(self, rid: int | str, slot: int, track: Track) -> None:
        clip = track.clip
        parts = chunks(clip.notes) if clip.notes else []
        ts = clip.time_signature
        self.send(
            f"{PREFIX}/clip/begin",
            rid,
            slot,
            float(clip.length),
            ts.numerator,
            ts.denominator,
            len(clip.notes),
            int(track.is_drum),
            track.program,
            clip.name,
        )
        for p, part in enumerate(parts):
            self.send(f"{PREFIX}/clip/notes", rid, slot, p, *note_args(part))
        self.send(f"{PREFIX}/clip/end", rid, slot, len(parts))

    def _receive(self, deadline: float) -> Reply:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no reply from the server in time")
            self.sock.settimeout(remaining)
            dgram, _ = self.sock.recvfrom(65535)
            for timed in OscPacket(dgram).messages:
                self._pending.append(Reply(timed.message.address, list(timed.message.params)))
            if self._pending:
                return self._pending.pop(0)

    def wait(self, rid: int | str, until: Sequence[str], timeout: float | None = None) -> Outcome:
        """Collect replies for ``rid`` until one of ``until`` (or an error) arrives.

        With ``until`` empty, the first reply ends the wait.
        """
        deadline = time.monotonic() + (timeout or self.timeout)
        outcome = Outcome()
        building: dict[tuple[int, int], dict[str, Any]] = {}
        kept: list[Reply] = []
        try:
            while True:
                r = self._receive(deadline)
                if not r.args or r.args[0] != rid:
                    kept.append(r)  # another request's reply
                    continue
                outcome.replies.append(r)
                name = r.address[len(PREFIX) + 1 :]
                if name == "error":
                    raise RemoteError(str(r.args[1]), str(r.args[2]))
                if name == "result/begin":
                    _, out, trk, length, num, den, count, _parts, drum, program, cname = r.args
                    building[(out, trk)] = {
                        "clip": (float(length), TimeSignature(num, den), cname),
                        "notes": {},
                        "count": count,
                        "drum": bool(drum),
                        "program": program,
                    }
                elif name == "result/notes":
                    out, trk, part = r.args[1:4]
                    building[(out, trk)]["notes"][part] = parse_notes(r.args[4:])
                elif name == "done":
                    outcome.seed = int(r.args[3])
                    for (out, _trk), b in sorted(building.items()):
                        while len(outcome.outputs) <= out:
                            outcome.outputs.append([])
                        length, ts, cname = b["clip"]
                        notes = [n for p in sorted(b["notes"]) for n in b["notes"][p]]
                        outcome.outputs[out].append(
                            Track(Clip(notes, length, ts, cname), b["drum"], b["program"])
                        )
                if name in until or not until:
                    return outcome
        finally:
            self._pending[:0] = kept

    def call(
        self, method: str, *args: Any, until: Sequence[str] = (), timeout: float | None = None
    ) -> Outcome:
        rid = self.new_id()
        self.send(f"{PREFIX}/{method}", rid, *args)
        return self.wait(rid, until, timeout)

    def operation(
        self,
        op: str,
        model: str,
        *args: Any,
        tracks: Sequence[Track] = (),
        timeout: float | None = None,
    ) -> Outcome:
        """Upload ``tracks`` into slots 0.., run ``/lb/op/<op>``, gather the results."""
        rid = self.new_id()
        for slot, track in enumerate(tracks):
            self.send_clip(rid, slot, track)
        self.send(f"{PREFIX}/op/{op}", rid, model, *args)
        return self.wait(rid, ("done",), timeout)
