"""The ``latent-bridge`` command, run in-process through ``main([...])``.

Checkpoints come from the session fixture in conftest.py; input MIDI files
are built from notes in each test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.cli import main
from bridge.clips import Clip, Note, TimeSignature, Track
from bridge.convert import midi_bytes, read_midi, write_midi

DRUMS = "lb-drums_2bar_tiny"
GROOVE = "lb-groove_2bar_tiny"
TEMPO_GROOVE = "lb-groove_2bar_tempo_tiny"


@pytest.fixture
def checkpoints(tiny_checkpoints: dict[str, str]) -> dict[str, str]:
    """The session's random-weight checkpoints (see conftest.py)."""
    return tiny_checkpoints


def drum_clip(shift: int = 0) -> Clip:
    """Two bars of kick, snare and hats; ``shift`` moves the kicks for a second pattern."""
    notes = [Note(42, i * 0.5, 0.25, velocity=80) for i in range(16)]
    notes += [Note(36, (i * 4 + shift) % 8, 0.25, velocity=110) for i in range(2)]
    notes += [Note(38, 1.0 + i * 2, 0.25, velocity=100) for i in range(4)]
    return Clip(notes, 8.0, name="Beat")


def write_song(path: Path, shift: int = 0) -> Path:
    """A file whose first track is a bass line and whose second is drums."""
    bass = Clip([Note(40 + i % 5, i * 1.0, 0.5) for i in range(8)], 8.0, name="Bass")
    write_midi([Track(bass, False, 33), Track(drum_clip(shift), True, 0)], path)
    return path


def generate(checkpoints: dict[str, str], out: Path, *args: str, model: str = DRUMS) -> int:
    return main(
        [
            "generate",
            *args,
            "--model",
            model,
            "--checkpoint",
            checkpoints[model],
            "--out",
            str(out),
            "--device",
            "cpu",
        ]
    )


def midi_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.mid"))


def test_sample_writes_files_and_report(
    checkpoints: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "new" / "dir"
    assert generate(checkpoints, out, "sample", "--count", "3", "--seed", "7") == 0
    assert midi_files(out) == ["sample_01.mid", "sample_02.mid", "sample_03.mid"]
    report = json.loads((out / "report.json").read_text())
    assert report["model"] == DRUMS
    assert report["op"] == "sample"
    assert report["seed"] == 7
    assert report["params"]["n"] == 3
    assert report["files"] == midi_files(out)
    assert report["seconds"] >= 0
    # The tiny random checkpoint has no fitted prior; the report says so.
    assert report["latent_prior"].startswith("standard normal")
    assert report["refine_steps"] == 10
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "device: cpu"
    assert str(out / "sample_01.mid") in printed
    assert "seed: 7" in printed


def test_variations_of_drum_track(
    checkpoints: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    song = write_song(tmp_path / "song.mid")
    out = tmp_path / "out"
    assert generate(checkpoints, out, "variations", str(song), "--count", "2", "--seed", "1") == 0
    # A file of two parts through a one-part model: which part was taken is said.
    assert (
        f"song.mid: {DRUMS} takes one part; took track 2 of 2 (drums, 22 notes)"
        in capsys.readouterr().out
    )
    assert midi_files(out) == ["variations_01.mid", "variations_02.mid"]
    for name in midi_files(out):
        tracks = read_midi(out / name)
        assert [t.is_drum for t in tracks] == [True]
        assert tracks[0].clip.length == 8.0


def test_track_option_out_of_range(
    checkpoints: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    song = write_song(tmp_path / "song.mid")
    assert generate(checkpoints, tmp_path / "out", "variations", str(song), "--track", "3") == 2
    assert "--track must be 1..2" in capsys.readouterr().err
    bass = tmp_path / "bass.mid"
    write_midi([Track(Clip([Note(40, 0.0, 1.0)], 8.0), False, 33)], bass)
    assert generate(checkpoints, tmp_path / "out", "variations", str(bass)) == 2
    assert "has no drum track" in capsys.readouterr().err


def test_no_overwrite_and_same_seed_same_bytes(checkpoints: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(2):
        assert generate(checkpoints, out, "sample", "--count", "2", "--seed", "5") == 0
    assert midi_files(out) == [
        "sample_01.mid",
        "sample_01_1.mid",
        "sample_02.mid",
        "sample_02_1.mid",
    ]
    assert sorted(p.name for p in out.glob("*.json")) == ["report.json", "report_1.json"]
    assert json.loads((out / "report_1.json").read_text())["files"] == [
        "sample_01_1.mid",
        "sample_02_1.mid",
    ]
    for n in ("01", "02"):
        assert (out / f"sample_{n}.mid").read_bytes() == (out / f"sample_{n}_1.mid").read_bytes()


def test_interpolate_blend_and_grid(checkpoints: dict[str, str], tmp_path: Path) -> None:
    a, b = write_song(tmp_path / "a.mid"), write_song(tmp_path / "b.mid", shift=2)
    out = tmp_path / "out"
    assert generate(checkpoints, out, "interpolate", str(a), str(b), "--steps", "3") == 0
    args = ["grid", str(a), str(b), str(b), str(a), "--cols", "2", "--rows", "2"]
    assert generate(checkpoints, out, *args) == 0
    args = ["blend", str(a), str(b), str(b), str(a), "--x", "0.25", "--y", "0.5"]
    assert generate(checkpoints, out, *args) == 0
    assert midi_files(out) == [
        "blend_01.mid",
        "grid_r01_c01.mid",
        "grid_r01_c02.mid",
        "grid_r02_c01.mid",
        "grid_r02_c02.mid",
        "interpolate_01.mid",
        "interpolate_02.mid",
        "interpolate_03.mid",
    ]


def test_a_band_model_interpolates_whole_songs(checkpoints: dict[str, str], tmp_path: Path) -> None:
    """Every part of each file goes to a band model, in one latent."""
    a, b = write_song(tmp_path / "a.mid"), write_song(tmp_path / "b.mid", shift=2)
    out = tmp_path / "out"
    multi = "lb-multitrack_1bar_tiny"
    args = ["interpolate", str(a), str(b), "--steps", "3", "--seed", "2"]
    assert generate(checkpoints, out, *args, model=multi) == 0
    assert midi_files(out) == ["interpolate_01.mid", "interpolate_02.mid", "interpolate_03.mid"]
    report = json.loads((out / "report.json").read_text())
    assert report["params"]["scenes"] is True
    for name in midi_files(out):
        parts = {(t.is_drum, t.program) for t in read_midi(out / name)}
        assert parts <= {(False, 33), (True, 0)} and parts, parts


def test_humanize_with_groove_model(checkpoints: dict[str, str], tmp_path: Path) -> None:
    song = write_song(tmp_path / "song.mid")
    out = tmp_path / "out"
    assert generate(checkpoints, out, "humanize", str(song), "--seed", "3", model=GROOVE) == 0
    assert midi_files(out) == ["humanize_01.mid"]
    (track,) = read_midi(out / "humanize_01.mid")
    assert track.is_drum
    assert track.clip.notes


def test_operations_run_at_the_input_s_tempo_unless_qpm_is_given(
    checkpoints: dict[str, str], tmp_path: Path
) -> None:
    """A groove model that reads the tempo hears the file's; --qpm overrides it,
    for the model and for the files written."""
    from bridge.convert import midi_tempo

    slow = tmp_path / "slow.mid"
    slow.write_bytes(midi_bytes([Track(drum_clip(), True, 0)], qpm=75))
    for extra, tempo in (((), 75.0), (("--qpm", "90"), 90.0)):
        out = tmp_path / f"out{tempo:g}"
        args = ["humanize", str(slow), "--seed", "3", *extra]
        assert generate(checkpoints, out, *args, model=TEMPO_GROOVE) == 0
        report = json.loads((out / "report.json").read_text())
        assert report["params"]["qpm"] == pytest.approx(tempo, abs=0.01)
        assert midi_tempo(out / "humanize_01.mid") == pytest.approx(tempo, abs=0.01)
    slow_take = read_midi(tmp_path / "out75" / "humanize_01.mid")[0].clip.notes
    fast_take = read_midi(tmp_path / "out90" / "humanize_01.mid")[0].clip.notes
    assert slow_take != fast_take  # the model heard two tempi
    bad = ["generate", "humanize", str(slow), "--qpm", "500", "--out", str(tmp_path / "x")]
    assert main(bad) == 2


def test_multitrack_needs_a_multitrack_model(
    checkpoints: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    song = write_song(tmp_path / "song.mid")
    assert generate(checkpoints, tmp_path / "new" / "out", "multitrack", str(song)) == 2
    assert "multitrack needs a trio or multitrack model" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()  # the failed request took back the folders it made
    kept = tmp_path / "kept"
    (kept / "out").mkdir(parents=True)
    assert generate(checkpoints, kept / "out", "multitrack", str(song)) == 2
    assert (kept / "out").is_dir()  # one that was there stays


def test_corrupt_midi_is_a_clear_error(
    checkpoints: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd this is not really MIDI")
    assert generate(checkpoints, tmp_path / "out", "variations", str(bad)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "bad.mid is not a readable MIDI file" in err
    assert "Traceback" not in err


def test_missing_input_file(
    checkpoints: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.mid"
    assert generate(checkpoints, tmp_path / "out", "humanize", str(missing), model=GROOVE) == 2
    assert "missing.mid" in capsys.readouterr().err


def test_unknown_model(
    checkpoints: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["generate", "sample", "--model", "no-such-model", "--checkpoint", checkpoints[DRUMS]]
    assert main([*args, "--out", str(tmp_path)]) == 2
    assert "error: unknown model 'no-such-model'" in capsys.readouterr().err


def test_missing_checkpoint_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["generate", "sample", "--model", DRUMS, "--out", str(tmp_path / "out")]
    assert main([*args, "--checkpoint", str(tmp_path / "nowhere")]) == 2
    assert "error: checkpoint not found" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_no_checkpoint_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "sample", "--model", DRUMS, "--out", str(tmp_path)]) == 2
    assert "--checkpoint PATH" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "blend", "a.mid", "--model", DRUMS, "--out", "x"]) == 2
    assert main(["generate", "sample", "--model", DRUMS, "--out", "x", "--count", "0"]) == 2
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_models_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert DRUMS in out
    assert "groove" in out


def test_help_does_not_import_tensorflow() -> None:
    code = (
        "import sys\n"
        "from bridge.cli import main\n"
        "try:\n"
        "    main(['generate', 'sample', '--help'])\n"
        "finally:\n"
        "    assert 'tensorflow' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--checkpoint" in done.stdout


def test_multitrack_keeps_every_track(checkpoints: dict[str, str], tmp_path: Path) -> None:
    song = tmp_path / "scene.mid"
    keys = Clip([Note(72 + i % 3, i * 1.0, 1.0) for i in range(4)], 4.0, name="Keys")
    bass = Clip([Note(40, 0.0, 2.0), Note(43, 2.0, 2.0)], 4.0, name="Bass")
    drums = Clip([Note(36, 0.0, 0.25), Note(38, 1.0, 0.25)], 4.0, name="Drums")
    write_midi([Track(keys, False, 0), Track(bass, False, 33), Track(drums, True, 0)], song)
    out = tmp_path / "out"
    args = ("multitrack", str(song), "--count", "2", "--seed", "3")
    assert generate(checkpoints, out, *args, model="lb-multitrack_1bar_tiny") == 0
    assert midi_files(out) == ["multitrack_01.mid", "multitrack_02.mid"]
    for name in midi_files(out):
        # read_midi drops instruments without notes; those present keep their programs
        got = {(t.is_drum, t.program) for t in read_midi(out / name)}
        assert got <= {(False, 0), (False, 33), (True, 0)}


def test_refine_steps_reach_every_command_that_runs_the_engine(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bridge.cli import build_parser, config_from_args

    parser = build_parser()
    given = ["generate", "variations", "a.mid", "--model", DRUMS, "--out", "o"]
    assert config_from_args(parser.parse_args(given)).refine_steps is None  # the model's default
    given += ["--refine-steps", "0"]
    assert config_from_args(parser.parse_args(given)).refine_steps == 0
    assert parser.parse_args(["serve", "--refine-steps", "5"]).refine_steps == 5
    watch = ["watch", "in", "--out", "o", "--op", "variations", "--refine-steps", "7"]
    assert parser.parse_args(watch).refine_steps == 7
    live = ["live", "variations", "--refine-steps", "3"]
    assert parser.parse_args(live).refine_steps == 3
    sample = ["generate", "sample", "--model", DRUMS, "--out", "x", "--refine-steps"]
    assert main([*sample, "-1"]) == 2
    assert main([*sample, "lots"]) == 2
    assert "--refine-steps" in capsys.readouterr().err


def test_outputs_keep_the_input_s_tempo_and_meter(
    checkpoints: dict[str, str], tmp_path: Path
) -> None:
    from bridge.convert import midi_tempo

    slow = tmp_path / "slow.mid"
    slow.write_bytes(midi_bytes([Track(drum_clip(), True, 0)], qpm=75))
    assert midi_tempo(slow) == pytest.approx(75, abs=0.01)
    out = tmp_path / "out"
    assert generate(checkpoints, out, "variations", str(slow), "--count", "2", "--seed", "1") == 0
    for name in midi_files(out):
        assert midi_tempo(out / name) == pytest.approx(75, abs=0.01)
        (track,) = read_midi(out / name)
        assert track.clip.length == 8.0  # beats are beats at any tempo
    waltz = Clip(
        [Note(36, 0, 0.25), Note(38, 1, 0.25), Note(42, 2, 0.25)], 6.0, TimeSignature(3, 4)
    )
    three = tmp_path / "waltz.mid"
    three.write_bytes(midi_bytes([Track(waltz, True, 0)], qpm=140))
    (back,) = read_midi(three)
    assert back.clip.time_signature == TimeSignature(3, 4) and midi_tempo(three) == pytest.approx(
        140, abs=0.01
    )
    sampled = tmp_path / "sampled"
    assert generate(checkpoints, sampled, "sample", "--qpm", "92.5", "--seed", "2") == 0
    assert midi_tempo(sampled / "sample_01.mid") == pytest.approx(92.5, abs=0.01)
    assert main(["generate", "sample", "--qpm", "0", "--out", str(sampled)]) == 2
