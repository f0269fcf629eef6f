"""Clips to latents and back: cut into model windows, encode (and refine, and
remember), decode, stitch back to the clips' lengths.

The operations in :mod:`bridge.engine.engine` are written on these steps.
"""

from __future__ import annotations

import hashlib
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from bridge.clips import Track
from bridge.convert import carry_note_fields, split_windows, stitch_windows
from bridge.engine.adapters import Adapter, WindowTensors
from bridge.engine.coalesce import Coalescer
from bridge.engine.model import LoadedModel
from bridge.engine.pool import ModelPool
from bridge.engine.registry import Role
from bridge.engine.tfcompat import row_seeds
from bridge.errors import UnsupportedClipError
from bridge.limits import MAX_CLIP_BARS

__all__ = ["LATENT_CACHE_SIZE", "Pipeline", "keep_hits", "stitch", "window_key"]

# Windows whose posterior each loaded model remembers (see Pipeline.posterior).
LATENT_CACHE_SIZE = 512


def window_key(window: WindowTensors, refine_steps: int) -> bytes:
    """What a window's posterior depends on, as a digest: its tensors and the
    refinement it gets (the model is the cache's own)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(str(refine_steps).encode())
    for part in (window.inputs, window.outputs, window.controls, window.length):
        if part is None:
            h.update(b"none")
            continue
        arr = np.ascontiguousarray(np.asarray(part))
        h.update(f"{arr.dtype}{arr.shape}".encode())
        h.update(arr.tobytes())
    return h.digest()


def keep_hits(tensors: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """GrooVAE output whose hits are exactly the control's: the clip's notes.

    A decoder that reads the hits as controls plays them back almost always;
    this makes it always, so humanize changes how notes are played and never
    which. Tensors of another layout (one drum per step) are left alone.
    The hits are the control's first columns; a converter may add others
    after them (the tempo, bridge.engine.groove).
    """
    drums = tensors.shape[-1] // 3
    if tensors.shape[-1] != 3 * drums or hits.shape[-1] < drums:
        return tensors
    hits = hits[:, :drums]
    out = tensors.copy()
    steps = min(out.shape[1], len(hits))
    out[:, :steps, :drums] = hits[:steps] > 0.5
    out[:, steps:, :drums] = 0
    return out


class Pipeline:
    """The clip <-> latent steps, over a pool's models, with a latent cache."""

    def __init__(self, pool: ModelPool, cache_size: int = LATENT_CACHE_SIZE) -> None:
        self._pool = pool
        # The posterior (mu, sigma) of the last ``cache_size`` windows each
        # loaded model encoded, so that a clip sent again (a new seed, Beat
        # Blender's next pad position) skips encoding and refinement. It
        # lives as long as the loaded model; 0 turns it off.
        self.cache_size = cache_size
        self._latents: weakref.WeakKeyDictionary[
            LoadedModel, OrderedDict[bytes, tuple[np.ndarray, np.ndarray]]
        ] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._coalescers: weakref.WeakKeyDictionary[LoadedModel, Coalescer] = (
            weakref.WeakKeyDictionary()
        )

    def windows(self, adapter: Adapter, tracks: Sequence[Track], what: str) -> list[list[Track]]:
        """Cut every track into model windows; shorter tracks loop to the longest."""
        if not tracks:
            raise UnsupportedClipError(f"the {what} has no tracks")
        multi = len(tracks) > 1
        for i, t in enumerate(tracks):
            if multi and t.clip.is_empty and adapter.role is not Role.TRIO:
                continue  # a silent part of a scene is fine; a trio needs all three
            adapter.check_clip(t.clip, f"{what} (track {i + 1})" if multi else what)
        if all(t.clip.is_empty for t in tracks):
            raise UnsupportedClipError(f"the {what} has no (unmuted) notes")
        length = max(t.clip.length for t in tracks)
        count = math.ceil(length / adapter.beats - 1e-9)
        if count * adapter.spec.bars > MAX_CLIP_BARS:
            most = MAX_CLIP_BARS * adapter.beats / adapter.spec.bars
            raise UnsupportedClipError(
                f"the {what} is too long ({length:g} beats; at most {most:g}, {MAX_CLIP_BARS} bars)"
            )
        per_track = [split_windows(t.clip, adapter.beats, loop=True) for t in tracks]
        return [
            [
                Track(w[i % len(w)], t.is_drum, t.program)
                for w, t in zip(per_track, tracks, strict=True)
            ]
            for i in range(count)
        ]

    def encode(
        self, adapter: Adapter, loaded: LoadedModel, windows: list[list[Track]], seed: int
    ) -> tuple[np.ndarray, list[WindowTensors | None]]:
        """``mu`` of every window; a silent window gets the prior's mean (zeros)."""
        mu, _, encoded = self.posterior(adapter, loaded, windows, seed)
        return mu, encoded

    def posterior(
        self, adapter: Adapter, loaded: LoadedModel, windows: list[list[Track]], seed: int
    ) -> tuple[np.ndarray, np.ndarray, list[WindowTensors | None]]:
        """``mu`` and ``sigma`` of every window (a silent one gets the prior's).

        Where the model's target is the window itself, ``mu`` is then refined
        (``refine_steps`` steps, see :meth:`LoadedModel.refine`) so that it
        decodes to the window rather than to something near it. GrooVAE is
        never refined: humanizing must not pull the performance back onto the
        quantized input.
        """
        encoded = [adapter.encode_window(w) for w in windows]
        mu = np.zeros([len(windows), loaded.z_size], np.float32)
        sigma = np.ones([len(windows), loaded.z_size], np.float32)
        steps = self._pool.refine_steps_for(adapter.spec)
        keys = [None if e is None else window_key(e, steps) for e in encoded]
        found = self._cached_posteriors(loaded, [k for k in keys if k is not None])
        # Each window not remembered is encoded (and refined) once, however
        # often it occurs in the request.
        todo: dict[bytes, WindowTensors] = {}
        for k, e in zip(keys, encoded, strict=True):
            if k is not None and e is not None and k not in found:
                todo.setdefault(k, e)
        if todo:

            def work(windows: list[WindowTensors]) -> list[tuple[np.ndarray, np.ndarray]]:
                return _posteriors(loaded, windows, steps, seed)

            # Requests running together on this model share one encoder and
            # refinement run (bridge.engine.coalesce).
            results = self.coalescer(loaded).run(steps, list(todo.values()), work)
            computed = dict(zip(todo, results, strict=True))
            self._remember_posteriors(loaded, computed)
            found.update(computed)
        for i, k in enumerate(keys):
            if k is not None:
                mu[i], sigma[i] = found[k]
        return mu, sigma, encoded

    def coalescer(self, loaded: LoadedModel) -> Coalescer:
        """The group of requests that run together on ``loaded`` (bridge.engine.coalesce)."""
        with self._lock:
            found = self._coalescers.get(loaded)
            if found is None:
                found = self._coalescers[loaded] = Coalescer()
            return found

    def _cached_posteriors(
        self, loaded: LoadedModel, keys: list[bytes]
    ) -> dict[bytes, tuple[np.ndarray, np.ndarray]]:
        if not self.cache_size:
            return {}
        with self._lock:
            cache = self._latents.get(loaded)
            if cache is None:
                return {}
            found = {}
            for k in keys:
                if k in cache:
                    cache.move_to_end(k)
                    found[k] = cache[k]
            return found

    def _remember_posteriors(
        self, loaded: LoadedModel, computed: dict[bytes, tuple[np.ndarray, np.ndarray]]
    ) -> None:
        if not self.cache_size:
            return
        with self._lock:
            cache = self._latents.setdefault(loaded, OrderedDict())
            cache.update(computed)
            while len(cache) > self.cache_size:
                cache.popitem(last=False)

    def decode(
        self,
        adapter: Adapter,
        loaded: LoadedModel,
        z: np.ndarray,
        templates: list[list[Track]],
        temperature: float,
        seed: int,
        controls: list[np.ndarray | None] | None = None,
        seeds: np.ndarray | None = None,
    ) -> list[list[Track]]:
        """Decode one latent per window into tracks shaped like its template;
        window ``i`` draws from row seed ``i`` of ``seed`` (or ``seeds[i]``)
        and reads ``controls[i]`` where the model takes controls."""
        seeds = row_seeds(seed, 0, len(z)) if seeds is None else np.asarray(seeds, np.int64)
        depth = loaded.converter.control_depth
        given = [c for c in controls or [] if c is not None]
        ctl: list[np.ndarray] | None = None
        if depth and given:
            # A silent window has no controls; it decodes (to be dropped by
            # the caller) on silent ones.
            steps = len(given[0])
            ctl = [
                np.asarray(c, np.float32) if c is not None else np.zeros((steps, depth), np.float32)
                for c in controls or []
            ]
        rows = self.decode_rows(loaded, np.asarray(z, np.float32), temperature, seeds, ctl)
        seqs: list[Any] = []
        for i, t in enumerate(rows):
            c = controls[i] if controls is not None and depth else None
            row = t[None]
            if c is not None and loaded.spec.role is Role.GROOVE:
                row = keep_hits(row, c)
            seqs += loaded.from_tensors(row, c)
        return [adapter.from_sequence(s, t) for s, t in zip(seqs, templates, strict=True)]

    def decode_rows(
        self,
        loaded: LoadedModel,
        z: np.ndarray,
        temperature: float,
        seeds: np.ndarray,
        controls: list[np.ndarray] | None,
    ) -> list[np.ndarray]:
        """One output tensor per latent. Where each row depends on its own
        seed and controls alone, the rows of requests running together on
        this model decode in one run (bridge.engine.coalesce)."""
        if not loaded.rows_independent:
            if controls is None:
                return list(loaded.decode_tensors(z, temperature=temperature, seeds=seeds))
            return [
                loaded.decode_tensors(
                    z[i : i + 1],
                    temperature=temperature,
                    controls=controls[i],
                    seeds=seeds[i : i + 1],
                )[0]
                for i in range(len(z))
            ]

        def work(items: list[tuple[np.ndarray, np.int64, np.ndarray | None]]) -> list[np.ndarray]:
            tensors = loaded.decode_tensors(
                np.stack([it[0] for it in items]),
                temperature=temperature,
                seeds=np.asarray([it[1] for it in items], np.int64),
                controls=None if controls is None else [it[2] for it in items],  # type: ignore[misc]
            )
            return list(tensors)

        out: list[np.ndarray | None] = [None] * len(z)
        # Rows run together only with rows of the same temperature and
        # control length (the decoder's length).
        by_length: dict[int | None, list[int]] = {}
        for i in range(len(z)):
            by_length.setdefault(None if controls is None else len(controls[i]), []).append(i)
        for length, indices in by_length.items():
            items = [(z[i], seeds[i], None if controls is None else controls[i]) for i in indices]
            done = self.coalescer(loaded).run(
                (float(temperature), length), items, work, phase="decode"
            )
            for i, t in zip(indices, done, strict=True):
                out[i] = t
        return [t for t in out if t is not None]


def _posteriors(
    loaded: LoadedModel, windows: list[WindowTensors], steps: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(mu, sigma) of each window, ``mu`` refined ``steps`` steps: one encoder
    run and one refinement for all of them."""
    enc = loaded.encode_tensors(
        [e.inputs for e in windows],
        [e.length for e in windows],
        [e.controls for e in windows],
        seed=seed,
    )
    mu = np.asarray(enc.mu, np.float32)
    if steps:
        mu = loaded.refine(
            mu,
            [e.outputs for e in windows],
            [e.length for e in windows],
            [e.controls for e in windows],
            steps=steps,
            final_loss=False,
        ).z
    return [(mu[j], np.asarray(enc.sigma[j], np.float32)) for j in range(len(windows))]


def stitch(
    windows: list[list[Track]],
    sources: Sequence[Track],
    *,
    carry: bool,
    suffix: str,
    grid: float | None = None,
) -> list[Track]:
    """Windows back into one track per source, at the source's length (and
    fields); ``grid`` as :func:`bridge.convert.stitch_windows` takes it."""
    out = []
    for k, src in enumerate(sources):
        clip = stitch_windows(
            [w[k].clip for w in windows],
            src.clip.length,
            name=f"{src.clip.name} {suffix}".strip(),
            time_signature=src.clip.time_signature,
            grid=grid,
        )
        if carry:
            clip = carry_note_fields(src.clip, clip)
        out.append(Track(clip, src.is_drum, src.program))
    return out
