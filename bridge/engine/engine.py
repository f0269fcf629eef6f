"""The operations a musician asks for, on clips, over registered models.

``Engine`` loads models lazily (one :class:`LoadedModel` each, kept resident),
cuts clips into model windows, runs the latent-space operation, and stitches
the results back to the clips' lengths. Every operation takes a seed; without
one it draws a seed and reports it, so any result can be made again.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bridge.argtypes import MAX_REFINE_STEPS, REFINE_MAX_DEFAULT_LENGTH, REFINE_STEPS
from bridge.clips import Clip, Track
from bridge.convert import carry_note_fields, sequence_to_tracks, split_windows, stitch_windows
from bridge.engine import latent
from bridge.engine.adapters import Adapter, WindowTensors
from bridge.engine.model import LoadedModel
from bridge.engine.registry import REGISTRY, ModelSpec, Registry, Role
from bridge.engine.tfcompat import choose_device
from bridge.errors import InvalidRequestError, UnsupportedClipError
from bridge.limits import (
    DRAWN_SEEDS,
    MAX_BARS,
    MAX_CLIP_BARS,
    MAX_COUNT,
    MAX_GRID,
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    check_seed,
)

# Windows whose posterior each loaded model remembers (see Engine._posterior).
LATENT_CACHE_SIZE = 512


@dataclass
class Generation:
    """What an operation made: one list of tracks per output, and how."""

    model: str
    operation: str
    seed: int
    outputs: list[list[Track]]
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def clips(self) -> list[Clip]:
        """The first track of every output (the only one for single-track models)."""
        return [out[0].clip for out in self.outputs]


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
    """
    drums = hits.shape[-1]
    if tensors.shape[-1] != 3 * drums:
        return tensors
    out = tensors.copy()
    steps = min(out.shape[1], len(hits))
    out[:, :steps, :drums] = hits[:steps] > 0.5
    out[:, steps:, :drums] = 0
    return out


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidRequestError(f"{name} must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise InvalidRequestError(f"{name} must be between {lo} and {hi}, got {value}")


def _check_count(name: str, value: int, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestError(f"{name} must be a whole number, got {value!r}")
    _check_range(name, value, lo, hi)


def _check_temperature(t: float) -> None:
    _check_range("temperature", t, MIN_TEMPERATURE, MAX_TEMPERATURE)


def default_refine_steps(spec: ModelSpec) -> int:
    """Refinement steps a model gets unless told otherwise.

    :data:`REFINE_STEPS` where a window decodes in at most
    :data:`REFINE_MAX_DEFAULT_LENGTH` steps (2- and 4-bar drum and melody
    models). Longer windows (16-bar models, a multi-instrument bar of four
    64-event parts) make each step several times dearer, and on lb-multitrack
    20 steps raised pitched-part note F1 only from 0.23 to 0.26 while the
    multitrack operation took seven times longer; there it is off.
    """
    if spec.role is Role.GROOVE:
        return 0
    length = int(getattr(spec.config.hparams, "max_seq_len", 0) or 0)
    return REFINE_STEPS if 0 < length <= REFINE_MAX_DEFAULT_LENGTH else 0


class Engine:
    """Runs MusicVAE operations on clips. Safe to share between threads."""

    def __init__(
        self,
        registry: Registry = REGISTRY,
        *,
        device: str = "auto",
        batch_size: int = 8,
        checkpoints: dict[str, str] | None = None,
        refine_steps: int | None = None,
        fitted_prior: bool = True,
        latent_cache: int = LATENT_CACHE_SIZE,
    ) -> None:
        if refine_steps is not None and not 0 <= refine_steps <= MAX_REFINE_STEPS:
            raise InvalidRequestError(
                f"refine steps must be 0 to {MAX_REFINE_STEPS}, got {refine_steps}"
            )
        self.registry = registry
        self.refine_steps = refine_steps
        # Draw random latents from a model's fitted prior where it has one
        # (bridge.engine.prior); False draws from N(0, I) as Magenta does.
        self.fitted_prior = fitted_prior
        # The posterior (mu, sigma) of the last ``latent_cache`` windows each
        # loaded model encoded, so that a clip sent again (a new seed, Beat
        # Blender's next pad position) skips encoding and refinement. It
        # lives as long as the loaded model; 0 turns it off.
        self.latent_cache = latent_cache
        self._latents: weakref.WeakKeyDictionary[
            LoadedModel, OrderedDict[bytes, tuple[np.ndarray, np.ndarray]]
        ] = weakref.WeakKeyDictionary()
        self.requested_device = device
        self._device: str | None = None
        self.batch_size = batch_size
        self._checkpoints = dict(checkpoints or {})
        self._models: dict[str, LoadedModel] = {}
        self._adapters: dict[str, Adapter] = {}
        self._lock = threading.Lock()
        self._load_locks: dict[str, threading.Lock] = {}

    # -- models -------------------------------------------------------------
    @property
    def device(self) -> str:
        if self._device is None:
            self._device = choose_device(self.requested_device)
        return self._device

    def set_checkpoint(self, name: str, checkpoint: str) -> None:
        self.registry.get(name)
        with self._lock:
            self._checkpoints[name] = checkpoint
            old = self._models.pop(name, None)
        if old is not None:
            old.close()

    def refine_steps_for(self, spec: ModelSpec) -> int:
        """How many steps fit an input clip's latent for ``spec`` (see :meth:`_posterior`)."""
        if spec.role is Role.GROOVE:
            return 0
        if self.refine_steps is None:
            return default_refine_steps(spec)
        return self.refine_steps

    def spec(self, name: str) -> ModelSpec:
        spec = self.registry.get(name)
        ckpt = self._checkpoints.get(name)
        return spec.with_checkpoint(ckpt) if ckpt else spec

    def is_loaded(self, name: str) -> bool:
        return name in self._models

    def model(self, name: str) -> LoadedModel:
        """The loaded model ``name``, loading it on first use."""
        with self._lock:
            loaded = self._models.get(name)
            if loaded is not None:
                return loaded
            lock = self._load_locks.setdefault(name, threading.Lock())
        with lock:  # one load per model; other models load in parallel
            with self._lock:
                if name in self._models:
                    return self._models[name]
            spec = self.spec(name)
            loaded = LoadedModel(
                spec,
                batch_size=self.batch_size,
                device=self.device,
                refine=self.refine_steps_for(spec) > 0,
            )
            with self._lock:
                self._models[name] = loaded
            return loaded

    def prior_status(self, name: str) -> str | None:
        """Which prior a loaded model draws random latents from; None until loaded."""
        with self._lock:
            loaded = self._models.get(name)
        return None if loaded is None else loaded.prior_status

    def adapter(self, name: str) -> Adapter:
        with self._lock:
            if name not in self._adapters:
                self._adapters[name] = Adapter(self.registry.get(name))
            return self._adapters[name]

    def unload(self, name: str) -> None:
        with self._lock:
            loaded = self._models.pop(name, None)
        if loaded is not None:
            loaded.close()

    def close(self) -> None:
        for name in list(self._models):
            self.unload(name)

    # -- shared steps ---------------------------------------------------------
    def _run(
        self,
        model: str,
        operation: str,
        seed: int | None,
        params: dict[str, Any],
        body: Callable[[ModelSpec, Adapter, LoadedModel, int], list[list[Track]]],
    ) -> Generation:
        spec = self.registry.get(model)
        try:
            seed = secrets.randbelow(DRAWN_SEEDS) if seed is None else check_seed(seed)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None
        adapter = self.adapter(model)
        started = time.perf_counter()
        loaded = self.model(model)
        outputs = body(spec, adapter, loaded, seed)
        return Generation(model, operation, seed, outputs, time.perf_counter() - started, params)

    @staticmethod
    def _require(spec: ModelSpec, roles: Sequence[Role], operation: str) -> None:
        if spec.role not in roles:
            wanted = " or ".join(r.value for r in roles)
            raise InvalidRequestError(
                f"{operation} needs a {wanted} model; {spec.name!r} is a {spec.role.value} model"
            )
        if not spec.is_conditional and operation != "sample":
            raise InvalidRequestError(f"model {spec.name!r} has no latent space for {operation}")

    def _windows(self, adapter: Adapter, tracks: Sequence[Track], what: str) -> list[list[Track]]:
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
            raise UnsupportedClipError(f"the {what} is too long ({length:g} beats)")
        per_track = [split_windows(t.clip, adapter.beats, loop=True) for t in tracks]
        return [
            [
                Track(w[i % len(w)], t.is_drum, t.program)
                for w, t in zip(per_track, tracks, strict=True)
            ]
            for i in range(count)
        ]

    def _encode(
        self, adapter: Adapter, loaded: LoadedModel, windows: list[list[Track]], seed: int
    ) -> tuple[np.ndarray, list[WindowTensors | None]]:
        """``mu`` of every window; a silent window gets the prior's mean (zeros)."""
        mu, _, encoded = self._posterior(adapter, loaded, windows, seed)
        return mu, encoded

    def _posterior(
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
        steps = self.refine_steps_for(adapter.spec)
        keys = [None if e is None else window_key(e, steps) for e in encoded]
        found = self._cached_posteriors(loaded, [k for k in keys if k is not None])
        # Each window not remembered is encoded (and refined) once, however
        # often it occurs in the request.
        todo: dict[bytes, WindowTensors] = {}
        for k, e in zip(keys, encoded, strict=True):
            if k is not None and e is not None and k not in found:
                todo.setdefault(k, e)
        if todo:
            new = list(todo.values())
            enc = loaded.encode_tensors(
                [e.inputs for e in new],
                [e.length for e in new],
                [e.controls for e in new],
                seed=seed,
            )
            new_mu = np.asarray(enc.mu, np.float32)
            if steps:
                new_mu = loaded.refine(
                    new_mu,
                    [e.outputs for e in new],
                    [e.length for e in new],
                    [e.controls for e in new],
                    steps=steps,
                    final_loss=False,
                ).z
            computed = {
                k: (new_mu[j], np.asarray(enc.sigma[j], np.float32)) for j, k in enumerate(todo)
            }
            self._remember_posteriors(loaded, computed)
            found.update(computed)
        for i, k in enumerate(keys):
            if k is not None:
                mu[i], sigma[i] = found[k]
        return mu, sigma, encoded

    def _cached_posteriors(
        self, loaded: LoadedModel, keys: list[bytes]
    ) -> dict[bytes, tuple[np.ndarray, np.ndarray]]:
        if not self.latent_cache:
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
        if not self.latent_cache:
            return
        with self._lock:
            cache = self._latents.setdefault(loaded, OrderedDict())
            cache.update(computed)
            while len(cache) > self.latent_cache:
                cache.popitem(last=False)

    def _decode(
        self,
        adapter: Adapter,
        loaded: LoadedModel,
        z: np.ndarray,
        templates: list[list[Track]],
        temperature: float,
        seed: int,
        controls: list[np.ndarray | None] | None = None,
    ) -> list[list[Track]]:
        """Decode one latent per window into tracks shaped like its template."""
        if controls is not None and any(c is not None for c in controls):
            seqs: list[Any] = []
            for i in range(len(z)):
                ctl = controls[i]
                tensors = loaded.decode_tensors(
                    z[i : i + 1], temperature=temperature, controls=ctl, seed=seed + i
                )
                if ctl is not None and loaded.spec.role is Role.GROOVE:
                    tensors = keep_hits(tensors, ctl)
                seqs += loaded.from_tensors(tensors, ctl)
        else:
            tensors = loaded.decode_tensors(z, temperature=temperature, seed=seed)
            seqs = loaded.from_tensors(tensors)
        return [adapter.from_sequence(s, t) for s, t in zip(seqs, templates, strict=True)]

    @staticmethod
    def _stitch(
        windows: list[list[Track]], sources: Sequence[Track], *, carry: bool, suffix: str
    ) -> list[Track]:
        out = []
        for k, src in enumerate(sources):
            clip = stitch_windows(
                [w[k].clip for w in windows],
                src.clip.length,
                name=f"{src.clip.name} {suffix}".strip(),
                time_signature=src.clip.time_signature,
            )
            if carry:
                clip = carry_note_fields(src.clip, clip)
            out.append(Track(clip, src.is_drum, src.program))
        return out

    # -- operations -----------------------------------------------------------
    def sample(
        self,
        model: str,
        n: int = 1,
        *,
        temperature: float = 1.0,
        bars: int | None = None,
        seed: int | None = None,
    ) -> Generation:
        """``n`` new clips of ``bars`` bars (the model's window by default).

        Longer than one window, the latent walks slowly from window to window
        so that the bars belong together.
        """
        _check_count("count", n, 1, MAX_COUNT)
        _check_temperature(temperature)
        spec = self.registry.get(model)
        bars = spec.bars if bars is None else bars
        _check_count("bars", bars, 1, MAX_BARS)
        if spec.has_controls:
            what = "chords" if spec.chord_conditioned else "the hits of an input clip"
            raise InvalidRequestError(
                f"model {model!r} is conditioned on {what}; use an operation on a clip instead"
            )

        def body(
            spec: ModelSpec, adapter: Adapter, loaded: LoadedModel, seed: int
        ) -> list[list[Track]]:
            count = math.ceil(bars / spec.bars)
            rng = np.random.default_rng(seed)
            length = float(bars * 4)
            walks = []
            for _ in range(n):
                z = [rng.standard_normal(loaded.z_size)] if loaded.z_size else [np.zeros(0)]
                for _ in range(count - 1):
                    z.append(latent.slerp(z[-1], rng.standard_normal(loaded.z_size), 0.35))
                walks.append(z)
            flat = np.asarray([z for walk in walks for z in walk], np.float32)
            if loaded.z_size:
                # The walk is made in the noise's space, then mapped to the prior.
                flat = loaded.draw_latents(flat, fitted=self.fitted_prior)
            template = [Track(Clip((), spec.beats), is_drum=spec.role in (Role.DRUMS, Role.GROOVE))]
            if loaded.z_size:
                tensors = loaded.decode_tensors(flat, temperature=temperature, seed=seed)
            else:
                tensors = loaded.decode_tensors(
                    None, count=len(flat), temperature=temperature, seed=seed
                )
            seqs = loaded.from_tensors(tensors)
            outputs = []
            for i in range(n):
                part = seqs[i * count : (i + 1) * count]
                if spec.role.is_multitrack:
                    first = sequence_to_tracks(part[0], length=spec.beats)
                    wins = [adapter.from_sequence(s, first) for s in part]
                    srcs = [Track(Clip((), length), t.is_drum, t.program) for t in first]
                else:
                    wins = [adapter.from_sequence(s, template) for s in part]
                    srcs = [Track(Clip((), length), template[0].is_drum, 0)]
                outputs.append(self._stitch(wins, srcs, carry=False, suffix=f"sample {i + 1}"))
            return outputs

        return self._run(
            model, "sample", seed, {"n": n, "temperature": temperature, "bars": bars}, body
        )

    def _variations(
        self,
        model: str,
        tracks: Sequence[Track],
        n: int,
        similarity: float,
        temperature: float,
        seed: int | None,
        roles: Sequence[Role],
        operation: str,
    ) -> Generation:
        _check_count("count", n, 1, MAX_COUNT)
        _check_range("similarity", similarity, 0.0, 1.0)
        _check_temperature(temperature)
        spec = self.registry.get(model)
        self._require(spec, roles, operation)

        def body(
            spec: ModelSpec, adapter: Adapter, loaded: LoadedModel, seed: int
        ) -> list[list[Track]]:
            windows = self._windows(adapter, tracks, "clip")
            mu, enc = self._encode(adapter, loaded, windows, seed)
            noise = np.random.default_rng(seed).standard_normal((n * len(mu), loaded.z_size))
            # Similarity 0 is a random latent: a sample of the model's prior.
            targets = loaded.draw_latents(noise, fitted=self.fitted_prior)
            pairs = zip(np.tile(mu, (n, 1)), targets, strict=True)
            zs = np.asarray([latent.vary(m, t, similarity) for m, t in pairs], np.float32)
            templates = [w for _ in range(n) for w in windows]
            controls = [
                e.controls if e is not None and spec.has_controls else None for e in enc
            ] * n
            decoded = self._decode(adapter, loaded, zs, templates, temperature, seed, controls)
            silent = [e is None for e in enc]
            outputs = []
            for i in range(n):
                wins = decoded[i * len(windows) : (i + 1) * len(windows)]
                # A silent window stays silent: there is nothing to vary.
                wins = [
                    w if not s else src for w, s, src in zip(wins, silent, windows, strict=True)
                ]
                outputs.append(self._stitch(wins, tracks, carry=True, suffix=f"var {i + 1}"))
            return outputs

        params = {"n": n, "similarity": similarity, "temperature": temperature}
        return self._run(model, operation, seed, params, body)

    def variations(
        self,
        model: str,
        clip: Clip,
        n: int = 4,
        *,
        similarity: float = 0.8,
        temperature: float = 0.5,
        seed: int | None = None,
        is_drum: bool | None = None,
    ) -> Generation:
        """``n`` variations of one clip: its latent moved toward noise by ``1 - similarity``."""
        spec = self.registry.get(model)
        drum = spec.role in (Role.DRUMS, Role.GROOVE) if is_drum is None else is_drum
        return self._variations(
            model,
            [Track(clip, drum, 0)],
            n,
            similarity,
            temperature,
            seed,
            (Role.DRUMS, Role.MELODY, Role.GROOVE),
            "variations",
        )

    def multitrack(
        self,
        model: str,
        tracks: Sequence[Track],
        n: int = 4,
        *,
        similarity: float = 0.8,
        temperature: float = 0.5,
        seed: int | None = None,
    ) -> Generation:
        """``n`` variations of a scene: as many tracks out as in, same instruments."""
        spec = self.registry.get(model)
        if spec.role is Role.MULTITRACK:
            limit = int(getattr(spec.converter, "_max_num_instruments", 8))
            if len(tracks) > limit:
                raise UnsupportedClipError(
                    f"model {model!r} takes at most {limit} tracks, got {len(tracks)}"
                )
        return self._variations(
            model,
            tracks,
            n,
            similarity,
            temperature,
            seed,
            (Role.TRIO, Role.MULTITRACK),
            "multitrack",
        )

    def _encode_sources(
        self,
        adapter: Adapter,
        loaded: LoadedModel,
        clips: Sequence[Clip],
        names: Sequence[str],
        seed: int,
    ) -> tuple[list[np.ndarray], list[list[Track]], float, list[np.ndarray | None]]:
        """Encode several clips window by window, padded to the longest by looping.

        Returns each clip's latents, the first clip's windows, the longest
        length, and the first clip's control sequences (for models that need
        them: the result follows the first clip's chords or hits).
        """
        drum = adapter.role in (Role.DRUMS, Role.GROOVE)
        per_clip = [
            self._windows(adapter, [Track(c, drum, 0)], n)
            for c, n in zip(clips, names, strict=True)
        ]
        count = max(len(w) for w in per_clip)
        per_clip = [[w[i % len(w)] for i in range(count)] for w in per_clip]
        # One encoder run for all clips' windows, not one per clip.
        mu, enc = self._encode(adapter, loaded, [w for wins in per_clip for w in wins], seed)
        mus = [mu[i * count : (i + 1) * count] for i in range(len(clips))]
        controls = [
            e.controls if e is not None and adapter.spec.has_controls else None for e in enc[:count]
        ]
        return mus, per_clip[0], max(c.length for c in clips), controls

    def interpolate(
        self,
        model: str,
        a: Clip,
        b: Clip,
        steps: int = 5,
        *,
        temperature: float = 0.5,
        method: str = "slerp",
        seed: int | None = None,
    ) -> Generation:
        """``steps`` clips from A to B; the first and last are the model's renderings of A and B."""
        _check_count("steps", steps, 2, MAX_COUNT)
        _check_temperature(temperature)
        if method not in ("slerp", "linear"):
            raise InvalidRequestError(f"method must be slerp or linear, not {method!r}")
        spec = self.registry.get(model)
        self._require(spec, (Role.DRUMS, Role.MELODY, Role.GROOVE), "interpolate")

        def body(
            spec: ModelSpec, adapter: Adapter, loaded: LoadedModel, seed: int
        ) -> list[list[Track]]:
            (mu_a, mu_b), template, length, ctl = self._encode_sources(
                adapter, loaded, [a, b], ["clip A", "clip B"], seed
            )
            windows = len(template)
            zs = np.concatenate(
                [latent.interpolate(mu_a[w], mu_b[w], steps, method) for w in range(windows)]
            )  # window-major: [w0 s0..sN, w1 s0..sN, ...]
            decoded = self._decode(
                adapter,
                loaded,
                zs,
                [template[w] for w in range(windows) for _ in range(steps)],
                temperature,
                seed,
                [ctl[w] for w in range(windows) for _ in range(steps)],
            )
            src = [
                Track(
                    Clip((), length, a.time_signature, a.name or "interp"),
                    template[0][0].is_drum,
                    0,
                )
            ]
            return [
                self._stitch(
                    [decoded[w * steps + s] for w in range(windows)],
                    src,
                    carry=False,
                    suffix=f"{s + 1}/{steps}",
                )
                for s in range(steps)
            ]

        params = {"steps": steps, "temperature": temperature, "method": method}
        return self._run(model, "interpolate", seed, params, body)

    def _blend_points(
        self,
        model: str,
        corners: Sequence[Clip],
        points: list[tuple[float, float]],
        temperature: float,
        seed: int | None,
        operation: str,
        params: dict[str, Any],
    ) -> Generation:
        if len(corners) != 4:
            raise InvalidRequestError(f"{operation} takes 4 corner clips, got {len(corners)}")
        _check_temperature(temperature)
        spec = self.registry.get(model)
        self._require(spec, (Role.DRUMS, Role.MELODY, Role.GROOVE), operation)

        def body(
            spec: ModelSpec, adapter: Adapter, loaded: LoadedModel, seed: int
        ) -> list[list[Track]]:
            names = [
                "top-left corner",
                "top-right corner",
                "bottom-left corner",
                "bottom-right corner",
            ]
            mus, template, length, ctl = self._encode_sources(adapter, loaded, corners, names, seed)
            windows = len(template)
            zs = np.asarray(
                [
                    latent.bilinear([m[w] for m in mus], x, y)
                    for (x, y) in points
                    for w in range(windows)
                ],
                np.float32,
            )
            decoded = self._decode(
                adapter,
                loaded,
                zs,
                [t for _ in points for t in template],
                temperature,
                seed,
                [c for _ in points for c in ctl],
            )
            first = corners[0]
            src = [
                Track(Clip((), length, first.time_signature, "blend"), template[0][0].is_drum, 0)
            ]
            return [
                self._stitch(
                    decoded[i * windows : (i + 1) * windows],
                    src,
                    carry=False,
                    suffix=f"{x:.2f},{y:.2f}",
                )
                for i, (x, y) in enumerate(points)
            ]

        return self._run(model, operation, seed, params, body)

    def blend(
        self,
        model: str,
        corners: Sequence[Clip],
        x: float,
        y: float,
        *,
        temperature: float = 0.5,
        seed: int | None = None,
    ) -> Generation:
        """One clip at (x, y) of the square spanned by four corner clips (bilinear in z)."""
        _check_range("x", x, 0.0, 1.0)
        _check_range("y", y, 0.0, 1.0)
        return self._blend_points(
            model,
            corners,
            [(x, y)],
            temperature,
            seed,
            "blend",
            {"x": x, "y": y, "temperature": temperature},
        )

    def blend_grid(
        self,
        model: str,
        corners: Sequence[Clip],
        cols: int = 5,
        rows: int = 5,
        *,
        temperature: float = 0.5,
        seed: int | None = None,
    ) -> Generation:
        """A ``rows x cols`` grid over the corners, row by row (as Latent Loops draws it)."""
        _check_count("cols", cols, 2, MAX_GRID)
        _check_count("rows", rows, 2, MAX_GRID)
        points = [(c / (cols - 1), r / (rows - 1)) for r in range(rows) for c in range(cols)]
        params = {"cols": cols, "rows": rows, "temperature": temperature}
        return self._blend_points(model, corners, points, temperature, seed, "blend_grid", params)

    def humanize(
        self,
        model: str,
        clip: Clip,
        *,
        temperature: float = 0.3,
        seed: int | None = None,
    ) -> Generation:
        """A GrooVAE performance of a drum clip: velocities and microtiming.

        A model that decodes from z alone (Magenta's ``groovae_2bar_humanize``)
        samples its hits at ``temperature``, so it may add or drop notes. A
        model that reads the hits (``lb-groove_2bar_hits_*``) plays exactly
        the clip's notes; there ``temperature`` scales a draw from the
        encoder's posterior, ``z = mu + temperature * sigma * noise``: the
        lowest temperature gives nearly the most likely playing every time,
        higher ones other takes of the same notes.
        """
        _check_temperature(temperature)
        spec = self.registry.get(model)
        self._require(spec, (Role.GROOVE,), "humanize")

        def body(
            spec: ModelSpec, adapter: Adapter, loaded: LoadedModel, seed: int
        ) -> list[list[Track]]:
            tracks = [Track(clip, True, 0)]
            windows = self._windows(adapter, tracks, "clip")
            mu, sigma, enc = self._posterior(adapter, loaded, windows, seed)
            controls = [e.controls if e is not None and spec.has_controls else None for e in enc]
            z = mu
            if spec.has_controls:
                noise = np.random.default_rng(seed).standard_normal(mu.shape)
                z = (mu + temperature * sigma * noise).astype(np.float32)
            decoded = self._decode(adapter, loaded, z, windows, temperature, seed, controls)
            wins = [
                d if e is not None else w for d, e, w in zip(decoded, enc, windows, strict=True)
            ]
            return [self._stitch(wins, tracks, carry=True, suffix="humanized")]

        return self._run(model, "humanize", seed, {"temperature": temperature}, body)
