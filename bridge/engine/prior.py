"""A Gaussian fitted to where a model's encoder puts real music.

MusicVAE samples a latent from the standard normal N(0, I) and decodes it.
That is only right when training has pulled every clip's posterior onto that
prior. With free bits (our band model keeps 256 bits of KL a bar) the
encoder's means occupy a smaller, tilted region: lb-multitrack's held-out
means have an average norm of 8 where N(0, I) draws have 11.3, and a draw from
N(0, I) often lands where no training bar lives. There the decoder leaves out
the bass in a third of the bars.

The fix is ex-post density estimation (Ghosh et al., "From Variational to
Deterministic Autoencoders", 2020): encode the training windows, fit a
Gaussian to their posterior means, and draw new latents from it. The
covariance is shrunk toward its diagonal by the amount that best predicts
held-out means, so a few dozen windows get a nearly diagonal fit and a
corpus of thousands a full one. The weights do not change; the fit is a small file beside
the checkpoint (``latent_prior.npz``) that names the checkpoint it was fitted
for.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bridge.errors import CheckpointError, InvalidRequestError

PRIOR_FILE = "latent_prior.npz"
# Shrinkage of the covariance toward its diagonal tried by :func:`fit_prior`.
SHRINKAGE_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0)
# Fewer windows than this cannot say where the music lives.
MIN_FIT_WINDOWS = 8
# Share of the windows held out to choose the shrinkage.
HELD_OUT_SHARE = 0.2
# Floor of every variance, so a latent dimension the encoder never moves
# cannot make the covariance singular.
VARIANCE_FLOOR = 1e-4


@dataclass(frozen=True)
class LatentPrior:
    """N(mean, scale @ scale.T): where new latents are drawn from."""

    mean: np.ndarray  # [z]
    scale: np.ndarray  # [z, z], lower triangular
    windows: int  # how many posterior means it was fitted to
    shrinkage: float  # 0 a full covariance, 1 a diagonal one
    checkpoint: str  # the checkpoint file name (prefix) it was fitted for
    # Mean log-likelihood gain over N(0, I) on the held-out share of the
    # means, in nats per latent dimension: how much better it says where
    # music lives.
    held_out_gain: float = 0.0

    @property
    def z_size(self) -> int:
        return int(self.mean.shape[0])

    def draw(self, noise: np.ndarray) -> np.ndarray:
        """Map standard normal ``noise`` ``[..., z]`` to latents of this prior."""
        return np.asarray(self.mean + noise @ self.scale.T, dtype=np.float32)

    def log_density(self, z: np.ndarray) -> np.ndarray:
        """Log density of each row of ``z`` under this prior."""
        return _log_density(z, self.mean, self.scale)

    def summary(self) -> dict[str, Any]:
        """What a run.json records of the fit."""
        return {
            "windows": self.windows,
            "shrinkage": self.shrinkage,
            "held_out_gain_nats_per_dim": round(self.held_out_gain, 4),
            "checkpoint": self.checkpoint,
        }

    def save(self, path: Path) -> None:
        """Write to ``path`` (a ``.npz``), replacing it atomically."""
        meta = {
            "windows": self.windows,
            "shrinkage": self.shrinkage,
            "checkpoint": self.checkpoint,
            "held_out_gain": self.held_out_gain,
        }
        tmp = path.with_name(path.name + ".tmp")
        try:
            with tmp.open("wb") as f:
                np.savez(
                    f,
                    mean=self.mean.astype(np.float32),
                    scale=self.scale.astype(np.float32),
                    meta=np.asarray(json.dumps(meta, sort_keys=True)),
                )
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)  # the old prior, if any, stays whole
            raise

    @classmethod
    def load(cls, path: Path, z_size: int) -> LatentPrior:
        """Read a prior for a model of ``z_size``; :class:`CheckpointError` if unusable."""
        try:
            with np.load(path, allow_pickle=False) as data:
                mean = np.asarray(data["mean"], np.float64)
                scale = np.asarray(data["scale"], np.float64)
                meta = json.loads(str(data["meta"]))
            prior = cls(
                mean,
                scale,
                int(meta["windows"]),
                float(meta["shrinkage"]),
                str(meta["checkpoint"]),
                float(meta.get("held_out_gain", 0.0)),
            )
        except (
            OSError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            zipfile.BadZipFile,
            EOFError,
        ) as exc:
            raise CheckpointError(
                f"cannot read latent prior {path}: {type(exc).__name__}: {exc}; delete it "
                "to sample from the standard normal, or fit it again with fit-prior"
            ) from exc
        if mean.shape != (z_size,) or scale.shape != (z_size, z_size):
            raise CheckpointError(
                f"latent prior {path} is for a {mean.shape[0] if mean.ndim else 0}-dimensional "
                f"latent, the model's has {z_size}; fit it again with fit-prior"
            )
        if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
            raise CheckpointError(f"latent prior {path} holds non-finite numbers; fit it again")
        return prior


def _log_density(z: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    d = np.asarray(z, np.float64) - mean
    # Solve scale @ y = d for each row: y = scale^-1 d.
    y = np.linalg.solve(scale, d.T).T
    log_det = float(np.sum(np.log(np.abs(np.diag(scale)))))
    k = mean.shape[0]
    return np.asarray(-0.5 * np.sum(y * y, axis=1) - log_det - 0.5 * k * np.log(2 * np.pi))


def _shrunk_scale(cov: np.ndarray, shrinkage: float) -> np.ndarray:
    diag = np.diag(np.maximum(np.diag(cov), VARIANCE_FLOOR))
    shrunk = (1.0 - shrinkage) * cov + shrinkage * diag
    shrunk = shrunk + VARIANCE_FLOOR * np.eye(len(cov))
    return np.asarray(np.linalg.cholesky(shrunk))


def fit_prior(mu: np.ndarray, checkpoint: str, *, seed: int = 0) -> LatentPrior:
    """Fit a Gaussian to posterior means ``mu`` ``[n, z]``.

    The shrinkage toward the diagonal is the one of :data:`SHRINKAGE_GRID`
    whose fit to a random 80% gives the remaining 20% the highest likelihood;
    the returned prior is then fitted to all of ``mu`` with it.
    """
    mu = np.asarray(mu, np.float64)
    if mu.ndim != 2 or mu.shape[1] == 0:
        raise InvalidRequestError("a latent prior needs a model with a latent space")
    if len(mu) < MIN_FIT_WINDOWS:
        raise InvalidRequestError(
            f"a latent prior needs at least {MIN_FIT_WINDOWS} windows of music, got {len(mu)}"
        )
    if not np.isfinite(mu).all():
        raise InvalidRequestError("the encoder gave non-finite latents; the checkpoint is broken")
    order = np.random.default_rng(seed).permutation(len(mu))
    cut = max(1, round(len(mu) * HELD_OUT_SHARE))
    held, fit = mu[order[:cut]], mu[order[cut:]]
    mean = fit.mean(axis=0)
    cov = np.cov(fit, rowvar=False, bias=False).reshape(mu.shape[1], mu.shape[1])
    scores = [
        float(np.mean(_log_density(held, mean, _shrunk_scale(cov, s)))) for s in SHRINKAGE_GRID
    ]
    best = int(np.argmax(scores))
    k = mu.shape[1]
    standard = float(np.mean(_log_density(held, np.zeros(k), np.eye(k))))
    cov = np.cov(mu, rowvar=False, bias=False).reshape(k, k)
    return LatentPrior(
        mu.mean(axis=0),
        _shrunk_scale(cov, SHRINKAGE_GRID[best]),
        len(mu),
        SHRINKAGE_GRID[best],
        checkpoint,
        (scores[best] - standard) / k,
    )


def prior_path(checkpoint: str | os.PathLike[str]) -> Path | None:
    """Where the prior of ``checkpoint`` (a directory or a prefix) lives.

    None for an archive: official ``.tar`` checkpoints carry no prior.
    """
    from bridge.engine.checkpoint import beside_checkpoint

    return beside_checkpoint(checkpoint, PRIOR_FILE)


def describe_prior(checkpoint: str | os.PathLike[str]) -> str:
    """One line on the prior of ``checkpoint``, read without loading the model."""
    path = prior_path(checkpoint)
    if path is None or not path.is_file():
        return "none: samples are drawn from N(0, I)"
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
        return (
            f"{path.name}: fitted to {int(meta['windows'])} windows for {meta['checkpoint']} "
            f"(shrinkage {float(meta['shrinkage']):g})"
        )
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as exc:
        return f"{path.name} is unreadable ({type(exc).__name__}); fit it again or delete it"


def prior_for(
    checkpoint: str | os.PathLike[str], prefix: Path, z_size: int
) -> tuple[LatentPrior | None, str]:
    """The fitted prior of the checkpoint ``prefix`` resolved from ``checkpoint``,
    and a line saying which prior samples come from.

    A prior fitted for another checkpoint (a run that trained on after the
    fit) is not used. A prior file that cannot be read raises
    :class:`CheckpointError`.
    """
    path = prior_path(checkpoint) if z_size else None
    if path is None or not path.is_file():
        return None, "standard normal (no fitted prior)"
    prior = LatentPrior.load(path, z_size)
    if prior.checkpoint != prefix.name:
        return None, (
            f"standard normal ({path.name} was fitted for {prior.checkpoint}, "
            f"not {prefix.name}; run fit-prior again)"
        )
    return prior, f"fitted to {prior.windows} windows (shrinkage {prior.shrinkage:g})"
