"""A band's MIDI file as a band model takes it: parts by role, bars of any meter.

A song from the wild rarely fits a band model as it is. It plays more parts
than the model takes, one part may play on two channels, and its bars may be
3/4, 6/8 or 5/4 where the model's bar is 4/4. Magenta's converter skips such
a song whole. ``prepare_band`` makes it fit, and says what it used:

- **Parts.** Notes are grouped into parts by sound: every drum note is the
  drum part; pitched notes are one part per General MIDI program, whatever
  channel or track they are on (a bass split over two channels is one
  part). Sustain pedal is applied first.
- **Roles.** The drums, then the bass (the busiest part with a bass program,
  32-39, or else the lowest pitched part if it sits below E3), then the
  other parts, busiest first. When the model takes fewer parts than the song
  has, the first ones in that order are kept and the rest are dropped, and
  named.
- **Meters.** Every bar of the song starts a bar of the model: a bar shorter
  than 4/4 (3/4, 6/8, 2/4) is padded with silence to 4/4, a longer one (5/4,
  7/8 x 2, 6/4) takes two model bars, its second padded. Nothing is
  stretched or cut, so a 3/4 song's beats stay on the model's grid.
  Tempo changes are followed, and the result is written at 120 qpm in 4/4,
  the time base of every model here.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

BASS_PROGRAMS = range(32, 40)
# A pitched part without a bass program is the bass if its median pitch is below E3.
BASS_MEDIAN_BELOW = 52
MODEL_BAR_QUARTERS = 4.0
OUT_QPM = 120.0
_EPS = 1e-6


@dataclass
class Part:
    """One part of a song: every drum note, or the notes of one program."""

    is_drum: bool
    program: int
    notes: list[Any] = field(default_factory=list)
    role: str = "other"

    @property
    def median_pitch(self) -> float:
        pitches = sorted(n.pitch for n in self.notes)
        return float(pitches[len(pitches) // 2]) if pitches else 0.0

    def label(self) -> str:
        if self.is_drum:
            return f"drums ({len(self.notes)} notes)"
        return f"{self.role} (program {self.program}, {len(self.notes)} notes)"


@dataclass
class BandUse:
    """What ``prepare_band`` used of one file."""

    meters: list[str]  # the meters of its bars, e.g. ["3/4"] or ["4/4", "7/8"]
    bars: int  # bars in the file
    model_bars: int  # 4/4 bars they fill (a 5/4 bar fills two)
    parts: list[str]  # the parts used, in role order
    dropped: list[str]  # parts the model has no room for

    def describe(self) -> str:
        text = f"{self.bars} bars of {', '.join(self.meters) or '4/4'}; {len(self.parts)} parts"
        if self.dropped:
            text += f" ({len(self.dropped)} dropped: " + "; ".join(self.dropped) + ")"
        return text


class _TempoMap:
    """Seconds to quarter notes and back, following every tempo change."""

    def __init__(self, seq: Any) -> None:
        tempos = sorted((float(t.time), float(t.qpm)) for t in seq.tempos if t.qpm > 0)
        if not tempos or tempos[0][0] > 0:
            tempos.insert(0, (0.0, tempos[0][1] if tempos else 120.0))
        self.times: list[float] = [t for t, _ in tempos]
        self.qpms: list[float] = [q for _, q in tempos]
        self.quarters = [0.0]
        for i in range(1, len(tempos)):
            span = self.times[i] - self.times[i - 1]
            self.quarters.append(self.quarters[-1] + span * self.qpms[i - 1] / 60.0)

    def quarters_at(self, seconds: float) -> float:
        i = max(0, bisect.bisect_right(self.times, seconds) - 1)
        return self.quarters[i] + (seconds - self.times[i]) * self.qpms[i] / 60.0

    def seconds_at(self, quarters: float) -> float:
        i = max(0, bisect.bisect_right(self.quarters, quarters) - 1)
        return self.times[i] + (quarters - self.quarters[i]) * 60.0 / self.qpms[i]


def bars_of(seq: Any, end_quarters: float) -> list[tuple[float, float, str]]:
    """(start, length, meter) of every bar up to ``end_quarters``, in quarter
    notes. A meter change starts a new bar, even mid-bar."""
    tempo = _TempoMap(seq)
    changes = sorted(
        (tempo.quarters_at(ts.time), ts.numerator, ts.denominator)
        for ts in seq.time_signatures
        if ts.numerator > 0 and ts.denominator > 0
    )
    if not changes or changes[0][0] > _EPS:
        changes.insert(0, (0.0, 4, 4))
    bars: list[tuple[float, float, str]] = []
    for i, (at, num, den) in enumerate(changes):
        last = i + 1 == len(changes)
        until = end_quarters if last else changes[i + 1][0]
        length = num * 4.0 / den
        start = at
        while start < until - _EPS:
            bars.append((start, length if last else min(length, until - start), f"{num}/{den}"))
            start += length
    return bars


def parts_of(seq: Any) -> list[Part]:
    """The song's parts in role order: drums, bass, then the busiest others."""
    groups: dict[tuple[bool, int], Part] = {}
    for n in seq.notes:
        key = (True, 0) if n.is_drum else (False, int(n.program))
        groups.setdefault(key, Part(key[0], key[1])).notes.append(n)
    parts = list(groups.values())
    drums = [p for p in parts if p.is_drum]
    pitched = sorted((p for p in parts if not p.is_drum), key=lambda p: (-len(p.notes), p.program))
    bass = next((p for p in pitched if p.program in BASS_PROGRAMS), None)
    if bass is None and pitched:
        low = min(pitched, key=lambda p: p.median_pitch)
        bass = low if low.median_pitch < BASS_MEDIAN_BELOW else None
    for p in drums:
        p.role = "drums"
    if bass is not None:
        bass.role = "bass"
    others = [p for p in pitched if p is not bass]
    return drums + ([bass] if bass is not None else []) + others


def prepare_band(seq: Any, max_parts: int | None = None) -> tuple[Any, BandUse]:
    """``seq`` with its parts chosen and its bars laid on 4/4 model bars (see
    the module's docstring), and what was used. ``seq`` is not changed."""
    import note_seq
    from note_seq.protobuf import music_pb2

    seq = note_seq.apply_sustain_control_changes(seq)
    parts = parts_of(seq)
    kept = parts if max_parts is None else parts[:max_parts]
    dropped = parts[len(kept) :]
    tempo = _TempoMap(seq)
    end = max((tempo.quarters_at(n.end_time) for n in seq.notes), default=0.0)
    bars = bars_of(seq, end)
    starts = [b[0] for b in bars]
    # Where each song bar starts on the model's 4/4 grid.
    placed: list[float] = []
    at = 0.0
    for _, length, _ in bars:
        placed.append(at)
        at += MODEL_BAR_QUARTERS * max(1, math.ceil(length / MODEL_BAR_QUARTERS - _EPS))
    out = music_pb2.NoteSequence()
    out.ticks_per_quarter = seq.ticks_per_quarter or 220
    out.tempos.add(time=0.0, qpm=OUT_QPM)
    out.time_signatures.add(time=0.0, numerator=4, denominator=4)
    seconds = 60.0 / OUT_QPM
    for index, part in enumerate(kept):
        for n in part.notes:
            q0, q1 = tempo.quarters_at(n.start_time), tempo.quarters_at(n.end_time)
            bar = max(0, bisect.bisect_right(starts, q0 + _EPS) - 1)
            start = placed[bar] + (q0 - starts[bar])
            note = out.notes.add()
            note.CopyFrom(n)
            note.instrument = index
            note.program = 0 if part.is_drum else part.program
            note.start_time = start * seconds
            note.end_time = (start + max(q1 - q0, _EPS)) * seconds
    out.total_time = max((n.end_time for n in out.notes), default=0.0)
    meters = sorted({m for _, _, m in bars}, key=lambda m: (m != "4/4", m))
    use = BandUse(
        meters=meters,
        bars=len(bars) if seq.notes else 0,
        model_bars=round(at / MODEL_BAR_QUARTERS) if seq.notes else 0,
        parts=[p.label() for p in kept],
        dropped=[p.label() for p in dropped],
    )
    return out, use


def bar_seconds(seq: Any, bar: int, bar_quarters: float = MODEL_BAR_QUARTERS) -> float:
    """The time in seconds at which 4/4 bar ``bar`` of ``seq`` starts."""
    return _TempoMap(seq).seconds_at(bar * bar_quarters)


def count_bars(seq: Any, bar_quarters: float = MODEL_BAR_QUARTERS) -> int:
    """How many whole or partial 4/4 bars ``seq``'s notes span."""
    tempo = _TempoMap(seq)
    end = max((tempo.quarters_at(n.end_time) for n in seq.notes), default=0.0)
    return math.ceil(end / bar_quarters - _EPS) if end > 0 else 0
