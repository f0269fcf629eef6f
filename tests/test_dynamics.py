"""A groove model's dynamics (bridge.engine.dynamics): the contrast that gives
its accents a drummer's reach, fitted per checkpoint and played by humanize."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from bridge.clips import Clip, Note
from bridge.engine.dynamics import (
    DYNAMICS_FILE,
    Dynamics,
    describe_dynamics,
    dynamics_for,
    fit_contrast,
    spread,
    with_contrast,
)
from bridge.errors import CheckpointError, InvalidRequestError

GROOVE = "lb-groove_2bar_hits_tiny"


def beat(velocities: list[float]) -> Clip:
    return Clip([Note(36 + k % 3, k * 0.5, 0.25, v) for k, v in enumerate(velocities)], 8.0)


def test_contrast_moves_velocities_from_their_mean_and_stays_midi() -> None:
    clip = beat([60, 80, 100, 120]).with_notes(
        [*beat([60, 80, 100, 120]).notes, Note(40, 3.0, 0.25, 5, mute=True)]
    )
    out = with_contrast(clip, 1.5)
    # Mean of the sounding notes 90. Below it the full factor: 60 -> 45,
    # 80 -> 75. Above it as much as keeps 120 within 127 (37/30): 100 -> 102,
    # 120 -> 127, so the two loud notes stay apart.
    assert [n.velocity for n in out.notes] == [45.0, 75.0, 102.0, 127.0, 5.0]
    soft = with_contrast(beat([2, 10, 30, 40]), 2.0)
    # Mean 20.5: below it 19.5/18.5 of the way (2 -> 1, 10 -> 9), above it twice.
    assert [n.velocity for n in soft.notes] == [1.0, 9.0, 40.0, 60.0]
    assert [n.start_time for n in out.notes] == [n.start_time for n in clip.notes]
    assert with_contrast(clip, 1.0) == clip
    assert with_contrast(beat([70]), 2.0) == beat([70])  # one note: nothing to scale
    assert spread(out) > spread(clip)


def test_the_fitted_contrast_reaches_the_asked_share_of_the_drummers_spread() -> None:
    rng = np.random.default_rng(3)
    pairs = []
    for _ in range(60):
        accents = rng.normal(0.0, 10.0, 16)
        drummer = beat(list(np.clip(np.round(80 + 2 * accents + rng.normal(0, 3, 16)), 1, 127)))
        model = beat(list(np.round(80 + accents)))  # right accents, half their reach
        pairs.append((drummer, model))
    fitted = fit_contrast(pairs, "model.ckpt-10", share=0.85)
    reached = np.mean([spread(with_contrast(m, fitted.contrast)) for _, m in pairs])
    assert reached == pytest.approx(0.85 * fitted.drummer_spread, rel=0.01)
    assert 1.5 < fitted.contrast < 2.0
    assert fitted.windows == 60 and fitted.checkpoint == "model.ckpt-10"
    # A model already as wide as asked is left as it plays.
    assert fit_contrast([(m, d) for d, m in pairs], "c").contrast == 1.0
    with pytest.raises(InvalidRequestError, match="at least"):
        fit_contrast(pairs[:10], "c")
    flat = [(d, beat([80.0] * 16)) for d, _ in pairs]
    with pytest.raises(InvalidRequestError, match="one velocity"):
        fit_contrast(flat, "c")


def test_dynamics_files_load_only_for_their_checkpoint_and_fail_clearly(tmp_path: Path) -> None:
    prefix = tmp_path / "model.ckpt-7"
    assert dynamics_for(tmp_path, prefix) == (None, "its own velocities (no fitted dynamics)")
    assert describe_dynamics(tmp_path) == "none: the model's own velocities"
    Dynamics(1.4, 500, 18.0, 30.0, 0.85, "model.ckpt-7").save(tmp_path / DYNAMICS_FILE)
    found, status = dynamics_for(tmp_path, prefix)
    assert found is not None and found.contrast == 1.4 and "contrast 1.4" in status
    found, status = dynamics_for(prefix, tmp_path / "model.ckpt-9")
    assert found is None and "fitted for model.ckpt-7" in status
    assert "contrast 1.4, fitted to 500 windows for model.ckpt-7" in describe_dynamics(tmp_path)
    (tmp_path / DYNAMICS_FILE).write_text('{"contrast": 1.4')
    with pytest.raises(CheckpointError, match="cannot read groove dynamics"):
        dynamics_for(tmp_path, prefix)
    assert "unreadable" in describe_dynamics(tmp_path)  # models info says so, and goes on
    Dynamics(40.0, 500, 18.0, 30.0, 0.85, "model.ckpt-7").save(tmp_path / DYNAMICS_FILE)
    with pytest.raises(CheckpointError, match="outside"):
        dynamics_for(tmp_path, prefix)


def test_humanize_plays_each_window_with_the_checkpoint_s_dynamics(
    tiny_checkpoints: dict[str, str], tmp_path: Path
) -> None:
    from bridge.engine import Engine

    prefix = Path(tiny_checkpoints[GROOVE])
    folder = tmp_path / "groove"
    folder.mkdir()
    for f in prefix.parent.glob(prefix.name + ".*"):
        shutil.copy(f, folder / f.name)
    (folder / "checkpoint").write_text(f'model_checkpoint_path: "{prefix.name}"\n')
    pattern = [Note(36 if k % 8 == 0 else 42, k * 0.25, 0.25, 90) for k in range(64)]
    clip = Clip(pattern, 16.0)  # two windows of the model
    raw_engine = Engine(device="cpu", checkpoints={GROOVE: str(folder)})
    try:
        raw = raw_engine.humanize(GROOVE, clip, seed=5).clips[0]
    finally:
        raw_engine.close()
    Dynamics(1.5, 500, 18.0, 30.0, 0.85, prefix.name).save(folder / DYNAMICS_FILE)
    engine = Engine(device="cpu", checkpoints={GROOVE: str(folder)})
    try:
        assert engine.model(GROOVE).dynamics_status.startswith("contrast 1.5")
        played = engine.humanize(GROOVE, clip, seed=5).clips[0]
    finally:
        engine.close()
    assert [n.start_time for n in played.notes] == [n.start_time for n in raw.notes]
    for bar in (0.0, 8.0):  # each 2-bar window around its own mean
        window = Clip([n for n in raw.notes if bar <= n.start_time < bar + 8.0], 16.0)
        expected = [n.velocity for n in with_contrast(window, 1.5).notes]
        assert [n.velocity for n in played.notes if bar <= n.start_time < bar + 8.0] == expected
    assert spread(played) > spread(raw)
