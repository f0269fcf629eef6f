"""The folder watcher, run in-process on temporary folders with the tiny models.

Input MIDI files are built from notes in each test. Waiting is done by
polling the watcher (``wait_idle`` and snapshots) with timeouts; the only
sleep is the one a slow writer makes between two pieces of a file.
"""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from bridge.cli import main
from bridge.clips import Clip, Note, TimeSignature, Track
from bridge.convert import midi_bytes, midi_tempo, read_midi
from bridge.engine import Engine
from bridge.errors import InvalidRequestError, MidiFileError, UnknownModelError
from bridge.watch import STATE_NAME, Activity, WatchConfig, Watcher, WatchState
from bridge.watch.display import render_snapshot
from bridge.watch.inputs import Layout, order_group
from bridge.watch.render import piano_roll_png
from bridge.watch.state import file_key
from tests.factories import drum_clip, drum_midi, melody_midi
from tests.watching import (
    DRUMS,
    IDLE_TIMEOUT,
    config,
    digest,
    done_inputs,
    idle,
    output_dirs,
    poll,
    report,
    running,
    state_entries,
)


def test_dropped_files_slow_corrupt_text_and_long(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path)
    whole = drum_midi(3)
    half = whole[: len(whole) // 2]
    with pytest.raises(MidiFileError):
        read_midi(half)  # the premise: half a file does not read as MIDI

    with running(cfg, engine) as watcher:
        (cfg.in_dir / "beat.mid").write_bytes(drum_midi(1))
        (cfg.in_dir / "corrupt.mid").write_bytes(drum_midi(2)[:-20])
        (cfg.in_dir / "notes.txt").write_text("not a MIDI file\n")
        (cfg.in_dir / "long.mid").write_bytes(drum_midi(4, bars=64))
        (cfg.in_dir / ".hidden.mid").write_bytes(drum_midi(5))
        (cfg.in_dir / "download.mid.part").write_bytes(drum_midi(6))
        # A slow writer: half the file, a pause longer than the settle time
        # (but shorter than the corrupt time), then the rest.
        with open(cfg.in_dir / "slow.mid", "wb") as f:
            f.write(half)
            f.flush()
            time.sleep(cfg.settle_seconds * 4)
            f.write(whole[len(half) :])
        idle(watcher)
        snap = watcher.snapshot()

    out, failed = cfg.out_dir, cfg.in_dir / "failed"
    assert (snap.done, snap.failed, snap.errors) == (3, 2, 0)
    assert output_dirs(out) == ["beat", "long", "slow"]
    assert done_inputs(out) == ["beat.mid", "long.mid", "slow.mid"]
    for name in ("beat", "long", "slow"):
        assert {p.name for p in (out / name).iterdir()} == {
            f"{name}_variations_01.mid",
            f"{name}_variations_01.png",
            f"{name}_variations_02.mid",
            f"{name}_variations_02.png",
            "report.json",
        }
        rep = report(out, name)
        assert rep["model"] == DRUMS
        assert rep["operation"] == "variations"
        assert rep["seed"] == 1
        assert rep["params"]["n"] == 2
        assert rep["inputs"][0]["relative"] == f"{name}.mid"
        assert [o["midi"] for o in rep["outputs"]] == [
            f"{name}_variations_01.mid",
            f"{name}_variations_02.mid",
        ]
        assert rep["timings"]["total_seconds"] >= rep["timings"]["model_seconds"] >= 0
    # The slow file was taken whole, once.
    assert report(out, "slow")["inputs"][0]["size"] == len(whole)
    assert read_midi(out / "slow" / "slow_variations_01.mid")[0].clip.length == 8.0
    assert read_midi(out / "long" / "long_variations_01.mid")[0].clip.length == 256.0
    # Bad files moved aside with their reasons; good ones and ignored ones stay.
    assert sorted(p.name for p in failed.iterdir()) == [
        "corrupt.mid",
        "corrupt.mid.reason.txt",
        "notes.txt",
        "notes.txt.reason.txt",
    ]
    assert "not a readable MIDI file" in (failed / "corrupt.mid.reason.txt").read_text()
    assert "not a MIDI file" in (failed / "notes.txt.reason.txt").read_text()
    assert sorted(p.name for p in cfg.in_dir.iterdir()) == [
        ".hidden.mid",
        "beat.mid",
        "download.mid.part",
        "failed",
        "long.mid",
        "slow.mid",
    ]
    assert not any((out / ".partial").iterdir())
    log = (out / "watch.log").read_text()
    assert "done slow.mid" in log and "failed corrupt.mid" in log


def test_restart_in_the_middle_of_a_burst(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path, count=1, workers=1, queue_size=1)
    cfg.in_dir.mkdir()
    total = 30
    for i in range(total):  # dropped before the watcher runs: found by the first scan
        (cfg.in_dir / f"beat{i:02d}.mid").write_bytes(drum_midi(i))

    with running(cfg, engine) as first:
        poll(lambda: first.snapshot().done >= 4)
    # Stopped: the running input finished, the queued ones were left.
    done_first = done_inputs(cfg.out_dir)
    assert 4 <= len(done_first) < total
    assert output_dirs(cfg.out_dir) == [Path(n).stem for n in done_first]
    before = {name: digest(cfg.out_dir / name) for name in output_dirs(cfg.out_dir)}
    for i in range(total, total + 3):  # dropped while no watcher runs
        (cfg.in_dir / f"beat{i:02d}.mid").write_bytes(drum_midi(i))

    with running(cfg, engine) as second:
        idle(second)
        assert second.snapshot().done == total + 3 - len(done_first)

    names = [f"beat{i:02d}" for i in range(total + 3)]
    assert done_inputs(cfg.out_dir) == [f"{n}.mid" for n in names]
    assert output_dirs(cfg.out_dir) == names  # one each: no "beat00 (2)"
    keys = [report(cfg.out_dir, n)["input_key"] for n in names]
    assert len(set(keys)) == len(names)
    assert set(keys) == set(state_entries(cfg.out_dir))
    for name, files in before.items():  # nothing from the first run was touched
        assert digest(cfg.out_dir / name) == files


def test_burst_of_200_files(engine: Engine, tmp_path: Path) -> None:
    """About 20 s on 2 cores (most of it drawing piano rolls)."""
    count = 200
    cfg = config(tmp_path, count=1, queue_size=16)
    with running(cfg, engine) as watcher:
        started = time.monotonic()
        for i in range(count):
            (cfg.in_dir / f"b{i:03d}.mid").write_bytes(drum_midi(i))
        idle(watcher)
        seconds = time.monotonic() - started
        snap = watcher.snapshot()
    assert (snap.done, snap.failed, snap.errors) == (count, 0, 0)
    assert output_dirs(cfg.out_dir) == [f"b{i:03d}" for i in range(count)]
    assert len(state_entries(cfg.out_dir)) == count
    print(f"{count} files in {seconds:.1f} s")


@pytest.mark.parametrize("op", ["variations", "interpolate"])
def test_file_events_find_inputs_between_scans(engine: Engine, tmp_path: Path, op: str) -> None:
    cfg = config(tmp_path, op, count=1, steps=2, rescan_seconds=600)
    with running(cfg, engine) as watcher:
        idle(watcher)  # the scans at start are over: the next is 10 minutes away
        group = cfg.in_dir / "group"
        group.mkdir()
        (group / "a.mid").write_bytes(drum_midi(1))
        (group / "b.mid").write_bytes(drum_midi(2))
        if op == "variations":
            (cfg.in_dir / "top.mid").write_bytes(drum_midi(3))
        # No wait_idle here: it would ask for a scan. Only file events can find these.
        expected = 3 if op == "variations" else 1
        poll(lambda: watcher.snapshot().done == expected)
    names = ["a", "b", "top"] if op == "variations" else ["group"]
    assert output_dirs(cfg.out_dir) == names


def test_interpolate_groups(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path, "interpolate", steps=3)
    with running(cfg, engine) as watcher:
        pair = cfg.in_dir / "pair"
        pair.mkdir()
        (pair / "b.mid").write_bytes(drum_midi(2))
        (pair / "a.mid").write_bytes(drum_midi(1))
        lonely = cfg.in_dir / "lonely"
        lonely.mkdir()
        (lonely / "1.mid").write_bytes(drum_midi(3))
        (cfg.in_dir / "loose.mid").write_bytes(drum_midi(4))
        idle(watcher)
        # One file short: the group waits (and the watcher still counts as idle).
        assert output_dirs(cfg.out_dir) == ["pair"]
        assert watcher.snapshot().waiting_groups == 1
        (lonely / "2.mid").write_bytes(drum_midi(5))
        idle(watcher)
        assert watcher.snapshot().waiting_groups == 0

    assert output_dirs(cfg.out_dir) == ["lonely", "pair"]
    rep = report(cfg.out_dir, "pair")
    assert rep["operation"] == "interpolate"
    assert [i["relative"] for i in rep["inputs"]] == ["pair/a.mid", "pair/b.mid"]
    assert len(list((cfg.out_dir / "pair").glob("*.mid"))) == 3
    assert sorted(done_inputs(cfg.out_dir)) == ["lonely", "pair"]
    # A file outside a group cannot be interpolated: it fails, saying why.
    reason = (cfg.in_dir / "failed" / "loose.mid.reason.txt").read_text()
    assert "takes its inputs as a group" in reason
    assert (pair / "a.mid").exists()  # processed inputs stay where they are


def test_a_band_model_interpolates_whole_songs(engine: Engine, tmp_path: Path) -> None:
    """With a band model, every part of each dropped file goes into one latent."""
    from bridge.clips import Clip, Note, Track
    from bridge.convert import write_midi

    def song(path: Path, shift: int) -> None:
        bass = Clip([Note(36 + (i + shift) % 5, float(i), 0.5) for i in range(8)], 8.0, name="Bass")
        write_midi([Track(bass, False, 33), Track(drum_clip(shift), True, 0)], path)

    cfg = config(tmp_path, "interpolate", steps=3, model="lb-multitrack_1bar_tiny")
    with running(cfg, engine) as watcher:
        pair = cfg.in_dir / "pair"
        pair.mkdir()
        song(pair / "a.mid", 0)
        song(pair / "b.mid", 2)
        idle(watcher)
    rep = report(cfg.out_dir, "pair")
    assert rep["operation"] == "interpolate"
    outputs = sorted((cfg.out_dir / "pair").glob("*.mid"))
    assert len(outputs) == 3
    for out in outputs:
        parts = {(t.is_drum, t.program) for t in read_midi(out)}
        assert parts and parts <= {(False, 33), (True, 0)}, parts
    assert rep["params"]["scenes"] is True


def test_blend_group_by_corner_names(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path, "blend", x=0.25, y=0.75)
    corners = cfg.in_dir / "corners"
    corners.mkdir(parents=True)
    for i, name in enumerate(("br", "bl", "tr", "tl")):
        (corners / f"{name}.mid").write_bytes(drum_midi(i))
    with running(cfg, engine) as watcher:
        idle(watcher)
    rep = report(cfg.out_dir, "corners")
    assert [i["relative"] for i in rep["inputs"]] == [
        "corners/tl.mid",
        "corners/tr.mid",
        "corners/bl.mid",
        "corners/br.mid",
    ]
    assert rep["params"]["x"] == 0.25 and rep["params"]["y"] == 0.75
    assert sorted(p.name for p in (cfg.out_dir / "corners").iterdir()) == [
        "corners_blend_01.mid",
        "corners_blend_01.png",
        "report.json",
    ]


def test_a_job_runs_at_its_file_s_tempo(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path, "humanize", model="lb-groove_2bar_tempo_tiny", count=None)
    with running(cfg, engine) as watcher:
        (cfg.in_dir / "slow.mid").write_bytes(midi_bytes([Track(drum_clip(1), True, 0)], qpm=75))
        idle(watcher)
    assert report(cfg.out_dir, "slow")["params"]["qpm"] == pytest.approx(75, abs=0.01)
    assert midi_tempo(cfg.out_dir / "slow" / "slow_humanize_01.mid") == pytest.approx(75, abs=0.01)


def test_model_errors_fail_the_input(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cfg.in_dir.mkdir()
    waltz = Clip([Note(36, b * 3.0, 0.25) for b in range(2)], 6.0, TimeSignature(3, 4))
    (cfg.in_dir / "waltz.mid").write_bytes(midi_bytes([Track(waltz, True, 0)]))
    (cfg.in_dir / "tune.mid").write_bytes(melody_midi())  # no drum track
    (cfg.in_dir / "failed").mkdir()
    (cfg.in_dir / "failed" / "tune.mid").write_bytes(b"an earlier failure")
    with running(cfg, engine) as watcher:
        idle(watcher)
        assert watcher.snapshot().failed == 2
    failed = cfg.in_dir / "failed"
    assert "3/4" in (failed / "waltz.mid.reason.txt").read_text()
    # An earlier failure of the same name is kept: the new one gets " (2)".
    assert (failed / "tune.mid").read_bytes() == b"an earlier failure"
    assert "no drum track" in (failed / "tune (2).mid.reason.txt").read_text()
    assert (failed / "tune (2).mid").read_bytes() == melody_midi()
    entries = state_entries(cfg.out_dir)
    assert sorted(e["moved_to"] for e in entries.values()) == [
        "failed/tune (2).mid",
        "failed/waltz.mid",
    ]
    assert output_dirs(cfg.out_dir) == []


def test_settings_error_stops_the_watcher_and_moves_nothing(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path, "humanize")  # humanize needs a groove model, not drums
    cfg.in_dir.mkdir()
    (cfg.in_dir / "beat.mid").write_bytes(drum_midi())
    with running(cfg, engine) as watcher:
        assert watcher.wait_stopped(IDLE_TIMEOUT)
        assert isinstance(watcher.error, InvalidRequestError)
        assert "groove" in watcher.error.message
    assert (cfg.in_dir / "beat.mid").exists()
    assert not (cfg.in_dir / "failed").exists()
    assert not (cfg.out_dir / STATE_NAME).exists()


def test_existing_output_folders_are_kept(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path, count=1)
    (cfg.out_dir / "beat").mkdir(parents=True)
    (cfg.out_dir / "beat" / "mine.txt").write_text("keep me")
    cfg.in_dir.mkdir()
    (cfg.in_dir / "beat.mid").write_bytes(drum_midi())
    with running(cfg, engine) as watcher:
        idle(watcher)
    assert output_dirs(cfg.out_dir) == ["beat", "beat (2)"]
    assert (cfg.out_dir / "beat" / "mine.txt").read_text() == "keep me"
    assert report(cfg.out_dir, "beat (2)")["inputs"][0]["relative"] == "beat.mid"


def test_output_renamed_but_not_recorded_is_not_redone(engine: Engine, tmp_path: Path) -> None:
    """A crash between renaming an output into place and writing the state."""
    cfg = config(tmp_path, count=1)
    with running(cfg, engine) as watcher:
        (cfg.in_dir / "beat.mid").write_bytes(drum_midi())
        idle(watcher)
    (cfg.out_dir / STATE_NAME).unlink()  # as if never written
    with running(cfg, engine) as watcher:
        idle(watcher)
        assert watcher.snapshot().done == 0
    assert output_dirs(cfg.out_dir) == ["beat"]
    assert done_inputs(cfg.out_dir) == ["beat.mid"]


def test_changed_file_is_a_new_input(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path, count=1)
    with running(cfg, engine) as watcher:
        path = cfg.in_dir / "beat.mid"
        path.write_bytes(drum_midi(1))
        idle(watcher)
        path.write_bytes(drum_midi(2, bars=4))
        idle(watcher)
    assert output_dirs(cfg.out_dir) == ["beat", "beat (2)"]


def test_stop_while_busy_leaves_no_half_written_output(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path, count=1, workers=2)
    cfg.in_dir.mkdir()
    for i in range(12):
        (cfg.in_dir / f"beat{i:02d}.mid").write_bytes(drum_midi(i))
    watcher = Watcher(cfg, engine)
    watcher.start()
    poll(lambda: watcher.snapshot().running > 0)
    watcher.stop(abandon=True)
    recorded = done_inputs(cfg.out_dir) if (cfg.out_dir / STATE_NAME).exists() else []
    assert output_dirs(cfg.out_dir) == [Path(n).stem for n in recorded]
    for name in output_dirs(cfg.out_dir):
        assert (cfg.out_dir / name / "report.json").exists()
    partial = cfg.out_dir / ".partial"
    assert not partial.exists() or not any(partial.iterdir())


# --- the command ------------------------------------------------------------------


def test_cli_once(
    tiny_checkpoints: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    in_dir, out = tmp_path / "drop", tmp_path / "out"
    in_dir.mkdir()
    (in_dir / "beat.mid").write_bytes(drum_midi())
    args = ["watch", str(in_dir), "--out", str(out), "--op", "variations"]
    args += ["--model", DRUMS, "--checkpoint", tiny_checkpoints[DRUMS], "--device", "cpu"]
    args += ["--count", "3", "--seed", "2", "--settle", "0.1", "--corrupt-after", "0.5"]
    assert main([*args, "--once", "--no-png"]) == 0
    printed = capsys.readouterr().out
    assert "done beat.mid" in printed
    assert sorted(p.name for p in (out / "beat").iterdir()) == [
        "beat_variations_01.mid",
        "beat_variations_02.mid",
        "beat_variations_03.mid",
        "report.json",
    ]
    # Run again with a bad file added: the good one is not redone; status 1 says a failure.
    (in_dir / "bad.mid").write_bytes(b"MThd\x00\x00")
    assert main([*args, "--once", "--quiet"]) == 1
    assert capsys.readouterr().out == ""
    assert output_dirs(out) == ["beat"]
    assert (in_dir / "failed" / "bad.mid.reason.txt").exists()


def test_cli_ctrl_c_stops_cleanly(
    tiny_checkpoints: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    in_dir, out = tmp_path / "drop", tmp_path / "out"
    in_dir.mkdir()
    (in_dir / "beat.mid").write_bytes(drum_midi())

    def interrupted(self: Watcher, timeout: float | None = None) -> bool:
        assert self.wait_idle(IDLE_TIMEOUT)
        raise KeyboardInterrupt

    monkeypatch.setattr(Watcher, "wait_stopped", interrupted)
    args = ["watch", str(in_dir), "--out", str(out), "--op", "variations", "--count", "1"]
    args += ["--model", DRUMS, "--checkpoint", tiny_checkpoints[DRUMS], "--device", "cpu"]
    assert main([*args, "--settle", "0.1"]) == 130
    captured = capsys.readouterr()
    assert "stopping" in captured.out and "interrupted" in captured.err
    assert output_dirs(out) == ["beat"]
    assert (out / "watch.log").read_text().rstrip().endswith("stopped")


def test_cli_watch_refuses_a_file_as_its_folder(
    tmp_path: Path, tiny_checkpoints: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    beat = tmp_path / "beat.mid"
    beat.write_bytes(drum_midi())
    args = ["watch", str(beat), "--out", str(tmp_path / "out"), "--op", "variations"]
    args += ["--model", DRUMS, "--checkpoint", tiny_checkpoints[DRUMS], "--device", "cpu"]
    assert main(args) == 2
    assert f"the folder to watch, {beat}, is a file, not a folder" in capsys.readouterr().err
    assert beat.read_bytes() == drum_midi()


def test_cli_watch_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["watch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--model", DRUMS]
    assert main([*base, "--op", "sample"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    ckpt = ["--checkpoint", str(tmp_path)]
    assert main([*base, *ckpt, "--op", "blend"]) == 2
    assert "blend needs x and y" in capsys.readouterr().err
    assert main([*base, "--op", "variations"]) == 2
    assert "no checkpoint given" in capsys.readouterr().err


# --- the parts --------------------------------------------------------------------


def test_config_checks() -> None:
    here = Path("somewhere")
    with pytest.raises(InvalidRequestError, match="must not be the watched folder"):
        WatchConfig(here, here, "variations", DRUMS)
    with pytest.raises(InvalidRequestError, match="inside the output folder"):
        WatchConfig(here / "in", here, "variations", DRUMS)
    with pytest.raises(InvalidRequestError, match="runs variations"):
        WatchConfig(here / "in", here / "out", "sample", DRUMS)
    with pytest.raises(InvalidRequestError, match="corrupt time"):
        WatchConfig(here / "in", here / "out", "variations", DRUMS, settle_seconds=20)
    cfg = WatchConfig(here / "in", here / "in" / "out", "blend", DRUMS, params={"x": 0, "y": 1})
    assert cfg.in_dir.is_absolute() and cfg.is_group_op and cfg.inputs_per_job == 4


def test_layout_and_group_order(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "in", tmp_path / "in" / "out")
    (tmp_path / "in" / "g").mkdir(parents=True)
    assert layout.locate(tmp_path / "in" / "a.mid") == (None, "a.mid")
    assert layout.locate(tmp_path / "in" / "g" / "a.mid") == ("g", "g/a.mid")
    for ignored in ("failed/a.mid", "out/x/a.mid", "out/a.mid", ".git/a", "g/h/a.mid", "a.tmp"):
        assert layout.locate(tmp_path / "in" / ignored) is None, ignored
    assert layout.locate(tmp_path / "elsewhere.mid") is None
    names = [Path(n) for n in ("BR.mid", "bl.mid", "tr.mid", "TL.mid")]
    assert [p.stem for p in order_group("blend", names)] == ["TL", "tr", "bl", "BR"]
    names = [Path(n) for n in ("4.mid", "2.mid", "3.mid", "1.mid")]
    assert [p.stem for p in order_group("blend", names)] == ["1", "2", "3", "4"]
    assert [p.stem for p in order_group("interpolate", [Path("b"), Path("A")])] == ["A", "b"]


def test_state_is_written_atomically_and_reloads(tmp_path: Path) -> None:
    state = WatchState.load(tmp_path)
    assert len(state) == 0
    key = file_key("a.mid", 10, 20)
    state.record(key, "done", "a.mid", output="a")
    assert [p.name for p in tmp_path.iterdir()] == [STATE_NAME]  # no temporary left
    assert key in WatchState.load(tmp_path)
    (tmp_path / STATE_NAME).write_text("{broken")
    with pytest.raises(ValueError, match="cannot read the watcher state"):
        WatchState.load(tmp_path)


def test_state_is_thread_safe(tmp_path: Path) -> None:
    state = WatchState.load(tmp_path)

    def record(start: int) -> None:
        for i in range(start, start + 25):
            state.record(file_key(f"{i}.mid", i, i), "done", f"{i}.mid", output=str(i))

    threads = [threading.Thread(target=record, args=(k * 25,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(WatchState.load(tmp_path)) == 100


def test_unknown_model_fails_at_start(engine: Engine, tmp_path: Path) -> None:
    watcher = Watcher(config(tmp_path, model="no-such-model"), engine)
    with pytest.raises(UnknownModelError):
        watcher.start()


def test_live_view_shows_counts_and_recent_inputs(engine: Engine, tmp_path: Path) -> None:
    cfg = config(tmp_path, count=1)
    seen: list[Activity] = []
    watcher = Watcher(cfg, engine, on_activity=seen.append)
    with watcher:
        (cfg.in_dir / "beat.mid").write_bytes(drum_midi())
        (cfg.in_dir / "junk.mid").write_text("junk")
        idle(watcher)
        snap = watcher.snapshot()
    console = Console(file=io.StringIO(), width=100, color_system=None)
    console.print(render_snapshot(snap, "variations in"))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "done 1" in text and "failed 1" in text
    assert "beat.mid" in text and "junk.mid" in text
    assert [(a.name, a.status) for a in seen if a.name == "beat.mid"] == [
        ("beat.mid", "queued"),
        ("beat.mid", "running"),
        ("beat.mid", "done"),
    ]


def test_piano_roll_is_readable_at_the_size_written(tmp_path: Path) -> None:
    from matplotlib.image import imread

    from bridge.feel import drum_class
    from bridge.watch.render import DRUM_NAMES, note_name

    path = tmp_path / "roll.png"
    piano_roll_png([Track(drum_clip(), True, 0)], path, title="roll")
    image = imread(path)
    assert image.shape[1] >= 600 and 100 <= image.shape[0] <= 400
    assert path.stat().st_size < 60_000
    # Rows are named by drum: each name is its class's General MIDI pitch.
    named = dict(zip(DRUM_NAMES, (36, 38, 42, 46, 45, 48, 50, 49, 51), strict=True))
    assert all(drum_class(pitch) == DRUM_NAMES.index(name) for name, pitch in named.items())
    assert [note_name(p) for p in (60, 61, 69, 36)] == ["C4", "C#4", "A4", "C2"]
    # Loud notes are drawn in a deeper shade than soft ones (text and lines are grey).
    soft_loud = Clip([Note(38, 0.0, 0.25, velocity=20), Note(38, 4.0, 0.25, velocity=127)], 8.0)
    piano_roll_png([Track(soft_loud, True, 0)], path)
    rgb = imread(path)[..., :3]
    colour = rgb[..., 2] - rgb[..., 0]  # the first track's blue
    half = colour.shape[1] // 2
    assert colour[:, half:].max() > colour[:, :half].max() + 0.2
    # A band: the drums get a panel of their own under the pitched parts.
    tune = Clip([Note(60 + i, i * 0.5, 0.5) for i in range(8)], 8.0)
    piano_roll_png([Track(tune, False, 0), Track(drum_clip(), True, 0)], path)
    assert imread(path).shape[0] > image.shape[0]


def test_activity_lines_from_many_workers_stay_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers report from threads of their own: each line comes out whole
    (print() writes a line's end apart, so two lines could run together)."""
    import sys

    from bridge.cli.watch import _print_activity

    class SlowOut(io.StringIO):
        def write(self, text: str) -> int:  # a terminal that lets other threads in
            time.sleep(0.0005)
            return super().write(text)

    out = SlowOut()
    monkeypatch.setattr(sys, "stdout", out)
    start = threading.Barrier(6)

    def report(k: int) -> None:
        start.wait()
        for i in range(20):
            _print_activity(Activity(f"grp/file {k}-{i}.mid", "running"))

    threads = [threading.Thread(target=report, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    lines = out.getvalue().split("\n")
    assert lines.pop() == ""
    assert len(lines) == 120
    assert all(line.startswith("running grp/file ") and line.endswith(".mid") for line in lines)
