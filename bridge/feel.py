"""The input's feel on a model's output: velocities and micro-timing.

MusicVAE's drum models play every hit at one velocity on the 16th grid, so a
variation of a played beat comes back lifeless. :func:`carry_feel` gives the
output the input's feel: an output note on an input note (same 16th, same
drum class or pitch) becomes that input note, velocity and push or drag
included. A new note gets the feel the input has there: for drums, the
mean velocity of that drum class at that place in the beat (else of that
class, else of the whole clip); for melodies, the input's median velocity.
Given ``played``, the output as a groove model plays it (the whole pattern
humanized), a new drum hit also takes half the groove model's accent there
and its timing, moved by how much later the input's player plays than the
groove model on the hits they share; without it, a new hit gets the input's
mean push for that drum class.

:func:`hit_set` is what "the same music" means when outputs are compared
(which drum class or pitch, on which 16th).
"""

from __future__ import annotations

import functools
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from bridge.clips import Clip, Note

__all__ = ["DRUM_NAMES", "STEP", "blend_feel", "carry_feel", "drum_class", "hit_set"]

STEP = 0.25  # a 16th, in beats
# How much of a groove model's accent (its velocity against the same drum at the
# same place in the pattern's other beats) a new drum hit takes: measured on
# held-out beats (scripts/variation_feel.py), half beat none and all of it.
ACCENT_SHARE = 0.5
# The nine drum classes of Magenta's drum models, in its order (drum_class's numbers).
DRUM_NAMES = (
    "kick",
    "snare",
    "closed hat",
    "open hat",
    "low tom",
    "mid tom",
    "high tom",
    "crash",
    "ride",
)


@functools.cache
def _class_of() -> dict[int, int]:
    """Pitch -> one of the nine drum classes of Magenta's drum models (kick, snare,
    closed hat, open hat, low, mid and high tom, crash, ride)."""
    from note_seq.drums_encoder_decoder import DEFAULT_DRUM_TYPE_PITCHES

    return {p: i for i, pitches in enumerate(DEFAULT_DRUM_TYPE_PITCHES) for p in pitches}


def drum_class(pitch: int) -> int:
    """The drum class of a pitch (pitches no class names are their own: 100 + pitch)."""
    return _class_of().get(pitch, 100 + pitch)


def _offset(note: Note) -> float:
    """How far off the 16th grid ``note`` is, in beats."""
    return note.start_time - round(note.start_time / STEP) * STEP


def _key(note: Note, drums: bool) -> tuple[int, int]:
    return (drum_class(note.pitch) if drums else note.pitch, round(note.start_time / STEP))


def hit_set(clip: Clip, drums: bool) -> frozenset[tuple[int, int]]:
    """The clip's hits: (drum class or pitch, 16th) of every sounding note."""
    return frozenset(_key(n, drums) for n in clip.notes if not n.mute)


class _Feel:
    """How one clip is played: its notes by (class or pitch, 16th), and its tendencies."""

    def __init__(self, clip: Clip, drums: bool) -> None:
        self.drums = drums
        self.steps = max(1, round(clip.length / STEP))  # the clip loops over longer results
        played = [n for n in clip.notes if not n.mute]
        self.empty = not played
        self.by_key: dict[tuple[int, int], Note] = {}
        for n in played:
            k = _key(n, self.drums)
            if k not in self.by_key or n.velocity > self.by_key[k].velocity:
                self.by_key[k] = n
        self.everyone = statistics.fmean(n.velocity for n in played) if played else 80.0
        self.median = statistics.median(n.velocity for n in played) if played else 80.0
        self._velocity: dict[tuple[int, int], list[float]] = defaultdict(list)  # class, 16th
        self._of_class: dict[int, list[float]] = defaultdict(list)
        self._push: dict[int, list[float]] = defaultdict(list)  # beats off the grid, by class
        for n in played:
            cls, step = _key(n, self.drums)
            self._velocity[(cls, step % 4)].append(n.velocity)
            self._of_class[cls].append(n.velocity)
            self._push[cls].append(_offset(n))

    def match(self, note: Note) -> Note | None:
        """This clip's note on ``note``'s 16th and drum or pitch; past the clip's
        end, on the same place of the clip looped."""
        cls, step = _key(note, self.drums)
        found = self.by_key.get((cls, step))
        if found is None and step >= self.steps:
            found = self.by_key.get((cls, step % self.steps))
        return found

    def new_velocity(self, cls: int, step: int) -> float:
        if not self.drums:
            return self.median
        where = self._velocity.get((cls, step % 4)) or self._of_class.get(cls)
        return statistics.fmean(where) if where else self.everyone

    def new_push(self, cls: int) -> float:
        if not self.drums:
            return 0.0
        return statistics.fmean(self._push[cls]) if self._push.get(cls) else 0.0

    def later_than(self, played: dict[tuple[int, int], Note]) -> float:
        """How much later (in beats) this clip's player plays than ``played``, on
        the hits both play; 0 when they share none."""
        both = [(n, played[k]) for k, n in self.by_key.items() if k in played]
        return statistics.fmean(_offset(n) - _offset(p) for n, p in both) if both else 0.0


def _accents(played: dict[tuple[int, int], Note]) -> dict[tuple[int, int], float]:
    """How much louder each hit is played than the same drum at the same place
    in the other beats of the pattern."""
    peers: dict[tuple[int, int], list[float]] = defaultdict(list)
    for (cls, step), n in played.items():
        peers[(cls, step % 4)].append(n.velocity)
    return {
        (cls, step): n.velocity - statistics.fmean(peers[(cls, step % 4)])
        for (cls, step), n in played.items()
    }


def _within(clip: Clip, start: float, duration: float) -> float:
    """``duration``, cut so that a note at ``start`` (inside the clip) ends by its end."""
    return min(duration, clip.length - start)


def blend_feel(
    sources: Sequence[Clip],
    weights: Sequence[float],
    result: Clip,
    *,
    drums: bool,
    played: Clip | None = None,
) -> Clip:
    """``result`` played with the feel of ``sources``, each counted by its weight.

    An interpolation from A to B at position t has weights (1 - t, t); a
    blend of four corners their bilinear weights. With one source this is
    :func:`carry_feel`. ``played`` is ``result`` as a groove model plays it:
    where given, new drum hits take its velocity and timing, shifted to the
    sources' players.
    """
    feels = [(_Feel(c, drums), float(w)) for c, w in zip(sources, weights, strict=True)]
    feels = [(f, w) for f, w in feels if not f.empty and w > 0]
    if not feels:
        return result
    grooved = _Feel(played, drums).by_key if played is not None and drums else {}
    total = sum(w for _, w in feels)
    later = 0.0
    for f, w in feels if grooved else []:
        later += f.later_than(grooved) * w / total
    accents = _accents(grooved)
    used: set[tuple[int, int]] = set()
    notes = []
    for r in result.notes:
        k = _key(r, drums)
        cls, step = k
        found = [(f.match(r), f, w) for f, w in feels]
        matches = [(n, f, w) for n, f, w in found if n is not None]
        if matches and k not in used:
            used.add(k)
            matched = sum(w for *_, w in matches)
            main = max(matches, key=lambda m: m[2])[0]
            velocity = sum(n.velocity * w for n, _, w in matches) / matched
            push = sum(_offset(n) * w for n, _, w in matches) / matched
            start = max(0.0, step * STEP + push)
            start = start if start < result.length else r.start_time
            duration = main.duration if drums else r.duration
            notes.append(
                replace(
                    r,
                    pitch=main.pitch if drums else r.pitch,
                    start_time=start,
                    velocity=velocity,
                    duration=_within(result, start, duration),
                )
            )
            continue
        velocity = sum(f.new_velocity(cls, step) * w for f, w in feels) / total
        if not drums:
            notes.append(replace(r, velocity=float(velocity)))
            continue
        if k in grooved:
            # The player's level there, with half the groove model's accent in
            # this pattern; the groove model's timing, moved to the player's push.
            velocity += ACCENT_SHARE * accents[k]
            push = _offset(grooved[k]) + later
        else:
            push = sum(f.new_push(cls) * w for f, w in feels) / total
        start = max(0.0, step * STEP + push)
        if start >= result.length:
            start = r.start_time
        notes.append(
            replace(
                r,
                velocity=float(min(127.0, max(1.0, velocity))),
                start_time=start,
                duration=_within(result, start, r.duration),
            )
        )
    return result.with_notes(notes)


def carry_feel(source: Clip, result: Clip, *, drums: bool, played: Clip | None = None) -> Clip:
    """``result`` played with ``source``'s feel (see the module's docstring)."""
    return blend_feel([source], [1.0], result, drums=drums, played=played)
