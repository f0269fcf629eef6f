"""The shape of an endless stream, from its seed alone: sections of phrases,
which parts play in each, and the drums' walk over the blend square.

It is arithmetic only (no model), and every section draws from a random
generator of its own, so the place of any bar is known without making the
music before it: a stream can stop and start again anywhere, the same.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bridge.endless.key import Key
from bridge.errors import InvalidRequestError
from bridge.limits import MAX_STREAM_BAR, check_seed

__all__ = ["MAX_BAR", "PHRASE_BARS", "Phrase", "Plan", "Section", "Settings", "bilinear_weights"]

# Phrase lengths in bars, and how often each is chosen.
PHRASE_BARS = (4, 8, 16)
PHRASE_WEIGHTS = (0.25, 0.5, 0.25)
# A section's walk goes at the stream's pace times one of these.
SECTION_PACE = (0.5, 1.0, 1.5)
MAX_BAR = MAX_STREAM_BAR
# How often a new section replaces one drum corner (never the first).
NEW_CORNER = 0.6


@dataclass(frozen=True)
class Settings:
    """What a musician sets: the seed that makes the stream, how fast it moves
    (``pace``), how full it is (``density``), and the key of pitched parts
    (None: the user's clips' key, else one drawn from the seed)."""

    seed: int = 0
    pace: float = 0.5
    density: float = 0.6
    key: Key | None = None

    def __post_init__(self) -> None:
        try:
            check_seed(self.seed)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None
        for name in ("pace", "density"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidRequestError(f"{name} must be a number from 0 to 1, got {value!r}")
            if not (math.isfinite(value) and 0 <= value <= 1):
                raise InvalidRequestError(f"{name} must be from 0 to 1, got {value}")

    @property
    def step(self) -> float:
        """How far the drums move over the blend square in one phrase (0.05-0.35)."""
        return 0.05 + 0.3 * self.pace


@dataclass(frozen=True)
class Section:
    """Phrases that belong together: one phrase length, one pace, one set of parts."""

    index: int
    start: int  # its first bar
    first_phrase: int  # the stream's number of its first phrase
    phrase_bars: int
    phrases: int
    pace: float  # the drums' step over the blend square per phrase
    enters: tuple[int | None, ...]  # per part, the phrase it comes in at; None: it rests
    new_corner: bool  # one drum corner is replaced as it starts

    @property
    def bars(self) -> int:
        return self.phrase_bars * self.phrases


@dataclass(frozen=True)
class Phrase:
    """One phrase of the stream: where it is, and which parts play in it."""

    index: int  # counted over the whole stream
    section: Section
    number: int  # within its section
    start: int  # its first bar
    bars: int
    playing: tuple[bool, ...]  # per part


class Plan:
    """Sections and phrases of a stream for ``parts`` (by name; ``"drums"`` is
    the part that plays in most sections), made lazily and remembered."""

    def __init__(self, settings: Settings, parts: Sequence[str], *, drums_at_corner: bool = False):
        if not parts:
            raise InvalidRequestError("an endless stream needs at least one part")
        self.settings = settings
        self.parts = tuple(parts)
        self._sections: list[Section] = []
        self._starts: list[int] = []  # each section's first bar, for bisect
        self._firsts: list[int] = []  # each section's first phrase
        # Where the drums start: the first corner (the user's first beat) or the middle.
        self._positions: list[tuple[float, float]] = [(0.0, 0.0) if drums_at_corner else (0.5, 0.5)]
        self._angle = 0.0

    def _rng(self, *stream: int) -> np.random.Generator:
        return np.random.default_rng([self.settings.seed, *stream])

    def _make_section(self, index: int) -> Section:
        rng = self._rng(1, index)
        s = self.settings
        if self._sections:
            last = self._sections[-1]
            start, first = last.start + last.bars, last.first_phrase + last.phrases
        else:
            start = first = 0
        phrase_bars = int(rng.choice(PHRASE_BARS, p=PHRASE_WEIGHTS))
        # Faster streams change section sooner; long phrases make fewer of them.
        mean = (4.0 - 2.0 * s.pace) * (8 / phrase_bars) ** 0.5
        phrases = int(np.clip(round(rng.normal(mean, 0.7)), 1, 6))
        if index == 0:  # room for the parts to come in one by one
            phrases = max(phrases, min(len(self.parts), 4))
        pace = s.step * float(rng.choice(SECTION_PACE))
        enters: list[int | None] = []
        for i, name in enumerate(self.parts):
            drums = name == "drums"
            plays = rng.random() < (0.85 + 0.15 * s.density if drums else 0.3 + 0.65 * s.density)
            late = int(rng.random() < 0.35) if phrases > 1 else 0
            if index == 0:  # the stream builds up: a part at a time
                plays, late = True, min(i, phrases - 1)
            enters.append(late if plays else None)
        if all(e is None for e in enters):
            enters[self.parts.index("drums") if "drums" in self.parts else 0] = 0
        new_corner = index > 0 and rng.random() < NEW_CORNER
        return Section(index, start, first, phrase_bars, phrases, pace, tuple(enters), new_corner)

    def section(self, index: int) -> Section:
        while len(self._sections) <= index:
            made = self._make_section(len(self._sections))
            self._sections.append(made)
            self._starts.append(made.start)
            self._firsts.append(made.first_phrase)
        return self._sections[index]

    def _last(self) -> Section:
        return self.section(len(self._sections) - 1) if self._sections else self.section(0)

    def phrase(self, index: int) -> Phrase:
        """The stream's phrase number ``index``."""
        if index < 0:
            raise InvalidRequestError(f"phrase numbers start at 0, got {index}")
        while self._last().first_phrase + self._last().phrases <= index:
            self.section(len(self._sections))
        sec = self._sections[bisect.bisect_right(self._firsts, index) - 1]
        number = index - sec.first_phrase
        playing = tuple(e is not None and e <= number for e in sec.enters)
        return Phrase(
            index, sec, number, sec.start + number * sec.phrase_bars, sec.phrase_bars, playing
        )

    def phrase_at(self, bar: int) -> Phrase:
        """The phrase that plays bar ``bar`` (from 0)."""
        if bar < 0:
            raise InvalidRequestError(f"bars are counted from 0, got {bar}")
        if bar > MAX_BAR:
            raise InvalidRequestError(
                f"a stream is at most {MAX_BAR} bars long (23 days at 120 bpm), got bar {bar}"
            )
        while self._last().start + self._last().bars <= bar:
            self.section(len(self._sections))
        sec = self._sections[bisect.bisect_right(self._starts, bar) - 1]
        return self.phrase(sec.first_phrase + (bar - sec.start) // sec.phrase_bars)

    def position(self, phrase: int) -> tuple[float, float]:
        """Where the drums are on the blend square in phrase ``phrase``: a walk
        that turns gently and reflects off the edges, a section's pace a step."""
        while len(self._positions) <= phrase:
            g = len(self._positions)
            rng = self._rng(2, g)
            self._angle += float(rng.normal(0.0, 0.8))
            step = self.phrase(g).section.pace
            x, y = self._positions[-1]
            x, y = x + step * math.cos(self._angle), y + step * math.sin(self._angle)
            self._positions.append((_reflect(x), _reflect(y)))
        return self._positions[phrase]


def _reflect(v: float) -> float:
    """``v`` folded back into [0, 1], as a ball off the square's walls."""
    v = v % 2.0
    return 2.0 - v if v > 1.0 else v


def bilinear_weights(x: float, y: float) -> tuple[float, float, float, float]:
    """The four corners' weights at (x, y): top-left, top-right, bottom-left, bottom-right."""
    return ((1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y)
