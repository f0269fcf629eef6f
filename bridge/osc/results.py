"""Generated clips back over OSC, in the same begin/notes/end framing."""

from __future__ import annotations

from bridge.clips import Track
from bridge.engine import Generation
from bridge.osc.protocol import Outgoing, chunks, note_args
from bridge.osc.request import Request


def track_messages(req: Request, output: int, index: int, track: Track) -> list[Outgoing]:
    clip = track.clip
    parts = chunks(clip.notes)
    ts = clip.time_signature
    out = [
        req.reply(
            "result/begin",
            output,
            index,
            float(clip.length),
            ts.numerator,
            ts.denominator,
            len(clip.notes),
            len(parts),
            int(track.is_drum),
            track.program,
            clip.name,
        )
    ]
    out += [
        req.reply("result/notes", output, index, p, *note_args(part))
        for p, part in enumerate(parts)
    ]
    out.append(req.reply("result/end", output, index, len(parts)))
    return out


def result_messages(req: Request, gen: Generation) -> list[Outgoing]:
    """Every output's tracks, then ``/lb/done id outputs tracks seed seconds redraws``
    (for ``endless``, ``/lb/endless/state id start section phrase key`` first)."""
    out: list[Outgoing] = []
    if gen.operation == "endless":
        p = gen.params
        out.append(req.reply("endless/state", p["start"], p["section"], p["phrase"], p["key"]))
    for i, tracks in enumerate(gen.outputs):
        for k, track in enumerate(tracks):
            out += track_messages(req, i, k, track)
    tracks_per_output = len(gen.outputs[0]) if gen.outputs else 0
    out.append(
        req.reply(
            "done",
            len(gen.outputs),
            tracks_per_output,
            gen.seed,
            round(gen.seconds, 4),
            int(gen.params.get("redraws", 0)),
        )
    )
    return out
