"""The wire format shared by the server, the Max for Live devices and tests.

``docs/protocol.md`` is the contract; this module holds its constants and
the packing of notes into OSC arguments. Every request is
``/lb/<namespace>/<method> reply_port request_id args...``; every reply goes
to the sender's host at ``reply_port`` and starts with the request id.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bridge.clips import Note
from bridge.errors import BridgeError, InvalidNoteError

VERSION = "1"
PREFIX = "/lb"
# 16 notes x 8 values x 4 bytes plus the header is about 620 bytes: one
# datagram well inside an Ethernet MTU and any OSC stack's buffer, Max's
# udpsend/udpreceive included, so no packet is ever fragmented or cut.
NOTES_PER_PACKET = 16
NOTE_FIELDS = (
    "pitch",
    "start_time",
    "duration",
    "velocity",
    "mute",
    "probability",
    "velocity_deviation",
    "release_velocity",
)
MAX_NOTES_PER_CLIP = 8192
MAX_CLIPS_PER_REQUEST = 32  # 4 corners, each a scene of 8 tracks
# All the clips of one request together: what 8 full clips hold, so that
# scenes (more slots) keep the server's memory bound where it was.
MAX_NOTES_PER_REQUEST = 8 * MAX_NOTES_PER_CLIP
MAX_PENDING_UPLOADS = 256
MAX_PENDING_PER_SENDER = 64  # one client (host and reply port) cannot take every slot
MAX_REFUSED_KEPT = 4096  # refused transfers remembered, so each gets one error
UPLOAD_TTL_S = 30.0


class ProtocolError(BridgeError):
    """A request that does not follow docs/protocol.md."""

    code = "bad_request"


class ChunkError(ProtocolError):
    """A note transfer with a missing, duplicated or extra part."""

    code = "bad_chunks"


class TooLargeError(ProtocolError):
    code = "too_large"


class BusyError(BridgeError):
    code = "busy"


class LoadingError(BridgeError):
    """Asked for what needs the models while the server is still starting."""

    code = "loading"


class CancelledError(BridgeError):
    code = "cancelled"


@dataclass(frozen=True)
class Outgoing:
    """One OSC message to send to ``(host, port)``."""

    host: str
    port: int
    address: str
    args: tuple[Any, ...]

    def dgram(self) -> bytes:
        return build(self.address, self.args)


_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_FLOAT32_MAX = 3.4028234663852886e38


def _osc_string(text: str) -> bytes:
    raw = text.encode("utf-8", errors="replace") + b"\0"
    return raw + b"\0" * (-len(raw) % 4)


def _tag(value: Any) -> tuple[str, str, Any]:
    """OSC tag, struct format and packed value for one argument; never raises.

    Replies echo values a client sent (its request id, a cancel target), so
    anything that does not fit a plain ``i`` or ``f`` is widened rather than
    refused: int64 as ``h``, a float past float32 as ``d``, the rest as text.
    """
    if isinstance(value, int):  # bool included: sent as 0/1
        v = int(value)
        if _INT32[0] <= v <= _INT32[1]:
            return "i", "i", v
        if _INT64[0] <= v <= _INT64[1]:
            return "h", "q", v
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) <= _FLOAT32_MAX:
            return "f", "f", value
        return "d", "d", value
    encoded = _osc_string(value if isinstance(value, str) else str(value))
    return "s", f"{len(encoded)}s", encoded


def build(address: str, args: Iterable[Any]) -> bytes:
    """One OSC message; ints and floats as ``i``/``f`` where they fit, else widened.

    Written out with struct rather than python-osc's builder: results are
    hundreds of small messages, and this is several times faster.
    """
    tags = [","]
    fmt = [">"]
    values: list[Any] = []
    for a in args:
        tag, code, value = _tag(a)
        tags.append(tag)
        fmt.append(code)
        values.append(value)
    return _osc_string(address) + _osc_string("".join(tags)) + struct.pack("".join(fmt), *values)


def note_args(notes: Sequence[Note]) -> list[Any]:
    """Flatten notes into OSC arguments, eight values each."""
    out: list[Any] = []
    for n in notes:
        out += [
            n.pitch,
            float(n.start_time),
            float(n.duration),
            float(n.velocity),
            int(n.mute),
            float(n.probability),
            float(n.velocity_deviation),
            float(n.release_velocity),
        ]
    return out


def parse_notes(args: Sequence[Any]) -> list[Note]:
    """The inverse of :func:`note_args`; raises on a count or type mismatch."""
    if len(args) % len(NOTE_FIELDS):
        raise ProtocolError(
            f"notes travel as groups of {len(NOTE_FIELDS)} values "
            f"({', '.join(NOTE_FIELDS)}); got {len(args)} values"
        )
    notes = []
    for i in range(0, len(args), len(NOTE_FIELDS)):
        values = args[i : i + len(NOTE_FIELDS)]
        for name, v in zip(NOTE_FIELDS, values, strict=True):
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ProtocolError(f"note {i // 8 + 1}: {name} must be a number, got {v!r}")
        pitch, mute = values[0], values[4]
        if isinstance(pitch, float) and pitch.is_integer():
            pitch = int(pitch)  # Max may send whole numbers as floats
        if mute not in (0, 1):  # 0.0 and 1.0 included
            raise InvalidNoteError(f"note {i // 8 + 1}: mute must be 0 or 1, got {mute!r}")
        notes.append(
            Note(
                pitch=pitch,
                start_time=values[1],
                duration=values[2],
                velocity=values[3],
                mute=bool(mute),
                probability=values[5],
                velocity_deviation=values[6],
                release_velocity=values[7],
            )
        )
    return notes


def chunks(notes: Sequence[Note]) -> list[Sequence[Note]]:
    """Notes cut into packet-sized parts (at least one part, maybe empty)."""
    return [notes[i : i + NOTES_PER_PACKET] for i in range(0, len(notes), NOTES_PER_PACKET)] or [[]]
