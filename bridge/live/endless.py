"""An endless stream into Live through AbletonOSC.

Each part plays a looping clip of two halves (``half_bars`` bars each) in
one scene. While Live plays one half, the next bars are written into the
other, so the music goes on at Live's own tempo and launch timing, and a
bar line is never waited for here. If the next bars are not written by the
time Live comes back to a half, that half plays its bars again (never
silence) and the stream says so; the bars that were late follow. Notes end
inside their bars, so no rewrite leaves a note hanging.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from bridge.endless import Bar, Conductor, join_bars
from bridge.errors import InvalidRequestError
from bridge.live.liveset import LiveSet, SlotRef
from bridge.live.transport import LiveError

__all__ = ["LiveStreamReport", "part_tracks", "stream_into_live"]

log = logging.getLogger(__name__)

BAR_BEATS = 4.0
# What a track's name contains to be taken for a part.
NAME_HINTS = {
    "drums": ("drum", "beat", "kit"),
    "bass": ("bass",),
    "lead": ("lead", "melody", "synth"),
    "keys": ("keys", "piano", "chord"),
}


@dataclass
class LiveStreamReport:
    """What went into Live: bars written, and the halves that played again."""

    scene: int = -1
    bars_written: int = 0
    halves_played: int = 0
    late: list[int] = field(default_factory=list)  # stream bars that came a half late


def part_tracks(liveset: LiveSet, parts: Sequence[str], given: Mapping[str, int]) -> dict[str, int]:
    """The track (from 0) of each part: given (from 1, as in Live), else the
    first track whose name says the part (``Drums``, ``Bass``, ``Lead``, ...)."""
    count = liveset.num_tracks()
    names = [liveset.track_name(t) for t in range(count)]
    unknown = sorted(set(given) - set(parts))
    if unknown:
        raise InvalidRequestError(f"--track for parts not in the stream: {', '.join(unknown)}")
    found: dict[str, int] = {}
    for part in parts:
        if part in given:
            track = given[part] - 1
            liveset.check_track(track)
        else:
            hints = NAME_HINTS.get(part, (part,))
            match = [t for t, n in enumerate(names) if any(h in n.lower() for h in hints)]
            free = [t for t in match if t not in found.values()]
            if not free:
                listed = ", ".join(f"{t + 1} {n}" for t, n in enumerate(names))
                raise InvalidRequestError(
                    f"no track for the {part} part: name a MIDI track {part.title()!r} or "
                    f"give --track {part}=N (tracks: {listed})"
                )
            track = free[0]
        if track in found.values():
            raise InvalidRequestError(f"track {track + 1} is given to two parts")
        found[part] = track
    return found


def stream_into_live(
    liveset: LiveSet,
    conductor: Conductor,
    tracks: Mapping[str, int],
    *,
    half_bars: int = 4,
    start: int = 0,
    stop: threading.Event | None = None,
    poll: float = 0.1,
    halves: int | None = None,
    on_half: Callable[[Bar, bool], None] | None = None,
) -> LiveStreamReport:
    """Write the stream into new looping clips (one per part, in the first
    scene where all ``tracks`` are empty), launch them, and keep writing the
    next bars into the half Live is not playing, until ``stop`` (or until
    ``halves`` halves have played). The clips are stopped, and kept, at the end."""
    if half_bars < 1:
        raise InvalidRequestError(f"a half holds at least one bar, got {half_bars}")
    stop = stop or threading.Event()
    parts = [p.name for p in conductor.parts]
    missing = [p for p in parts if p not in tracks]
    if missing:
        raise InvalidRequestError(f"no track given for {', '.join(missing)}")
    report = LiveStreamReport()
    row = liveset.free_rows([tracks[p] for p in parts], -1, 1)[0]
    report.scene = row
    refs = [SlotRef(tracks[p], row) for p in parts]
    half_beats = half_bars * BAR_BEATS
    bars: Iterator[Bar] = conductor.bars(start)

    def chunk() -> list[Bar]:
        return [next(bars) for _ in range(half_bars)]

    first, second = chunk(), chunk()
    for ref, whole, part in zip(refs, join_bars(first + second), parts, strict=True):
        liveset.write_clip(ref, whole.clip, f"Endless {part}")
    report.bars_written = 2 * half_bars
    held = [first, second]  # the bars each half holds
    fresh = [True, True]  # a half holds bars not played yet
    for ref in refs:
        liveset.fire(ref)
    playing = -1
    pending: list[Bar] | None = None  # the next bars, made, not yet in Live
    try:
        while not stop.is_set():
            position = liveset.playing_position(refs[0])
            half = int(position // half_beats) % 2
            # Live moved on to the other half (at 0 it may not have started yet).
            if half != playing and (playing >= 0 or position > 0):
                late = not fresh[half]
                if late:
                    report.late.append(held[half][0].index)
                    log.warning(
                        "the next bars were not in Live in time: bars %d-%d play again",
                        held[half][0].index + 1,
                        held[half][-1].index + 1,
                    )
                fresh[half] = False
                playing = half
                report.halves_played += 1
                if on_half is not None:
                    on_half(held[half][0], late)
                if halves is not None and report.halves_played >= halves:
                    break
            other = 1 - playing
            if playing >= 0 and not fresh[other]:
                if pending is None:
                    pending = chunk()  # the slow part: the models
                # Written only while Live is still in the other half.
                now = int(liveset.playing_position(refs[0]) // half_beats) % 2
                if now == playing:
                    for ref, track in zip(refs, join_bars(pending), strict=True):
                        liveset.replace_notes(ref, other * half_beats, half_beats, track.clip.notes)
                    held[other], fresh[other], pending = pending, True, None
                    report.bars_written += half_bars
                continue
            stop.wait(poll)
    finally:
        for ref in refs:
            liveset.stop_clip(ref)
        with contextlib.suppress(LiveError):
            liveset.num_tracks()  # a round trip: the stops have landed
    return report
