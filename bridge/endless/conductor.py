"""The conductor: an endless stream's music, made a phrase at a time.

Drums walk over a blend square whose four corners are latents: the user's
beats, else samples of the drum model's prior (a new section may swap the
corner furthest from where the walk is for a new sample). Each pitched part
moves along a chain of keyframe latents, the user's clips first, then new
ones drawn a bounded step from the last; a section goes from one keyframe to
the next. Within a phrase, groups of up to four model windows repeat one
latent (drums each time moved a breath, as a drummer never plays a bar twice
quite alike) and end on a turn (the latent moved a little toward a new one);
a long phrase answers its first half with a second latent halfway to the
next phrase. Pitched parts are moved into one key and into their own register.

Everything is drawn from generators seeded by the stream's seed and the
phrase's number, so a phrase is the same whenever it is made: the stream
starts again at any bar and continues as it would have.
"""

from __future__ import annotations

import itertools
import statistics
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from bridge.clips import FOUR_FOUR, Clip, Track
from bridge.convert import BASS_PROGRAMS, QPM, split_windows, stitch_windows
from bridge.endless.key import Key, best_shift, estimate_key
from bridge.endless.plan import Phrase, Plan, Settings, bilinear_weights
from bridge.engine import latent
from bridge.engine.adapters import transposed
from bridge.engine.registry import Role
from bridge.errors import InvalidRequestError
from bridge.feel import STEP, blend_feel, hit_set
from bridge.limits import MAX_QPM, MIN_QPM

if TYPE_CHECKING:
    from bridge.engine import Engine

__all__ = [
    "BAR_BEATS",
    "DEFAULT_PARTS",
    "PART_KINDS",
    "Bar",
    "Conductor",
    "Part",
    "assign_parts",
    "make_parts",
]

BAR_BEATS = 4.0
KEPT_PHRASES = 4
# What each kind of part plays: (drums, General MIDI program, median pitch).
PART_KINDS: dict[str, tuple[bool, int, int]] = {
    "drums": (True, 0, 0),
    "bass": (False, 33, 40),  # fingered bass, around E2
    "lead": (False, 80, 72),  # square lead, around C5
    "keys": (False, 4, 64),  # electric piano, around E4
}
DEFAULT_PARTS = ("drums", "bass", "lead")
TEMPERATURE = 0.5
# How far a turn (the last window of a group) moves toward a new latent, and
# how far each repeat of a drum pattern (hit F1 about 0.93 to the pattern:
# benchmarks/bench_endless.py); a pitched motif repeats exactly.
TURN = {True: 0.3, False: 0.25}
BREATH = 0.05
# Takes decoded of each drum latent; the one whose bars agree most plays
# (a drummer's bars hang together more than the drum model's: bench_endless).
DRUM_TAKES = 3
# A pitched part's keyframes: each the last moved this far (at pace 0 .. 1)
# toward a new sample; and the register a part's notes are folded into.
KEYFRAME_STEP = (0.2, 0.6)
REGISTER = (-16, 19)
# With no one's feel to carry, notes are played with metrical accents.
ACCENTS = {"bar": 14.0, "beat": 7.0, "eighth": 0.0, "other": -9.0}


@dataclass(frozen=True)
class Part:
    """One instrument of the stream: which model plays it, and how it sounds."""

    name: str
    model: str
    drums: bool = False
    program: int = 0
    center: int = 60  # the median pitch a pitched part is moved to


def make_parts(
    names: Sequence[str], drums_model: str, melody_model: str, band_model: str | None = None
) -> list[Part]:
    """Parts by kind (``PART_KINDS``): drums on the drum model, the rest on the
    melody model; or every part on one band model (its parts in one latent)."""
    parts = []
    for name in names:
        if name not in PART_KINDS:
            raise InvalidRequestError(f"unknown part {name!r}; choose from {', '.join(PART_KINDS)}")
        drums, program, center = PART_KINDS[name]
        model = band_model or (drums_model if drums else melody_model)
        parts.append(Part(name, model, drums, program, center))
    if len({p.name for p in parts}) != len(parts):
        raise InvalidRequestError(f"a part is named twice in {', '.join(names)}")
    return parts


@dataclass(frozen=True)
class Bar:
    """One bar of the stream: a 4-beat track per part (silent where it rests)."""

    index: int
    section: int
    phrase: int
    parts: tuple[str, ...]
    tracks: tuple[Track, ...]

    @property
    def playing(self) -> tuple[str, ...]:
        return tuple(p for p, t in zip(self.parts, self.tracks, strict=True) if t.clip.notes)


class Conductor:
    """Plans and makes the stream's bars with ``engine``'s models.

    ``clips`` gives, per part name, the user's clips: drum beats become blend
    corners, pitched clips the first keyframes (and set the key when
    ``settings.key`` is None). Not safe to share between threads.
    """

    def __init__(
        self,
        engine: Engine,
        parts: Sequence[Part],
        settings: Settings,
        clips: Mapping[str, Sequence[Clip]] | None = None,
        *,
        qpm: float = QPM,
    ) -> None:
        self.engine = engine
        # The tempo the stream plays at, for a groove model that reads it; a
        # new one plays from the next phrase made.
        self.qpm = qpm
        self.parts = list(parts)
        self.settings = settings
        clips = {k: list(v) for k, v in (clips or {}).items()}
        names = [p.name for p in self.parts]
        unknown = sorted(set(clips) - set(names))
        if unknown:
            raise InvalidRequestError(f"clips given for parts not in the stream: {unknown}")
        if sum(p.drums for p in self.parts) > 1:
            raise InvalidRequestError("an endless stream has at most one drum part")
        # A band model plays every part from one latent a window.
        self.band = engine.registry.get(self.parts[0].model).role is Role.MULTITRACK
        if self.band and any(p.model != self.parts[0].model for p in self.parts):
            raise InvalidRequestError("a band model plays every part of a stream, or none")
        for p in self.parts:
            spec = engine.registry.get(p.model)
            wanted = Role.MULTITRACK if self.band else Role.DRUMS if p.drums else Role.MELODY
            if spec.role is not wanted:
                raise InvalidRequestError(
                    f"the {p.name} part needs a {wanted.value} model; "
                    f"{p.model!r} is a {spec.role.value} model"
                )
            if spec.bars not in (1, 2, 4):
                raise InvalidRequestError(
                    f"endless plays 1-, 2- or 4-bar models; {p.model!r} has {spec.bars} bars"
                )
        drum_part = next((p for p in self.parts if p.drums), None)
        corner_first = bool(clips) if self.band else bool(drum_part and clips.get(drum_part.name))
        self.plan = Plan(settings, names, drums_at_corner=corner_first)
        pitched = [c for p in self.parts if not p.drums for c in clips.get(p.name, [])]
        self.key: Key = settings.key or estimate_key(pitched) or self._drawn_key()
        # The user's windows per part: (latent, clip) each; for a band model,
        # the user's scene (every part's first clip) as the first corner.
        self._user: dict[str, list[tuple[np.ndarray, Clip | None]]] = {
            p.name: [] for p in self.parts
        }
        scene = [
            Track(clips[p.name][0], p.drums, p.program) for p in self.parts if clips.get(p.name)
        ]
        if self.band and scene:
            mus = engine.encode(self.parts[0].model, scene, seed=self._seed(5))
            self._user[self.parts[0].name] = [(m, None) for m in mus[:4]]
        for p in [] if self.band else self.parts:
            beats = engine.registry.get(p.model).beats
            found: list[tuple[np.ndarray, Clip | None]] = []
            for clip in clips.get(p.name, []):
                mus = engine.encode(p.model, clip, seed=self._seed(5))
                wins = split_windows(clip, beats)
                found += [(m, w) for m, w in zip(mus, wins, strict=False) if w.notes]
            self._user[p.name] = found
        self._corner_sets: list[tuple[list[np.ndarray], list[Clip | None]]] = []
        self._chains: dict[str, list[np.ndarray]] = {p.name: [] for p in self.parts}
        self._made: OrderedDict[int, list[Bar]] = OrderedDict()
        # A band model's instrument for each part, as it first wrote one.
        self._programs: dict[str, int] = {}

    def retune(self, *, pace: float | None = None, density: float | None = None) -> None:
        """A new pace or density for what is not made yet: density from the
        next phrase made, pace from the next section planned and the next
        keyframe drawn. What was made stays, so the stream does not jump."""
        settings = replace(
            self.settings,
            pace=self.settings.pace if pace is None else pace,
            density=self.settings.density if density is None else density,
        )
        self.settings = self.plan.settings = settings

    # -- randomness -----------------------------------------------------------
    def _rng(self, *stream: int) -> np.random.Generator:
        return np.random.default_rng([self.settings.seed, *stream])

    def _seed(self, *stream: int) -> int:
        return int(self._rng(*stream).integers(0, 2**31 - 1))

    def _prior(self, part: Part, *stream: int) -> np.ndarray:
        return np.asarray(self.engine.prior(part.model, 1, seed=self._seed(*stream))[0])

    def _drawn_key(self) -> Key:
        rng = self._rng(3)
        return Key(int(rng.integers(12)), bool(rng.random() < 0.5))

    # -- latents --------------------------------------------------------------
    def _corners(self, part: Part, section: int) -> tuple[list[np.ndarray], list[Clip | None]]:
        """The drum corners in ``section``, and the user's clip behind each (or None)."""
        while len(self._corner_sets) <= section:
            j = len(self._corner_sets)
            if j == 0:
                user = self._user[part.name][:4]
                zs = [z for z, _ in user]
                srcs: list[Clip | None] = [c for _, c in user]
                for k in range(len(user), 4):
                    new = self._prior(part, 10, 0, k)
                    # Beside the user's beat, new corners stay related to it.
                    zs.append(latent.slerp(zs[0], new, 0.6) if user else new)
                    srcs.append(None)
            else:
                last_zs, last_srcs = self._corner_sets[-1]
                zs, srcs = list(last_zs), list(last_srcs)
                sec = self.plan.section(j)
                if sec.new_corner:
                    # The corner that weighs least where the walk is: the smallest jump.
                    weights = bilinear_weights(*self.plan.position(sec.first_phrase))
                    c = int(np.argmin(weights))
                    zs[c], srcs[c] = self._prior(part, 10, j), None
            self._corner_sets.append((zs, srcs))
        return self._corner_sets[section]

    def _keyframe(self, part: Part, index: int) -> np.ndarray:
        chain = self._chains[part.name]
        user = self._user[part.name]
        lo, hi = KEYFRAME_STEP
        while len(chain) <= index:
            i = len(chain)
            number = self.parts.index(part)
            if i < len(user):
                chain.append(user[i][0])
            elif i == 0:
                chain.append(self._prior(part, 20, number, 0))
            else:
                step = lo + (hi - lo) * self.settings.pace
                chain.append(latent.slerp(chain[-1], self._prior(part, 20, number, i), step))
        return chain[index]

    def _bases(self, part: Part, phrase: Phrase) -> tuple[np.ndarray, np.ndarray]:
        """The phrase's latent, and its answer: halfway to the next phrase's."""
        sec = phrase.section
        if part.drums or self.band:

            def at(g: float) -> np.ndarray:
                lo = self.plan.position(int(g))
                hi = self.plan.position(int(g) + 1)
                t = g - int(g)
                x, y = lo[0] + t * (hi[0] - lo[0]), lo[1] + t * (hi[1] - lo[1])
                corners, _ = self._corners(part, sec.index)
                return latent.bilinear(corners, x, y)

            return at(phrase.index), at(phrase.index + 0.5)
        a, b = self._keyframe(part, sec.index), self._keyframe(part, sec.index + 1)
        t = phrase.number / sec.phrases
        return latent.slerp(a, b, t), latent.slerp(a, b, t + 0.5 / sec.phrases)

    # -- music ----------------------------------------------------------------
    def phrase(self, index: int) -> list[Bar]:
        """The bars of the stream's phrase number ``index`` (the last few made
        are kept: a stream is asked for a few bars at a time)."""
        if index in self._made:
            self._made.move_to_end(index)
            return self._made[index]
        bars = self._make_phrase(index)
        self._made[index] = bars
        while len(self._made) > KEPT_PHRASES:
            self._made.popitem(last=False)
        return bars

    def _make_phrase(self, index: int) -> list[Bar]:
        phrase = self.plan.phrase(index)
        names = tuple(p.name for p in self.parts)
        per_part: dict[str, Clip] = {}
        # One decode per model for all its parts' windows.
        wanted: dict[str, list[tuple[Part, list[int], list[np.ndarray]]]] = {}
        if self.band:
            per_part = self._band_phrase(phrase)
        for i, part in enumerate([] if self.band else self.parts):
            if not phrase.playing[i]:
                continue
            spec = self.engine.registry.get(part.model)
            count = phrase.bars // spec.bars
            order, unique = self._pattern(part, i, phrase, count)
            wanted.setdefault(part.model, []).append((part, order, unique))
        for m, (model, jobs) in enumerate(sorted(wanted.items())):
            zs = np.asarray([z for _, _, unique in jobs for z in unique], np.float32)
            drums = any(part.drums for part, _, _ in jobs)
            takes = DRUM_TAKES if drums and self.engine.registry.get(model).bars > 1 else 1
            decoded = self.engine.decode(
                model, np.repeat(zs, takes, axis=0), temperature=TEMPERATURE,
                seed=self._seed(40, index, m),
            )  # fmt: skip
            # Of a drum pattern's takes, the one whose bars hang together best.
            clips = [
                max(decoded[k * takes : (k + 1) * takes], key=_bars_agree) for k in range(len(zs))
            ]
            at = 0
            for part, order, unique in jobs:
                windows = clips[at : at + len(unique)]
                at += len(unique)
                windows = self._played(part, phrase, windows)
                beats = windows[0].length
                joined = stitch_windows([windows[k] for k in order], beats * len(order))
                per_part[part.name] = joined
        tracks_per_bar: list[list[Track]] = [[] for _ in range(phrase.bars)]
        for part in self.parts:
            full = per_part.get(part.name, Clip((), phrase.bars * BAR_BEATS))
            bars = split_windows(full, BAR_BEATS, loop=False)
            program = self._programs.get(part.name, part.program)
            for k, clip in enumerate(bars[: phrase.bars]):
                named = Clip(clip.notes, BAR_BEATS, FOUR_FOUR, part.name)
                tracks_per_bar[k].append(Track(named, part.drums, program))
        return [
            Bar(phrase.start + k, phrase.section.index, index, names, tuple(tracks))
            for k, tracks in enumerate(tracks_per_bar)
        ]

    def _pattern(
        self, part: Part, number: int, phrase: Phrase, count: int
    ) -> tuple[list[int], list[np.ndarray]]:
        """The latents of a phrase's ``count`` windows: which of ``unique`` each plays."""
        a, b = self._bases(part, phrase)
        unique: list[np.ndarray] = [a, b]
        order: list[int] = []
        size = min(count, 4)
        breathes = part.drums or self.band
        for group in range(count // size):
            base = unique[group % 2]
            for r in range(size - 1):
                if breathes and r:  # a drummer never plays a bar twice quite alike
                    new = self._prior(part, 31, number, phrase.index, group, r)
                    unique.append(latent.slerp(base, new, BREATH))
                    order.append(len(unique) - 1)
                else:
                    order.append(group % 2)
            if size > 1:
                new = self._prior(part, 30, number, phrase.index, group)
                unique.append(latent.slerp(base, new, TURN[part.drums]))
                order.append(len(unique) - 1)
            else:
                order.append(group % 2)
        return order, unique

    def _band_phrase(self, phrase: Phrase) -> dict[str, Clip]:
        """A phrase of a band model: every window one latent for all parts,
        each decoded instrument given to the part its role says."""
        lead = self.parts[0]
        spec = self.engine.registry.get(lead.model)
        count = phrase.bars // spec.bars
        order, unique = self._pattern(lead, 0, phrase, count)
        scenes = self.engine.decode_scenes(
            lead.model,
            np.asarray(unique, np.float32),
            temperature=TEMPERATURE,
            seed=self._seed(40, phrase.index, 0),
        )
        playing = [p for p, on in zip(self.parts, phrase.playing, strict=True) if on]
        windows: dict[str, list[Clip]] = {p.name: [] for p in playing}
        rng = self._rng(50, phrase.index, 0)
        for scene in scenes:
            given = assign_parts(scene, playing, spec.beats)
            pitched = [c for p, (c, _) in given.items() if not self._part(p).drums]
            shift = best_shift(_merged(pitched, spec.beats), self.key) if pitched else 0
            for p in playing:
                clip, program = given[p.name]
                # The part's instrument: the first the band gave it (a bass's for the bass).
                if program is not None and (p.name != "bass" or program in BASS_PROGRAMS):
                    self._programs.setdefault(p.name, program)
                if not p.drums:
                    low, high = REGISTER
                    clip = transposed(
                        clip, shift, (max(0, p.center + low - 12), min(127, p.center + high + 12))
                    )
                windows[p.name].append(_thinned(clip, self.settings.density, rng))
        beats = float(spec.beats)
        return {
            name: stitch_windows([w[k] for k in order], beats * len(order))
            for name, w in windows.items()
        }

    def _part(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)

    def _played(self, part: Part, phrase: Phrase, windows: list[Clip]) -> list[Clip]:
        """The decoded windows as the part plays them: in key and register for
        pitched parts, with feel, thinned at low density."""
        i = self.parts.index(part)
        rng = self._rng(50, phrase.index, i)
        if part.drums:
            windows = self._drum_feel(part, phrase, windows)
        else:
            user = [c for _, c in self._user[part.name] if c is not None]
            windows = [self._placed(part, w) for w in windows]
            windows = [
                blend_feel(user[:1], [1.0], w, drums=False) if user else _accented(w, rng)
                for w in windows
            ]
        return [_thinned(w, self.settings.density, rng) for w in windows]

    def _placed(self, part: Part, clip: Clip) -> Clip:
        """A pitched window moved into the stream's key, then by octaves to the part's register."""
        clip = transposed(clip, best_shift(clip, self.key))
        pitches = [n.pitch for n in clip.notes]
        if not pitches:
            return clip
        octave = 12 * round((part.center - statistics.median(pitches)) / 12)
        lo, hi = REGISTER
        return transposed(clip, octave, (max(0, part.center + lo), min(127, part.center + hi)))

    def _drum_feel(self, part: Part, phrase: Phrase, windows: list[Clip]) -> list[Clip]:
        """Drum windows played: by the groove model (all windows in one run),
        with the feel of the user's corners by their weight where the walk is."""
        played: list[Clip | None] = [None] * len(windows)
        groove = self.engine.groove
        beats = windows[0].length
        if groove is not None and any(w.notes for w in windows):
            joined = stitch_windows(windows, beats * len(windows))
            seed = self._seed(60, phrase.index)
            qpm = min(max(self.qpm, MIN_QPM), MAX_QPM)
            out = self.engine.humanize(groove, joined, seed=seed, qpm=qpm).clips[0]
            played = list(split_windows(out, beats, loop=False))
        _, sources = self._corners(part, phrase.section.index)
        weights = bilinear_weights(*self.plan.position(phrase.index))
        users = [(c, w) for c, w in zip(sources, weights, strict=True) if c is not None]
        rng = self._rng(61, phrase.index)
        out_windows = []
        for w, p in zip(windows, played, strict=True):
            if users and sum(x for _, x in users) > 0.05:
                out_windows.append(
                    blend_feel(
                        [c for c, _ in users], [x for _, x in users], w, drums=True, played=p
                    )
                )
            elif p is not None:
                out_windows.append(p)
            else:
                out_windows.append(_accented(w, rng))
        return out_windows

    def bars(self, start: int = 0) -> Iterator[Bar]:
        """The stream's bars from bar ``start`` on, without end."""
        index = self.plan.phrase_at(start).index
        while True:
            for bar in self.phrase(index):
                if bar.index >= start:
                    yield bar
            index += 1


def assign_parts(
    scene: Sequence[Track], parts: Sequence[Part], beats: float
) -> dict[str, tuple[Clip, int | None]]:
    """A band model's decoded instruments given to parts by role: the drums
    to the drum part; a bass (program 32-39, else the lowest) to the bass;
    the busiest of the rest to lead, then keys. Each part gets its clip and
    the program it came from (None where the scene had nothing for it)."""
    empty = Clip((), beats)
    drums = [t for t in scene if t.is_drum and t.clip.notes]
    pitched = [t for t in scene if not t.is_drum and t.clip.notes]
    out: dict[str, tuple[Clip, int | None]] = {p.name: (empty, None) for p in parts}
    names = [p.name for p in parts]
    drum_part = next((p.name for p in parts if p.drums), None)
    if drum_part and drums:
        notes = [n for t in drums for n in t.clip.notes]
        out[drum_part] = (Clip(notes, beats), drums[0].program)
    if "bass" in names and pitched:
        basses = [t for t in pitched if t.program in BASS_PROGRAMS]
        bass = (
            basses[0]
            if basses
            else min(pitched, key=lambda t: statistics.median(n.pitch for n in t.clip.notes))
        )
        out["bass"] = (bass.clip, bass.program)
        pitched = [t for t in pitched if t is not bass]
    rest = [n for n in names if n not in ("bass", drum_part)]
    for name, track in zip(rest, sorted(pitched, key=lambda t: -len(t.clip.notes)), strict=False):
        out[name] = (track.clip, track.program)
    return out


def _bars_agree(clip: Clip) -> float:
    """How alike a drum window's bars are: mean hit F1 of each bar to the next."""
    hits = [hit_set(b, True) for b in split_windows(clip, BAR_BEATS, loop=False)]
    pairs = list(itertools.pairwise(hits))
    if not pairs:
        return 0.0
    return sum(2 * len(a & b) / max(1, len(a) + len(b)) for a, b in pairs) / len(pairs)


def _merged(clips: Sequence[Clip], beats: float) -> Clip:
    return Clip([n for c in clips for n in c.notes], beats)


def _accented(clip: Clip, rng: np.random.Generator) -> Clip:
    """Velocities from where notes fall: the bar's downbeat strongest, then
    beats, eighths and the rest, with a little unevenness."""
    notes = []
    for n in clip.notes:
        pos = n.start_time % BAR_BEATS
        if pos < 0.01:
            accent = ACCENTS["bar"]
        elif abs(pos - round(pos)) < 0.01:
            accent = ACCENTS["beat"]
        elif abs(pos * 2 - round(pos * 2)) < 0.01:
            accent = ACCENTS["eighth"]
        else:
            accent = ACCENTS["other"]
        velocity = 84.0 + accent + float(rng.normal(0.0, 5.0))
        notes.append(replace(n, velocity=float(np.clip(velocity, 30.0, 127.0))))
    return clip.with_notes(notes)


def _thinned(clip: Clip, density: float, rng: np.random.Generator) -> Clip:
    """Below density 0.5, notes off the eighth-note grid are left out, more the lower it is."""
    drop = max(0.0, (0.5 - density) * 2.0)
    if not drop:
        return clip
    kept = [
        n
        for n in clip.notes
        if abs(n.start_time / (2 * STEP) - round(n.start_time / (2 * STEP))) < 0.2
        or rng.random() >= drop
    ]
    return clip.with_notes(kept)
