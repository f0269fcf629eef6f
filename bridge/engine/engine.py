"""The operations a musician asks for, on clips, over registered models.

``Engine`` loads models lazily (one :class:`LoadedModel` each, kept resident),
cuts clips into model windows, runs the latent-space operation, and stitches
the results back to the clips' lengths. Every operation takes a seed; without
one it draws a seed and reports it, so any result can be made again.
"""

from __future__ import annotations

import contextlib
import logging
import math
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bridge.clips import Clip, Track
from bridge.convert import QPM, sequence_to_tracks, without_overlaps
from bridge.engine import latent
from bridge.engine.adapters import Adapter
from bridge.engine.model import LoadedModel
from bridge.engine.pipeline import LATENT_CACHE_SIZE, Pipeline, keep_hits, stitch
from bridge.engine.pool import ModelPool, default_refine_steps
from bridge.engine.registry import REGISTRY, ModelSpec, Registry, Role
from bridge.engine.tfcompat import row_seeds
from bridge.errors import BridgeError, InvalidRequestError, UnsupportedClipError
from bridge.feel import STEP, blend_feel, hit_set
from bridge.limits import (
    DRAWN_SEEDS,
    MAX_BARS,
    MAX_COUNT,
    MAX_GRID,
    MAX_QPM,
    MAX_TEMPERATURE,
    MIN_QPM,
    MIN_TEMPERATURE,
    check_seed,
)

log = logging.getLogger(__name__)

# Humanize's temperature, and the groove model's when it plays new drum hits.
HUMANIZE_TEMPERATURE = 0.3

# An input of interpolate, blend and grid: a clip (drum, melody and groove
# models), or a scene, the parts that play together (band and trio models).
Source = Clip | Sequence[Track]

__all__ = ["LATENT_CACHE_SIZE", "Engine", "Generation", "default_refine_steps", "keep_hits"]


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


# A variation that comes back as its input (or as another output of the same
# request) is drawn again, each time further from the input, at most this often.
MAX_REDRAWS = 8
REDRAW_SIMILARITY = 0.8


def _hits(tracks: Sequence[Track]) -> tuple[frozenset[tuple[int, int]], ...]:
    return tuple(hit_set(t.clip, t.is_drum) for t in tracks)


def _playing(tracks: Sequence[Track]) -> tuple[frozenset[tuple[int, int, int]], ...]:
    """Each note's pitch, start (to a tick of 1/480 beat) and velocity."""
    return tuple(
        frozenset((n.pitch, round(n.start_time * 480), round(n.velocity)) for n in t.clip.notes)
        for t in tracks
    )


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidRequestError(f"{name} must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise InvalidRequestError(f"{name} must be between {lo} and {hi}, got {value}")


def _check_samples(spec: ModelSpec) -> None:
    """A model that samples from nothing: not one conditioned on its input."""
    if spec.has_controls:
        what = "chords" if spec.chord_conditioned else "the hits of an input clip"
        raise InvalidRequestError(
            f"model {spec.name!r} is conditioned on {what}; use an operation on a clip instead"
        )


def _check_count(name: str, value: int, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestError(f"{name} must be a whole number, got {value!r}")
    _check_range(name, value, lo, hi)


def _check_temperature(t: float) -> None:
    _check_range("temperature", t, MIN_TEMPERATURE, MAX_TEMPERATURE)


def _tempo(qpm: float | None) -> float:
    """A request's tempo, checked (None: 120)."""
    if qpm is None:
        return QPM
    _check_range("qpm", qpm, MIN_QPM, MAX_QPM)
    return float(qpm)


def _seed(seed: int | None) -> int:
    """A request's seed, checked; without one, a seed drawn to be reported."""
    try:
        return secrets.randbelow(DRAWN_SEEDS) if seed is None else check_seed(seed)
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from None


class Engine(ModelPool):
    """Runs MusicVAE operations on clips. Safe to share between threads.

    The models come from its :class:`ModelPool`; clips become latents and
    latents clips through its :class:`Pipeline`; each operation below is
    written on those steps, as Magenta's ``TrainedModel`` is on its graph.
    """

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
        groove: str | None = None,
    ) -> None:
        super().__init__(
            registry,
            device=device,
            batch_size=batch_size,
            checkpoints=checkpoints,
            refine_steps=refine_steps,
        )
        # Draw random latents from a model's fitted prior where it has one
        # (bridge.engine.prior); False draws from N(0, I) as Magenta does.
        self.fitted_prior = fitted_prior
        # The groove model that plays the new hits of drum variations, blends
        # and interpolations in context (bridge.feel); None: the input's table.
        self.groove = groove
        self.pipeline = Pipeline(self, latent_cache)

    # -- shared steps ---------------------------------------------------------
    def _run(
        self,
        model: str,
        operation: str,
        seed: int | None,
        params: dict[str, Any],
        body: Callable[[ModelSpec, Adapter, LoadedModel, int], list[list[Track]]],
        qpm: float = QPM,
    ) -> Generation:
        """Run ``body`` on the model, its adapter at the request's tempo
        (``adapter.qpm``, which ``body`` passes on to the groove model)."""
        spec = self.registry.get(model)
        seed = _seed(seed)
        adapter = self.adapter(model).at_tempo(qpm)
        started = time.perf_counter()
        loaded = self.model(model)
        outputs = [
            [Track(without_overlaps(t.clip), t.is_drum, t.program) for t in tracks]
            for tracks in body(spec, adapter, loaded, seed)
        ]
        return Generation(model, operation, seed, outputs, time.perf_counter() - started, params)

    def _played(
        self, spec: ModelSpec, tracks: Sequence[Track], seeds: Sequence[int], qpm: float
    ) -> list[Clip | None]:
        """Each drum track of ``tracks`` as the groove model plays it (under
        its seed), for its new hits' feel: all of them in one encoder and one
        decoder run. None for a track it does not play."""
        played: list[Clip | None] = [None] * len(tracks)
        if self.groove is None or spec.role is Role.GROOVE:
            return played
        todo = [i for i, t in enumerate(tracks) if t.is_drum and t.clip.notes]
        if not todo:
            return played
        try:
            groove = self.registry.get(self.groove)
            self._require(groove, OPERATION_ROLES["humanize"], "humanize")
            clips = self._perform(
                groove,
                self.adapter(self.groove).at_tempo(qpm),
                self.model(self.groove),
                [tracks[i].clip for i in todo],
                HUMANIZE_TEMPERATURE,
                [seeds[i] for i in todo],
            )
        except BridgeError as exc:  # no groove model: the input's table plays the new hits
            log.warning("groove model %s not used for new hits: %s", self.groove, exc.message)
            return played
        for i, clip in zip(todo, clips, strict=True):
            played[i] = without_overlaps(clip)
        return played

    def _felt(
        self,
        spec: ModelSpec,
        items: Sequence[tuple[Track, Sequence[Clip], Sequence[float], int]],
        qpm: float,
    ) -> list[Track]:
        """Each item's track played with the feel of its sources, each counted
        by its weight; the groove model plays every item's new hits (under
        the item's seed) in one run."""
        tracks = [t for t, _, _, _ in items]
        played = self._played(spec, tracks, [seed for _, _, _, seed in items], qpm)
        return [
            Track(
                blend_feel(sources, weights, t.clip, drums=t.is_drum, played=p),
                t.is_drum,
                t.program,
            )
            for (t, sources, weights, _), p in zip(items, played, strict=True)
        ]

    def _felt_outputs(
        self,
        spec: ModelSpec,
        outputs: Sequence[Sequence[tuple[Track, Sequence[Clip], Sequence[float], int]]],
        qpm: float,
    ) -> list[list[Track]]:
        """:meth:`_felt` of every output's items at once, shaped as the outputs."""
        felt = iter(self._felt(spec, [item for out in outputs for item in out], qpm))
        return [[next(felt) for _ in out] for out in outputs]

    @staticmethod
    def _require(spec: ModelSpec, roles: Sequence[Role], operation: str) -> None:
        if spec.role not in roles:
            wanted = " or ".join(r.value for r in roles)
            raise InvalidRequestError(
                f"{operation} needs a {wanted} model; {spec.name!r} is a {spec.role.value} model"
            )
        if not spec.is_conditional and operation != "sample":
            raise InvalidRequestError(f"model {spec.name!r} has no latent space for {operation}")

    def check(self, operation: str, model: str) -> None:
        """Refuse now what ``operation`` would refuse of ``model`` when it runs:
        a model of the wrong kind (the server answers before accepting)."""
        spec = self.registry.get(model)
        if operation in OPERATION_ROLES:
            self._require(spec, OPERATION_ROLES[operation], operation)
        elif operation == "sample":
            _check_samples(spec)

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
        _check_samples(spec)

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
                # Beside other requests on this model, in one decoder run.
                rows = self.pipeline.decode_rows(
                    loaded, flat, temperature, row_seeds(seed, 0, len(flat)), None
                )
                tensors = np.stack(rows)
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
                outputs.append(stitch(wins, srcs, carry=False, suffix=f"sample {i + 1}"))
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
        feel: bool = True,
        qpm: float | None = None,
    ) -> Generation:
        _check_count("count", n, 1, MAX_COUNT)
        qpm = _tempo(qpm)
        _check_range("similarity", similarity, 0.0, 1.0)
        _check_temperature(temperature)
        spec = self.registry.get(model)
        self._require(spec, roles, operation)
        # A groove model's variations are new playings of the clip's hits: what
        # it plays is the point, so the clip's feel is not carried over them,
        # and an output is a copy only when it is played as the input is.
        playings = spec.role is Role.GROOVE
        feel = feel and not playings
        heard_in = _playing if playings else _hits

        def body(
            spec: ModelSpec, adapter: Adapter, loaded: LoadedModel, seed: int
        ) -> list[list[Track]]:
            windows = self.pipeline.windows(adapter, tracks, "clip")
            mu, enc = self.pipeline.encode(adapter, loaded, windows, seed)
            noise = np.random.default_rng(seed).standard_normal((n * len(mu), loaded.z_size))
            # Similarity 0 is a random latent: a sample of the model's prior.
            targets = loaded.draw_latents(noise, fitted=self.fitted_prior)
            pairs = zip(np.tile(mu, (n, 1)), targets, strict=True)
            zs = np.asarray([latent.vary(m, t, similarity) for m, t in pairs], np.float32)
            templates = [w for _ in range(n) for w in windows]
            controls = [
                e.controls if e is not None and spec.has_controls else None for e in enc
            ] * n
            decoded = self.pipeline.decode(
                adapter, loaded, zs, templates, temperature, seed, controls
            )
            silent = [e is None for e in enc]
            once = controls[: len(windows)]

            def output(wins: list[list[Track]], i: int) -> list[Track]:
                # A silent window stays silent: there is nothing to vary.
                wins = [
                    w if not s else src for w, s, src in zip(wins, silent, windows, strict=True)
                ]
                if not playings:
                    return stitch(wins, tracks, carry=True, suffix=f"var {i + 1}")
                # Played as humanize plays: the model's dynamics, each hit with its 16th.
                if loaded.dynamics is not None:
                    play = loaded.dynamics.play
                    wins = [
                        w if s else [replace(t, clip=play(t.clip)) for t in w]
                        for w, s in zip(wins, silent, strict=True)
                    ]
                return stitch(wins, tracks, carry=True, suffix=f"var {i + 1}", grid=STEP)

            def redraw(indices: list[int], attempt: int) -> list[list[Track]]:
                # Further from the input each time, each output with noise of
                # its own; every output still to redraw in one decoder run.
                far = similarity * REDRAW_SIMILARITY**attempt
                zs = []
                for i in indices:
                    rng = np.random.default_rng([seed, i, attempt])
                    noise = rng.standard_normal((len(mu), loaded.z_size))
                    targets = loaded.draw_latents(noise, fitted=self.fitted_prior)
                    zs += [latent.vary(m, t, far) for m, t in zip(mu, targets, strict=True)]
                wins = self.pipeline.decode(
                    adapter,
                    loaded,
                    np.asarray(zs, np.float32),
                    windows * len(indices),
                    temperature,
                    seed + 7919 * attempt,
                    once * len(indices),
                )
                w = len(windows)
                return [output(wins[k * w : (k + 1) * w], i) for k, i in enumerate(indices)]

            given = heard_in(tracks)

            def copies(outs: list[list[Track]]) -> list[int]:
                """The outputs that are the input or an earlier output, in order."""
                heard: set[tuple[frozenset[tuple[int, ...]], ...]] = set()
                found = []
                for i, out in enumerate(outs):
                    played = heard_in(out)
                    if played == given or played in heard:
                        found.append(i)
                    else:
                        heard.add(played)
                return found

            w = len(windows)
            outs = [output(decoded[i * w : (i + 1) * w], i) for i in range(n)]
            # Below similarity 1 nothing may come back as the input or as another
            # output of this request: redraw, a bounded number of times.
            todo = copies(outs) if similarity < 1 else []
            attempt = 0
            while todo and attempt < MAX_REDRAWS:
                attempt += 1
                redraws["made"] += len(todo)
                for i, out in zip(todo, redraw(todo, attempt), strict=True):
                    outs[i] = out
                todo = copies(outs)
            redraws["left"] += len(todo)
            if not feel:
                return outs
            return self._felt_outputs(
                spec,
                [
                    [(t, [src.clip], [1.0], seed + i) for src, t in zip(tracks, out, strict=True)]
                    for i, out in enumerate(outs)
                ],
                adapter.qpm,
            )

        redraws = {"made": 0, "left": 0}
        params: dict[str, Any] = {
            "n": n,
            "similarity": similarity,
            "temperature": temperature,
            "feel": feel,
            "qpm": qpm,
        }
        generation = self._run(model, operation, seed, params, body, qpm)
        generation.params["redraws"] = redraws["made"]
        if redraws["left"]:
            generation.params["copies_left"] = redraws["left"]
        return generation

    def variations(
        self,
        model: str,
        clip: Clip,
        n: int = 4,
        *,
        similarity: float = 0.75,
        temperature: float = 0.5,
        seed: int | None = None,
        is_drum: bool | None = None,
        feel: bool = True,
        qpm: float | None = None,
    ) -> Generation:
        """``n`` variations of one clip: its latent moved toward a random one, the
        further the lower ``similarity`` (:func:`bridge.engine.latent.distance`).

        With ``feel`` (the default) the outputs are played with the clip's feel
        (:func:`bridge.feel.carry_feel`); without, they are the model's own.
        ``qpm`` is the song's tempo, for a groove model that reads it.
        """
        spec = self.registry.get(model)
        drum = spec.role in (Role.DRUMS, Role.GROOVE) if is_drum is None else is_drum
        return self._variations(
            model,
            [Track(clip, drum, 0)],
            n,
            similarity,
            temperature,
            seed,
            OPERATION_ROLES["variations"],
            "variations",
            feel,
            qpm,
        )

    def multitrack(
        self,
        model: str,
        tracks: Sequence[Track],
        n: int = 4,
        *,
        similarity: float = 0.75,
        temperature: float = 0.5,
        seed: int | None = None,
        feel: bool = True,
        qpm: float | None = None,
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
            OPERATION_ROLES["multitrack"],
            "multitrack",
            feel,
            qpm,
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
            self.pipeline.windows(adapter, [Track(c, drum, 0)], n)
            for c, n in zip(clips, names, strict=True)
        ]
        count = max(len(w) for w in per_clip)
        per_clip = [[w[i % len(w)] for i in range(count)] for w in per_clip]
        # One encoder run for all clips' windows, not one per clip.
        mu, enc = self.pipeline.encode(
            adapter, loaded, [w for wins in per_clip for w in wins], seed
        )
        mus = [mu[i * count : (i + 1) * count] for i in range(len(clips))]
        controls = [
            e.controls if e is not None and adapter.spec.has_controls else None for e in enc[:count]
        ]
        return mus, per_clip[0], max(c.length for c in clips), controls

    def _scene_sources(
        self,
        adapter: Adapter,
        loaded: LoadedModel,
        scenes: Sequence[Sequence[Track]],
        names: Sequence[str],
        seed: int,
    ) -> tuple[list[np.ndarray], list[list[Track]], list[Track], list[np.ndarray | None]]:
        """:meth:`_encode_sources` for band and trio models: each source a scene,
        encoded window by window, all its parts in one latent.

        Returns each scene's latents, the decoding template of every window,
        the parts the results play (the first scene's, then those of later
        scenes whose instrument it lacks, up to what the model takes), and
        the first scene's control sequences.
        """
        per_scene = [
            self.pipeline.windows(adapter, list(scene), name)
            for scene, name in zip(scenes, names, strict=True)
        ]
        count = max(len(w) for w in per_scene)
        per_scene = [[w[i % len(w)] for i in range(count)] for w in per_scene]
        mu, enc = self.pipeline.encode(
            adapter, loaded, [w for wins in per_scene for w in wins], seed
        )
        mus = [mu[i * count : (i + 1) * count] for i in range(len(scenes))]
        parts = _scene_parts(scenes, adapter)
        length = max(t.clip.length for scene in scenes for t in scene)
        sources = [
            Track(
                Clip((), length, scenes[0][0].clip.time_signature, t.clip.name),
                t.is_drum,
                t.program,
            )
            for t in parts
        ]
        template = [
            [Track(Clip((), adapter.beats), t.is_drum, t.program) for t in parts]
            for _ in range(count)
        ]
        controls = [
            e.controls if e is not None and adapter.spec.has_controls else None for e in enc[:count]
        ]
        return mus, template, sources, controls

    def interpolate(
        self,
        model: str,
        a: Source,
        b: Source,
        steps: int = 5,
        *,
        temperature: float = 0.5,
        method: str = "slerp",
        seed: int | None = None,
        feel: bool = True,
        qpm: float | None = None,
    ) -> Generation:
        """``steps`` clips from A to B; the first and last are the model's renderings of A and B.

        A and B are clips, or for band and trio models scenes (their parts):
        each step is then a scene, every part moved together in one latent.
        """
        _check_count("steps", steps, 2, MAX_COUNT)
        _check_temperature(temperature)
        qpm = _tempo(qpm)
        if method not in ("slerp", "linear"):
            raise InvalidRequestError(f"method must be slerp or linear, not {method!r}")
        spec = self.registry.get(model)
        self._require(spec, OPERATION_ROLES["interpolate"], "interpolate")
        scenes = spec.role.is_multitrack
        clips = [] if scenes else [_clip(a, spec), _clip(b, spec)]
        inputs: Sequence[Any] = [_scene(a), _scene(b)] if scenes else clips
        what = "scene" if scenes else "clip"
        name = (clips[0].name or "interp") if clips else ""

        def body(
            spec: ModelSpec, adapter: Adapter, loaded: LoadedModel, seed: int
        ) -> list[list[Track]]:
            (mu_a, mu_b), template, src, ctl = self._sources(
                adapter, loaded, inputs, [f"{what} A", f"{what} B"], seed, name
            )
            windows = len(template)
            zs = np.concatenate(
                [latent.interpolate(mu_a[w], mu_b[w], steps, method) for w in range(windows)]
            )  # window-major: [w0 s0..sN, w1 s0..sN, ...]
            decoded = self.pipeline.decode(
                adapter,
                loaded,
                zs,
                [template[w] for w in range(windows) for _ in range(steps)],
                temperature,
                seed,
                [ctl[w] for w in range(windows) for _ in range(steps)],
            )
            outputs = [
                stitch(
                    [decoded[w * steps + s] for w in range(windows)],
                    src,
                    carry=False,
                    suffix=f"{s + 1}/{steps}",
                )
                for s in range(steps)
            ]
            if scenes or not feel:
                return outputs
            # Each step is played with A's feel and B's, weighted by where it lies.
            return self._felt_outputs(
                spec,
                [
                    [(t, clips, [1 - s / (steps - 1), s / (steps - 1)], seed + s) for t in out]
                    for s, out in enumerate(outputs)
                ],
                adapter.qpm,
            )

        params: dict[str, Any] = {"steps": steps, "temperature": temperature, "method": method}
        params.update({"scenes": True} if scenes else {"feel": feel, "qpm": qpm})
        return self._run(model, "interpolate", seed, params, body, qpm)

    def _sources(
        self,
        adapter: Adapter,
        loaded: LoadedModel,
        inputs: Sequence[Any],
        names: Sequence[str],
        seed: int,
        name: str,
    ) -> tuple[list[np.ndarray], list[list[Track]], list[Track], list[np.ndarray | None]]:
        """The inputs' latents, the decoding template of every window, the
        tracks results are stitched into, and the controls: clips for one-part
        models (one result track called ``name``), scenes for band and trio
        models (:meth:`_scene_sources`)."""
        if adapter.role.is_multitrack:
            return self._scene_sources(adapter, loaded, inputs, names, seed)
        mus, template, length, ctl = self._encode_sources(adapter, loaded, inputs, names, seed)
        src = [Track(Clip((), length, inputs[0].time_signature, name), template[0][0].is_drum, 0)]
        return mus, template, src, ctl

    def _blend_points(
        self,
        model: str,
        corners: Sequence[Source],
        points: list[tuple[float, float]],
        temperature: float,
        seed: int | None,
        operation: str,
        params: dict[str, Any],
        feel: bool = True,
        qpm: float | None = None,
    ) -> Generation:
        if len(corners) != 4:
            raise InvalidRequestError(f"{operation} takes 4 corner clips, got {len(corners)}")
        _check_temperature(temperature)
        qpm = _tempo(qpm)
        spec = self.registry.get(model)
        self._require(spec, SOURCE_ROLES, operation)
        names = ["top-left corner", "top-right corner", "bottom-left corner", "bottom-right corner"]
        scenes = spec.role.is_multitrack
        clips = [] if scenes else [_clip(c, spec) for c in corners]
        inputs: Sequence[Any] = [_scene(c) for c in corners] if scenes else clips

        def body(
            spec: ModelSpec, adapter: Adapter, loaded: LoadedModel, seed: int
        ) -> list[list[Track]]:
            mus, template, src, ctl = self._sources(adapter, loaded, inputs, names, seed, "blend")
            windows = len(template)
            zs = np.asarray(
                [
                    latent.bilinear([m[w] for m in mus], x, y)
                    for (x, y) in points
                    for w in range(windows)
                ],
                np.float32,
            )
            decoded = self.pipeline.decode(
                adapter,
                loaded,
                zs,
                [t for _ in points for t in template],
                temperature,
                seed,
                [c for _ in points for c in ctl],
            )
            outputs = [
                stitch(
                    decoded[i * windows : (i + 1) * windows],
                    src,
                    carry=False,
                    suffix=f"{x:.2f},{y:.2f}",
                )
                for i, (x, y) in enumerate(points)
            ]
            if scenes or not feel:
                return outputs
            # Each point is played with the corners' feel, by their bilinear weights.
            weights = [[(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y] for x, y in points]
            return self._felt_outputs(
                spec,
                [[(t, clips, weights[i], seed + i) for t in out] for i, out in enumerate(outputs)],
                adapter.qpm,
            )

        more: dict[str, Any] = {"scenes": True} if scenes else {"feel": feel, "qpm": qpm}
        return self._run(model, operation, seed, {**params, **more}, body, qpm)

    def blend(
        self,
        model: str,
        corners: Sequence[Source],
        x: float,
        y: float,
        *,
        temperature: float = 0.5,
        seed: int | None = None,
        feel: bool = True,
        qpm: float | None = None,
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
            feel,
            qpm,
        )

    def blend_grid(
        self,
        model: str,
        corners: Sequence[Source],
        cols: int = 5,
        rows: int = 5,
        *,
        temperature: float = 0.5,
        seed: int | None = None,
        feel: bool = True,
        qpm: float | None = None,
    ) -> Generation:
        """A ``rows x cols`` grid over the corners, row by row (as Latent Loops draws it)."""
        _check_count("cols", cols, 2, MAX_GRID)
        _check_count("rows", rows, 2, MAX_GRID)
        points = [(c / (cols - 1), r / (rows - 1)) for r in range(rows) for c in range(cols)]
        params = {"cols": cols, "rows": rows, "temperature": temperature}
        return self._blend_points(
            model, corners, points, temperature, seed, "blend_grid", params, feel, qpm
        )

    def humanize(
        self,
        model: str,
        clip: Clip,
        *,
        temperature: float = HUMANIZE_TEMPERATURE,
        seed: int | None = None,
        qpm: float | None = None,
    ) -> Generation:
        """A GrooVAE performance of a drum clip: velocities and microtiming.

        A model that decodes from z alone (Magenta's ``groovae_2bar_humanize``)
        samples its hits at ``temperature``, so it may add or drop notes. A
        model that reads the hits (``lb-groove_2bar_hits_*``) plays exactly
        the clip's notes; there ``temperature`` scales a draw from the
        encoder's posterior, ``z = mu + temperature * sigma * noise``: the
        lowest temperature gives nearly the most likely playing every time,
        higher ones other takes of the same notes. ``qpm`` is the song's
        tempo: a model that reads it (``lb-groove_2bar_tempo_*``) plays a
        slow groove otherwise than a fast one; others ignore it.
        """
        _check_temperature(temperature)
        qpm = _tempo(qpm)
        spec = self.registry.get(model)
        self._require(spec, OPERATION_ROLES["humanize"], "humanize")

        def body(
            spec: ModelSpec, adapter: Adapter, loaded: LoadedModel, seed: int
        ) -> list[list[Track]]:
            played = self._perform(spec, adapter, loaded, [clip], temperature, [seed])[0]
            return [[Track(played, True, 0)]]

        params = {"temperature": temperature, "qpm": qpm}
        return self._run(model, "humanize", seed, params, body, qpm)

    def _perform(
        self,
        spec: ModelSpec,
        adapter: Adapter,
        loaded: LoadedModel,
        clips: Sequence[Clip],
        temperature: float,
        seeds: Sequence[int],
    ) -> list[Clip]:
        """Each clip as a groove model plays it (:meth:`humanize`), clip ``k``
        under ``seeds[k]`` as it would be alone: one encoder and one decoder
        run for all of them."""
        per_clip = [self.pipeline.windows(adapter, [Track(c, True, 0)], "clip") for c in clips]
        windows = [w for wins in per_clip for w in wins]
        mu, sigma, enc = self.pipeline.posterior(adapter, loaded, windows, seeds[0])
        controls = [e.controls if e is not None and spec.has_controls else None for e in enc]
        z = mu.copy()
        rows = []
        at = 0
        for wins, seed in zip(per_clip, seeds, strict=True):
            count = len(wins)
            if spec.has_controls:
                noise = np.random.default_rng(seed).standard_normal((count, loaded.z_size))
                rows_of = slice(at, at + count)
                z[rows_of] = (mu[rows_of] + temperature * sigma[rows_of] * noise).astype(np.float32)
            rows.append(row_seeds(seed, 0, count))
            at += count
        decoded = self.pipeline.decode(
            adapter, loaded, z, windows, temperature, 0, controls, seeds=np.concatenate(rows)
        )
        played = [d if e is not None else w for d, e, w in zip(decoded, enc, windows, strict=True)]
        if loaded.dynamics is not None:
            dynamics = loaded.dynamics
            played = [
                [replace(t, clip=dynamics.play(t.clip)) for t in win] if e is not None else win
                for win, e in zip(played, enc, strict=True)
            ]
        out = []
        at = 0
        for wins, c in zip(per_clip, clips, strict=True):
            part = played[at : at + len(wins)]
            at += len(wins)
            # Played hits belong to the 16th they were played for (a loop's next pass stays out).
            humanized = stitch(part, [Track(c, True, 0)], carry=True, suffix="humanized", grid=STEP)
            out.append(humanized[0].clip)
        return out

    def together(self, model: str) -> contextlib.AbstractContextManager[None]:
        """Run the calling thread's operation on ``model`` as one of a group
        that shares its encoder, refinement and decoder runs
        (bridge.engine.coalesce); for a drum model, also of the groove
        model's group, which plays the new hits of every drum result.
        Raises here where ``model`` cannot be loaded."""
        groups = [self.pipeline.coalescer(self.model(model))]
        groove = self.groove
        if groove is not None and groove != model and self.registry.get(model).role is Role.DRUMS:
            # A groove model that will not load: the drum results play
            # their new hits from the input's table (and log why).
            with contextlib.suppress(BridgeError):
                groups.append(self.pipeline.coalescer(self.model(groove)))

        @contextlib.contextmanager
        def members() -> Iterator[None]:
            with contextlib.ExitStack() as stack:
                for group in groups:
                    stack.enter_context(group.member())
                yield

        return members()

    # -- latents, for callers that walk the latent space themselves -----------
    # (bridge.endless): the same encoding, prior and decoding the operations
    # above use, one model window per latent.
    def encode(self, model: str, source: Source, *, seed: int = 0) -> np.ndarray:
        """The latent (``mu``, refined) of every model window of ``source``:
        a clip, or a scene for band and trio models."""
        spec = self.registry.get(model)
        self._require(spec, SOURCE_ROLES, "encode")
        if spec.role.is_multitrack:
            tracks = _scene(source)
        else:
            tracks = [Track(_clip(source, spec), spec.role in (Role.DRUMS, Role.GROOVE), 0)]
        adapter = self.adapter(model)
        windows = self.pipeline.windows(adapter, tracks, "clip")
        mu, _ = self.pipeline.encode(adapter, self.model(model), windows, _seed(seed))
        return mu

    def prior(self, model: str, n: int, *, seed: int) -> np.ndarray:
        """``n`` latents drawn from the model's prior (its fitted one where it has one)."""
        _check_count("count", n, 1, MAX_COUNT * MAX_GRID * MAX_GRID)
        loaded = self.model(model)
        noise = np.random.default_rng(_seed(seed)).standard_normal((n, loaded.z_size))
        return loaded.draw_latents(noise, fitted=self.fitted_prior)

    def _latents(
        self,
        model: str,
        z: np.ndarray,
        temperature: float,
        roles: Sequence[Role],
        operation: str,
    ) -> tuple[ModelSpec, LoadedModel, np.ndarray]:
        """The checks of a decode: temperature, model role, latents ``[n, z_size]``."""
        _check_temperature(temperature)
        spec = self.registry.get(model)
        self._require(spec, roles, operation)
        z = np.asarray(z, np.float32)
        loaded = self.model(model)
        if z.ndim != 2 or z.shape[1] != loaded.z_size:
            raise InvalidRequestError(f"latents for {model!r} are [n, {loaded.z_size}]")
        return spec, loaded, z

    def decode(
        self, model: str, z: np.ndarray, *, temperature: float = 0.5, seed: int = 0
    ) -> list[Clip]:
        """One clip of the model's window per latent of ``z`` (one-part models),
        as the model writes it: pitched parts in the model's register, no feel."""
        spec, loaded, z = self._latents(model, z, temperature, (Role.DRUMS, Role.MELODY), "decode")
        template = [Track(Clip((), spec.beats), is_drum=spec.role is Role.DRUMS)]
        decoded = self.pipeline.decode(
            self.adapter(model), loaded, z, [template] * len(z), temperature, _seed(seed)
        )
        return [without_overlaps(d[0].clip) for d in decoded]

    def decode_scenes(
        self, model: str, z: np.ndarray, *, temperature: float = 0.5, seed: int = 0
    ) -> list[list[Track]]:
        """One scene (a track per instrument the model wrote, with its
        program) of the model's window per latent of ``z``: band models."""
        spec, loaded, z = self._latents(model, z, temperature, (Role.MULTITRACK,), "decode_scenes")
        tensors = loaded.decode_tensors(z, temperature=temperature, seed=_seed(seed))
        return [
            [Track(without_overlaps(t.clip), t.is_drum, t.program) for t in tracks]
            for tracks in (
                sequence_to_tracks(s, length=spec.beats) for s in loaded.from_tensors(tensors)
            )
        ]


# The models interpolate, blend and grid run on.
SOURCE_ROLES = (Role.DRUMS, Role.MELODY, Role.GROOVE, Role.TRIO, Role.MULTITRACK)
# The models each operation on clips takes, by role.
OPERATION_ROLES: dict[str, tuple[Role, ...]] = {
    "variations": (Role.DRUMS, Role.MELODY, Role.GROOVE),
    "multitrack": (Role.TRIO, Role.MULTITRACK),
    "interpolate": SOURCE_ROLES,
    "blend": SOURCE_ROLES,
    "grid": SOURCE_ROLES,
    "humanize": (Role.GROOVE,),
}


def _scene(source: Source) -> list[Track]:
    """A band or trio model's input as a scene; a lone clip is one pitched part."""
    if isinstance(source, Clip):
        return [Track(source, False, 0)]
    scene = list(source)
    if not scene:
        raise UnsupportedClipError("a scene has no parts")
    return scene


def _clip(source: Source, spec: ModelSpec) -> Clip:
    """A one-part model's input as a clip (a scene of one part is its clip)."""
    if isinstance(source, Clip):
        return source
    parts = list(source)
    if len(parts) != 1:
        raise UnsupportedClipError(
            f"model {spec.name!r} takes one part, got a scene of {len(parts)}; "
            "a band or trio model takes scenes"
        )
    return parts[0].clip


def _scene_parts(scenes: Sequence[Sequence[Track]], adapter: Adapter) -> list[Track]:
    """The parts results play: the first scene's, then each part of a later
    scene whose instrument (drums, or program family) is not there yet, up
    to what the model takes. A trio plays its first scene's three parts."""
    parts = list(scenes[0])
    if adapter.role is Role.TRIO:
        return parts
    limit = int(getattr(adapter.spec.converter, "_max_num_instruments", 8))
    for scene in scenes[1:]:
        for t in scene:
            taken = any(
                p.is_drum == t.is_drum and (t.is_drum or p.program // 8 == t.program // 8)
                for p in parts
            )
            if not taken and len(parts) < limit:
                parts.append(t)
    return parts
