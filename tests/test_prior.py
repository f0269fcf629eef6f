"""The fitted latent prior: the fit, its file, and where samples' latents come from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bridge.engine.prior import (
    MIN_FIT_WINDOWS,
    PRIOR_FILE,
    LatentPrior,
    describe_prior,
    fit_prior,
    prior_for,
    prior_path,
)
from bridge.errors import CheckpointError, InvalidRequestError
from tests.factories import TRAIN_MODEL as MODEL
from tests.factories import make_folder


def correlated(n: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` draws of a ``k``-dimensional Gaussian with strong correlations."""
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((k, k)) * 0.6 + np.eye(k)
    mean = rng.standard_normal(k) * 2
    return mean + rng.standard_normal((n, k)) @ mixing.T, mean, mixing @ mixing.T


def test_fit_recovers_a_correlated_gaussian_and_draws_from_it() -> None:
    data, mean, cov = correlated(20000, 6)
    prior = fit_prior(data, "model.ckpt")
    assert prior.shrinkage <= 0.05  # plenty of data: the full covariance predicts best
    assert prior.windows == 20000 and prior.held_out_gain > 0
    fitted_cov = prior.scale @ prior.scale.T
    assert np.allclose(prior.mean, mean, atol=0.1)
    assert np.allclose(fitted_cov, cov, atol=0.15 * np.abs(cov).max())
    draws = prior.draw(np.random.default_rng(1).standard_normal((20000, 6)))
    assert draws.dtype == np.float32
    assert np.allclose(draws.mean(0), mean, atol=0.1)
    assert np.allclose(np.cov(draws, rowvar=False), cov, atol=0.15 * np.abs(cov).max())
    # Latents of the data are more likely under the fit than under N(0, I).
    standard = LatentPrior(np.zeros(6), np.eye(6), 0, 0.0, "")
    assert prior.log_density(data[:500]).mean() > standard.log_density(data[:500]).mean()


def test_few_windows_get_a_diagonal_leaning_fit_and_too_few_none() -> None:
    data, _, _ = correlated(12, 16)  # fewer windows than dimensions
    prior = fit_prior(data, "model.ckpt")
    assert prior.shrinkage >= 0.4
    assert np.isfinite(prior.scale).all() and (np.diag(prior.scale) > 0).all()
    with pytest.raises(InvalidRequestError, match=f"at least {MIN_FIT_WINDOWS}"):
        fit_prior(data[: MIN_FIT_WINDOWS - 1], "model.ckpt")
    with pytest.raises(InvalidRequestError, match="non-finite"):
        fit_prior(np.full((20, 4), np.nan), "model.ckpt")


def test_prior_file_round_trips_and_bad_files_are_named(tmp_path: Path) -> None:
    data, _, _ = correlated(200, 5)
    prior = fit_prior(data, "model.ckpt-40")
    path = tmp_path / PRIOR_FILE
    prior.save(path)
    back = LatentPrior.load(path, 5)
    assert back.checkpoint == "model.ckpt-40" and back.windows == 200
    assert np.allclose(back.mean, prior.mean, atol=1e-6)
    assert np.allclose(back.scale, prior.scale, atol=1e-6)
    assert back.held_out_gain == pytest.approx(prior.held_out_gain, abs=1e-9)
    with pytest.raises(CheckpointError, match="5-dimensional latent, the model's has 8"):
        LatentPrior.load(path, 8)
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CheckpointError, match=f"cannot read latent prior .*{PRIOR_FILE}"):
        LatentPrior.load(path, 5)
    assert "unreadable" in describe_prior(tmp_path)
    with path.open("wb") as f:
        np.savez(f, mean=np.full(5, np.inf), scale=np.eye(5), meta=np.asarray(json.dumps({
            "windows": 9, "shrinkage": 0.0, "checkpoint": "model.ckpt-40"
        })))  # fmt: skip
    with pytest.raises(CheckpointError, match="non-finite"):
        LatentPrior.load(path, 5)


def test_a_prior_is_used_only_for_the_checkpoint_it_was_fitted_for(tmp_path: Path) -> None:
    data, _, _ = correlated(100, 4)
    fit_prior(data, "model.ckpt-10").save(tmp_path / PRIOR_FILE)
    assert prior_path(tmp_path) == tmp_path / PRIOR_FILE
    assert prior_path(tmp_path / "model.ckpt-10") == tmp_path / PRIOR_FILE
    prior, status = prior_for(tmp_path, tmp_path / "model.ckpt-10", 4)
    assert prior is not None and "fitted to 100 windows" in status
    prior, status = prior_for(tmp_path, tmp_path / "model.ckpt-20", 4)
    assert prior is None and "fitted for model.ckpt-10, not model.ckpt-20" in status
    prior, status = prior_for(tmp_path / "empty", tmp_path / "empty" / "model.ckpt", 4)
    assert prior is None and status.startswith("standard normal")
    archive = tmp_path / "official.tar"
    archive.write_bytes(b"")
    assert prior_path(archive) is None  # official archives carry no prior


def spy_latents(engine: Any, name: str) -> list[np.ndarray]:
    """Record every batch of latents the engine decodes with model ``name``."""
    loaded = engine.model(name)
    seen: list[np.ndarray] = []
    decode = loaded.decode_tensors

    def recording(z: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(np.array(z))
        return decode(z, *args, **kwargs)

    loaded.decode_tensors = recording
    return seen


@pytest.mark.parametrize("fitted", [True, False])
def test_engine_draws_samples_and_variation_targets_from_the_fitted_prior(
    tmp_path: Path, fitted: bool
) -> None:
    """A prior that puts all its mass on one latent makes every sample, and
    every variation at similarity 0, decode exactly that latent; an engine told
    to ignore fitted priors draws from N(0, I) as before."""
    from bridge.clips import Clip, Note
    from bridge.engine import Engine
    from bridge.engine.registry import get_spec
    from bridge.testing import make_random_checkpoint

    prefix = make_random_checkpoint(get_spec(MODEL).config, tmp_path / "ckpt", seed=3)
    point = np.linspace(-1.0, 1.0, 16)
    at_point = LatentPrior(point, np.zeros((16, 16)), 50, 0.0, prefix.name)
    at_point.save(tmp_path / "ckpt" / PRIOR_FILE)
    engine = Engine(
        device="cpu", batch_size=4, checkpoints={MODEL: str(prefix)}, fitted_prior=fitted
    )
    try:
        seen = spy_latents(engine, MODEL)
        assert engine.model(MODEL).prior is not None
        engine.sample(MODEL, 3, seed=1, bars=4)  # two windows each: a walk
        clip = Clip((Note(36, 0.0, 0.25, 100), Note(38, 1.0, 0.25, 100)), 8.0)
        engine.variations(MODEL, clip, 2, similarity=0.0, seed=1)
    finally:
        engine.close()
    assert [len(z) for z in seen] == [6, 2]
    for z in seen:
        on_point = np.allclose(z, point, atol=1e-5)
        assert on_point == fitted


def test_fit_prior_command_and_training_write_a_prior_samples_use(tmp_path: Path) -> None:
    from bridge.cli import main
    from bridge.engine.model import LoadedModel
    from bridge.engine.registry import get_spec

    midi = make_folder(tmp_path / "midi", files=10)  # a window each, all for training
    run = tmp_path / "run"
    train_args = f"train {midi} --model {MODEL} --out {run} --steps 2 --batch-size 4"
    more = "--eval-fraction 0 --eval-every 100 --plain --device cpu"
    assert main([*train_args.split(), *more.split()]) == 0
    summary = json.loads((run / "run.json").read_text())["prior"]
    assert summary["checkpoint"] == "model.ckpt-2" and summary["windows"] >= MIN_FIT_WINDOWS
    first = (run / PRIOR_FILE).read_bytes()

    # Refit on other music: the file changes, for the same checkpoint.
    other = make_folder(tmp_path / "other", files=9)
    assert main(["fit-prior", str(run), str(other)]) == 0
    assert (run / PRIOR_FILE).read_bytes() != first
    # The prior it replaced is kept, not lost.
    assert (run / f"{PRIOR_FILE}.previous").read_bytes() == first
    loaded = LoadedModel(get_spec(MODEL).with_checkpoint(str(run)), batch_size=4, refine=False)
    try:
        assert loaded.prior is not None and loaded.prior.checkpoint == "model.ckpt-2"
        assert "fitted to" in loaded.prior_status
    finally:
        loaded.close()

    # Export takes the prior along, renamed for the exported weights.
    shipped = tmp_path / "shipped"
    assert main(["export", str(run), str(shipped), "--samples"]) == 0
    assert LatentPrior.load(shipped / PRIOR_FILE, 16).checkpoint == "model.ckpt"
    # ... and scores samples as the exported model will draw them, beside N(0, I).
    card = json.loads((shipped / "run.json").read_text())
    assert card["samples"]["prior"] == "fitted"
    assert card["samples_standard_prior"]["prior"] == "standard normal"

    # Clear errors: a folder with no usable music, a config name, a broken file.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["fit-prior", str(run), str(empty)]) == 2
    assert main(["fit-prior", MODEL, str(midi)]) == 2
    (run / PRIOR_FILE).write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="cannot read latent prior"):
        LoadedModel(get_spec(MODEL).with_checkpoint(str(run)), batch_size=4, refine=False)


def test_a_prior_that_cannot_be_written_leaves_no_half_file_and_training_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bridge.train.loop import train
    from tests.factories import train_config as config

    data, _, _ = correlated(50, 4)
    target = tmp_path / "taken"
    target.mkdir()  # a directory where the file should go: the final rename fails
    with pytest.raises(OSError):
        fit_prior(data, "model.ckpt").save(target)
    assert not (tmp_path / "taken.tmp").exists() and target.is_dir()

    def disk_full(self: LatentPrior, path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LatentPrior, "save", disk_full)
    midi = make_folder(tmp_path / "midi", files=10)
    messages: list[str] = []

    class Display:
        def data_progress(self, done: int, total: int, name: str) -> None: ...
        def message(self, text: str) -> None:
            messages.append(text)

        def step(self, stats: Any) -> None: ...
        def evaluated(self, step: int, metrics: dict[str, float]) -> None: ...

    result = train(config(tmp_path, midi, steps=2, eval_fraction=0.0), Display())
    assert result.status == "completed" and result.step == 2
    assert any(m.startswith("latent prior not written") for m in messages), messages
    assert not (tmp_path / "run" / PRIOR_FILE).exists()


def test_a_prior_is_fitted_a_chunk_of_examples_at_a_time(
    tmp_path: Path, tiny_checkpoints: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A training set is densified and encoded a chunk at a time (20,000
    band bars at once are 20 GB); chunks give the prior one pass gives."""
    import bridge.train.export as export
    from bridge.engine.checkpoint import resolve_checkpoint
    from bridge.engine.registry import get_spec
    from bridge.train.data import OneHotRows, build_dataset

    spec = get_spec("lb-drums_2bar_tiny")
    prefix = resolve_checkpoint(Path(tiny_checkpoints["lb-drums_2bar_tiny"]))
    midi = make_folder(tmp_path / "midi", files=12)
    examples = build_dataset(midi, spec, tmp_path / "cache", eval_fraction=0.0).train
    assert isinstance(examples.outputs, OneHotRows) and len(examples) >= MIN_FIT_WINDOWS
    whole = export.fit_latent_prior(spec, prefix, examples)
    monkeypatch.setattr(export, "PRIOR_FIT_CHUNK", 3)
    chunked = export.fit_latent_prior(spec, prefix, examples)
    np.testing.assert_allclose(chunked.mean, whole.mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(chunked.scale, whole.scale, rtol=1e-4, atol=1e-5)
