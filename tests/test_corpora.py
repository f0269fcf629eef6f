"""Open corpora: folk tunes from music21's corpus and MMA band grooves.

Melody layout and MMA file text are tested on data built here; the folk
export reads the first tunes of O'Neill's collection from music21 (a dev
dependency) and checks that the melody model's converter gets examples from
them; the MMA renders run only where Debian's ``mma`` is installed.
"""

from __future__ import annotations

import copy
import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import note_seq
import pytest

from bridge.clips import FOUR_FOUR
from bridge.convert import clip_to_sequence, read_midi, tracks_to_sequence
from scripts.corpora import (
    FOLK_COLLECTIONS,
    MMA_LIBRARY,
    PROGRESSIONS,
    STYLES,
    CorpusError,
    GrooveSpec,
    MeasureData,
    chord_name,
    eval_split,
    export_folk,
    generate_mma,
    inspect_groove,
    lay_out_measures,
    main,
    mma_source,
    parse_tune,
    plan_groove,
    reduce_band,
    reduce_corpus,
    split_abc,
    verify_styles,
)

HAS_MMA = shutil.which("mma") is not None
needs_mma = pytest.mark.skipif(not HAS_MMA, reason="Debian's mma is not installed")


def converter_of(model: str) -> Any:
    from bridge.engine.registry import get_spec

    conv = copy.deepcopy(get_spec(model).config.data_converter)
    conv.set_mode("train")
    conv.max_tensors_per_notesequence = None
    return conv


def measure(
    duration: float, bar: float, *notes: tuple[float, float, int], pickup: bool = False
) -> MeasureData:
    return MeasureData(duration, bar, tuple((o, d, p, False) for o, d, p in notes), pickup)


# --- splits ------------------------------------------------------------------


def test_eval_split_is_stable_and_about_the_share_asked() -> None:
    keys = [f"tune {i}" for i in range(4000)]
    first = [eval_split(k) for k in keys]
    assert first == [eval_split(k) for k in keys]
    share = first.count("eval") / len(keys)
    assert 0.08 < share < 0.12
    assert {eval_split(k, 0.0) for k in keys[:200]} == {"train"}
    assert {eval_split(k, 100.0) for k in keys[:200]} == {"eval"}
    with pytest.raises(CorpusError):
        eval_split("x", 120.0)


# --- melody layout -------------------------------------------------------------


def test_pickup_ends_on_the_first_barline() -> None:
    notes = lay_out_measures(
        [
            measure(1.0, 4.0, (0.0, 1.0, 67), pickup=True),
            measure(4.0, 4.0, (0.0, 2.0, 72), (2.0, 2.0, 74)),
        ],
        first_bar=4.0,
    )
    assert [(n.pitch, n.start_time, n.duration) for n in notes] == [
        (67, 3.0, 1.0),
        (72, 4.0, 2.0),
        (74, 6.0, 2.0),
    ]


def test_two_four_bars_pair_from_the_first_full_bar() -> None:
    notes = lay_out_measures(
        [
            measure(0.5, 2.0, (0.0, 0.5, 62), pickup=True),
            measure(2.0, 2.0, (0.0, 2.0, 67)),
            measure(2.0, 2.0, (0.0, 2.0, 69)),
        ],
        first_bar=4.0,
    )
    # The pickup ends where the first 4/4 bar starts, the 2/4 bars follow on.
    assert [n.start_time for n in notes] == [3.5, 4.0, 6.0]


def test_section_tail_and_pickup_keep_the_barlines() -> None:
    bar = 4.0
    full = measure(4.0, bar, (0.0, 4.0, 60))
    notes = lay_out_measures(
        [
            full,
            measure(3.0, bar, (0.0, 3.0, 62)),  # a section's last bar, short
            measure(1.0, bar, (0.0, 1.0, 64)),  # the next section's pickup completes it
            full,
            measure(3.0, bar, (0.0, 3.0, 65)),  # short bar with no pickup after it
            full,
            measure(1.0, bar, (0.0, 1.0, 67)),  # a pickup written after a full bar
            full,
        ],
        first_bar=bar,
    )
    starts = [n.start_time for n in notes]
    assert starts == [0.0, 4.0, 7.0, 8.0, 12.0, 16.0, 23.0, 24.0]
    assert all(n.start_time % bar == 0 for n in notes if n.pitch == 60)


def test_chords_keep_their_top_note_ties_join_and_notes_do_not_overlap() -> None:
    m = MeasureData(
        4.0,
        4.0,
        (
            (0.0, 1.0, 60, False),
            (0.0, 1.0, 64, False),  # a chord: the top note stays
            (1.0, 1.0, 65, False),
            (2.0, 1.0, 65, True),  # tied to the note before: one 2-beat note
            (3.0, 1.0, 67, True),  # tied from another pitch (ABC "G-A"): kept apart
        ),
    )
    voice = MeasureData(4.0, 4.0, ((0.5, 3.0, 48, False),))  # a lower second voice
    notes = lay_out_measures([m], 4.0)
    assert [(n.pitch, n.start_time, n.duration) for n in notes] == [
        (64, 0.0, 1.0),
        (65, 1.0, 2.0),
        (67, 3.0, 1.0),
    ]
    mixed = lay_out_measures([MeasureData(4.0, 4.0, m.notes + voice.notes)], 4.0)
    for a, b in itertools.pairwise(mixed):
        assert a.end_time <= b.start_time + 1e-9


def test_split_abc_copies_the_file_header_into_each_tune() -> None:
    text = "% a comment\nL:1/8\n\nX:1\nT:One\nK:G\nGABc|\n\nX:2\nT:Two\nK:D\ndefg|\n"
    tunes = split_abc(text)
    assert len(tunes) == 2
    assert tunes[0].startswith("X:1\nL:1/8\nT:One")
    assert "defg" in tunes[1] and "GABc" not in tunes[1]
    assert split_abc("no tunes here\n") == []


# --- folk tunes through music21 ------------------------------------------------


def test_parse_tune_lays_out_pickups_and_ignores_music21s_pickup_meters() -> None:
    pytest.importorskip("music21")
    abc = "X:5\nT:The Test Reel\nM:C|\nL:1/8\nK:Ador\nE|A2 B2 c2 d2|e8||\nG|A8|]\n"
    tune = parse_tune(abc, "test", "test.abc", 1)
    assert (tune.number, tune.title, tune.meter, tune.meters) == (
        "5",
        "The Test Reel",
        "2/2",
        "2/2",
    )
    assert tune.key == "A dorian"
    assert tune.bars == 3
    starts = [(n.pitch, n.start_time) for n in tune.melody]
    # E pickup at 3.5, bar 1 at 4, bar 2 at 8; after the full bar the second
    # section's pickup G leads into the next barline, at 16.
    assert starts == [
        (64, 3.5), (69, 4.0), (71, 5.0), (72, 6.0), (74, 7.0), (76, 8.0), (67, 15.5), (69, 16.0)
    ]  # fmt: skip


def test_parse_tune_rejects_what_music21_cannot_read() -> None:
    pytest.importorskip("music21")
    with pytest.raises(CorpusError):
        parse_tune("X:1\nT:Broken\nM:4/0\nK:C\nCDEF|\n", "test", "bad.abc", 1)
    # A tune without barlines is barred by its meter.
    tune = parse_tune("X:2\nT:Flat\nM:4/4\nL:1/4\nK:C\nCDEF GABc\n", "test", "ok.abc", 1)
    assert [n.start_time for n in tune.melody] == [float(i) for i in range(8)]
    assert tune.bars == 2
    # A first voice of rests only: the tune is the first voice with notes.
    abc = "X:3\nT:Voices\nM:4/4\nL:1/4\nV:1\nV:2\nK:C\n[V:1] x4|x4|\n[V:2] CDEF|GABc|\n"
    tune = parse_tune(abc, "test", "voices.abc", 1)
    assert [n.pitch for n in tune.melody] == [60, 62, 64, 65, 67, 69, 71, 72]


@pytest.fixture(scope="module")
def folk_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    pytest.importorskip("music21")
    out = tmp_path_factory.mktemp("folk")
    report = export_folk(out, collections=["oneills1850"], limit=20, all_meters=True)
    return out, report


def test_folk_export_writes_a_manifest_and_one_file_per_tune(
    folk_export: tuple[Path, Any],
) -> None:
    out, report = folk_export
    rows = json.loads((out / "manifest.json").read_text())
    assert len(rows) == len(report.tunes) == 20
    assert not report.failed
    assert (out / "manifest.csv").read_text().count("\n") == 21
    summary = json.loads((out / "summary.json").read_text())
    assert summary["collections"]["oneills1850"]["tunes"] == 20
    for row in rows:
        assert row["collection"] == "oneills1850" and row["title"] and row["key"]
        assert row["split"] in ("train", "eval")
        assert row["file"] and (out / row["file"]).is_file()
        four = all(m in ("4/4", "2/2", "2/4") for m in row["meters"].split(","))
        assert row["file"].startswith(row["split"] if four else "other-meters/")
        assert row["export_meter"] == ("4/4" if four else row["meter"])
    meters = {row["meter"] for row in rows}
    assert {"2/4", "4/4", "6/8", "3/4"} <= meters


def test_four_four_tunes_give_melody_examples_and_jigs_give_none(
    folk_export: tuple[Path, Any],
) -> None:
    out, report = folk_export
    conv = converter_of("lb-mel_2bar_small")
    counts: dict[str, int] = {}
    for tune in report.exported:
        tracks = read_midi(out / tune.file)
        assert len(tracks) == 1 and not tracks[0].is_drum
        clip = tracks[0].clip
        assert f"{clip.time_signature.numerator}/{clip.time_signature.denominator}" == (
            tune.export_meter
        )
        assert len(clip.notes) == tune.notes
        assert clip.length == tune.export_bars * clip.time_signature.beats_per_bar
        examples = len(conv.to_tensors(clip_to_sequence(clip, program=0)).inputs)
        counts[tune.export_meter] = counts.get(tune.export_meter, 0) + examples
        if tune.export_meter == "4/4":
            # Every 2-bar window of a tune this long holds notes.
            assert examples >= tune.export_bars // 2, tune.title
    assert counts["4/4"] > 0
    # The 4/4 converter drops a 6/8 or 3/4 sequence whole.
    assert counts.get("6/8", 0) == 0 and counts.get("3/4", 0) == 0


def test_default_folk_export_keeps_only_four_four_tunes(tmp_path: Path) -> None:
    pytest.importorskip("music21")
    code = main(["folk", str(tmp_path), "--collection", "oneills1850", "--limit", "6"])
    assert code == 0
    rows = json.loads((tmp_path / "manifest.json").read_text())
    assert len(rows) == 6
    assert not (tmp_path / "other-meters").exists()
    written = [r for r in rows if r["file"]]
    skipped = [r for r in rows if not r["file"]]
    assert written and skipped
    assert all(r["export_meter"] == "4/4" for r in written)
    assert all("not 4/4" in r["skipped"] for r in skipped)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.mid")) == sorted(
        r["file"] for r in written
    )


def test_folk_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="unknown folk collection"):
        export_folk(tmp_path, collections=["nope"])
    assert main(["folk", str(tmp_path), "--limit", "0"]) == 2
    assert set(FOLK_COLLECTIONS) == {"oneills1850", "ryansMammoth", "airdsAirs"}


# --- MMA grooves: the text -------------------------------------------------------


@pytest.mark.parametrize(
    ("numeral", "tonic", "mode", "name"),
    [
        ("I", 0, "major", "C"),
        ("vi", 7, "major", "Em"),
        ("ii7", 2, "major", "Em7"),
        ("V7", 5, "major", "C7"),
        ("bVII", 10, "major", "Ab"),
        ("Imaj7", 1, "major", "Dbmaj7"),
        ("i", 9, "minor", "Am"),
        ("bVI", 9, "minor", "F"),
        ("iiø7", 2, "minor", "Em7b5"),
        ("V7", 4, "minor", "B7"),
        ("viio", 0, "major", "Bdim"),
    ],
)
def test_chord_names(numeral: str, tonic: int, mode: str, name: str) -> None:
    assert chord_name(numeral, tonic, mode) == name


def test_bad_numeral_is_refused() -> None:
    with pytest.raises(CorpusError):
        chord_name("H7", 0, "major")


def test_grooves_depend_only_on_seed_and_index() -> None:
    a = [plan_groove(7, i) for i in range(40)]
    assert a == [plan_groove(7, i) for i in range(40)]
    assert a[5] == plan_groove(7, 5)
    assert a != [plan_groove(8, i) for i in range(40)]
    assert len({(g.style, g.groove, g.key, g.progression) for g in a}) > 30
    for g in a:
        assert g.bars in (4, 8) and len(g.chords) == g.bars
        style = next(s for s in STYLES if s.file == g.style)
        assert g.groove in style.grooves and style.tempo[0] <= g.tempo <= style.tempo[1]
    assert {plan_groove(1, i, bars=[8]).bars for i in range(10)} == {8}


def test_progressions_loop_to_fill_the_bars() -> None:
    prog = next(p for p in PROGRESSIONS if p.name == "axis")
    for i in range(200):
        g = plan_groove(3, i, bars=[8], progressions=[prog])
        if g.key == "G":
            assert g.chords == (("G",), ("D",), ("Em",), ("C",)) * 2
            break
    else:
        pytest.fail("no groove in G in 200 draws")


def test_mma_source_text() -> None:
    spec = GrooveSpec(
        12, "swing", "swing", "SwingWalk", 140, "F", "half-bar-pop", 2,
        (("F", "C"), ("Bb7",)), 4242,
    )  # fmt: skip
    text = mma_source(spec)
    lines = text.splitlines()
    assert lines[0].startswith("// Latent Bridge mma-00012: swing/SwingWalk")
    assert lines[1:] == [
        "RndSeed 4242",
        "Use swing",
        "Tempo 140",
        "Groove SwingWalk",
        "1 F / C /",
        "2 Bb7",
    ]
    assert spec.stem == "mma-00012-swing-swingwalk-F"
    with pytest.raises(CorpusError):
        mma_source(
            GrooveSpec(0, "swing", "swing", "Swing", 120, "C", "x", 1, (("C", "F", "G"),), 1)
        )


def test_planning_errors() -> None:
    with pytest.raises(CorpusError):
        plan_groove(0, 0, bars=[])
    with pytest.raises(CorpusError):
        plan_groove(0, 0, bars=[0])
    with pytest.raises(CorpusError):
        plan_groove(0, 0, styles=[])


def test_curated_styles_are_unique_and_in_mma_s_library() -> None:
    names = [s.file for s in STYLES]
    assert len(names) == len(set(names)) >= 40
    for style in STYLES:
        assert style.grooves and 40 <= style.tempo[0] <= style.tempo[1] <= 260
        assert not any(w in g for g in style.grooves for w in ("Intro", "End", "Fill"))
    if not MMA_LIBRARY.is_dir():
        pytest.skip("mma's style library is not installed")
    for style in STYLES:
        text = (MMA_LIBRARY / f"{style.file}.mma").read_text(errors="replace")
        assert "Time 4" in text or "time 4" in text.lower(), style.file
        for groove in style.grooves:
            assert f"defgroove {groove.lower()}" in " ".join(text.lower().split()), groove


# --- MMA grooves: rendered ---------------------------------------------------------


@needs_mma
@pytest.mark.integration
def test_three_grooves_render_deterministically_with_drums_bass_and_comping(
    tmp_path: Path,
) -> None:
    first = generate_mma(tmp_path / "a", count=3, seed=11, jobs=2)
    again = generate_mma(tmp_path / "b", count=3, seed=11, jobs=1)
    assert [r.error for r in first.results] == ["", "", ""]
    rows = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert [r["id"] for r in rows] == ["mma-00000", "mma-00001", "mma-00002"]
    conv = converter_of("lb-multitrack_1bar_tiny")
    examples = 0
    for r, r2 in zip(first.results, again.results, strict=True):
        data = (tmp_path / "a" / r.file).read_bytes()
        assert data == (tmp_path / "b" / r2.file).read_bytes()
        assert (tmp_path / "a" / "source" / f"{r.spec.stem}.mma").is_file()
        assert r.complete, r.tracks
        drums = [t for t in r.tracks if t["drum"]]
        assert drums and all(t["channel"] == 10 for t in drums)
        tracks = read_midi(tmp_path / "a" / r.file)
        assert tracks[0].clip.time_signature == FOUR_FOUR
        # MMA may let the last chord ring into one more bar.
        assert r.spec.bars * 4 <= tracks[0].clip.length <= (r.spec.bars + 1) * 4
        assert any(t.is_drum for t in tracks)
        assert {t.program for t in tracks if not t.is_drum} == set(rows[r.spec.index]["programs"])
        examples += len(conv.to_tensors(tracks_to_sequence(tracks)).inputs)
    # The multitrack model drops a bar where one instrument has over 62
    # performance events (busy percussion does), so not every bar counts.
    assert examples > 0


@needs_mma
@pytest.mark.integration
def test_verify_styles_and_bad_grooves(tmp_path: Path) -> None:
    checks = verify_styles(STYLES[:2])
    assert len(checks) == len(STYLES[0].grooves) + len(STYLES[1].grooves)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    bad = GrooveSpec(0, "swing", "swing", "NoSuchGroove", 120, "C", "x", 1, (("C",),), 1)
    src = tmp_path / "bad.mma"
    src.write_text(mma_source(bad))
    from scripts.corpora import render_groove

    with pytest.raises(CorpusError, match="mma failed"):
        render_groove(src, tmp_path / "bad.mid", mma="mma")
    with pytest.raises(CorpusError):
        inspect_groove(src)  # not a MIDI file


def test_missing_mma_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        generate_mma(tmp_path, count=1, mma="no-such-mma-program")
    assert main(["mma", str(tmp_path), "--count", "1", "--mma", "no-such-mma-program"]) == 2
    with pytest.raises(CorpusError):
        generate_mma(tmp_path, count=0)


# ---------------------------------------------------------------------------
# Reducing a groove to the parts a band model takes
# ---------------------------------------------------------------------------


def six_part_groove(path: Path) -> Path:
    """A 2-bar MMA-like file: drums, two basses, three comping parts, each
    track named like MMA's, with a different note count per part."""
    import mido

    mf = mido.MidiFile(type=1, ticks_per_beat=480)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    meta.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    mf.tracks.append(meta)
    parts = [  # name, channel, program, pitch, notes in 2 bars
        ("Drum-Kick", 9, 0, 36, 8),
        ("Bass", 1, 33, 40, 4),
        ("Walk", 2, 32, 43, 8),
        ("Chord-Piano", 3, 0, 60, 6),
        ("Arpeggio", 4, 24, 64, 16),
        ("Plectrum", 5, 25, 67, 2),
    ]
    for name, channel, program, pitch, count in parts:
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=name, time=0))
        track.append(mido.Message("program_change", channel=channel, program=program, time=0))
        step = 8 * 480 // count
        for _ in range(count):
            track.append(mido.Message("note_on", channel=channel, note=pitch, velocity=90, time=0))
            track.append(mido.Message("note_off", channel=channel, note=pitch, time=step))
        mf.tracks.append(track)
    mf.save(path)
    return path


def test_reduce_band_keeps_drums_bass_and_comping_first(tmp_path: Path) -> None:
    src = six_part_groove(tmp_path / "six.mid")
    before = src.read_bytes()
    kept, dropped = reduce_band(src, tmp_path / "out" / "four.mid", max_instruments=4)
    # The busiest of each role first (Walk over Bass, Arpeggio over
    # Chord-Piano and Plectrum), then the busiest of the rest (Chord-Piano's
    # 6 notes over Bass's 4 and Plectrum's 2).
    assert [p["name"] for p in kept] == ["Drum-Kick", "Walk", "Chord-Piano", "Arpeggio"]
    assert sorted(p["name"] for p in dropped) == ["Bass", "Plectrum"]
    assert src.read_bytes() == before  # the source is never changed
    out = inspect_groove(tmp_path / "out" / "four.mid")
    assert [t["name"] for t in out] == ["Drum-Kick", "Walk", "Chord-Piano", "Arpeggio"]
    assert [t["notes"] for t in out] == [8, 8, 6, 16]
    seq = note_seq.midi_file_to_note_sequence(str(tmp_path / "out" / "four.mid"))
    assert len({(n.instrument, n.is_drum) for n in seq.notes}) == 4
    assert seq.tempos[0].qpm == pytest.approx(120.0)

    kept3, _ = reduce_band(src, tmp_path / "three.mid", max_instruments=3)
    assert {p["role"] for p in kept3} == {"drums", "bass", "comping"}
    kept8, dropped8 = reduce_band(src, tmp_path / "all.mid", max_instruments=8)
    assert len(kept8) == 6 and not dropped8


def test_reduced_groove_feeds_the_band_model_and_the_full_one_does_not(tmp_path: Path) -> None:
    src = six_part_groove(tmp_path / "six.mid")
    reduce_band(src, tmp_path / "four.mid", max_instruments=4)
    conv = converter_of("lb-band_1bar_small")
    full = note_seq.midi_file_to_note_sequence(str(src))
    four = note_seq.midi_file_to_note_sequence(str(tmp_path / "four.mid"))
    assert not conv.to_tensors(full).inputs
    assert len(conv.to_tensors(four).inputs) == 2  # one per bar


def test_reduce_corpus_mirrors_the_folder_and_lists_bad_files(tmp_path: Path) -> None:
    src = tmp_path / "corpus"
    (src / "train" / "rock").mkdir(parents=True)
    (src / "eval").mkdir()
    six_part_groove(src / "train" / "rock" / "a.mid")
    six_part_groove(src / "eval" / "b.mid")
    (src / "train" / "broken.mid").write_bytes(b"MThd not really")
    (src / "notes.txt").write_text("not MIDI")
    summary = reduce_corpus(src, tmp_path / "band", max_instruments=4)
    assert summary["files"] == 3 and summary["written"] == 2 and summary["reduced"] == 2
    assert summary["dropped_parts"] == {"bass": 2, "comping": 2}
    assert [u.split(":")[0] for u in summary["unreadable"]] == ["train/broken.mid"]
    assert (tmp_path / "band" / "train" / "rock" / "a.mid").is_file()
    assert (tmp_path / "band" / "eval" / "b.mid").is_file()
    assert not (tmp_path / "band" / "train" / "broken.mid").exists()

    with pytest.raises(CorpusError, match="outside"):
        reduce_corpus(src, src / "band")
    with pytest.raises(CorpusError, match="not a folder"):
        reduce_corpus(tmp_path / "missing", tmp_path / "x")
    with pytest.raises(CorpusError, match="max_instruments"):
        reduce_band(src / "eval" / "b.mid", tmp_path / "y.mid", max_instruments=0)
    assert main(["reduce", str(src), str(tmp_path / "band2")]) == 1  # a file was unreadable
