"""How far a groove model's accents reach: one contrast factor per checkpoint.

A groove model trained to predict each hit's velocity predicts what the hit
is played at on average, given the pattern. Averages are tamer than any one
performance: lb-groove's raw velocities spread about 23 MIDI units within
a held-out 2-bar window where the drummers' spread 30, so its beats play
like a drummer who never digs in. Its accents are right, only too small;
scaling each window's velocities away from their mean by one fitted factor
(:func:`with_contrast`, less where the loudest hit would pass 127) gives
them back the reach of a drummer, at a small cost in error at each hit (the
trade-off is in the model card).

The factor is fitted on the training data (:func:`fit_contrast`, through
``scripts/groove_tables.py --fit-dynamics``) so that the model's outputs
spread :data:`SPREAD_SHARE` as far as the drummers' did, and saved beside
the checkpoint (``groove_dynamics.json``) with the checkpoint it was fitted
for, as a latent prior is (:mod:`bridge.engine.prior`). A groove model
without one plays its raw velocities.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from bridge.clips import Clip
from bridge.errors import CheckpointError, InvalidRequestError

__all__ = [
    "DYNAMICS_FILE",
    "SPREAD_SHARE",
    "Dynamics",
    "check_fit_windows",
    "describe_dynamics",
    "dynamics_for",
    "fit_contrast",
    "spread",
    "with_contrast",
]

DYNAMICS_FILE = "groove_dynamics.json"
# The share of the drummers' velocity spread the outputs are fitted to reach
# on the training data. Held-out windows land about 5 points lower (the model
# is surer of music it trained on), so 0.9 here reaches about 85% there; all
# of it (1.0) makes the errors at each hit a few percent larger (lb-groove's
# card has the curve).
SPREAD_SHARE = 0.9
# Fewer windows than this cannot say how far a drummer reaches.
MIN_FIT_WINDOWS = 50
# The factors fit_contrast searches between.
CONTRAST_RANGE = (1.0, 4.0)


def spread(clip: Clip) -> float:
    """Standard deviation of the velocities of the clip's sounding notes (0 for
    fewer than two)."""
    velocities = [n.velocity for n in clip.notes if not n.mute]
    return float(np.std(velocities)) if len(velocities) > 1 else 0.0


def with_contrast(clip: Clip, factor: float) -> Clip:
    """The clip with each sounding note's velocity moved up to ``factor`` times
    as far from their mean, rounded.

    The notes above the mean share one factor, as do those below, each no
    larger than keeps the loudest at most 127 (the softest at least 1): a
    loud backbeat keeps the differences between its hits instead of piling
    up at 127, and no note changes places with another.
    """
    sounding = [n.velocity for n in clip.notes if not n.mute]
    if factor == 1.0 or len(sounding) < 2:
        return clip
    mean = float(np.mean(sounding))
    above, below = max(sounding) - mean, mean - min(sounding)
    up = min(factor, (127.0 - mean) / above) if above > 0 else factor
    down = min(factor, (mean - 1.0) / below) if below > 0 else factor

    def played(v: float) -> float:
        moved = mean + (up if v > mean else down) * (v - mean)
        return float(np.clip(round(moved), 1, 127))

    return clip.with_notes(
        n if n.mute else replace(n, velocity=played(n.velocity)) for n in clip.notes
    )


@dataclass(frozen=True)
class Dynamics:
    """A groove model's contrast factor and what it was fitted to."""

    contrast: float
    windows: int  # training windows it was fitted on
    model_spread: float  # the raw outputs' mean spread in a window there
    drummer_spread: float  # the performances' mean spread in a window there
    share: float  # the share of drummer_spread the factor reaches
    checkpoint: str  # the checkpoint file name (prefix) it was fitted for

    def play(self, clip: Clip) -> Clip:
        """One decoded window of the model, its accents given their reach."""
        return with_contrast(clip, self.contrast)

    def save(self, path: Path) -> None:
        """Write to ``path``, replacing it atomically."""
        tmp = path.with_name(path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Dynamics:
        """Read ``path``; :class:`CheckpointError` if it cannot be used."""
        try:
            raw = json.loads(path.read_text())
            found = cls(
                float(raw["contrast"]),
                int(raw["windows"]),
                float(raw["model_spread"]),
                float(raw["drummer_spread"]),
                float(raw["share"]),
                str(raw["checkpoint"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(
                f"cannot read groove dynamics {path}: {type(exc).__name__}: {exc}; delete it "
                "to play the model's own velocities, or fit it again"
            ) from exc
        low, high = CONTRAST_RANGE
        if not low <= found.contrast <= high:
            raise CheckpointError(
                f"groove dynamics {path} has a contrast of {found.contrast:g}, "
                f"outside {low:g}..{high:g}; fit it again"
            )
        return found


def check_fit_windows(count: int) -> None:
    """:class:`InvalidRequestError` unless ``count`` windows of two or more
    hits are enough to fit dynamics on."""
    if count < MIN_FIT_WINDOWS:
        raise InvalidRequestError(
            f"fitting dynamics needs at least {MIN_FIT_WINDOWS} windows of "
            f"two or more hits, got {count}"
        )


def fit_contrast(
    pairs: Sequence[tuple[Clip, Clip]], checkpoint: str, share: float = SPREAD_SHARE
) -> Dynamics:
    """The factor that makes the model's windows spread ``share`` as far as the
    drummers' did, on average, from ``pairs`` of (performance, the model's
    raw output for its quantized pattern)."""
    pairs = [(p, o) for p, o in pairs if len(o.notes) > 1]
    check_fit_windows(len(pairs))
    drummers = float(np.mean([spread(p) for p, _ in pairs]))
    model = float(np.mean([spread(o) for _, o in pairs]))
    if model <= 0.0:
        raise InvalidRequestError("the model plays every hit at one velocity; nothing to scale")
    target = share * drummers

    def reach(factor: float) -> float:
        return float(np.mean([spread(with_contrast(o, factor)) for _, o in pairs]))

    low, high = CONTRAST_RANGE
    if reach(low) < target:
        # Clipping at 1 and 127 makes reach grow ever more slowly: bisect.
        if reach(high) <= target:
            low = high
        else:
            for _ in range(30):
                mid = (low + high) / 2
                low, high = (mid, high) if reach(mid) < target else (low, mid)
    return Dynamics(round(low, 4), len(pairs), model, drummers, share, checkpoint)


def dynamics_path(checkpoint: str | os.PathLike[str]) -> Path | None:
    """Where the dynamics of ``checkpoint`` (a directory or a prefix) live;
    None for an archive (official ``.tar`` checkpoints carry none)."""
    from bridge.engine.checkpoint import beside_checkpoint

    return beside_checkpoint(checkpoint, DYNAMICS_FILE)


def dynamics_for(checkpoint: str | os.PathLike[str], prefix: Path) -> tuple[Dynamics | None, str]:
    """The fitted dynamics of the checkpoint ``prefix`` resolved from
    ``checkpoint``, and a line saying which velocities the model plays. A fit
    for another checkpoint is not used; an unreadable file raises
    :class:`CheckpointError`."""
    path = dynamics_path(checkpoint)
    if path is None or not path.is_file():
        return None, "its own velocities (no fitted dynamics)"
    found = Dynamics.load(path)
    if found.checkpoint != prefix.name:
        return None, (
            f"its own velocities ({path.name} was fitted for {found.checkpoint}, "
            f"not {prefix.name}; fit it again)"
        )
    return found, f"contrast {found.contrast:g} (fitted to {found.windows} windows)"


def describe_dynamics(checkpoint: str | os.PathLike[str]) -> str:
    """One line on the dynamics of ``checkpoint``, read without loading the model."""
    path = dynamics_path(checkpoint)
    if path is None or not path.is_file():
        return "none: the model's own velocities"
    try:
        found = Dynamics.load(path)
    except CheckpointError:
        return f"{path.name} is unreadable; fit it again or delete it"
    return (
        f"{path.name}: contrast {found.contrast:g}, fitted to {found.windows} windows "
        f"for {found.checkpoint} ({found.share:.0%} of the drummers' spread)"
    )
