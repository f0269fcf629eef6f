"""Keys for pitched parts: which key a clip is in, and the transposition that
puts it in another, so that the parts of an endless stream agree.

The key profiles are Krumhansl and Kessler's probe-tone ratings (1982), the
usual weights for a pitch-class histogram's correlation with each key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from bridge.clips import Clip
from bridge.errors import InvalidRequestError

__all__ = ["Key", "best_shift", "estimate_key", "parse_key"]

_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


@dataclass(frozen=True)
class Key:
    """A key: its tonic's pitch class (0 = C) and whether it is minor."""

    tonic: int
    minor: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.tonic < 12:
            raise InvalidRequestError(f"a key's tonic is a pitch class 0-11, got {self.tonic}")

    def profile(self) -> np.ndarray:
        """The key's weight for each pitch class from C."""
        return np.roll(_MINOR if self.minor else _MAJOR, self.tonic)

    def __str__(self) -> str:
        return f"{_NAMES[self.tonic]} {'minor' if self.minor else 'major'}"


def parse_key(text: str) -> Key:
    """``C``, ``F#m``, ``Bb minor``, ``a`` (lower case: minor), ``E major``."""
    m = re.fullmatch(r"\s*([A-Ga-g])([#b]?)\s*(m|min|minor|maj|major)?\s*", text)
    if not m:
        raise InvalidRequestError(f"a key looks like C, F#m, Bb minor or E major, not {text!r}")
    letter, accidental, mode = m.groups()
    tonic = (_PITCH_CLASS[letter.upper()] + {"#": 1, "b": -1, "": 0}[accidental]) % 12
    minor = mode in ("m", "min", "minor") or (mode is None and letter.islower())
    return Key(tonic, minor)


def _histogram(clips: Iterable[Clip]) -> np.ndarray:
    """Each pitch class's share of the clips' sounding time (muted notes left out)."""
    hist = np.zeros(12)
    for clip in clips:
        for n in clip.notes:
            if not n.mute:
                hist[n.pitch % 12] += max(n.duration, 0.125)
    return hist


def _fit(hist: np.ndarray, key: Key) -> float:
    if hist.std() == 0:
        return 0.0
    return float(np.corrcoef(hist, key.profile())[0, 1])


def estimate_key(clips: Iterable[Clip]) -> Key | None:
    """The key whose profile best fits the clips' pitch classes; None without notes."""
    hist = _histogram(clips)
    if not hist.any():
        return None
    keys = [Key(t, m) for m in (False, True) for t in range(12)]
    return max(keys, key=lambda k: _fit(hist, k))


def best_shift(clip: Clip, key: Key) -> int:
    """The transposition (-6 to +5 semitones) that best puts ``clip`` in ``key``
    (or in its relative major or minor, which shares its notes); the smallest
    move wins a tie, and a clip without notes stays where it is."""
    hist = _histogram([clip])
    if not hist.any():
        return 0
    relative = Key((key.tonic + (3 if key.minor else 9)) % 12, not key.minor)

    def score(shift: int) -> tuple[float, int]:
        moved = np.roll(hist, shift)
        return max(_fit(moved, key), _fit(moved, relative)), -abs(shift)

    return max(range(-6, 6), key=score)
