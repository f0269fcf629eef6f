"""Notes and clips as Ableton Live sees them.

Times are in beats (quarter notes) from the start of the clip, as Live's
extended clip note API reports them, so a clip read from Live can be sent back
unchanged. Every value is checked when it is built: a bad note from Max is
rejected at the edge with a message the musician can read, not deep inside a
model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from numbers import Integral, Real
from typing import Any

from bridge.errors import InvalidClipError, InvalidNoteError

__all__ = ["FOUR_FOUR", "Clip", "Note", "TimeSignature", "Track"]


def _is_int(value: object) -> bool:
    # bool is an int subclass, but True as a pitch is always a mistake.
    # Exact types first: the ABC check is slow and notes are made by the thousand.
    return type(value) is int or (isinstance(value, Integral) and not isinstance(value, bool))


def _is_number(value: object) -> bool:
    return type(value) in (float, int) or (isinstance(value, Real) and not isinstance(value, bool))


def _fmt(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


@dataclass(frozen=True, slots=True)
class Note:
    """One note of a MIDI clip, with the fields of Live's extended note API."""

    pitch: int
    start_time: float
    duration: float
    velocity: float = 100.0
    mute: bool = False
    probability: float = 1.0
    velocity_deviation: float = 0.0
    release_velocity: float = 64.0

    def __post_init__(self) -> None:
        if self._well_formed():
            return  # already the types and ranges the checks below make
        if not _is_int(self.pitch) or not 0 <= self.pitch <= 127:
            raise InvalidNoteError(f"pitch must be a whole number 0..127, got {_fmt(self.pitch)}")
        object.__setattr__(self, "pitch", int(self.pitch))
        self._set_float("start_time", 0.0, math.inf, "a number of beats >= 0")
        self._set_float("duration", 0.0, math.inf, "a number of beats > 0", low_open=True)
        self._set_float("velocity", 0.0, 127.0, "a number 0..127")
        self._set_float("probability", 0.0, 1.0, "a number 0..1")
        self._set_float("velocity_deviation", -127.0, 127.0, "a number -127..127")
        self._set_float("release_velocity", 0.0, 127.0, "a number 0..127")
        mute: object = self.mute
        # Max sends booleans as 0/1 ints; anything else is a mistake.
        if not (isinstance(mute, bool) or (_is_int(mute) and mute in (0, 1))):
            raise InvalidNoteError(f"mute must be true or false, got {_fmt(mute)}")
        object.__setattr__(self, "mute", bool(mute))

    def _well_formed(self) -> bool:
        """Every field an int or float (a bool for mute) in its range: the
        engine's own notes, made by the thousand, skip the checks' work. A
        NaN fails every comparison, so it takes the checks' way."""
        start, length, velocity = self.start_time, self.duration, self.velocity
        probability, deviation, release = (
            self.probability,
            self.velocity_deviation,
            self.release_velocity,
        )
        return (
            type(self.pitch) is int
            and 0 <= self.pitch <= 127
            and type(start) is float
            and 0.0 <= start < math.inf
            and type(length) is float
            and 0.0 < length < math.inf
            and type(velocity) is float
            and 0.0 <= velocity <= 127.0
            and type(probability) is float
            and 0.0 <= probability <= 1.0
            and type(deviation) is float
            and -127.0 <= deviation <= 127.0
            and type(release) is float
            and 0.0 <= release <= 127.0
            and type(self.mute) is bool
        )

    def _set_float(
        self, name: str, low: float, high: float, wanted: str, *, low_open: bool = False
    ) -> None:
        value = getattr(self, name)
        ok = (type(value) is float or _is_number(value)) and math.isfinite(value) and value <= high
        ok = ok and (value > low if low_open else value >= low)
        if not ok:
            raise InvalidNoteError(f"{name} must be {wanted}, got {_fmt(value)}")
        object.__setattr__(self, name, float(value))

    @property
    def end_time(self) -> float:
        """Where the note stops, in beats from the clip start."""
        return self.start_time + self.duration

    def to_dict(self) -> dict[str, Any]:
        """The note as a JSON-friendly dict keyed by field name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Note:
        """Build a note from :meth:`to_dict` output (or Live's note dicts)."""
        if not isinstance(data, Mapping):
            raise InvalidNoteError(f"a note must be a dict, got {_fmt(data)}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise InvalidNoteError(f"unknown note field(s): {', '.join(unknown)}")
        missing = [k for k in ("pitch", "start_time", "duration") if k not in data]
        if missing:
            raise InvalidNoteError(f"a note needs {', '.join(missing)}")
        return cls(**data)


@dataclass(frozen=True, slots=True)
class TimeSignature:
    """A meter such as 4/4 or 6/8; Live's beats are always quarter notes."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if not _is_int(self.numerator) or not 1 <= self.numerator <= 32:
            raise InvalidClipError(
                f"time signature numerator must be 1..32, got {_fmt(self.numerator)}"
            )
        if not _is_int(self.denominator) or self.denominator not in (1, 2, 4, 8, 16, 32):
            raise InvalidClipError(
                "time signature denominator must be 1, 2, 4, 8, 16 or 32, "
                f"got {_fmt(self.denominator)}"
            )
        object.__setattr__(self, "numerator", int(self.numerator))
        object.__setattr__(self, "denominator", int(self.denominator))

    @property
    def beats_per_bar(self) -> float:
        """Quarter-note beats in one bar (6/8 has 3.0)."""
        return self.numerator * 4 / self.denominator

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


FOUR_FOUR = TimeSignature(4, 4)


@dataclass(frozen=True, init=False)
class Clip:
    """A MIDI clip: its notes sorted by (start_time, pitch), and its length in beats."""

    notes: tuple[Note, ...]
    length: float
    time_signature: TimeSignature
    name: str

    def __init__(
        self,
        notes: Iterable[Note],
        length: float,
        time_signature: TimeSignature = FOUR_FOUR,
        name: str = "",
    ) -> None:
        if not (_is_number(length) and math.isfinite(length) and length > 0):
            raise InvalidClipError(f"clip length must be a number of beats > 0, got {_fmt(length)}")
        length = float(length)
        if not isinstance(time_signature, TimeSignature):
            raise InvalidClipError(
                f"time_signature must be a TimeSignature, got {time_signature!r}"
            )
        if not isinstance(name, str):
            raise InvalidClipError(f"clip name must be a string, got {name!r}")
        note_list = list(notes)
        for note in note_list:
            if not isinstance(note, Note):
                raise InvalidClipError(f"a clip holds Note objects, got {note!r}")
            if note.start_time >= length:
                raise InvalidClipError(
                    f"note {note.pitch} at beat {note.start_time:g} starts at or after "
                    f"the end of the clip ({length:g} beats)"
                )
        # A stable sort keeps the caller's order for notes that tie.
        note_list.sort(key=lambda n: (n.start_time, n.pitch))
        object.__setattr__(self, "notes", tuple(note_list))
        object.__setattr__(self, "length", length)
        object.__setattr__(self, "time_signature", time_signature)
        object.__setattr__(self, "name", name)

    @property
    def bars(self) -> float:
        """The length in bars of the clip's time signature."""
        return self.length / self.time_signature.beats_per_bar

    @property
    def is_empty(self) -> bool:
        """True when Live would play nothing: no notes, or only muted ones."""
        return all(n.mute for n in self.notes)

    def pitch_range(self) -> tuple[int, int] | None:
        """Lowest and highest pitch that plays (muted notes ignored), or None."""
        pitches = [n.pitch for n in self.notes if not n.mute]
        if not pitches:
            return None
        return min(pitches), max(pitches)

    def with_notes(self, notes: Iterable[Note]) -> Clip:
        """The same clip (length, meter, name) holding other notes."""
        return Clip(notes, self.length, self.time_signature, self.name)

    def to_dict(self) -> dict[str, Any]:
        """The clip as JSON-friendly data; the time signature as [num, den]."""
        return {
            "notes": [n.to_dict() for n in self.notes],
            "length": self.length,
            "time_signature": [self.time_signature.numerator, self.time_signature.denominator],
            "name": self.name,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Clip:
        """Build a clip from :meth:`to_dict` output."""
        if not isinstance(data, Mapping):
            raise InvalidClipError(f"a clip must be a dict, got {_fmt(data)}")
        unknown = sorted(
            str(k) for k in data if k not in ("notes", "length", "time_signature", "name")
        )
        if unknown:
            raise InvalidClipError(f"unknown clip field(s): {', '.join(unknown)}")
        if "length" not in data:
            raise InvalidClipError("a clip needs a length")
        raw_notes = data.get("notes", [])
        if isinstance(raw_notes, (str, bytes, Mapping)) or not isinstance(raw_notes, Iterable):
            raise InvalidClipError(f"clip notes must be a list, got {_fmt(raw_notes)}")
        ts = data.get("time_signature", [4, 4])
        if isinstance(ts, (str, bytes)) or not isinstance(ts, Iterable):
            raise InvalidClipError(f"time_signature must be [numerator, denominator], got {ts!r}")
        ts_parts = list(ts)
        if len(ts_parts) != 2:
            raise InvalidClipError(f"time_signature must be [numerator, denominator], got {ts!r}")
        return cls(
            [Note.from_dict(n) for n in raw_notes],
            data["length"],
            TimeSignature(ts_parts[0], ts_parts[1]),
            data.get("name", ""),
        )


@dataclass(frozen=True)
class Track:
    """One clip plus the instrument that plays it (multitrack models, MIDI files)."""

    clip: Clip
    is_drum: bool = False
    program: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.clip, Clip):
            raise InvalidClipError(f"a track holds a Clip, got {self.clip!r}")
        if not isinstance(self.is_drum, bool):
            raise InvalidClipError(f"is_drum must be true or false, got {self.is_drum!r}")
        if not _is_int(self.program) or not 0 <= self.program <= 127:
            raise InvalidClipError(f"program must be 0..127, got {_fmt(self.program)}")
        object.__setattr__(self, "program", int(self.program))
