"""A band's songs as a band model reads them: parts by role, any meter, and a
held-out score on a folder of fifteen songs. Songs are built in memory."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

BAND_MODEL = "lb-band_1bar_small"  # takes up to 4 parts, 1-bar windows


def _song(
    bars: int,
    meter: tuple[int, int] = (4, 4),
    qpm: float = 100.0,
    extra_parts: int = 0,
    bass_channels: int = 1,
) -> Any:
    """A song: drums on every beat, a bass line (on one or two channels of
    one program), comping piano, and ``extra_parts`` more pitched parts."""
    from note_seq.protobuf import music_pb2

    seq = music_pb2.NoteSequence()
    seq.ticks_per_quarter = 220
    seq.tempos.add(time=0.0, qpm=qpm)
    seq.time_signatures.add(time=0.0, numerator=meter[0], denominator=meter[1])
    beat = 60.0 / qpm * 4.0 / meter[1]
    per_bar = meter[0]
    for b in range(bars):
        for k in range(per_bar):
            t = (b * per_bar + k) * beat
            pitch = 36 if k == 0 else (38 if k % 2 else 42)
            seq.notes.add(
                pitch=pitch,
                start_time=t,
                end_time=t + 0.1,
                velocity=100 - 10 * (k % 2),
                is_drum=True,
                instrument=9,
            )
            seq.notes.add(
                pitch=60 + (b + k) % 5,
                start_time=t,
                end_time=t + beat * 0.9,
                velocity=70,
                program=0,
                instrument=0,
            )
        t = b * per_bar * beat
        for half in range(2):
            seq.notes.add(
                pitch=36 + (b % 3) + 2 * half,
                start_time=t + half * beat,
                end_time=t + (half + 0.9) * beat,
                velocity=90,
                program=33,
                instrument=1 + (half if bass_channels > 1 else 0),
            )
        for e in range(extra_parts):
            seq.notes.add(
                pitch=72 + e,
                start_time=t,
                end_time=t + beat,
                velocity=60,
                program=48 + 8 * e,
                instrument=3 + e,
            )
    seq.total_time = bars * per_bar * beat
    return seq


def _write(seq: Any, path: Path) -> None:
    import note_seq

    path.parent.mkdir(parents=True, exist_ok=True)
    note_seq.sequence_proto_to_midi_file(seq, str(path))


def test_parts_by_role_and_odd_meters_on_the_model_grid() -> None:
    from bridge.train.band import prepare_band

    seq = _song(4, meter=(3, 4), qpm=90.0, extra_parts=3, bass_channels=2)
    out, use = prepare_band(seq, 4)
    assert use.meters == ["3/4"] and use.bars == 4 and use.model_bars == 4
    assert [p.split(" (")[0] for p in use.parts] == ["drums", "bass", "other", "other"]
    assert "program 33" in use.parts[1] and "program 0" in use.parts[2]
    assert len(use.dropped) == 2 and all("other (program" in d for d in use.dropped)
    # The bass played on two channels is one part: one instrument, one program.
    by_instrument = {(n.instrument, n.program, n.is_drum) for n in out.notes}
    assert by_instrument == {(0, 0, True), (1, 33, False), (2, 0, False), (3, 48, False)}
    # Each 3/4 bar starts a 4/4 bar at 120 qpm (2 s); beats keep their place.
    kicks = sorted(n.start_time for n in out.notes if n.is_drum and n.pitch == 36)
    assert kicks == pytest.approx([0.0, 2.0, 4.0, 6.0])
    beats = sorted(n.start_time for n in out.notes if n.is_drum and n.start_time < 2.0)
    assert beats == pytest.approx([0.0, 0.5, 1.0])
    assert (out.tempos[0].qpm, out.time_signatures[0].numerator) == (120.0, 4)
    # The input is untouched.
    assert {n.instrument for n in seq.notes} == {0, 1, 2, 3, 4, 5, 9}


def test_a_long_bar_takes_two_model_bars_and_meter_changes_start_bars() -> None:
    from bridge.train.band import prepare_band

    seq = _song(2, meter=(5, 4), qpm=120.0)
    out, use = prepare_band(seq, None)
    assert use.meters == ["5/4"] and use.bars == 2 and use.model_bars == 4
    kicks = sorted(n.start_time for n in out.notes if n.is_drum and n.pitch == 36)
    assert kicks == pytest.approx([0.0, 4.0])  # the second 5/4 bar starts model bar 3
    # 4/4 then 6/8 from bar 3: the 6/8 bars (3 quarters) are padded.
    mixed = _song(4, meter=(4, 4), qpm=120.0)
    mixed.time_signatures.add(time=4.0, numerator=6, denominator=8)
    _, use = prepare_band(mixed, None)
    assert use.meters == ["4/4", "6/8"]
    assert use.bars == 2 + 3  # 8 s of music: 2 bars of 4/4, then 4 s = 8 quarters of 6/8


def test_held_out_bars_are_one_stable_block_with_room_for_training() -> None:
    from bridge.train.data import _segments, held_out_bars

    block = held_out_bars("song.mid", 40, 2, 0.1, 0)
    assert block is not None and block[1] - block[0] == 4
    assert block == held_out_bars("song.mid", 40, 2, 0.1, 0)
    assert held_out_bars("song.mid", 40, 2, 0.1, 1) is not None
    assert held_out_bars("short.mid", 3, 2, 0.1, 0) is None, "too short for both"
    assert held_out_bars("x.mid", 40, 2, 0.0, 0) is None
    segments = _segments("train+eval", 40, block, 2)
    covered = sorted((a, b) for _, a, b in segments if a is not None and b is not None)
    assert [s for s, _, _ in segments].count("eval") == 1
    # Together the segments never overlap, and the held-out block is whole.
    for (_, b0), (a1, _) in itertools.pairwise(covered):
        assert b0 <= a1
    assert ("eval", block[0], block[1]) in segments


def test_fifteen_band_songs_are_read_whole_with_a_held_out_score(tmp_path: Path) -> None:
    """Fifteen songs of a band: three in 3/4, one in 5/4, one in 6/8, four with
    six parts, two with the bass on two channels. Every song gives examples,
    and every song holds out a block of bars no training example touches."""
    from bridge.engine.registry import get_spec
    from bridge.train.data import SPLIT_BY_BARS, build_dataset, file_table, held_out_notes

    songs = {}
    for i in range(15):
        meter = (3, 4) if i < 3 else (5, 4) if i == 3 else (6, 8) if i == 4 else (4, 4)
        songs[f"band/song_{i:02d}.mid"] = _song(
            16 + i % 4,
            meter=meter,
            qpm=80.0 + 5 * i,
            extra_parts=3 if i in (5, 6, 7, 8) else 0,
            bass_channels=2 if i in (9, 10) else 1,
        )
    for name, seq in songs.items():
        _write(seq, tmp_path / "midi" / name)
    spec = get_spec(BAND_MODEL)
    ds = build_dataset(tmp_path / "midi", spec, tmp_path / "cache", eval_fraction=0.1)
    assert ds.split == SPLIT_BY_BARS
    summary = ds.summary()
    assert summary["files"] == 15 and summary["train_files"] == 15
    assert summary["eval_files"] == 15 and summary["eval_bars"] >= 15 * 2
    assert summary["no_examples"] == {}
    by_name = {f.path: f for f in ds.files}
    for name, f in by_name.items():
        assert f.split == "train+eval" and f.held_out.startswith("bars "), name
        assert f.train_examples > 0 and f.eval_examples > 0, name
    assert "3/4" in by_name["band/song_00.mid"].used
    assert "5/4" in by_name["band/song_03.mid"].used
    assert "2 dropped" in by_name["band/song_05.mid"].used
    # Bars used against bars in the files: every bar with notes gives a 1-bar example.
    bars = sum(f.bars for f in ds.files)
    assert summary["train_examples"] + summary["eval_examples"] >= 0.9 * bars
    table = file_table(ds)
    assert table.count("\n") == 15 and "band/song_05.mid" in table and "dropped" in table
    notes = held_out_notes(ds)
    assert notes[0].startswith("held out by bars within songs (15 files, fewer than 30)")
    assert not any(n.startswith("warning") for n in notes)
    # A second pass reads everything from the cache and finds the same.
    again = build_dataset(tmp_path / "midi", spec, tmp_path / "cache", eval_fraction=0.1)
    assert again.summary() == summary
