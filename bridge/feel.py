"""The input's feel on a model's output: velocities and micro-timing.

MusicVAE's drum models play every hit at one velocity on the 16th grid, so a
variation of a played beat comes back lifeless. :func:`carry_feel` gives the
output the input's feel: an output note on an input note (same 16th, same
drum class or pitch) becomes that input note, velocity and push or drag
included; a new note gets the feel the input has there (for drums: the mean
velocity and timing of that drum class at that place in the beat, else of
that drum class, else of the whole clip; for melodies: the input's median
velocity).

:func:`hit_set` is what "the same music" means when outputs are compared
(which drum class or pitch, on which 16th).
"""

from __future__ import annotations

import functools
import statistics
from collections import defaultdict
from dataclasses import replace

from bridge.clips import Clip, Note

__all__ = ["STEP", "carry_feel", "drum_class", "hit_set"]

STEP = 0.25  # a 16th, in beats


@functools.cache
def _class_of() -> dict[int, int]:
    """Pitch -> one of the nine drum classes of Magenta's drum models (kick, snare,
    closed hat, open hat, low, mid and high tom, crash, ride)."""
    from note_seq.drums_encoder_decoder import DEFAULT_DRUM_TYPE_PITCHES

    return {p: i for i, pitches in enumerate(DEFAULT_DRUM_TYPE_PITCHES) for p in pitches}


def drum_class(pitch: int) -> int:
    """The drum class of a pitch (pitches no class names are their own: 100 + pitch)."""
    return _class_of().get(pitch, 100 + pitch)


def _key(note: Note, drums: bool) -> tuple[int, int]:
    return (drum_class(note.pitch) if drums else note.pitch, round(note.start_time / STEP))


def hit_set(clip: Clip, drums: bool) -> frozenset[tuple[int, int]]:
    """The clip's hits: (drum class or pitch, 16th) of every sounding note."""
    return frozenset(_key(n, drums) for n in clip.notes if not n.mute)


def carry_feel(source: Clip, result: Clip, *, drums: bool) -> Clip:
    """``result`` played with ``source``'s feel (see the module's docstring)."""
    played = [n for n in source.notes if not n.mute]
    if not played:
        return result
    by_key: dict[tuple[int, int], Note] = {}
    for n in played:
        k = _key(n, drums)
        if k not in by_key or n.velocity > by_key[k].velocity:
            by_key[k] = n
    everyone = statistics.fmean(n.velocity for n in played)
    median = statistics.median(n.velocity for n in played)
    velocity: dict[tuple[int, int], list[float]] = defaultdict(list)  # (class, 16th in beat)
    of_class: dict[int, list[float]] = defaultdict(list)
    push: dict[int, list[float]] = defaultdict(list)  # beats off the grid, by class
    for n in played:
        cls, step = _key(n, drums)
        velocity[(cls, step % 4)].append(n.velocity)
        of_class[cls].append(n.velocity)
        push[cls].append(n.start_time - step * STEP)
    used: set[tuple[int, int]] = set()
    notes = []
    for r in result.notes:
        k = _key(r, drums)
        src = by_key.get(k)
        if src is not None and k not in used:
            used.add(k)
            pitch = src.pitch if drums else r.pitch
            notes.append(
                replace(
                    r,
                    pitch=pitch,
                    start_time=src.start_time,
                    velocity=src.velocity,
                    duration=src.duration if drums else r.duration,
                )
            )
            continue
        if not drums:
            notes.append(replace(r, velocity=float(median)))
            continue
        cls, step = k
        where = velocity.get((cls, step % 4)) or of_class.get(cls)
        v = statistics.fmean(where) if where else everyone
        offset = statistics.fmean(push[cls]) if push.get(cls) else 0.0
        start = max(0.0, step * STEP + offset)
        if start >= result.length:
            start = r.start_time
        notes.append(replace(r, velocity=float(min(127.0, max(1.0, v))), start_time=start))
    return result.with_notes(notes)
