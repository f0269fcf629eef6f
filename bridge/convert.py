"""Clips to and from note_seq NoteSequences and MIDI files.

Inside the bridge a clip becomes a NoteSequence at a fixed 120 qpm (one beat =
0.5 s), whatever the tempo of the Live set: MusicVAE's converters quantize at
4 steps per quarter note, so only beats matter and a fixed tempo makes the
seconds <-> beats mapping exact and trivial. A model that reads the tempo
gets the sequence moved to the song's (:func:`sequence_at_tempo`).

note_seq is imported inside the functions that need it: importing it loads
most of the library (several seconds), and clips, windows and MIDI files do
not need it.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import mido
import pretty_midi

from bridge.clips import FOUR_FOUR, Clip, Note, TimeSignature, Track
from bridge.errors import InvalidClipError, MidiFileError, UnsupportedClipError
from bridge.limits import MAX_QPM, MIN_QPM

if TYPE_CHECKING:
    from note_seq.protobuf.music_pb2 import NoteSequence

__all__ = [
    "MIN_DURATION",
    "QPM",
    "SECONDS_PER_BEAT",
    "STEPS_PER_QUARTER",
    "TICKS_PER_QUARTER",
    "carry_note_fields",
    "check_meter",
    "clip_to_sequence",
    "midi_bytes",
    "midi_tempo",
    "read_midi",
    "read_midi_and_tempo",
    "sequence_at_tempo",
    "sequence_to_clip",
    "sequence_to_tracks",
    "split_windows",
    "stitch_windows",
    "tracks_to_sequence",
    "without_overlaps",
    "write_midi",
]

QPM = 120.0
BASS_PROGRAMS = range(32, 40)  # General MIDI's basses (programs 33-40, counted from 1)
SECONDS_PER_BEAT = 60.0 / QPM
STEPS_PER_QUARTER = 4
# note_seq's standard resolution; only metadata for a NoteSequence.
TICKS_PER_QUARTER = 220
# Shortest note we hand back to Live, in beats: zero-length notes (common in
# drum output) are invalid in Live and in :class:`Note`.
MIN_DURATION = 1.0 / 64.0
# Durations at or under this many beats count as zero length.
_EPSILON = 1e-6
# MIDI files are written at 480 ticks per beat: divisible by 3 and by 32, so
# triplets and 1/128 notes land on exact ticks (note_seq's 220 is not).
_MIDI_RESOLUTION = 480


# --- NoteSequence ---------------------------------------------------------


def _new_sequence(time_signature: TimeSignature, total_beats: float) -> NoteSequence:
    from note_seq.protobuf import music_pb2

    seq = music_pb2.NoteSequence()
    seq.ticks_per_quarter = TICKS_PER_QUARTER
    seq.tempos.add(time=0.0, qpm=QPM)
    seq.time_signatures.add(
        time=0.0, numerator=time_signature.numerator, denominator=time_signature.denominator
    )
    seq.total_time = total_beats * SECONDS_PER_BEAT
    return seq


def _midi_velocity(velocity: float) -> int:
    # Velocity 0 is a note-off in MIDI, so the softest note that still plays is 1.
    return min(127, max(1, round(velocity)))


def _add_clip(
    seq: NoteSequence, clip: Clip, *, is_drum: bool, program: int, instrument: int
) -> None:
    for note in clip.notes:
        if note.mute:  # Live does not play muted notes, so neither does a model.
            continue
        seq.notes.add(
            pitch=note.pitch,
            velocity=_midi_velocity(note.velocity),
            start_time=note.start_time * SECONDS_PER_BEAT,
            end_time=note.end_time * SECONDS_PER_BEAT,
            instrument=instrument,
            program=program,
            is_drum=is_drum,
        )


def clip_to_sequence(
    clip: Clip, *, is_drum: bool = False, program: int = 0, instrument: int = 0
) -> NoteSequence:
    """The clip's playing notes as a NoteSequence at 120 qpm."""
    seq = _new_sequence(clip.time_signature, clip.length)
    _add_clip(seq, clip, is_drum=is_drum, program=program, instrument=instrument)
    return seq


def sequence_at_tempo(seq: NoteSequence, qpm: float) -> NoteSequence:
    """A copy of a one-tempo NoteSequence at ``qpm``: the same beats, its
    seconds scaled (for converters that read the tempo, such as
    :class:`bridge.engine.groove.TempoGrooveConverter`)."""
    qpm = _check_qpm(qpm)
    out = type(seq)()
    out.CopyFrom(seq)
    scale = (out.tempos[0].qpm if out.tempos else QPM) / qpm
    for note in out.notes:
        note.start_time *= scale
        note.end_time *= scale
    for ts in out.time_signatures:
        ts.time *= scale
    out.total_time *= scale
    del out.tempos[:]
    out.tempos.add(time=0.0, qpm=qpm)
    return out


def _notes_in_beats(seq_notes: Iterable[Any], length: float) -> list[Note]:
    notes = []
    for sn in seq_notes:
        start = max(0.0, sn.start_time / SECONDS_PER_BEAT)
        if start >= length:
            continue
        duration = min(sn.end_time / SECONDS_PER_BEAT, length) - start
        if duration <= _EPSILON:
            duration = MIN_DURATION
        notes.append(Note(int(sn.pitch), start, duration, velocity=float(sn.velocity)))
    return notes


def sequence_to_clip(
    seq: NoteSequence,
    *,
    length: float,
    time_signature: TimeSignature = FOUR_FOUR,
    name: str = "",
    instrument: int | None = None,
) -> Clip:
    """A clip of ``length`` beats from a 120 qpm NoteSequence.

    Notes starting at or after ``length`` are dropped and the rest cut at
    ``length``; ``instrument`` keeps only that instrument's notes.
    """
    length = _check_length(length)
    chosen = [sn for sn in seq.notes if instrument is None or sn.instrument == instrument]
    return Clip(_notes_in_beats(chosen, length), length, time_signature, name)


def tracks_to_sequence(tracks: Sequence[Track]) -> NoteSequence:
    """One NoteSequence holding track i as instrument i with its program and drum flag."""
    if not tracks:
        raise InvalidClipError("there are no tracks to convert")
    seq = _new_sequence(tracks[0].clip.time_signature, max(t.clip.length for t in tracks))
    for i, track in enumerate(tracks):
        _add_clip(seq, track.clip, is_drum=track.is_drum, program=track.program, instrument=i)
    return seq


def sequence_to_tracks(
    seq: NoteSequence, *, length: float, time_signature: TimeSignature = FOUR_FOUR
) -> list[Track]:
    """One track per (instrument, program, is_drum) in the sequence, by instrument."""
    length = _check_length(length)
    groups: dict[tuple[int, int, bool], list[Any]] = {}
    for sn in seq.notes:
        key = (int(sn.instrument), int(sn.program), bool(sn.is_drum))
        groups.setdefault(key, []).append(sn)
    tracks = []
    for key in sorted(groups):
        _, program, is_drum = key
        clip = Clip(_notes_in_beats(groups[key], length), length, time_signature)
        tracks.append(Track(clip, is_drum=is_drum, program=program))
    return tracks


def _check_length(length: float) -> float:
    # Clip() checks this too, but only after the notes were cut at a bad length.
    if isinstance(length, bool) or not isinstance(length, (int, float)):
        raise InvalidClipError(f"clip length must be a number of beats > 0, got {length!r}")
    if not (math.isfinite(length) and length > 0):
        raise InvalidClipError(f"clip length must be a number of beats > 0, got {length}")
    return float(length)


def without_overlaps(clip: Clip) -> Clip:
    """The clip with no two sounding notes of one pitch overlapping.

    Live shortens or drops such notes, and a MIDI file cannot say which
    note-off ends which: a note is cut where the next of its pitch starts, and
    of two starting together only the louder is kept.
    """
    by_pitch: dict[int, list[Note]] = {}
    for n in clip.notes:
        if not n.mute:
            by_pitch.setdefault(n.pitch, []).append(n)
    kept: list[Note] = [n for n in clip.notes if n.mute]
    changed = False
    for notes in by_pitch.values():
        notes.sort(key=lambda n: (n.start_time, -n.velocity))
        for i, n in enumerate(notes):
            if i and notes[i - 1].start_time == n.start_time:
                changed = True  # the louder one, sorted first, plays
                continue
            nxt = next((m.start_time for m in notes[i + 1 :] if m.start_time > n.start_time), None)
            if nxt is not None and n.end_time > nxt + _EPSILON:
                n = replace(n, duration=max(MIN_DURATION, nxt - n.start_time))
                changed = True
            kept.append(n)
    if not changed:
        return clip
    kept.sort(key=lambda n: (n.start_time, n.pitch))
    return clip.with_notes(kept)


def carry_note_fields(source: Clip, result: Clip, *, tolerance: float = 0.125) -> Clip:
    """Copy Live-only note fields from ``source`` onto the notes of ``result``.

    A model sees only pitch, time and velocity, so probability, velocity
    deviation and release velocity would be lost. Where a result note has a
    source note of the same pitch starting within ``tolerance`` beats, it takes
    that note's fields; the nearest pairs are matched first and each source
    note is used at most once.
    """
    # Muted notes never reached the model, so no result note can be one of them.
    candidates = [n for n in source.notes if not n.mute]
    pairs = sorted(
        (abs(r.start_time - s.start_time), ri, si)
        for ri, r in enumerate(result.notes)
        for si, s in enumerate(candidates)
        if r.pitch == s.pitch and abs(r.start_time - s.start_time) <= tolerance
    )
    match: dict[int, Note] = {}
    used: set[int] = set()
    for _, ri, si in pairs:
        if ri in match or si in used:
            continue
        match[ri] = candidates[si]
        used.add(si)
    notes = [
        replace(
            r,
            probability=match[i].probability,
            velocity_deviation=match[i].velocity_deviation,
            release_velocity=match[i].release_velocity,
        )
        if i in match
        else r
        for i, r in enumerate(result.notes)
    ]
    return result.with_notes(notes)


# --- Windows --------------------------------------------------------------


def _window(notes: Iterable[Note], start: float, end: float) -> list[Note]:
    """Notes starting in [start, end), made relative to ``start`` and cut at ``end``."""
    return [
        replace(n, start_time=n.start_time - start, duration=min(n.end_time, end) - n.start_time)
        for n in notes
        if start <= n.start_time < end
    ]


def _shift(notes: Iterable[Note], offset: float) -> list[Note]:
    return [replace(n, start_time=n.start_time + offset) for n in notes]


def split_windows(clip: Clip, window: float, *, loop: bool = True) -> list[Clip]:
    """Cut a clip into windows of ``window`` beats for a fixed-length model.

    Notes belong to the window they start in and are cut at its end. Where the
    clip does not fill the last window, the rest is the clip again from its
    start (as Live loops it, each repeat cut at the clip end) when ``loop`` is
    true, or silence when it is false. Every window is ``window`` beats long.
    """
    window = _check_length(window)
    length = clip.length
    # A hair of tolerance so that 8.000000001 beats does not make a third window.
    count = max(1, math.ceil(length / window - 1e-9))
    windows = []
    for i in range(count):
        lo, hi = i * window, (i + 1) * window
        if loop and hi > length:
            # Lay repeats of the clip end to end, as Live plays a looped clip.
            one_pass = _window(clip.notes, 0.0, length)
            stream: list[Note] = []
            for k in range(math.floor(lo / length), math.ceil(hi / length)):
                stream += _shift(one_pass, k * length)
            notes = _window(stream, lo, hi)
        else:
            notes = _window(clip.notes, lo, hi)
        windows.append(Clip(notes, window, clip.time_signature, clip.name))
    return windows


def stitch_windows(
    windows: Sequence[Clip],
    length: float,
    *,
    name: str = "",
    time_signature: TimeSignature | None = None,
    grid: float | None = None,
) -> Clip:
    """Join windows end to end and cut the result to ``length`` beats.

    Each window starts where the previous one ends; the time signature
    defaults to the first window's. With ``grid`` (beats), the windows are
    played performances of a pattern on that grid (a groove model's), and a
    note belongs to the result by the grid point it was played for, the
    nearest one: a hit of the next pass of a looped clip played early stays
    out, rather than coming back as a sliver at the clip's end.
    """
    length = _check_length(length)
    if time_signature is None:
        time_signature = windows[0].time_signature if windows else FOUR_FOUR
    notes: list[Note] = []
    offset = 0.0
    for w in windows:
        notes += _shift(w.notes, offset)
        offset += w.length
    if grid:
        notes = [n for n in notes if round(n.start_time / grid) * grid < length - 1e-9]
    return Clip(_window(notes, 0.0, length), length, time_signature, name)


def check_meter(clip: Clip, beats_per_bar: float = 4.0) -> None:
    """Refuse a clip whose meter is not the one the model was trained on.

    The expected meter is ``beats_per_bar`` quarter notes (4.0 is 4/4, 3.0 is
    3/4); a 2/2 or 6/8 clip is refused too, since its accents differ.
    """
    expected = _meter_for(beats_per_bar)
    ts = clip.time_signature
    if (ts.numerator, ts.denominator) != (expected.numerator, expected.denominator):
        raise UnsupportedClipError(f"this model is trained on {expected}; the clip is in {ts}")


def _meter_for(beats_per_bar: float) -> TimeSignature:
    for denominator in (4, 8, 16, 32):
        numerator = beats_per_bar * denominator / 4
        if numerator == int(numerator) and 1 <= numerator <= 32:
            return TimeSignature(int(numerator), denominator)
    raise UnsupportedClipError(f"no time signature has {beats_per_bar} beats per bar")


# --- MIDI files -----------------------------------------------------------


def _load_midi(source: str | os.PathLike[str] | bytes, where: str) -> Any:
    return _load_midi_and_end(source, where)[0]


def _load_midi_and_end(source: str | os.PathLike[str] | bytes, where: str) -> tuple[Any, int]:
    """The file as pretty_midi reads it, and the tick its last track ends at
    (its end-of-track event: where a DAW's export says the clip ends)."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        try:
            with open(source, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise MidiFileError(f"cannot read {where}: {exc.strerror or exc}") from exc
    if not data:
        raise MidiFileError(f"{where} is empty (0 bytes), not a MIDI file")
    try:
        parsed = mido.MidiFile(file=io.BytesIO(data), charset="latin1")
        end = max((sum(int(m.time) for m in track) for track in parsed.tracks), default=0)
        return pretty_midi.PrettyMIDI(mido_object=parsed), end
    except Exception as exc:
        # mido and pretty_midi raise a wide, undocumented range of errors on bad
        # input (OSError, EOFError, ValueError, KeyError, IndexError, mido's own
        # KeySignatureError, ...); all of them mean "not a MIDI file we can read".
        detail = str(exc) or ("it ends too early" if isinstance(exc, EOFError) else repr(exc))
        raise MidiFileError(f"{where} is not a readable MIDI file ({detail})") from exc


def _track_name(inst: Any) -> str:
    name = str(inst.name or "").strip()
    if name:
        return name
    if inst.is_drum:
        return "Drums"
    return str(pretty_midi.program_to_instrument_name(int(inst.program)))


def read_midi(source: str | os.PathLike[str] | bytes) -> list[Track]:
    """Read a MIDI file (a path or its bytes) as one track per instrument with notes.

    Times are converted through the file's tempo map, so a file at any tempo
    reads back in beats. All tracks share one length in whole bars of the
    file's first time signature (see :func:`_bars_of`).
    """
    return read_midi_and_tempo(source)[0]


def read_midi_and_tempo(source: str | os.PathLike[str] | bytes) -> tuple[list[Track], float]:
    """:func:`read_midi`, and the tempo the file starts at (see :func:`midi_tempo`)."""
    where = "the MIDI data" if isinstance(source, (bytes, bytearray)) else os.fspath(source)
    pm, end = _load_midi_and_end(source, where)
    return _tracks_of(pm, where, end), _first_tempo(pm)


# A note's tail that reaches no further than this many
# beats into a bar does not make the bar part of the clip: a release played
# a little past the bar line is no more music.
TAIL_BEATS = 1.0


def _bars_of(starts: float, ends: float, bar: float) -> int:
    """How many bars a clip whose last note starts at beat ``starts`` is, when
    its notes end at beat ``ends``: every bar a note starts in, and the bars
    the ends reach more than :data:`TAIL_BEATS` into."""
    # A writer may end its track a tick or so after the last note-off.
    slack = 1.0 / 64.0
    return max(1, math.floor(starts / bar) + 1, math.ceil((ends - TAIL_BEATS - slack) / bar))


def _marked_bars(end_tick: int, bar_ticks: float) -> int:
    """The bars a file's end of track marks, when it is on a bar line, as a
    DAW's clip export (and ours) writes it; 0 elsewhere: some files end their
    track far past their music (in the Groove MIDI Dataset, up to 50 bars),
    never on a bar line."""
    if bar_ticks <= 0 or end_tick <= 0:
        return 0
    bars = round(end_tick / bar_ticks)
    # Exactly: an end one tick past a bar line is a writer's "after the last
    # event" (some GMD files end a tick past a bar, 50 bars after their music).
    return bars if abs(end_tick - bars * bar_ticks) < 0.5 else 0


def _tracks_of(pm: Any, where: str, end_tick: int = 0) -> list[Track]:
    resolution = float(pm.resolution)

    if pm.time_signature_changes:
        first = min(pm.time_signature_changes, key=lambda ts: ts.time)
        try:
            time_signature = TimeSignature(int(first.numerator), int(first.denominator))
        except InvalidClipError as exc:
            raise MidiFileError(f"{where} has an unsupported time signature: {exc}") from exc
    else:
        time_signature = FOUR_FOUR

    parts: list[tuple[Any, list[Note]]] = []
    for inst in pm.instruments:
        notes = []
        for pn in inst.notes:
            # Through ticks, not seconds, so the file's tempo map is honoured;
            # the duration is taken in ticks too, so 1/3 beat stays exactly 1/3.
            on, off = int(pm.time_to_tick(pn.start)), int(pm.time_to_tick(pn.end))
            start = on / resolution
            duration = (off - on) / resolution
            if duration <= _EPSILON:
                duration = MIN_DURATION
            notes.append(Note(int(pn.pitch), start, duration, velocity=float(pn.velocity)))
        if notes:
            parts.append((inst, notes))
    if not parts:
        raise MidiFileError(f"{where} has no notes")

    starts = max(n.start_time for _, notes in parts for n in notes)
    ends = max(n.end_time for _, notes in parts for n in notes)
    bar = time_signature.beats_per_bar
    length = max(_bars_of(starts, ends, bar), _marked_bars(end_tick, bar * resolution)) * bar
    return [
        Track(
            Clip(notes, length, time_signature, _track_name(inst)),
            is_drum=bool(inst.is_drum),
            program=int(inst.program),
        )
        for inst, notes in parts
    ]


def midi_tempo(source: str | os.PathLike[str] | bytes) -> float:
    """The tempo a MIDI file starts at, in quarter notes a minute (120 if it names none)."""
    where = "the MIDI data" if isinstance(source, (bytes, bytearray)) else os.fspath(source)
    return _first_tempo(_load_midi(source, where))


def _first_tempo(pm: Any) -> float:
    _, tempi = pm.get_tempo_changes()
    qpm = float(tempi[0]) if len(tempi) else QPM
    return qpm if math.isfinite(qpm) and MIN_QPM <= qpm <= MAX_QPM else QPM


def _check_qpm(qpm: float) -> float:
    if isinstance(qpm, bool) or not isinstance(qpm, int | float) or not MIN_QPM <= qpm <= MAX_QPM:
        raise InvalidClipError(f"tempo must be {MIN_QPM:g} to {MAX_QPM:g} bpm, got {qpm!r}")
    return float(qpm)


def _to_pretty_midi(tracks: Sequence[Track], qpm: float = QPM) -> Any:
    if not tracks:
        raise InvalidClipError("there are no tracks to write")
    qpm = _check_qpm(qpm)
    pm = pretty_midi.PrettyMIDI(resolution=_MIDI_RESOLUTION, initial_tempo=qpm)
    ts = tracks[0].clip.time_signature
    pm.time_signature_changes.append(pretty_midi.TimeSignature(ts.numerator, ts.denominator, 0.0))
    seconds_per_beat = 60.0 / qpm
    tick = seconds_per_beat / _MIDI_RESOLUTION
    for track in tracks:
        inst = pretty_midi.Instrument(
            program=track.program, is_drum=track.is_drum, name=track.clip.name
        )
        for note in without_overlaps(track.clip).notes:
            if note.mute:
                continue
            start = note.start_time * seconds_per_beat
            # pretty_midi writes a note that rounds to zero ticks with its
            # note-off first, and reading it back loses the note: keep one tick.
            end = max(note.end_time * seconds_per_beat, start + tick)
            inst.notes.append(
                pretty_midi.Note(_midi_velocity(note.velocity), note.pitch, start, end)
            )
        pm.instruments.append(inst)
    return pm


def midi_bytes(tracks: Sequence[Track], qpm: float = QPM) -> bytes:
    """The tracks as a standard MIDI file at ``qpm`` (default 120), in memory."""
    buffer = io.BytesIO()
    _to_pretty_midi(tracks, qpm).write(buffer)
    return _ending_at(buffer.getvalue(), max(t.clip.length for t in tracks))


def _ending_at(data: bytes, beats: float) -> bytes:
    """The file ``data`` with each track's end-of-track event at ``beats`` at
    the earliest, so that a clip whose last bars rest reads back whole."""
    parsed = mido.MidiFile(file=io.BytesIO(data))
    end = round(beats * parsed.ticks_per_beat)
    for track in parsed.tracks:
        if track and track[-1].type == "end_of_track":
            before = sum(int(m.time) for m in track[:-1])
            track[-1].time = max(int(track[-1].time), end - before)
    buffer = io.BytesIO()
    parsed.save(file=buffer)
    return buffer.getvalue()


def write_midi(tracks: Sequence[Track], path: str | os.PathLike[str], qpm: float = QPM) -> None:
    """Write the tracks to ``path`` (overwriting it) at ``qpm``; beats are kept.

    Each track keeps its program, drum flag and clip name; the file takes the
    first clip's time signature. Muted notes are left out: Live does not play them.
    """
    data = midi_bytes(tracks, qpm)
    with open(path, "wb") as f:
        f.write(data)
