"""Clips <-> NoteSequences, windows for fixed-length models, and MIDI files."""

from __future__ import annotations

import io
import itertools
import random
from pathlib import Path
from typing import Any

import mido
import pretty_midi
import pytest

from bridge.clips import FOUR_FOUR, Clip, Note, TimeSignature, Track
from bridge.convert import (
    MIN_DURATION,
    QPM,
    SECONDS_PER_BEAT,
    STEPS_PER_QUARTER,
    carry_note_fields,
    check_meter,
    clip_to_sequence,
    midi_bytes,
    read_midi,
    sequence_to_clip,
    sequence_to_tracks,
    split_windows,
    stitch_windows,
    tracks_to_sequence,
    write_midi,
)
from bridge.errors import InvalidClipError, MidiFileError, UnsupportedClipError


def grid_clip(seed: int, bars: int = 2, *, with_extras: bool = False) -> Clip:
    """A clip of random whole-velocity notes on the 1/16 grid, none past its end."""
    rng = random.Random(seed)
    length = bars * 4.0
    notes = []
    for _ in range(rng.randint(1, 24)):
        start = rng.randrange(int(length * STEPS_PER_QUARTER)) / STEPS_PER_QUARTER
        steps_left = int((length - start) * STEPS_PER_QUARTER)
        duration = rng.randint(1, min(steps_left, 8)) / STEPS_PER_QUARTER
        extras: dict[str, Any] = {}
        if with_extras:
            extras = {
                "probability": rng.choice([0.25, 0.5, 1.0]),
                "velocity_deviation": float(rng.randint(-20, 20)),
                "release_velocity": float(rng.randint(0, 127)),
            }
        notes.append(
            Note(rng.randint(36, 84), start, duration, velocity=rng.randint(1, 127), **extras)
        )
    return Clip(notes, length, name=f"clip {seed}")


def core(clip: Clip) -> list[tuple[int, float, float, float]]:
    return [(n.pitch, n.start_time, n.duration, n.velocity) for n in clip.notes]


def starts(clip: Clip) -> list[tuple[float, int]]:
    return [(n.start_time, n.pitch) for n in clip.notes]


# --- NoteSequence ---------------------------------------------------------


def test_constants() -> None:
    assert QPM == 120.0
    assert SECONDS_PER_BEAT == 0.5
    assert STEPS_PER_QUARTER == 4


def test_clip_to_sequence_fields() -> None:
    clip = Clip(
        [
            Note(60, 0.0, 1.0, velocity=100.6),
            Note(62, 1.5, 0.5, velocity=0),
            Note(64, 2.0, 1.0, mute=True),
        ],
        8.0,
        TimeSignature(3, 4),
    )
    seq = clip_to_sequence(clip, is_drum=True, program=5, instrument=2)
    assert [t.qpm for t in seq.tempos] == [120.0]
    assert [(t.numerator, t.denominator) for t in seq.time_signatures] == [(3, 4)]
    assert seq.ticks_per_quarter == 220
    assert seq.total_time == 4.0
    # The muted note is left out; velocity is rounded and never 0 (a note-off).
    assert [(n.pitch, n.start_time, n.end_time, n.velocity) for n in seq.notes] == [
        (60, 0.0, 0.5, 101),
        (62, 0.75, 1.0, 1),
    ]
    assert {(n.instrument, n.program, n.is_drum) for n in seq.notes} == {(2, 5, True)}


@pytest.mark.parametrize("seed", range(20))
def test_sequence_round_trip_keeps_grid_notes(seed: int) -> None:
    clip = grid_clip(seed, bars=seed % 4 + 1)
    back = sequence_to_clip(clip_to_sequence(clip), length=clip.length, name=clip.name)
    assert back == clip
    assert core(back) == core(clip)


def test_sequence_to_clip_cuts_at_length_and_fixes_zero_durations() -> None:
    seq = clip_to_sequence(Clip([], 16.0))
    for pitch, start, end, instrument in [
        (60, 0.0, 0.5, 0),  # beat 0, 1 beat
        (62, 3.5, 5.0, 0),  # beat 7, runs to beat 10: cut at 8
        (64, 4.0, 4.5, 0),  # starts at the end: dropped
        (36, 1.0, 1.0, 0),  # zero length, as drum output often is
        (38, 1.5, 2.0, 1),
    ]:
        seq.notes.add(
            pitch=pitch, start_time=start, end_time=end, velocity=90, instrument=instrument
        )
    clip = sequence_to_clip(seq, length=8.0, time_signature=FOUR_FOUR, name="x")
    assert [(n.pitch, n.start_time, n.duration) for n in clip.notes] == [
        (60, 0.0, 1.0),
        (36, 2.0, MIN_DURATION),
        (38, 3.0, 1.0),
        (62, 7.0, 1.0),
    ]
    assert all(isinstance(n.velocity, float) and n.velocity == 90.0 for n in clip.notes)
    only_one = sequence_to_clip(seq, length=8.0, instrument=1)
    assert [n.pitch for n in only_one.notes] == [38]


def test_sequence_to_clip_rejects_bad_length() -> None:
    with pytest.raises(InvalidClipError):
        sequence_to_clip(clip_to_sequence(Clip([], 4.0)), length=0.0)


def test_tracks_round_trip() -> None:
    drums = Track(
        Clip([Note(36, 0.0, 0.25), Note(42, 0.5, 0.25), Note(38, 1.0, 0.25)], 4.0), is_drum=True
    )
    bass = Track(Clip([Note(40, 0.0, 2.0, velocity=80), Note(43, 6.0, 1.0)], 8.0), program=33)
    lead = Track(Clip([Note(72, 0.25, 0.75)], 8.0), program=81)
    seq = tracks_to_sequence([drums, bass, lead])
    assert seq.total_time == 4.0  # the longest clip, 8 beats
    assert {(n.instrument, n.program, n.is_drum) for n in seq.notes} == {
        (0, 0, True),
        (1, 33, False),
        (2, 81, False),
    }
    back = sequence_to_tracks(seq, length=8.0)
    assert [(t.is_drum, t.program) for t in back] == [(True, 0), (False, 33), (False, 81)]
    for before, after in zip([drums, bass, lead], back, strict=True):
        assert core(after.clip) == core(before.clip)
        assert after.clip.length == 8.0


def test_tracks_to_sequence_needs_a_track() -> None:
    with pytest.raises(InvalidClipError):
        tracks_to_sequence([])


# --- carry_note_fields ----------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_carry_note_fields_restores_what_the_model_drops(seed: int) -> None:
    source = grid_clip(seed, with_extras=True)
    result = sequence_to_clip(clip_to_sequence(source), length=source.length, name=source.name)
    assert carry_note_fields(source, result) == source


def test_carry_note_fields_matches_nearest_first_and_once() -> None:
    extras: dict[str, Any] = {"velocity_deviation": 5.0, "release_velocity": 10.0}
    source = Clip(
        [
            Note(60, 0.0, 0.5, probability=0.1, **extras),
            Note(60, 0.125, 0.5, probability=0.2, **extras),
            Note(62, 2.0, 0.5, probability=0.3, **extras),
            Note(64, 3.0, 0.5, probability=0.4, mute=True),
        ],
        4.0,
    )
    result = Clip(
        [
            Note(60, 0.0625, 0.5),  # equally near both 60s: the earlier-listed wins
            Note(60, 0.125, 0.5),  # exactly on the second 60
            Note(60, 0.25, 0.5),  # both 60s are taken
            Note(62, 2.25, 0.5),  # same pitch, but 0.25 beats away
            Note(64, 3.0, 0.5),  # the source note is muted: it never reached the model
            Note(65, 2.0, 0.5),  # no source note of this pitch
        ],
        4.0,
    )
    carried = carry_note_fields(source, result)
    assert [n.probability for n in carried.notes] == [0.1, 0.2, 1.0, 1.0, 1.0, 1.0]
    assert carried.notes[0].velocity_deviation == 5.0
    assert carried.notes[0].release_velocity == 10.0
    assert carried.notes[2] == result.notes[2]
    assert core(carried) == core(result)
    wider = carry_note_fields(source, result, tolerance=0.25)
    assert [n.probability for n in wider.notes if n.pitch == 62] == [0.3]


# --- Windows --------------------------------------------------------------


def three_bar_clip() -> Clip:
    return Clip(
        [
            Note(60, 0.0, 1.0),
            Note(62, 3.5, 0.5, probability=0.5),
            Note(64, 7.0, 1.0),
            Note(65, 8.0, 2.0, mute=True),
            Note(67, 11.0, 1.0),
        ],
        12.0,
        name="three",
    )


def test_split_three_bars_into_two_bar_windows_looping() -> None:
    windows = split_windows(three_bar_clip(), 8.0)
    assert [w.length for w in windows] == [8.0, 8.0]
    assert starts(windows[0]) == [(0.0, 60), (3.5, 62), (7.0, 64)]
    # Bar 3, then the clip again from its start, as Live loops it.
    assert starts(windows[1]) == [(0.0, 65), (3.0, 67), (4.0, 60), (7.5, 62)]
    assert windows[1].notes[1].mute is False and windows[1].notes[0].mute is True
    assert windows[1].notes[3].probability == 0.5
    assert all(w.name == "three" for w in windows)


def test_split_three_bars_into_two_bar_windows_silent() -> None:
    windows = split_windows(three_bar_clip(), 8.0, loop=False)
    assert [w.length for w in windows] == [8.0, 8.0]
    assert starts(windows[1]) == [(0.0, 65), (3.0, 67)]


def test_split_one_bar_into_a_two_bar_window() -> None:
    clip = Clip([Note(36, 0.0, 0.25), Note(38, 1.0, 0.25), Note(42, 3.5, 2.0)], 4.0)
    (looped,) = split_windows(clip, 8.0)
    assert looped.length == 8.0
    assert [(n.start_time, n.pitch, n.duration) for n in looped.notes] == [
        (0.0, 36, 0.25),
        (1.0, 38, 0.25),
        (3.5, 42, 0.5),  # cut at the loop end, as Live plays it
        (4.0, 36, 0.25),
        (5.0, 38, 0.25),
        (7.5, 42, 0.5),
    ]
    (silent,) = split_windows(clip, 8.0, loop=False)
    assert silent.length == 8.0
    assert starts(silent) == [(0.0, 36), (1.0, 38), (3.5, 42)]
    assert silent.notes[2].duration == 2.0


def test_split_loops_a_short_clip_more_than_once() -> None:
    clip = Clip([Note(60, 0.0, 1.0), Note(61, 2.0, 1.0)], 3.0)
    (window,) = split_windows(clip, 8.0)
    assert starts(window) == [(0.0, 60), (2.0, 61), (3.0, 60), (5.0, 61), (6.0, 60)]
    assert window.notes[-1].duration == 1.0


def test_split_cuts_notes_at_the_window_end() -> None:
    clip = Clip([Note(60, 6.0, 4.0)], 16.0)
    windows = split_windows(clip, 8.0)
    assert len(windows) == 2
    assert windows[0].notes == (Note(60, 6.0, 2.0),)
    assert windows[1].notes == ()


@pytest.mark.parametrize("loop", [True, False])
@pytest.mark.parametrize(
    ("clip", "window"),
    [
        (three_bar_clip(), 8.0),
        (three_bar_clip(), 4.0),
        (three_bar_clip(), 16.0),
        (Clip([Note(36, 0.0, 0.25), Note(38, 1.0, 0.25)], 4.0), 8.0),
        (Clip([Note(60, 0.0, 1.0), Note(62, 2.5, 0.5)], 3.0, TimeSignature(3, 4)), 8.0),
        (grid_clip(7, bars=1), 16.0),
    ],
)
def test_split_stitch_round_trip(clip: Clip, window: float, loop: bool) -> None:
    windows = split_windows(clip, window, loop=loop)
    assert all(w.length == window for w in windows)
    back = stitch_windows(windows, clip.length, name=clip.name)
    assert back.notes == clip.notes
    assert back.time_signature == clip.time_signature
    assert back.length == clip.length


def test_stitch_on_a_grid_keeps_each_played_hit_with_the_16th_it_was_played_for() -> None:
    """A 1-bar beat looped into a 2-bar window and played: the second pass's
    downbeat played early lands before the clip's end, and is not the clip's."""
    played = Clip(
        [
            Note(36, 0.0, 0.2, 100),  # the first downbeat, early, held at 0
            Note(38, 1.03, 0.25, 110),  # late, still beat 2
            Note(42, 3.86, 0.25, 60),  # the last 16th played late
            Note(36, 3.99, 0.25, 100),  # the next pass's downbeat, early
            Note(38, 5.0, 0.25, 110),  # the next pass
        ],
        8.0,
    )
    loose = stitch_windows([played], 4.0)
    assert [n.start_time for n in loose.notes][-1] == 3.99  # a sliver of the next pass
    kept = stitch_windows([played], 4.0, grid=0.25)
    assert [(n.pitch, n.start_time) for n in kept.notes] == [(36, 0.0), (38, 1.03), (42, 3.86)]
    assert kept.notes[-1].duration == pytest.approx(0.14)  # cut at the clip's end, as before
    # On the grid, notes stitch as without one.
    clip = three_bar_clip()
    windows = split_windows(clip, 8.0)
    assert stitch_windows(windows, clip.length, grid=0.25).notes == clip.notes


def test_stitch_cuts_to_length() -> None:
    a = Clip([Note(60, 0.0, 1.0)], 4.0)
    b = Clip([Note(62, 1.0, 4.0), Note(64, 3.0, 1.0)], 4.0, TimeSignature(3, 4))
    out = stitch_windows([a, b], 6.0, name="joined")
    assert [(n.pitch, n.start_time, n.duration) for n in out.notes] == [
        (60, 0.0, 1.0),
        (62, 5.0, 1.0),
    ]
    assert out.name == "joined"
    assert out.time_signature == FOUR_FOUR  # the first window's
    assert stitch_windows([], 4.0) == Clip([], 4.0)
    assert stitch_windows([a], 4.0, time_signature=TimeSignature(2, 4)).bars == 2.0


def test_split_rejects_bad_window() -> None:
    with pytest.raises(InvalidClipError):
        split_windows(three_bar_clip(), 0.0)


def test_check_meter() -> None:
    check_meter(Clip([], 4.0))
    with pytest.raises(UnsupportedClipError) as info:
        check_meter(Clip([], 3.0, TimeSignature(3, 4)))
    assert str(info.value) == "this model is trained on 4/4; the clip is in 3/4"
    with pytest.raises(UnsupportedClipError):
        check_meter(Clip([], 4.0, TimeSignature(2, 2)))
    check_meter(Clip([], 3.0, TimeSignature(3, 4)), beats_per_bar=3.0)


# --- MIDI files -----------------------------------------------------------


def band() -> list[Track]:
    drums = Clip(
        [Note(36, 0.0, 0.25, velocity=110), Note(38, 1.0, 0.25), Note(42, 1.5, 0.125)],
        8.0,
        name="Beat",
    )
    bass = Clip(
        [
            Note(40, 0.0, 1.5, velocity=80),
            Note(43, 2.0, 1.0 / 3.0),
            Note(45, 6.0, 1.0),
            Note(47, 7.0, 0.5, mute=True),
        ],
        8.0,
    )
    return [Track(drums, is_drum=True), Track(bass, program=33)]


def test_midi_write_read_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "band.mid"
    tracks = band()
    write_midi(tracks, path)
    back = read_midi(path)
    assert [(t.is_drum, t.program) for t in back] == [(True, 0), (False, 33)]
    # Unnamed tracks read back with their General MIDI name.
    assert [t.clip.name for t in back] == ["Beat", "Electric Bass (finger)"]
    assert back[0].clip.notes == tracks[0].clip.notes
    # The muted note is not written; the triplet lands on an exact tick.
    assert back[1].clip.notes == tracks[1].clip.notes[:3]
    assert all(t.clip.length == 8.0 and t.clip.time_signature == FOUR_FOUR for t in back)
    assert read_midi(str(path)) == back
    assert read_midi(midi_bytes(tracks)) == back


def test_midi_keeps_time_signature_and_rounds_length_to_bars(tmp_path: Path) -> None:
    clip = Clip([Note(60, 0.0, 1.0), Note(62, 3.0, 1.5)], 6.0, TimeSignature(3, 4))
    (track,) = read_midi(midi_bytes([Track(clip)]))
    assert track.clip.time_signature == TimeSignature(3, 4)
    assert track.clip.length == 6.0  # ends at 4.5 beats: two bars of 3/4
    assert track.clip.name == "Acoustic Grand Piano"
    # The clip's length is the file's end of track: resting bars come back.
    (rests,) = read_midi(midi_bytes([Track(Clip([Note(60, 0.0, 1.0)], 16.0))]))
    assert rests.clip.length == 16.0


def _other_programs_file(notes: list[tuple[float, float]]) -> bytes:
    """A file as pretty_midi writes one: its end of track at its last note-off."""
    import io

    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)  # 0.5 s a beat
    inst = pretty_midi.Instrument(0)
    inst.notes = [pretty_midi.Note(90, 60, a / 2, b / 2) for a, b in notes]
    pm.instruments.append(inst)
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("notes", "bars"),
    [
        ([(0.0, 1.0)], 1),  # one bar holds the notes
        ([(0.0, 1.0), (7.0, 8.15)], 2),  # released just past the bar line: still 2 bars
        ([(0.0, 1.0), (7.0, 9.0)], 2),  # a whole beat into bar 3 is still a tail
        ([(0.0, 1.0), (7.0, 9.5)], 3),  # held well into bar 3: it is part of the clip
        ([(0.0, 1.0), (8.0, 8.25)], 3),  # a note on bar 3's downbeat
    ],
)
def test_midi_length_is_the_bars_its_notes_play_in(
    notes: list[tuple[float, float]], bars: int
) -> None:
    (track,) = read_midi(_other_programs_file(notes))
    assert track.clip.length == 4.0 * bars
    assert track.clip.notes[-1].end_time == pytest.approx(notes[-1][1], abs=0.01)  # not cut


@pytest.mark.parametrize(
    ("end_beats", "length"),
    [
        (16.0, 16.0),  # a DAW's clip export: the loop's last bar rests
        (203.52 + 8.0, 8.0),  # far past the music, off the bar lines (as some GMD files)
        (9.0, 8.0),  # just past the last note-off
        (200.0 + 1 / 480, 8.0),  # a tick past a bar line, far away (two GMD files)
    ],
)
def test_midi_end_of_track_counts_on_a_bar_line(end_beats: float, length: float) -> None:
    import io

    import mido

    ticks = 480
    track = mido.MidiTrack()
    track.append(mido.Message("note_on", note=60, velocity=90, time=0))
    track.append(mido.Message("note_off", note=60, velocity=0, time=7 * ticks))
    track.append(mido.MetaMessage("end_of_track", time=round((end_beats - 7) * ticks)))
    buffer = io.BytesIO()
    mido.MidiFile(tracks=[track], ticks_per_beat=ticks).save(file=buffer)
    (read,) = read_midi(buffer.getvalue())
    assert read.clip.length == length


def test_midi_unnamed_drums_are_called_drums() -> None:
    (track,) = read_midi(midi_bytes([Track(Clip([Note(36, 0.0, 0.25)], 4.0), is_drum=True)]))
    assert track.clip.name == "Drums"
    assert track.is_drum


def test_midi_keeps_a_very_short_note() -> None:
    (track,) = read_midi(midi_bytes([Track(Clip([Note(36, 1.0, 1e-6)], 4.0))]))
    assert [(n.pitch, n.start_time) for n in track.clip.notes] == [(36, 1.0)]
    assert 0 < track.clip.notes[0].duration < 0.01


def test_midi_at_90_bpm_reads_in_beats(tmp_path: Path) -> None:
    pm = pretty_midi.PrettyMIDI(initial_tempo=90.0)
    piano = pretty_midi.Instrument(program=0, name="Piano")
    seconds_per_beat = 60.0 / 90.0
    for pitch, beat, beats in [(60, 0.0, 1.0), (64, 1.5, 0.5), (67, 6.0, 1.75)]:
        start = beat * seconds_per_beat
        piano.notes.append(pretty_midi.Note(100, pitch, start, start + beats * seconds_per_beat))
    pm.instruments.append(piano)
    path = tmp_path / "ninety.mid"
    pm.write(str(path))
    (track,) = read_midi(path)
    assert [(n.pitch, n.start_time, n.duration) for n in track.clip.notes] == [
        (60, 0.0, 1.0),
        (64, 1.5, 0.5),
        (67, 6.0, 1.75),
    ]
    assert track.clip.length == 8.0
    assert track.clip.name == "Piano"


def test_midi_tempo_change_is_honoured(tmp_path: Path) -> None:
    # One bar at 120 bpm, then 60 bpm: beats must not depend on the tempo.
    tpb = 480
    mid = mido.MidiFile(ticks_per_beat=tpb)
    meta = mido.MidiTrack(
        [
            mido.MetaMessage("set_tempo", tempo=500_000, time=0),
            mido.MetaMessage("set_tempo", tempo=1_000_000, time=4 * tpb),
        ]
    )
    notes = mido.MidiTrack()
    last = 0
    for pitch, beat, beats in [(60, 0.0, 1.0), (62, 4.0, 1.0), (64, 6.5, 0.5)]:
        on, off = round(beat * tpb), round((beat + beats) * tpb)
        notes.append(mido.Message("note_on", note=pitch, velocity=90, time=on - last))
        notes.append(mido.Message("note_off", note=pitch, velocity=0, time=off - on))
        last = off
    mid.tracks += [meta, notes]
    path = tmp_path / "tempo_map.mid"
    mid.save(str(path))
    (track,) = read_midi(path)
    assert [(n.pitch, n.start_time, n.duration) for n in track.clip.notes] == [
        (60, 0.0, 1.0),
        (62, 4.0, 1.0),
        (64, 6.5, 0.5),
    ]


def test_write_midi_needs_a_track(tmp_path: Path) -> None:
    with pytest.raises(InvalidClipError):
        write_midi([], tmp_path / "none.mid")


def _empty_midi() -> bytes:
    pm = pretty_midi.PrettyMIDI()
    pm.instruments.append(pretty_midi.Instrument(program=0, name="Nothing"))
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01garbage\xff\xfe", "not a readable MIDI file"),
        (b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\x00\x00\x10\x00\x90", "not a readable"),
        (midi_bytes(band())[:60], "not a readable MIDI file"),
        (b"", r"is empty \(0 bytes\), not a MIDI file"),
        (_empty_midi(), "no notes"),
    ],
    ids=["garbage", "truncated-header", "truncated-file", "empty-bytes", "no-notes"],
)
def test_read_midi_rejects_bad_data(data: bytes, message: str) -> None:
    with pytest.raises(MidiFileError, match=message) as info:
        read_midi(data)
    assert info.value.code == "midi_file"


def test_read_midi_rejects_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.mid"
    path.write_text("C4 E4 G4, not a MIDI file\n")
    with pytest.raises(MidiFileError, match=r"notes\.mid"):
        read_midi(path)


def test_read_midi_rejects_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MidiFileError, match="cannot read"):
        read_midi(tmp_path / "missing.mid")


def test_no_two_notes_of_one_pitch_overlap() -> None:
    from bridge.convert import without_overlaps

    clip = Clip(
        [
            Note(42, 0.0, 0.25, velocity=90),
            Note(42, 0.2, 0.25, velocity=60),  # starts before the first ends
            Note(42, 0.2, 0.25, velocity=100),  # and a louder one at the same time
            Note(36, 0.0, 1.0),  # other pitches are left alone
            Note(38, 0.0, 4.0, mute=True),
        ],
        4.0,
    )
    out = without_overlaps(clip)
    hats = sorted((n.start_time, n.duration, n.velocity) for n in out.notes if n.pitch == 42)
    assert hats == [(0.0, pytest.approx(0.2), 90), (0.2, 0.25, 100)]
    assert any(n.pitch == 36 and n.duration == 1.0 for n in out.notes)
    assert any(n.mute for n in out.notes)
    tidy = Clip([Note(42, 0.0, 0.25), Note(42, 0.25, 0.25)], 4.0)
    assert without_overlaps(tidy) is tidy
    # What is written to a MIDI file never overlaps either.
    (back,) = read_midi(midi_bytes([Track(clip, True, 0)]))
    starts = sorted((n.start_time, n.end_time) for n in back.clip.notes if n.pitch == 42)
    assert all(a[1] <= b[0] + 1e-6 for a, b in itertools.pairwise(starts))
