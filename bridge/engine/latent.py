"""Latent-space arithmetic: interpolation, blending and variation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return (1.0 - t) * a + t * b


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation; stays on the shell where Gaussian latents live."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0.0 or nb == 0.0:
        return lerp(a, b, t)
    cos = float(np.clip(np.dot(a / na, b / nb), -1.0, 1.0))
    omega = np.arccos(cos)
    if abs(np.sin(omega)) < 1e-6:  # (anti)parallel: the arc is undefined
        return lerp(a, b, t)
    s = np.sin(omega)
    return np.asarray((np.sin((1.0 - t) * omega) / s) * a + (np.sin(t * omega) / s) * b)


def interpolate(a: np.ndarray, b: np.ndarray, steps: int, method: str = "slerp") -> np.ndarray:
    """``steps`` points from a to b inclusive, shape ``[steps, z]``."""
    fn = slerp if method == "slerp" else lerp
    return np.stack([fn(a, b, float(t)) for t in np.linspace(0.0, 1.0, steps)])


def bilinear(corners: Sequence[np.ndarray], x: float, y: float) -> np.ndarray:
    """Blend four corners ordered top-left, top-right, bottom-left, bottom-right.

    ``x`` runs left (0) to right (1) and ``y`` top (0) to bottom (1), as on
    Beat Blender's pad.
    """
    tl, tr, bl, br = corners
    return np.asarray((1 - x) * (1 - y) * tl + x * (1 - y) * tr + (1 - x) * y * bl + x * y * br)


# Similarity -> how far along the arc from a clip's latent to a random one a
# variation lies. Measured on 46 held-out GMD beats with lb-drums (hit F1 of a
# variation to its input, at each fraction: scripts/variation_feel.py), so
# that equal steps of similarity are equal steps of hit F1: from 0.93 at 1
# (the model's own rendering of the clip) down to 0.28 at 0 (a sample of the
# prior; an unrelated real beat has 0.31). The plain fraction 1 - similarity
# kept outputs too close above 0.5 and too far below.
SIMILARITY_CURVE = (
    (0.0, 1.0),
    (0.1, 0.876),
    (0.2, 0.758),
    (0.3, 0.665),
    (0.4, 0.581),
    (0.5, 0.498),
    (0.6, 0.418),
    (0.7, 0.340),
    (0.8, 0.259),
    (0.9, 0.154),
    (1.0, 0.0),
)


def distance(similarity: float) -> float:
    """The fraction of the way to a random latent for ``similarity`` (0..1)."""
    xs, ys = zip(*SIMILARITY_CURVE, strict=True)
    return float(np.interp(similarity, xs, ys))


def vary(mu: np.ndarray, noise: np.ndarray, similarity: float) -> np.ndarray:
    """Move ``mu`` toward a random latent: similarity 1 keeps it, 0 replaces it."""
    return slerp(mu, noise, distance(similarity))
