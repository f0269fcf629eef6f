"""Training on MIDI folders built in the test: data report, loss, resume, fine-tune."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from bridge.clips import Clip, Note, Track
from bridge.convert import write_midi
from bridge.errors import CheckpointError, TrainingError
from tests.factories import TRAIN_MODEL as MODEL
from tests.factories import make_folder
from tests.factories import train_config as config


def test_splits_are_by_file_and_stable() -> None:
    from bridge.train.data import assign_splits

    names = [f"f{i}.mid" for i in range(40)]
    a = assign_splits(names, 0.1, 0)
    assert a == assign_splits(list(reversed(names)), 0.1, 0)
    assert sum(v == "eval" for v in a.values()) == 4
    assert set(assign_splits(names[:2], 0.1, 0).values()) == {"train", "eval"}
    assert set(assign_splits(names, 0.0, 0).values()) == {"train"}


def test_bad_files_are_reported_and_skipped(tmp_path: Path) -> None:
    from bridge.engine.registry import get_spec
    from bridge.train.data import build_dataset

    midi = make_folder(tmp_path / "midi", files=3)
    (midi / "corrupt.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01garbage")
    (midi / "empty.midi").write_bytes(b"")
    (midi / "notes.mid").write_text("these are my lyrics, not MIDI")
    (midi / "readme.txt").write_text("ignored: not a .mid file")
    write_midi([Track(Clip((Note(60, 0, 1, 90),), 4.0), program=0)], midi / "piano.mid")
    ds = build_dataset(midi, get_spec(MODEL), tmp_path / "cache", eval_fraction=0.0)
    by_name = {f.path: f for f in ds.files}
    assert set(by_name) == {
        "b/groove_0.mid",
        "a/groove_1.mid",
        "b/groove_2.mid",
        "corrupt.mid",
        "empty.midi",
        "notes.mid",
        "piano.mid",
    }
    for bad in ("corrupt.mid", "empty.midi", "notes.mid"):
        assert by_name[bad].error.startswith("not a readable MIDI file"), by_name[bad]
    assert by_name["piano.mid"].examples == 0
    assert by_name["piano.mid"].reason == "no drums"
    assert all(by_name[f"{d}/groove_{i}.mid"].examples > 0 for i, d in enumerate("bab"))
    summary = ds.summary()
    assert {u["path"] for u in summary["unreadable"]} == {"corrupt.mid", "empty.midi", "notes.mid"}
    assert summary["no_examples"] == {"no drums": 1}
    # A second pass reads the cache and finds the same.
    again = build_dataset(midi, get_spec(MODEL), tmp_path / "cache", eval_fraction=0.0)
    assert len(again.train) == len(ds.train)
    assert np.array_equal(again.train.outputs, ds.train.outputs)


def test_training_set_keeps_one_hot_rows_compact(tmp_path: Path) -> None:
    """A built dataset holds one-hot fields as one index a row, and gives
    them back exactly as the converter made them: per batch (take), whole
    (dense), or row by row; a file with a shorter window pads with zero rows."""
    from bridge.engine.registry import get_spec
    from bridge.train.data import (
        OneHotRows,
        build_dataset,
        convert_sequence,
        prepare,
        read_sequence,
        training_converter,
    )

    spec = get_spec(MODEL)
    midi = make_folder(tmp_path / "midi", files=3)
    ds = build_dataset(midi, spec, tmp_path / "cache", eval_fraction=0.0)
    rows = ds.train.outputs
    assert isinstance(rows, OneHotRows)
    assert rows.shape == (len(ds.train), rows.shape[1], spec.converter.output_depth)
    assert rows.index.nbytes * 100 < len(ds.train) * rows.shape[1] * rows.shape[2] * 4
    # The converter's own tensors of every file, in the dataset's order.
    conv = training_converter(spec)
    expected = []
    for f in ds.files:
        seq, _ = prepare(read_sequence(midi / f.path), spec)
        expected += [np.asarray(t[1], np.float32) for t in convert_sequence(seq, conv, [0])]
    assert len(expected) == len(ds.train)
    whole = ds.train.dense()
    assert isinstance(whole.outputs, np.ndarray) and whole.outputs.dtype == np.float32
    for i, t in enumerate(expected):
        np.testing.assert_array_equal(whole.outputs[i, : len(t)], t)
        assert not whole.outputs[i, len(t) :].any()
        np.testing.assert_array_equal(
            next(iter(ds.train.take(np.array([i])).outputs)), whole.outputs[i]
        )
    pick = np.array([2, 0, 1])
    np.testing.assert_array_equal(ds.train.take(pick).outputs, whole.outputs[pick])
    np.testing.assert_array_equal(np.asarray(rows), whole.outputs)
    assert [r.shape for r in rows] == [whole.outputs.shape[1:]] * len(rows)


def test_reasons_for_no_examples(tmp_path: Path) -> None:
    from bridge.clips import TimeSignature
    from bridge.engine.registry import get_spec
    from bridge.train.data import build_dataset

    midi = tmp_path / "midi"
    midi.mkdir()
    waltz = Clip((Note(36, 0, 0.5, 100), Note(38, 1, 0.5, 100)), 3.0, TimeSignature(3, 4))
    write_midi([Track(waltz, is_drum=True)], midi / "waltz.mid")
    write_midi([Track(Clip((Note(36, 0, 0.5, 100),), 4.0), is_drum=True)], midi / "short.mid")
    shorter = Clip((Note(36, 0, 0.5, 100),), 4.0)
    write_midi([Track(shorter, is_drum=True)], midi / "shorter.mid", qpm=90)
    ds = build_dataset(midi, get_spec(MODEL), tmp_path / "cache", eval_fraction=0.0)
    reasons = {f.path: f.reason for f in ds.files}
    assert reasons["waltz.mid"].startswith("meter 3/4")
    assert reasons["short.mid"].startswith("too short (")  # each file says how short
    assert reasons["shorter.mid"].startswith("too short (")
    # The summary (run.json, train's table) counts kinds: one line for short loops.
    assert ds.summary()["no_examples"] == {
        "meter 3/4 (the model needs 4/4)": 1,
        "too short for one window of the model": 2,
    }


def test_train_loss_falls_and_run_describes_itself(tmp_path: Path) -> None:
    from bridge.train.loop import train

    midi = make_folder(tmp_path / "midi", files=2)
    # Held-out data = the training data: the loss on it must fall.
    result = train(config(tmp_path, midi, eval_dir=midi, steps=12, eval_every=6))
    assert result.status == "completed" and result.step == 12
    losses = [h["eval_loss"] for h in result.history]
    assert [h["step"] for h in result.history] == [0, 6, 12]
    assert all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0]
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["model"] == MODEL and run["step"] == 12 and run["status"] == "completed"
    assert run["hparams"]["z_size"] == 16 and "tensorflow" in run["versions"]
    assert run["data"]["train_examples"] == result.data["train_examples"] > 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    final = metrics["final"]
    for key in ("eval_loss", "teacher_forced_accuracy", "sampled_accuracy", "hit_f1"):
        assert 0 <= final[key] < math.inf, key
    assert final["train_examples_per_second"] > 0


def test_resume_continues_from_saved_step(tmp_path: Path) -> None:
    from bridge.train.loop import Trainer
    from bridge.train.rundir import checkpoint_prefixes

    midi = make_folder(tmp_path / "midi")
    first = Trainer(config(tmp_path, midi, steps=4, eval_every=100)).run()
    assert first.step == 4
    messages: list[str] = []

    class Recorder:
        def data_progress(self, done: int, total: int, name: str) -> None: ...
        def message(self, text: str) -> None:
            messages.append(text)

        def step(self, stats) -> None:  # type: ignore[no-untyped-def]
            assert stats.step > 4  # never starts again from 0

        def evaluated(self, step: int, metrics: dict[str, float]) -> None: ...

    second = Trainer(config(tmp_path, midi, steps=7, eval_every=100, keep=2), Recorder()).run()
    assert second.step == 7
    assert any(m.startswith("resumed from model.ckpt-4") for m in messages)
    kept = [p.name for p in checkpoint_prefixes(tmp_path / "run")]
    assert kept[-1] == "model.ckpt-7" and len(kept) <= 2


def test_interrupt_writes_checkpoint_then_resumes(tmp_path: Path) -> None:
    from bridge.train.loop import Trainer

    midi = make_folder(tmp_path / "midi")
    trainer = Trainer(config(tmp_path, midi, steps=50, eval_every=100))

    class StopAt3:
        def data_progress(self, done: int, total: int, name: str) -> None: ...
        def message(self, text: str) -> None: ...
        def step(self, stats) -> None:  # type: ignore[no-untyped-def]
            if stats.step == 3:
                trainer.stop.set()  # what Ctrl-C does

        def evaluated(self, step: int, metrics: dict[str, float]) -> None: ...

    trainer.display = StopAt3()
    result = trainer.run()
    assert result.status == "interrupted" and result.step == 3
    assert (tmp_path / "run" / "model.ckpt-3.index").is_file()
    resumed = Trainer(config(tmp_path, midi, steps=5, eval_every=100)).run()
    assert resumed.step == 5 and resumed.status == "completed"


def test_fine_tune_starts_from_source_weights(tmp_path: Path) -> None:
    from bridge.engine.registry import get_spec
    from bridge.testing import make_random_checkpoint
    from bridge.train.data import build_dataset
    from bridge.train.evaluate import evaluate_losses
    from bridge.train.loop import train

    spec = get_spec(MODEL)
    source = make_random_checkpoint(spec.config, tmp_path / "source", seed=11)
    midi = make_folder(tmp_path / "midi", files=2)
    held = make_folder(tmp_path / "held", files=1, bars=4)
    eval_set = build_dataset(held, spec, tmp_path / "c2", eval_fraction=0.0).train
    expected = evaluate_losses(spec, source, eval_set, batch_size=8, seed=0)["eval_loss"]
    scratch = train(config(tmp_path / "s", midi, eval_dir=held, steps=1, eval_every=100))
    tuned = train(
        config(tmp_path / "t", midi, eval_dir=held, steps=1, eval_every=100, init_from=source)
    )
    assert tuned.history[0]["step"] == 0
    # oneDNN may sum in another order under load: equal to round-off, and far
    # closer than a model with other weights (checked next).
    assert tuned.history[0]["eval_loss"] == pytest.approx(expected, rel=1e-4)
    assert scratch.history[0]["eval_loss"] != pytest.approx(expected, rel=1e-3)
    run = json.loads((tmp_path / "t" / "run" / "run.json").read_text())
    assert run["init_from"] == str(source)


def test_fine_tune_from_mismatched_checkpoint_is_refused(tmp_path: Path) -> None:
    from bridge.engine.registry import get_spec
    from bridge.testing import make_random_checkpoint
    from bridge.train.loop import train

    other = make_random_checkpoint(get_spec("lb-mel_2bar_tiny").config, tmp_path / "mel")
    midi = make_folder(tmp_path / "midi", files=2)
    with pytest.raises(CheckpointError, match=r"does not match|other layer sizes"):
        train(config(tmp_path, midi, init_from=other))


def test_refuses_wrong_run_dir_and_empty_data(tmp_path: Path) -> None:
    from bridge.train.loop import train

    midi = make_folder(tmp_path / "midi", files=2)
    train(config(tmp_path, midi, steps=1, eval_every=100))
    with pytest.raises(TrainingError, match="holds a run of model"):
        train(config(tmp_path, midi, model="lb-mel_2bar_tiny"))
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "my_song.mid").write_text("keep me")
    with pytest.raises(TrainingError, match="not empty"):
        train(config(tmp_path, midi, out=stray))
    assert (stray / "my_song.mid").read_text() == "keep me"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TrainingError, match="no training examples"):
        train(config(tmp_path, empty, out=tmp_path / "run2"))
    loops = tmp_path / "loops"  # 1-bar loops for a 2-bar model: said in words
    loops.mkdir()
    for i, qpm in enumerate((90, 120)):
        beat = Track(Clip((Note(36, 0, 0.5, 100),), 4.0), is_drum=True)
        write_midi([beat], loops / f"loop_{i}.mid", qpm=qpm)
    why = r"why: too short for one window of the model: 2 files\)$"
    with pytest.raises(TrainingError, match=why):
        train(config(tmp_path, loops, out=tmp_path / "run3"))


def test_prune_keeps_newest_and_best_within_budget(tmp_path: Path) -> None:
    from bridge.train.rundir import prune_checkpoints

    prefixes = []
    for step in (1, 2, 3, 4):
        p = tmp_path / f"model.ckpt-{step}"
        (tmp_path / f"{p.name}.index").write_bytes(b"i" * 10)
        (tmp_path / f"{p.name}.data-00000-of-00001").write_bytes(b"d" * 90)
        prefixes.append(p)
    kept = prune_checkpoints(tmp_path, prefixes, keep=2, max_bytes=None, protect=prefixes[0])
    assert [p.name for p in kept] == ["model.ckpt-1", "model.ckpt-4"]
    kept = prune_checkpoints(tmp_path, kept, keep=2, max_bytes=150, protect=prefixes[0])
    assert [p.name for p in kept] == ["model.ckpt-4"]  # the budget wins over the best
    assert not list(tmp_path.glob("model.ckpt-1.*"))


def test_train_command_export_and_run_dir_as_model(tmp_path: Path) -> None:
    from bridge.cli import main
    from bridge.train.rundir import checkpoint_bytes

    midi = make_folder(tmp_path / "midi", files=3)
    run = tmp_path / "run"
    train_args = f"train {midi} --model {MODEL} --out {run} --steps 2 --batch-size 4"
    assert main([*train_args.split(), "--eval-every", "100", "--plain", "--device", "cpu"]) == 0
    assert str(tmp_path) not in (run / "checkpoint").read_text()  # movable

    def variations(model: Path, out: Path) -> list[bytes]:
        args = f"generate variations {midi / 'b' / 'groove_0.mid'} --model {model}"
        more = f"--count 2 --seed 1 --out {out} --device cpu"
        assert main([*args.split(), *more.split()]) == 0
        return [p.read_bytes() for p in sorted(out.glob("*.mid"))]

    from_run = variations(run, tmp_path / "out")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["model"] == "run" and len(from_run) == 2

    # Export: the weights without Adam's slots, a third of the size, still a model.
    shipped = tmp_path / "shipped"
    assert main(["export", str(run), str(shipped), "--samples"]) == 0
    assert str(tmp_path) not in (shipped / "checkpoint").read_text()  # movable
    assert checkpoint_bytes(shipped / "model.ckpt") < checkpoint_bytes(run / "model.ckpt-2") / 2
    card = json.loads((shipped / "run.json").read_text())
    assert card["model"] == MODEL and 0 <= card["samples"]["bars_with_kick_or_snare"] <= 1
    assert main(["export", str(run), str(shipped)]) == 2  # never into a full directory
    assert variations(shipped, tmp_path / "out2") == from_run


def test_train_command_exits_130_when_stopped_and_keeps_speed_out_of_held_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C stops a run with its checkpoint written: the command exits 130,
    as a stopped command does, so a script can tell it from a finished run;
    the training speed is not shown as a held-out score."""
    from bridge.cli import main
    from bridge.train import loop

    def run(cfg: loop.TrainConfig, display: object = None) -> loop.TrainResult:
        speed = {"train_examples_per_second": 153.1}
        if cfg.steps == 6:  # stopped at step 6, between evaluations
            stopped = {"status": "interrupted", **speed}
            return loop.TrainResult(cfg.out, "interrupted", 6, stopped, {})
        scores = {"step": 8, "eval_loss": 1.25, "status": "completed", **speed}
        return loop.TrainResult(cfg.out, "completed", 8, scores, {})

    monkeypatch.setattr(loop, "train", run)
    midi = make_folder(tmp_path / "midi", files=1)
    args = ["train", str(midi), "--model", MODEL, "--out", str(tmp_path / "run"), "--plain"]
    assert main([*args, "--steps", "6"]) == 130
    said = " ".join(capsys.readouterr().out.split())
    assert "interrupted at step 6;" in said and "held-out" not in said
    assert "153.1 training examples a second" in said
    assert main([*args, "--steps", "8"]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "completed at step 8;" in said and "held-out: eval_loss 1.25;" in said


def band_tracks(bars: int) -> list[Track]:
    drums, bass, chords = [], [], []
    for bar in range(bars):
        base = bar * 4.0
        for beat in range(4):
            drums.append(Note(36 if beat % 2 == 0 else 38, base + beat, 0.25, 100))
            bass.append(Note(40 + 2 * (bar % 2), base + beat, 0.9, 90))
        for pitch in (60, 64, 67):
            chords.append(Note(pitch, base, 2.0, 80))
            chords.append(Note(pitch + 2, base + 2.0, 2.0, 80))
    length = bars * 4.0
    return [
        Track(Clip(tuple(drums), length), is_drum=True),
        Track(Clip(tuple(bass), length), program=33),
        Track(Clip(tuple(chords), length), program=0),
    ]


@pytest.mark.parametrize(
    ("model", "bars"), [("lb-multitrack_1bar_tiny", 4), ("lb-trio_16bar_tiny", 16)]
)
def test_hierarchical_model_reports_its_training_accuracy(
    tmp_path: Path, model: str, bars: int
) -> None:
    """Magenta's hierarchical decoder merges per-segment accuracies with a
    no-op update (a trio's segments, per output too); the progress line must
    still show the accuracy rising."""
    from bridge.train.loop import SilentDisplay, StepStats, train

    class Recording(SilentDisplay):
        def __init__(self) -> None:
            self.steps: list[StepStats] = []

        def step(self, stats: StepStats) -> None:
            self.steps.append(stats)

    midi = tmp_path / "band"
    midi.mkdir()
    for i in range(2):
        write_midi(band_tracks(bars), midi / f"band_{i}.mid")
    display = Recording()
    cfg = config(tmp_path, midi, model=model, eval_dir=midi, steps=12, eval_every=12)
    result = train(cfg, display)
    assert result.status == "completed"
    accuracies = [s.accuracy for s in display.steps]
    assert all(a is not None and 0.0 <= a <= 1.0 for a in accuracies)
    assert max(a for a in accuracies if a is not None) > 0.05


def test_hierarchical_mask_follows_each_segment_s_own_length() -> None:
    from bridge.train.evaluate import mask_of

    mask = mask_of(np.array([[2, 0, 3], [1, 1, 1]]), 12)
    assert mask.astype(int).tolist() == [
        [1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0],
        [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0],
    ]
    assert mask_of(np.array([3, 1]), 4).astype(int).tolist() == [[1, 1, 1, 0], [1, 0, 0, 0]]


def test_band_tracks_come_in_part_order_drums_bass_others() -> None:
    """Magenta sorts a bar's tracks by program with drums last, so the drums'
    slot moves with the number of parts; the band converter fixes the order."""
    from bridge.convert import tracks_to_sequence
    from bridge.engine.registry import Role, get_spec

    spec = get_spec("lb-band_1bar_small")
    assert spec.role is Role.MULTITRACK
    conv = spec.converter
    first = conv._performance_encoding.num_classes
    tracks = band_tracks(2)
    organ = Track(Clip(tuple(n for n in tracks[2].clip.notes), 8.0), program=16)
    for parts, programs in (
        ([tracks[2], tracks[1], tracks[0]], [128, 33, 0]),
        ([organ, tracks[0], tracks[2], tracks[1]], [128, 33, 0, 16]),
        ([tracks[2], tracks[0]], [128, 0]),
    ):
        tensors = conv.to_tensors(tracks_to_sequence(parts))
        assert len(tensors.outputs) == 2
        for out in tensors.outputs:
            heads = [int(out[k * 64].argmax()) - first for k in range(len(programs))]
            assert heads == programs
        decoded = conv.from_tensors(tensors.outputs)[0]
        assert {(n.program, n.is_drum) for n in decoded.notes} == {
            (0 if p == 128 else p, p == 128) for p in programs
        }


def test_band_reconstruction_is_scored_per_instrument() -> None:
    from bridge.convert import tracks_to_sequence
    from bridge.engine.registry import get_spec
    from bridge.train.evaluate import band_note_f1, instrument_accuracy

    spec = get_spec("lb-band_1bar_small")
    conv = spec.converter
    tensors = conv.to_tensors(tracks_to_sequence(band_tracks(2)))
    outputs = np.stack(tensors.outputs)
    lengths = np.stack(tensors.lengths)
    assert outputs.shape == (2, 4 * 64, conv.output_depth) and lengths.shape == (2, 4)

    perfect = instrument_accuracy(spec, outputs, outputs.copy(), lengths)
    assert perfect == {
        "accuracy_drums": 1.0,
        "program_accuracy_drums": 1.0,
        "instruments_drums": 2.0,
        "accuracy_bass": 1.0,
        "program_accuracy_bass": 1.0,
        "instruments_bass": 2.0,
        "accuracy_other": 1.0,
        "program_accuracy_other": 1.0,
        "instruments_other": 2.0,
    }
    # Garble every event of the drum segments, keeping their program token.
    wrong = outputs.copy()
    drum = slice(1, 64)  # drums come first (bridge.engine.band)
    wrong[:, drum] = np.roll(wrong[:, drum], 1, axis=-1)
    scored = instrument_accuracy(spec, outputs, wrong, lengths)
    assert (
        scored["accuracy_drums"] == pytest.approx(1 / (lengths[:, 0].sum() / 2), rel=1e-6)
        and scored["program_accuracy_drums"] == 1.0
    )
    assert scored["accuracy_bass"] == scored["accuracy_other"] == 1.0
    assert instrument_accuracy(get_spec(MODEL), outputs, outputs, lengths[:, 0]) == {}

    # Notes back from the tensors: all match, except the garbled drums.
    assert band_note_f1(spec, outputs, outputs.copy()) == {
        "note_f1_drums": 1.0,
        "note_f1_bass": 1.0,
        "note_f1_other": 1.0,
    }
    notes = band_note_f1(spec, outputs, wrong)
    assert notes["note_f1_drums"] < 0.5 and notes["note_f1_bass"] == notes["note_f1_other"] == 1.0
    assert band_note_f1(get_spec(MODEL), outputs, outputs) == {}


def test_hparam_overrides_are_recorded_and_applied_where_the_run_is_read(tmp_path: Path) -> None:
    from bridge.cli.train import hparam_setting
    from bridge.engine.registry import get_spec
    from bridge.train.loop import train
    from bridge.train.rundir import read_run, register_run, run_spec

    midi = make_folder(tmp_path / "midi", files=2)
    cfg = config(
        tmp_path, midi, steps=2, eval_every=2, hparams={"free_bits": "7", "max_beta": "0.5"}
    )
    assert train(cfg).status == "completed"
    run = read_run(tmp_path / "run")
    assert run["hparam_overrides"] == {"free_bits": "7", "max_beta": "0.5"}
    assert run["hparams"]["free_bits"] == 7 and run["hparams"]["max_beta"] == 0.5
    assert run_spec(run).config.hparams.free_bits == 7
    assert get_spec(register_run(tmp_path / "run")).config.hparams.max_beta == 0.5
    assert get_spec(MODEL).config.hparams.free_bits == 48  # the registered config is untouched

    with pytest.raises(TrainingError, match="unknown hparam 'free_bit'"):
        train(config(tmp_path, midi, out=tmp_path / "bad", hparams={"free_bit": "7"}))
    with pytest.raises(TrainingError, match="free_bits"):
        train(config(tmp_path, midi, out=tmp_path / "bad", hparams={"free_bits": "many"}))
    assert hparam_setting(" free_bits = 128 ") == ("free_bits", "128")
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="NAME=VALUE"):
        hparam_setting("free_bits")


def test_band_samples_are_described_by_instrument_group(tmp_path: Path) -> None:
    from bridge.convert import tracks_to_sequence
    from bridge.engine.checkpoint import resolve_checkpoint
    from bridge.engine.registry import get_spec
    from bridge.testing import make_random_checkpoint
    from bridge.train.export import band_groups, sample_stats

    assert band_groups(tracks_to_sequence(band_tracks(1))) == {"drums", "bass", "other"}
    assert band_groups(tracks_to_sequence(band_tracks(1)[:1])) == {"drums"}

    spec = get_spec("lb-multitrack_1bar_tiny")
    make_random_checkpoint(spec.config, tmp_path / "ckpt")
    stats = sample_stats(spec, resolve_checkpoint(tmp_path / "ckpt"), count=8)
    assert stats["samples"] == 8
    for key in (
        "share_with_3_or_more_instruments",
        "share_with_drums",
        "share_with_bass",
        "share_with_other",
        "share_with_drums_bass_and_other",
    ):
        assert 0.0 <= stats[key] <= 1.0, key
    assert stats["share_with_drums_bass_and_other"] <= min(
        stats["share_with_drums"], stats["share_with_bass"], stats["share_with_other"]
    )
    assert stats["notes_per_sample"] >= 0 and stats["instruments_per_sample"] >= 0


def test_band_variations_of_held_out_bars_are_scored_by_instrument(tmp_path: Path) -> None:
    from bridge.convert import tracks_to_sequence
    from bridge.engine.checkpoint import resolve_checkpoint
    from bridge.engine.registry import get_spec
    from bridge.testing import make_random_checkpoint
    from bridge.train.data import Examples
    from bridge.train.export import variation_stats

    spec = get_spec("lb-multitrack_1bar_tiny")
    conv = spec.converter
    full = conv.to_tensors(tracks_to_sequence(band_tracks(2)))
    two_parts = conv.to_tensors(tracks_to_sequence(band_tracks(1)[:2]))  # drums and bass
    tensors = [*zip(full.inputs, full.outputs, full.controls, full.lengths, strict=True)]
    tensors += [
        *zip(
            two_parts.inputs,
            two_parts.outputs,
            two_parts.controls,
            two_parts.lengths,
            strict=True,
        )
    ]
    examples = Examples(*(np.stack(col) for col in zip(*tensors, strict=True)))
    make_random_checkpoint(spec.config, tmp_path / "ckpt")
    prefix = resolve_checkpoint(tmp_path / "ckpt")

    stats = variation_stats(spec, prefix, examples, seed=3)
    assert stats["bars"] == 3 and stats["inputs_with_3_or_more_instruments"] == 2
    assert stats["instruments_per_input"] == pytest.approx((3 + 3 + 2) / 3)
    for key in (
        "share_keeping_every_input_group",
        "share_with_3_or_more_instruments_of_those",
        "share_keeping_drums",
        "share_keeping_bass",
        "share_keeping_other",
    ):
        assert 0.0 <= stats[key] <= 1.0, key
    assert stats["share_keeping_every_input_group"] <= stats["share_keeping_drums"]
    assert variation_stats(spec, prefix, examples, seed=3) == stats  # a seed repeats it
    # Other roles are not scored.
    assert variation_stats(get_spec(MODEL), prefix, examples) == {}


def test_groove_errors_against_one_velocity_and_a_position_table() -> None:
    from bridge.train.data import Examples
    from bridge.train.evaluate import groove_errors

    # One example, kick (drum 0) on every beat: loud on 1, soft elsewhere,
    # and late by a quarter of a step on beat 3.
    out = np.zeros((1, 32, 27), np.float32)
    for step in range(0, 32, 4):
        out[0, step, 0] = 1.0
        out[0, step, 9] = 0.9 if step % 16 == 0 else 0.2
        out[0, step, 18] = 0.5 if step % 16 == 8 else 0.0
    ex = Examples(out.copy(), out, np.zeros((1, 32, 0)), np.array([32]))
    mask = np.ones((1, 32), bool)
    exact = groove_errors(ex, out, mask)
    assert exact["velocity_mae"] == 0 and exact["offset_mae_steps"] == 0
    assert exact["groove_hits_scored"] == 8
    # The per-position table fits this pattern exactly; one velocity cannot.
    assert exact["velocity_mae_table"] == pytest.approx(0, abs=1e-5)
    assert exact["offset_mae_steps_table"] == pytest.approx(0, abs=1e-6)
    # The median (0.2) is the constant with the least absolute error: 2 of 8 hits are off by 0.7.
    assert exact["velocity_mae_baseline"] == pytest.approx(0.7 * 2 / 8 * 127, rel=1e-5)
    assert exact["offset_mae_steps_baseline"] == pytest.approx(0.5 * 2 / 8 / 2, rel=1e-5)
    flat = out.copy()
    flat[0, :, 9:18] = 0.2 * (flat[0, :, :9] > 0)
    assert groove_errors(ex, flat, mask)["velocity_mae"] == pytest.approx(
        exact["velocity_mae_baseline"], rel=1e-5
    )


@pytest.mark.parametrize(
    "model",
    ["lb-groove_2bar_hits_tiny", "lb-groove_2bar_context_tiny", "lb-groove_2bar_tempo_tiny"],
)
def test_groove_model_with_hits_as_controls_trains_and_is_scored(
    tmp_path: Path, model: str
) -> None:
    from bridge.engine.checkpoint import resolve_checkpoint
    from bridge.engine.dynamics import DYNAMICS_FILE, Dynamics
    from bridge.train.export import export_run
    from bridge.train.loop import train

    midi = make_folder(tmp_path / "midi", files=2)
    result = train(config(tmp_path, midi, model=model, eval_dir=midi, steps=4, eval_every=4))
    assert result.status == "completed"
    final = result.history[-1]
    for key in ("hit_f1", "velocity_mae", "velocity_mae_baseline", "velocity_mae_table"):
        assert math.isfinite(final[key]), key
    # Dynamics fitted for the run's checkpoint go along with its export.
    run = tmp_path / "run"
    fitted = Dynamics(1.3, 100, 20.0, 30.0, 0.85, resolve_checkpoint(run).name)
    fitted.save(run / DYNAMICS_FILE)
    out = export_run(run, tmp_path / "exported")
    carried = Dynamics.load(tmp_path / "exported" / DYNAMICS_FILE)
    assert carried.contrast == 1.3 and carried.checkpoint == out.name


def test_a_groove_run_fits_its_dynamics_to_its_training_windows(tmp_path: Path) -> None:
    """A finished groove run scales its accents to the music it trained on,
    as the bundled model's are: the fit is saved beside the final checkpoint,
    the run loads with it, and the export carries it."""
    from bridge.engine.checkpoint import resolve_checkpoint
    from bridge.engine.dynamics import (
        DYNAMICS_FILE,
        SPREAD_SHARE,
        Dynamics,
        dynamics_for,
        with_contrast,
    )
    from bridge.engine.dynamics import spread as spread_of
    from bridge.train.export import export_run
    from bridge.train.loop import Trainer

    midi = make_folder(tmp_path / "midi", files=6, bars=24)
    shown = _Messages()
    cfg = config(tmp_path, midi, model="lb-groove_2bar_tempo_tiny", steps=4, eval_every=2)
    result = Trainer(cfg, shown).run()
    run_dir = tmp_path / "run"
    fitted = Dynamics.load(run_dir / DYNAMICS_FILE)
    assert fitted.checkpoint == "model.ckpt-4" and fitted.share == SPREAD_SHARE
    assert fitted.windows == result.data["train_examples"] >= 50
    # Every window of drum_track plays the same bar twice: hats at 80 and 60,
    # kicks at 110 and 100, snares at 100, read back from the MIDI files.
    bar = [80] * 4 + [60] * 4 + [110, 100, 100, 100]
    assert fitted.drummer_spread == pytest.approx(float(np.std(bar)), abs=1e-4)
    assert fitted.model_spread > 0 and 1.0 <= fitted.contrast <= 4.0
    if fitted.contrast < 4.0:  # the factor reaches the share, unless it hit the range's end
        assert fitted.model_spread * fitted.contrast >= SPREAD_SHARE * fitted.drummer_spread - 0.5
    assert any(m.startswith("groove dynamics fitted to ") for m in shown.messages)
    assert json.loads((run_dir / "run.json").read_text())["dynamics"]["contrast"] == fitted.contrast
    found, said = dynamics_for(run_dir, resolve_checkpoint(run_dir))
    assert found == fitted and said.startswith(f"contrast {fitted.contrast:g}")
    exported = export_run(run_dir, tmp_path / "exported")
    assert Dynamics.load(tmp_path / "exported" / DYNAMICS_FILE).checkpoint == exported.name
    # Other weights of the run (--step, --average) get their own fit, on the
    # same training windows; with the run's folder gone, the export says so
    # and the model plays its own velocities.
    said: list[str] = []
    early = export_run(run_dir, tmp_path / "early", step=2, say=said.append)
    refitted = Dynamics.load(tmp_path / "early" / DYNAMICS_FILE)
    assert refitted.checkpoint == early.name and refitted.windows == fitted.windows
    assert refitted.drummer_spread == pytest.approx(fitted.drummer_spread)
    assert refitted.model_spread != fitted.model_spread  # the other weights' playing
    card = json.loads((tmp_path / "early" / "run.json").read_text())
    assert card["dynamics"]["contrast"] == refitted.contrast
    assert said == [
        f"groove dynamics fitted for the exported weights to {fitted.windows} windows of the "
        f"run's training data ({midi}): contrast {refitted.contrast:g}"
    ]
    midi.rename(tmp_path / "moved")
    said.clear()
    export_run(run_dir, tmp_path / "orphan", step=2, say=said.append)
    assert not (tmp_path / "orphan" / DYNAMICS_FILE).exists()
    assert "dynamics" not in json.loads((tmp_path / "orphan" / "run.json").read_text())
    assert said == [
        f"no groove dynamics, the model plays its own velocities: the run's MIDI folder "
        f"{str(midi)!r} is not there to fit to; fit them with latent-bridge fit-dynamics"
    ]
    # The contrast widens a played window without moving its mean or order.
    take = Clip([Note(36, i * 0.25, 0.25, 70 + 5 * (i % 3)) for i in range(8)], 2.0)
    assert spread_of(fitted.play(take)) >= spread_of(take)
    assert fitted.play(take) == with_contrast(take, fitted.contrast)


def test_a_groove_run_with_too_few_windows_plays_its_own_velocities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bridge.engine.dynamics import DYNAMICS_FILE
    from bridge.train import export
    from bridge.train.loop import Trainer

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("too few windows are said before the model is loaded")

    monkeypatch.setattr(export, "LoadedModel", no_decoding)
    midi = make_folder(tmp_path / "midi", files=2)
    shown = _Messages()
    cfg = config(tmp_path, midi, model="lb-groove_2bar_tempo_tiny", steps=2, eval_every=2)
    assert Trainer(cfg, shown).run().status == "completed"
    (said,) = [m for m in shown.messages if "groove dynamics" in m]
    assert said.startswith("no groove dynamics fitted, it plays its own velocities")
    assert "at least 50 windows" in said
    assert not (tmp_path / "run" / DYNAMICS_FILE).exists()
    assert "dynamics" not in json.loads((tmp_path / "run" / "run.json").read_text())


def test_fit_dynamics_fits_a_groove_model_to_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fit-dynamics MODEL MIDI_DIR`: a groove model's accents fitted to your
    own files without training; refused for a folder too small or a model
    that is not a groove model, leaving no file behind."""
    from bridge.cli import main
    from bridge.engine.dynamics import DYNAMICS_FILE, Dynamics
    from bridge.train.loop import train

    few = make_folder(tmp_path / "few", files=2)
    run_dir = tmp_path / "run"
    train(config(tmp_path, few, model="lb-groove_2bar_tempo_tiny", steps=2, eval_every=2))
    assert not (run_dir / DYNAMICS_FILE).exists()  # too few windows to fit at the end
    assert main(["fit-dynamics", str(run_dir), str(few)]) == 2
    assert "at least 50 windows" in capsys.readouterr().err
    assert not (run_dir / DYNAMICS_FILE).exists()
    many = make_folder(tmp_path / "many", files=4, bars=32)
    assert main(["fit-dynamics", str(run_dir), str(many)]) == 0
    said = capsys.readouterr().out.replace("\n", "")  # as the console wraps it
    fitted = Dynamics.load(run_dir / DYNAMICS_FILE)
    assert f"wrote {run_dir / DYNAMICS_FILE}: contrast {fitted.contrast:g} for model.ckpt-2" in said
    assert fitted.checkpoint == "model.ckpt-2" and fitted.windows == 4 * 31  # a window a bar
    bar = [80] * 4 + [60] * 4 + [110, 100, 100, 100]
    assert fitted.drummer_spread == pytest.approx(float(np.std(bar)), abs=1e-4)
    assert not (run_dir / f"{DYNAMICS_FILE}.previous").exists()  # nothing was replaced
    # Fitted again to other files: the fit it replaces is kept beside it.
    first = (run_dir / DYNAMICS_FILE).read_text()
    other = make_folder(tmp_path / "other", files=3, bars=32)
    assert main(["fit-dynamics", str(run_dir), str(other)]) == 0
    assert "the file it replaced is kept as" in capsys.readouterr().out.replace("\n", "")
    assert (run_dir / f"{DYNAMICS_FILE}.previous").read_text() == first
    assert Dynamics.load(run_dir / DYNAMICS_FILE).windows == 3 * 31
    # Clear errors for a folder or a model that is not there.
    assert main(["fit-dynamics", str(run_dir), str(tmp_path / "missing")]) == 2
    assert "missing is not a folder" in capsys.readouterr().err
    assert main(["fit-dynamics", str(tmp_path / "no-such-model"), str(many)]) == 2
    assert "no-such-model': not a model or run directory" in capsys.readouterr().err
    drums = tmp_path / "drums"
    train(config(tmp_path, few, out=drums, steps=1, eval_every=1))
    assert main(["fit-dynamics", str(drums), str(many)]) == 2
    assert "is not a groove model" in capsys.readouterr().err
    assert not (drums / DYNAMICS_FILE).exists()


def test_sample_stats_skip_a_model_that_needs_controls(tmp_path: Path) -> None:
    from bridge.engine.registry import get_spec
    from bridge.train.export import sample_stats

    # Said before any weights are read: the prefix need not exist.
    stats = sample_stats(get_spec("lb-groove_2bar_hits_tiny"), tmp_path / "model.ckpt")
    assert "hits" in stats["skipped"]


def test_a_fine_tune_continues_the_source_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--from a run directory sets the model and carries its hparams; --hparam wins."""
    from bridge.cli import main
    from bridge.train.loop import train

    midi = make_folder(tmp_path / "midi", files=2)
    source = tmp_path / "source"
    train(config(tmp_path, midi, out=source, steps=2, eval_every=2, hparams={"free_bits": "7"}))
    base = [
        "train", str(midi), "--from", str(source), "--steps", "1", "--batch-size", "8",
        "--eval-every", "100", "--plain", "--device", "cpu",
    ]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "ft")]) == 0
    said = capsys.readouterr().out
    assert f"fine-tuning {MODEL} from {source}, keeping its free_bits=7" in said
    run = json.loads((tmp_path / "ft" / "run.json").read_text())
    assert run["model"] == MODEL and run["hparam_overrides"] == {"free_bits": "7"}
    assert run["hparams"]["free_bits"] == 7
    assert main([*base, "--out", str(tmp_path / "ft2"), "--hparam", "free_bits=9"]) == 0
    run = json.loads((tmp_path / "ft2" / "run.json").read_text())
    assert run["hparam_overrides"] == {"free_bits": "9"}
    capsys.readouterr()
    assert main([*base, "--out", str(tmp_path / "ft3"), "--model", "lb-mel_2bar_tiny"]) == 2
    assert "leave --model out" in capsys.readouterr().err
    assert not (tmp_path / "ft3" / "run.json").exists()


class _Messages:
    """A display that keeps the trainer's messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def data_progress(self, done: int, total: int, name: str) -> None: ...
    def message(self, text: str) -> None:
        self.messages.append(text)

    def step(self, stats: object) -> None: ...
    def evaluated(self, step: int, metrics: dict[str, float]) -> None: ...


def test_ctrl_c_during_a_long_step_is_seen_at_once() -> None:
    import threading
    import time

    from bridge.train.loop import StepAbandoned, _run_step

    class SlowSession:
        def run(self, fetches: object, feed: object) -> str:
            time.sleep(float(str(fetches)))
            return "done"

    stop = threading.Event()
    assert _run_step(SlowSession(), "0.05", {}, stop, None) == "done"
    # A step that usually takes 70 s: Ctrl-C 0.2 s in returns within a second.
    threading.Timer(0.2, stop.set).start()
    began = time.perf_counter()
    with pytest.raises(StepAbandoned):
        _run_step(SlowSession(), "5", {}, stop, 70.0)
    assert time.perf_counter() - began < 1.5
    # A step that ends within the wait is finished, not abandoned.
    assert _run_step(SlowSession(), "0.5", {}, stop, 0.6) == "done"

    class Failing:
        def run(self, fetches: object, feed: object) -> None:
            raise ValueError("bad feed")

    with pytest.raises(ValueError, match="bad feed"):
        _run_step(Failing(), None, {}, threading.Event(), None)


def test_a_step_abandoned_by_ctrl_c_keeps_the_newest_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bridge.train import loop

    real = loop._run_step
    calls = {"n": 0}

    def abandon_the_fifth(*args: object) -> object:
        calls["n"] += 1
        if calls["n"] == 5:
            raise loop.StepAbandoned()
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "_run_step", abandon_the_fifth)
    midi = make_folder(tmp_path / "midi")
    shown = _Messages()
    result = loop.Trainer(config(tmp_path, midi, steps=9, eval_every=3), shown).run()
    assert result.status == "abandoned" and result.step == 3
    assert any(m.startswith("stopped: the step in progress") for m in shown.messages)
    assert any("model.ckpt-3" in m for m in shown.messages)
    assert any(m.startswith("no latent prior fitted: it is fitted when") for m in shown.messages)
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["status"] == "abandoned" and "prior" not in run
    monkeypatch.setattr(loop, "_run_step", real)
    resumed = loop.Trainer(config(tmp_path, midi, steps=5, eval_every=100)).run()
    assert resumed.status == "completed" and resumed.step == 5


def test_the_cost_of_a_run_is_shown_before_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from bridge.train import loop
    from bridge.train.rundir import checkpoint_bytes

    monkeypatch.setattr(loop, "HEAVY_RUN_SECONDS", 0.0)
    midi = make_folder(tmp_path / "midi")
    shown = _Messages()
    loop.Trainer(config(tmp_path, midi, steps=8, eval_every=100, max_disk_mb=0.5), shown).run()
    (size,) = [m for m in shown.messages if " M weights; a checkpoint is about " in m]
    estimate = float(re.search(r"about (\d+) MB", size).group(1)) * 1e6  # type: ignore[union-attr]
    actual = checkpoint_bytes(tmp_path / "run" / "model.ckpt-8")
    assert 0.8 < estimate / actual < 1.25 or abs(estimate - actual) < 1e6, (estimate, actual)
    assert "--max-disk 0.5 MB holds" in size
    (speed,) = [m for m in shown.messages if m.startswith("a step takes ")]
    assert "peak memory" in speed and "steps to go take about" in speed
    assert speed.endswith("lb-drums_2bar_small is the lighter model of this kind for a CPU")


def test_a_run_that_never_trained_fits_no_prior(tmp_path: Path) -> None:
    from bridge.train.loop import Trainer

    midi = make_folder(tmp_path / "midi")
    shown = _Messages()
    result = Trainer(config(tmp_path, midi, steps=0), shown).run()
    assert result.status == "up_to_date" and result.step == 0
    assert "no latent prior fitted: nothing was trained" in shown.messages
    assert "prior" not in json.loads((tmp_path / "run" / "run.json").read_text())


def test_export_averages_the_last_checkpoints(tmp_path: Path) -> None:
    """--average K: the exported weights are the mean of the run's last K
    kept checkpoints (up to --step), and the card names them."""
    from bridge.engine.prior import PRIOR_FILE, LatentPrior
    from bridge.engine.tfcompat import tf1
    from bridge.errors import TrainingError
    from bridge.train.export import export_run
    from bridge.train.loop import train
    from bridge.train.rundir import checkpoint_prefixes, run_spec

    midi = tmp_path / "midi"  # beats different enough to fit a prior to
    midi.mkdir()
    rng = np.random.default_rng(5)
    for i in range(6):
        hits = [(p, s / 4) for s in range(128) for p in (36, 38, 42) if rng.random() < 0.3]
        beat = Clip([Note(p, at, 0.25, 100) for p, at in hits], 32.0)
        write_midi([Track(beat, True, 0)], midi / f"beat_{i}.mid")
    run = tmp_path / "run"
    train(config(tmp_path, midi, steps=6, eval_every=2, keep=4))
    kept = checkpoint_prefixes(run)
    assert [p.name for p in kept][-3:] == ["model.ckpt-2", "model.ckpt-4", "model.ckpt-6"]
    tf = tf1()

    def weights(prefix: Path) -> dict[str, np.ndarray]:
        reader = tf.train.load_checkpoint(str(prefix))
        names = [n for n in reader.get_variable_to_shape_map() if "Adam" not in n]
        return {n: reader.get_tensor(n) for n in names}

    said: list[str] = []
    out = export_run(run, tmp_path / "avg", average=2, say=said.append)
    got = weights(out)
    w4, w6 = weights(run / "model.ckpt-4"), weights(run / "model.ckpt-6")
    floats = [n for n in got if np.issubdtype(got[n].dtype, np.floating)]
    assert floats and all(np.allclose(got[n], (w4[n] + w6[n]) / 2, atol=1e-6) for n in floats)
    assert any(not np.allclose(got[n], w6[n]) for n in floats)  # not the last one alone
    card = json.loads((tmp_path / "avg" / "run.json").read_text())
    assert card["exported_from"]["averaged"] == ["model.ckpt-4", "model.ckpt-6"]
    # The run's prior is for model.ckpt-6 alone: the mean gets its own, fitted
    # to the run's training windows, and the card records that one.
    z_size = int(run_spec(card).config.hparams.z_size)
    assert LatentPrior.load(run / PRIOR_FILE, z_size).checkpoint == "model.ckpt-6"
    prior = LatentPrior.load(tmp_path / "avg" / PRIOR_FILE, z_size)
    train_windows = json.loads((run / "run.json").read_text())["data"]["train_examples"]
    assert prior.checkpoint == out.name and prior.windows == train_windows
    assert card["prior"] == json.loads(json.dumps(prior.summary()))
    assert said == [
        f"latent prior fitted for the exported weights to {train_windows} windows of the "
        f"run's training data ({midi}) (held-out gain {prior.held_out_gain:+.3f} nats a "
        "dimension over N(0, I))"
    ]
    # One checkpoint alone carries the run's prior as it is.
    said.clear()
    single = export_run(run, tmp_path / "single", say=said.append)
    carried = LatentPrior.load(tmp_path / "single" / PRIOR_FILE, z_size)
    assert said == [] and carried.checkpoint == single.name
    assert np.array_equal(carried.mean, LatentPrior.load(run / PRIOR_FILE, z_size).mean)
    # Up to --step; more than the run keeps is a clear error.
    early = weights(export_run(run, tmp_path / "early", step=4, average=2))
    w2 = weights(run / "model.ckpt-2")
    assert all(np.allclose(early[n], (w2[n] + w4[n]) / 2, atol=1e-6) for n in floats)
    with pytest.raises(TrainingError, match="--keep"):
        export_run(run, tmp_path / "too_many", average=len(kept) + 1)
    steps = ", ".join(p.name.rsplit("-", 1)[-1] for p in kept)
    with pytest.raises(TrainingError, match=f"no checkpoint of step 5; it keeps step {steps}$"):
        export_run(run, tmp_path / "no_such_step", step=5)
