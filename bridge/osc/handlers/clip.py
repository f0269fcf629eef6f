"""``/lb/clip/begin|notes|end``: clips sent in parts before an operation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.clips import TimeSignature
from bridge.osc.protocol import PREFIX, Outgoing, ProtocolError, parse_notes
from bridge.osc.request import Request

if TYPE_CHECKING:
    from bridge.osc.handlers import Handler
    from bridge.osc.server import Server

BEGIN_USAGE = "slot length numerator denominator note_count [is_drum program name]"


def begin(server: Server, req: Request) -> list[Outgoing]:
    req.expect(5, 8, BEGIN_USAGE)
    slot = req.get_int(0, "slot")
    server.uploads.begin(
        req.key,
        slot,
        length=req.get_float(1, "length"),
        time_signature=TimeSignature(req.get_int(2, "numerator"), req.get_int(3, "denominator")),
        note_count=req.get_int(4, "note_count"),
        is_drum=bool(req.get_int(5, "is_drum", 0, low=0, high=1)),
        program=req.get_int(6, "program", 0),
        name=req.get_str(7, "name", ""),
    )
    return []


def notes(server: Server, req: Request) -> list[Outgoing]:
    if len(req.args) < 2:
        raise ProtocolError(f"{req.address} takes slot part notes...; got {len(req.args)} values")
    slot, part = req.get_int(0, "slot"), req.get_int(1, "part")
    server.uploads.notes(req.key, slot, part, parse_notes(req.args[2:]))
    return []


def end(server: Server, req: Request) -> list[Outgoing]:
    req.expect(2, 2, "slot parts")
    slot = req.get_int(0, "slot")
    track = server.uploads.end(req.key, slot, req.get_int(1, "parts"))
    return [req.reply("clip/ok", slot, len(track.clip.notes))]


ROUTES: dict[str, Handler] = {
    f"{PREFIX}/clip/begin": begin,
    f"{PREFIX}/clip/notes": notes,
    f"{PREFIX}/clip/end": end,
}
