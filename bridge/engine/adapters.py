"""Clips in a model window <-> the tensors of that model's data converter.

Magenta's converters were written to mine training examples from long
performances: they split melodies and drum tracks at gaps, start at the first
note's bar and drop anything shorter than a slice. At inference a window is
exactly one example, so the engine uses a copy of the converter that keeps the
whole window (no gap splitting, padded to the window's length).
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bridge.clips import FOUR_FOUR, Clip, Track
from bridge.convert import (
    BASS_PROGRAMS,
    QPM,
    check_meter,
    clip_to_sequence,
    sequence_at_tempo,
    sequence_to_clip,
    sequence_to_tracks,
    tracks_to_sequence,
)
from bridge.engine.registry import ModelSpec, Role
from bridge.errors import UnsupportedClipError


def _ungapped(extractor: Any) -> Any:
    if isinstance(extractor, functools.partial) and "gap_bars" in extractor.keywords:
        keywords = dict(extractor.keywords, gap_bars=math.inf)
        if "min_bars" in keywords:
            keywords["min_bars"] = 0
        return functools.partial(extractor.func, *extractor.args, **keywords)
    return extractor


def inference_converter(converter: Any, bars: int) -> Any:
    """A copy of ``converter`` that turns one whole window into one example."""
    conv = copy.deepcopy(converter)
    conv.set_mode("infer")
    if hasattr(conv, "_presplit_on_time_changes"):
        # A window has one tempo and meter; splitting would drop its silent tail.
        conv._presplit_on_time_changes = False
    if hasattr(conv, "_pad_to_total_time"):
        conv._pad_to_total_time = True
    for attr in ("_drums_extractor_fn", "_event_extractor_fn"):
        if hasattr(conv, attr):
            setattr(conv, attr, _ungapped(getattr(conv, attr)))
    if any(c.__name__ == "GrooveConverter" for c in type(conv).__mro__):
        # Take the whole window as one tensor; encode_window pads silent bars.
        conv._split_bars = None
        # Note dropout is training augmentation: at inference it would drop
        # random notes of the musician's clip, unseeded.
        conv._note_dropout = False
    if any(c.__name__ == "MultiInstrumentPerformanceConverter" for c in type(conv).__mro__):
        # Training keeps only bars that fit; a scene's bar must always encode.
        # One playing part is enough, and a part with more events than a
        # slot holds (busy hi-hats) is encoded from its first events rather
        # than the whole bar being refused. The engine checks the part count,
        # so no part is ever dropped here.
        conv._min_num_instruments = 1
        conv._min_total_events = 1
        conv._drop_tracks_and_truncate = True
    if type(conv).__name__ == "TrioConverter":
        conv._gap_bars = bars  # any note in the window counts as covering it
        for sub in ("_melody_converter", "_drums_converter"):
            if hasattr(conv, sub):
                setattr(conv, sub, inference_converter(getattr(conv, sub), bars))
    return conv


# Melody models learned tunes around this pitch (C5; lb-melody's own samples
# have a median of 74). A part far below or above it, a bass line or a
# piccolo, is moved by whole octaves toward it before it is encoded, and
# what the model writes for it is moved back: results keep the part's
# register instead of coming back where the model's tunes sit.
MELODY_CENTER = 72


def octave_shift(clip: Clip, pitch_range: tuple[int, int] | None) -> int:
    """Semitones (whole octaves) that move ``clip`` toward ``MELODY_CENTER``,
    keeping every note inside ``pitch_range``."""
    pitches = sorted(n.pitch for n in clip.notes if not n.mute)
    if not pitches:
        return 0
    shift = 12 * round((MELODY_CENTER - pitches[len(pitches) // 2]) / 12)
    lo, hi = pitch_range or (0, 127)
    while shift and (pitches[0] + shift < lo or pitches[-1] + shift > hi):
        shift -= 12 if shift > 0 else -12
    return shift


def transposed(clip: Clip, semitones: int, pitch_range: tuple[int, int] | None = None) -> Clip:
    """``clip`` moved by ``semitones``; a note pushed out of ``pitch_range``
    (0..127 without one) is folded back in by octaves."""
    if not semitones:
        return clip
    lo, hi = pitch_range or (0, 127)

    def fold(p: int) -> int:
        while p < lo and p + 12 <= 127:
            p += 12
        while p > hi and p - 12 >= 0:
            p -= 12
        return p

    return clip.with_notes(replace(n, pitch=fold(n.pitch + semitones)) for n in clip.notes)


@dataclass(frozen=True)
class WindowTensors:
    inputs: np.ndarray
    controls: np.ndarray
    length: Any
    # The window as the decoder writes it (for drums a one-hot of the drum
    # classes, where the encoder may read a piano roll).
    outputs: np.ndarray


class Adapter:
    """How one model sees clips: which tracks, which instrument, what range."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.role = spec.role
        self.beats = spec.beats
        self.converter = inference_converter(spec.converter, spec.bars)
        # The tempo windows are encoded at, for a model that reads it.
        self.qpm = QPM

    @property
    def reads_tempo(self) -> bool:
        """Whether the model is told the tempo (bridge.engine.groove)."""
        return hasattr(self.converter, "tempo_width")

    def at_tempo(self, qpm: float) -> Adapter:
        """This adapter for a request at ``qpm`` bpm (the converter is shared)."""
        if qpm == self.qpm:
            return self
        out = copy.copy(self)
        out.qpm = float(qpm)
        return out

    # -- checks -------------------------------------------------------------
    def pitch_range(self) -> tuple[int, int] | None:
        conv = self.converter
        if self.role is Role.MELODY:
            return int(conv._min_pitch), int(conv._max_pitch)
        return None

    def drum_pitches(self) -> set[int] | None:
        conv = self.converter
        if self.role in (Role.DRUMS, Role.GROOVE):
            mapping = getattr(conv, "_pitch_class_map", None)
            if mapping:
                return set(mapping)
        return None

    def check_clip(self, clip: Clip, what: str = "clip") -> None:
        """Raise UnsupportedClipError if this model cannot take ``clip``."""
        check_meter(clip)
        if clip.is_empty:
            raise UnsupportedClipError(f"the {what} has no (unmuted) notes")
        played = {n.pitch for n in clip.notes if not n.mute}
        lo_hi = self.pitch_range()
        if lo_hi is not None:
            lo, hi = lo_hi
            outside = sorted(p for p in played if not lo <= p <= hi)
            if outside:
                raise UnsupportedClipError(
                    f"the {what} has pitches {outside} outside the range {lo}-{hi} of "
                    f"model {self.spec.name!r}; transpose it into range"
                )
        drums = self.drum_pitches()
        if drums is not None and not played & drums:
            raise UnsupportedClipError(
                f"none of the {what}'s pitches {sorted(played)} is a drum that model "
                f"{self.spec.name!r} knows (General MIDI drum map, e.g. 36 kick, 38 snare)"
            )

    # -- clips <-> sequences ------------------------------------------------
    def to_sequence(self, tracks: Sequence[Track]) -> Any:
        if self.role in (Role.DRUMS, Role.GROOVE):
            clip = tracks[0].clip
            known = self.drum_pitches()
            if known is not None:  # GrooVAE's converter fails on unknown pitches
                clip = clip.with_notes(n for n in clip.notes if n.pitch in known)
            seq = clip_to_sequence(clip, is_drum=True)
            return sequence_at_tempo(seq, self.qpm) if self.reads_tempo else seq
        if self.role is Role.MELODY:
            clip = tracks[0].clip
            clip = transposed(clip, octave_shift(clip, self.pitch_range()), self.pitch_range())
            return clip_to_sequence(clip, is_drum=False, program=0)
        if self.role is Role.TRIO:
            return tracks_to_sequence(trio_programs(tracks))
        return tracks_to_sequence(tracks)

    def from_sequence(self, seq: Any, template: Sequence[Track]) -> list[Track]:
        """A decoded window back to tracks shaped like ``template``."""
        if not self.role.is_multitrack:
            t = template[0]
            clip = sequence_to_clip(seq, length=self.beats, time_signature=FOUR_FOUR)
            if self.role is Role.MELODY:  # back to the register of the part it stands for
                clip = transposed(clip, -octave_shift(t.clip, rng := self.pitch_range()), rng)
            return [Track(clip, is_drum=t.is_drum, program=t.program)]
        decoded = sequence_to_tracks(seq, length=self.beats)
        return match_tracks(decoded, template, self.beats)

    def encode_window(self, tracks: Sequence[Track]) -> WindowTensors | None:
        """Converter tensors of one window, or None if the window is silent."""
        if all(t.clip.is_empty for t in tracks):
            return None
        seq = self.to_sequence(tracks)
        out = self.converter.to_tensors(seq)
        if not out.inputs:
            return None
        inputs, controls, length = out.inputs[0], out.controls[0], out.lengths[0]
        outputs = out.outputs[0]
        if self.role is Role.GROOVE:
            # GrooVAE's converter stops at the last bar with a hit; the rest of
            # the window is silence, which is all-zero rows in its encoding.
            steps = self.spec.bars * 16
            inputs = _pad_rows(inputs, steps)
            pad_controls = getattr(self.converter, "pad_controls", _pad_rows)
            controls = pad_controls(controls, steps)
            outputs = _pad_rows(outputs, steps)
            length = steps
        return WindowTensors(np.asarray(inputs), np.asarray(controls), length, np.asarray(outputs))


def _pad_rows(arr: Any, rows: int) -> np.ndarray:
    a = np.asarray(arr)
    if a.ndim != 2 or len(a) >= rows:
        return a
    return np.concatenate([a, np.zeros((rows - len(a), a.shape[1]), a.dtype)])


def trio_programs(tracks: Sequence[Track]) -> list[Track]:
    """Give a trio's tracks the programs Magenta's TrioConverter sorts by.

    The drum track is the one marked as drums; the bass is the one with a bass
    program, else the lowest-pitched of the rest; the other is the melody.
    """
    if len(tracks) != 3:
        raise UnsupportedClipError(
            f"a trio model takes 3 tracks (melody, bass, drums), got {len(tracks)}"
        )
    drums = [t for t in tracks if t.is_drum]
    pitched = [t for t in tracks if not t.is_drum]
    if len(drums) != 1:
        raise UnsupportedClipError("a trio needs exactly one drum track")

    def mean_pitch(t: Track) -> float:
        ps = [n.pitch for n in t.clip.notes] or [128]
        return sum(ps) / len(ps)

    bass = next((t for t in pitched if t.program in BASS_PROGRAMS), None)
    if bass is None:
        bass = min(pitched, key=mean_pitch)
    melody = next(t for t in pitched if t is not bass)
    mel_program = melody.program if melody.program not in BASS_PROGRAMS else 0
    bass_program = bass.program if bass.program in BASS_PROGRAMS else 33
    return [
        Track(melody.clip, is_drum=False, program=mel_program),
        Track(bass.clip, is_drum=False, program=bass_program),
        Track(drums[0].clip, is_drum=True, program=drums[0].program),
    ]


def match_tracks(decoded: Sequence[Track], template: Sequence[Track], beats: float) -> list[Track]:
    """Assign decoded instruments to the template's tracks, one each.

    Preference: same drum flag and program, then same drum flag and program
    family (eight programs a family in General MIDI), then same drum flag.
    A template track that gets nothing comes back empty.
    """
    left = list(decoded)
    result: list[Track | None] = [None] * len(template)
    tests: tuple[Callable[[Track, Track], bool], ...] = (
        lambda d, t: d.is_drum == t.is_drum and (d.is_drum or d.program == t.program),
        lambda d, t: d.is_drum == t.is_drum and d.program // 8 == t.program // 8,
        lambda d, t: d.is_drum == t.is_drum,
    )
    for test in tests:
        for i, t in enumerate(template):
            if result[i] is not None:
                continue
            found = next((d for d in left if test(d, t)), None)
            if found is not None:
                left.remove(found)
                result[i] = Track(found.clip, is_drum=t.is_drum, program=t.program)
    return [
        r if r is not None else Track(Clip((), beats), is_drum=t.is_drum, program=t.program)
        for r, t in zip(result, template, strict=True)
    ]
