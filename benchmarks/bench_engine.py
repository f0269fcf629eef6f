"""Time every engine operation against Magenta's ``TrainedModel``, side by side.

For each model a random-weight checkpoint is written to a temporary
directory; both the engine and ``TrainedModel`` restore it. Every operation
gets one untimed warm-up call per side, then ``--repeats`` timed calls,
interleaved (engine, direct, engine, direct, ...) so that machine noise hits
both sides alike. Loading (graph build + restore) is timed ``--load-repeats``
times per side, interleaved too, and reported as the ``load`` row.

The "direct" column is the closest thing a ``TrainedModel`` user would write:

- sample:      ``tm.sample(n=8, length=max_seq_len)``
- variations:  ``tm.encode([seq])``, then ``tm.decode`` of ``mu`` moved toward
  noise (slerp, as the engine does) for 8 latents
- interpolate: ``tm.interpolate(a, b, num_steps=8, length=max_seq_len)``
- blend:       ``tm.encode`` of the 4 corners, bilinear mix, ``tm.decode`` of 1
- blend_grid:  the same with 3x3 = 9 latents
- humanize:    ``tm.encode([seq])``, ``tm.decode(mu)``
- multitrack:  ``tm.encode([scene])``, ``tm.decode`` of 8 latents around ``mu``

``TrainedModel.encode`` runs Magenta's own (training-time) data converter; if it
extracts no example, or more than one, from an input the op is reported as
n/a with the reason: the engine's inference converter exists for that case.

Run: ``uv run python benchmarks/bench_engine.py [--quick] [--models ...]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

MODELS = (
    "cat-drums_2bar_small",
    "cat-mel_2bar_small",
    "groovae_2bar_humanize",
    "hier-multiperf_vel_1bar_med",
)
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "engine.json"
BATCH_SIZE = 8
COUNT = 8  # outputs of sample / variations / multitrack, steps of interpolate
GRID = 3  # blend_grid is GRID x GRID
BASE_SEED = 1234
SAMPLE_TEMPERATURE = 1.0
VARIATION_TEMPERATURE = 0.5
SIMILARITY = 0.8
INTERP_TEMPERATURE = 0.5
BLEND_TEMPERATURE = 0.5
HUMANIZE_TEMPERATURE = 0.3

NA_NONE = "n/a (Magenta's converter extracted no example)"


# --- clips -------------------------------------------------------------------


def drum_clip(variant: int = 0, name: str = "drums") -> Any:
    """A 2-bar (8 beat) rock beat; ``variant`` moves kicks and snares around."""
    from bridge.clips import Clip, Note

    kicks = [[0, 2, 4, 6], [0, 1.5, 4, 5.5], [0, 2.5, 4, 6.5], [0, 0.5, 3, 4, 4.5, 7]][variant % 4]
    snares = [[1, 3, 5, 7], [1, 3, 5, 7, 7.5], [1, 3.5, 5, 7], [2, 6]][variant % 4]
    notes = [Note(36, t, 0.25, velocity=110) for t in kicks]
    notes += [Note(38, t, 0.25, velocity=100) for t in snares]
    notes += [Note(42, i * 0.5, 0.25, velocity=80 if i % 2 else 95) for i in range(16)]
    return Clip(notes, 8.0, name=f"{name} {variant}")


def melody_clip(variant: int = 0, name: str = "melody") -> Any:
    """A 2-bar melody in C major, pitches 60-72; ``variant`` picks the line."""
    from bridge.clips import Clip, Note

    lines = [
        [60, 64, 67, 72, 71, 69, 67, 65, 64, 62, 64, 65],
        [72, 71, 69, 67, 65, 64, 62, 60, 62, 64, 62, 60],
        [60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 67, 72],
        [67, 65, 64, 62, 60, 64, 67, 69, 71, 72, 71, 67],
    ]
    line = lines[variant % 4]
    # Bar 1 in quarter notes, bar 2 in eighth notes.
    starts = [0.0, 1.0, 2.0, 3.0] + [4.0 + i * 0.5 for i in range(8)]
    notes = [Note(p, t, 0.45 if t >= 4.0 else 0.9) for p, t in zip(line, starts, strict=True)]
    return Clip(notes, 8.0, name=f"{name} {variant}")


def scene_tracks() -> list[Any]:
    """A 1-bar (4 beat) scene: piano chords, bass (program 33) and drums."""
    from bridge.clips import Clip, Note, Track

    piano = [Note(p, 0.0, 1.9, 80) for p in (60, 64, 67)]
    piano += [Note(p, 2.0, 1.9, 80) for p in (57, 60, 65)]
    bass = [Note(36, 0.0, 0.9, 100), Note(43, 1.0, 0.9, 90), Note(41, 2.0, 0.9, 100)]
    bass += [Note(43, 3.0, 0.9, 90)]
    drums = [Note(36, t, 0.25, 110) for t in (0.0, 2.0)]
    drums += [Note(38, t, 0.25, 100) for t in (1.0, 3.0)]
    drums += [Note(42, i * 0.5, 0.25, 80) for i in range(8)]
    return [
        Track(Clip(piano, 4.0, name="piano"), is_drum=False, program=0),
        Track(Clip(bass, 4.0, name="bass"), is_drum=False, program=33),
        Track(Clip(drums, 4.0, name="drums"), is_drum=True, program=0),
    ]


# --- helpers -------------------------------------------------------------------


def ms_stats(times: list[float]) -> dict[str, float] | None:
    if not times:
        return None
    ms = [t * 1000.0 for t in times]
    return {
        "median_ms": statistics.median(ms),
        "p95_ms": float(np.percentile(ms, 95)),
        "min_ms": min(ms),
        "max_ms": max(ms),
        "mean_ms": statistics.fmean(ms),
    }


def _err(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if len(first) > 160:
        first = first[:157] + "..."
    return f"error: {type(exc).__name__}: {first}".rstrip(": ")


def engine_summary(gen: Any) -> dict[str, Any]:
    return {
        "outputs": len(gen.outputs),
        "tracks": sum(len(o) for o in gen.outputs),
        "notes": sum(len(t.clip.notes) for o in gen.outputs for t in o),
    }


def engine_fingerprint(gen: Any) -> Any:
    return [[(t.is_drum, t.program, t.clip.to_dict()) for t in out] for out in gen.outputs]


def direct_summary(seqs: Any) -> dict[str, Any]:
    seqs = list(seqs)
    return {"outputs": len(seqs), "notes": sum(len(s.notes) for s in seqs)}


@dataclass
class Op:
    name: str
    engine: Callable[[int], Any]
    direct: Callable[[], Any] | None
    direct_note: str = ""  # how the direct side is built, or why it is missing
    direct_encodes: list[Any] = field(default_factory=list)  # sequences tm.encode gets


@dataclass
class OpResult:
    model: str
    op: str
    engine_times: list[float] = field(default_factory=list)
    direct_times: list[float] = field(default_factory=list)
    engine_status: str = "ok"
    direct_status: str = "ok"
    direct_how: str = ""
    engine_result: dict[str, Any] | None = None
    direct_result: dict[str, Any] | None = None
    repeatable: bool | None = None

    def to_json(self) -> dict[str, Any]:
        e, d = ms_stats(self.engine_times), ms_stats(self.direct_times)
        ratio = e["median_ms"] / d["median_ms"] if e and d and d["median_ms"] > 0 else None
        return {
            "model": self.model,
            "op": self.op,
            "engine": {
                "status": self.engine_status,
                "times_ms": [t * 1000.0 for t in self.engine_times],
                **(e or {}),
                "result": self.engine_result,
                "same_seed_same_result": self.repeatable,
            },
            "direct": {
                "status": self.direct_status,
                "how": self.direct_how,
                "times_ms": [t * 1000.0 for t in self.direct_times],
                **(d or {}),
                "result": self.direct_result,
            },
            "ratio_engine_over_direct": ratio,
        }


# --- the two sides ---------------------------------------------------------------


def build_ops(name: str, spec: Any, engine: Any, tm: Any) -> list[Op]:
    from bridge.convert import clip_to_sequence, tracks_to_sequence
    from bridge.engine import latent
    from bridge.engine.registry import Role

    role = spec.role
    hp = spec.config.hparams
    length = int(hp.max_seq_len)
    z_size = int(hp.z_size or 0)
    ops: list[Op] = []

    def direct_sample() -> Any:
        return tm.sample(n=COUNT, length=length, temperature=SAMPLE_TEMPERATURE)

    ops.append(
        Op(
            "sample",
            lambda seed: engine.sample(name, COUNT, temperature=SAMPLE_TEMPERATURE, seed=seed),
            direct_sample,
            f"tm.sample(n={COUNT}, length={length})",
        )
    )

    def around(mu: np.ndarray, n: int) -> np.ndarray:
        noise = np.random.standard_normal([n, z_size])
        return np.asarray([latent.slerp(mu, e, 1.0 - SIMILARITY) for e in noise], np.float32)

    if role in (Role.DRUMS, Role.MELODY, Role.GROOVE):
        drum = role in (Role.DRUMS, Role.GROOVE)
        make = drum_clip if drum else melody_clip
        clips = [make(i) for i in range(4)]
        seqs = [clip_to_sequence(c, is_drum=drum) for c in clips]

        def direct_variations() -> Any:
            _, mu, _ = tm.encode([seqs[0]])
            return tm.decode(around(mu[0], COUNT), length=length, temperature=VARIATION_TEMPERATURE)

        ops.append(
            Op(
                "variations",
                lambda seed: engine.variations(
                    name,
                    clips[0],
                    COUNT,
                    similarity=SIMILARITY,
                    temperature=VARIATION_TEMPERATURE,
                    seed=seed,
                ),
                direct_variations,
                f"tm.encode([seq]) + tm.decode({COUNT} z near mu)",
                [seqs[0]],
            )
        )

        def direct_interpolate() -> Any:
            return tm.interpolate(
                seqs[0], seqs[1], num_steps=COUNT, length=length, temperature=INTERP_TEMPERATURE
            )

        ops.append(
            Op(
                "interpolate",
                lambda seed: engine.interpolate(
                    name, clips[0], clips[1], COUNT, temperature=INTERP_TEMPERATURE, seed=seed
                ),
                direct_interpolate,
                f"tm.interpolate(a, b, num_steps={COUNT}, length={length})",
                seqs[:2],
            )
        )

        def direct_blend(points: list[tuple[float, float]]) -> Callable[[], Any]:
            def run() -> Any:
                _, mu, _ = tm.encode(list(seqs))
                z = np.asarray([latent.bilinear(list(mu), x, y) for x, y in points], np.float32)
                return tm.decode(z, length=length, temperature=BLEND_TEMPERATURE)

            return run

        ops.append(
            Op(
                "blend",
                lambda seed: engine.blend(
                    name, clips, 0.3, 0.6, temperature=BLEND_TEMPERATURE, seed=seed
                ),
                direct_blend([(0.3, 0.6)]),
                "tm.encode(4 corners) + tm.decode(1 z)",
                seqs,
            )
        )
        grid = [(c / (GRID - 1), r / (GRID - 1)) for r in range(GRID) for c in range(GRID)]
        ops.append(
            Op(
                "blend_grid",
                lambda seed: engine.blend_grid(
                    name, clips, GRID, GRID, temperature=BLEND_TEMPERATURE, seed=seed
                ),
                direct_blend(grid),
                f"tm.encode(4 corners) + tm.decode({GRID * GRID} z)",
                seqs,
            )
        )

    if role is Role.GROOVE:
        clip = drum_clip(0)
        seq = clip_to_sequence(clip, is_drum=True)

        def direct_humanize() -> Any:
            _, mu, _ = tm.encode([seq])
            return tm.decode(mu, length=length, temperature=HUMANIZE_TEMPERATURE)

        ops.append(
            Op(
                "humanize",
                lambda seed: engine.humanize(
                    name, clip, temperature=HUMANIZE_TEMPERATURE, seed=seed
                ),
                direct_humanize,
                "tm.encode([seq]) + tm.decode(mu)",
                [seq],
            )
        )

    if role is Role.MULTITRACK:
        tracks = scene_tracks()
        scene = tracks_to_sequence(tracks)

        def direct_multitrack() -> Any:
            _, mu, _ = tm.encode([scene])
            return tm.decode(around(mu[0], COUNT), length=length, temperature=VARIATION_TEMPERATURE)

        ops.append(
            Op(
                "multitrack",
                lambda seed: engine.multitrack(
                    name,
                    tracks,
                    COUNT,
                    similarity=SIMILARITY,
                    temperature=VARIATION_TEMPERATURE,
                    seed=seed,
                ),
                direct_multitrack,
                f"tm.encode([scene]) + tm.decode({COUNT} z near mu)",
                [scene],
            )
        )
    return ops


def converter_verdict(tm: Any, seqs: list[Any]) -> str | None:
    """Why ``tm.encode`` cannot take ``seqs`` (Magenta's converter), or None if it can."""
    conv = tm._config.data_converter  # the converter TrainedModel.encode runs
    for s in seqs:
        try:
            n = len(conv.to_tensors(s).inputs)
        except Exception as exc:
            return f"n/a (Magenta's converter failed: {_err(exc)})"
        if n == 0:
            return NA_NONE
        if n > 1:
            return f"n/a (Magenta's converter extracted {n} examples)"
    return None


def bench_model(
    name: str, prefix: Path, repeats: int, load_repeats: int, console: Any
) -> tuple[dict[str, Any], list[OpResult]]:
    from magenta.models.music_vae import TrainedModel
    from magenta.models.music_vae.trained_model import (
        MultipleExtractedExamplesError,
        NoExtractedExamplesError,
    )

    from bridge.engine import Engine
    from bridge.engine.registry import get_spec

    spec = get_spec(name)
    engine = Engine(
        device="cpu", batch_size=BATCH_SIZE, checkpoints={name: str(prefix)}, latent_cache=0
    )

    def load_direct() -> Any:
        return TrainedModel(spec.config, batch_size=BATCH_SIZE, checkpoint_dir_or_path=str(prefix))

    # Loading = graph build + restore; timed like the ops, interleaved. Every
    # load but the last is thrown away again.
    engine_loads: list[float] = []
    direct_loads: list[float] = []
    tm: Any = None
    for i in range(load_repeats):
        last = i == load_repeats - 1
        gc.collect()
        t0 = time.perf_counter()
        engine.model(name)
        engine_loads.append(time.perf_counter() - t0)
        if not last:
            engine.unload(name)
        gc.collect()
        t0 = time.perf_counter()
        tm = load_direct()
        direct_loads.append(time.perf_counter() - t0)
        if not last:
            tm._sess.close()  # TrainedModel has no close()
    load = {
        "engine_s": statistics.median(engine_loads),
        "direct_s": statistics.median(direct_loads),
        "engine_times_s": engine_loads,
        "direct_times_s": direct_loads,
    }
    console.print(
        f"  load: engine {load['engine_s']:.2f} s, TrainedModel {load['direct_s']:.2f} s"
        f" (median of {load_repeats})"
    )

    results = []
    for op in build_ops(name, spec, engine, tm):
        res = OpResult(name, op.name, direct_how=op.direct_note)
        direct = op.direct
        if direct is not None and op.direct_encodes:
            verdict = converter_verdict(tm, op.direct_encodes)
            if verdict:
                res.direct_status, direct = verdict, None

        # Warm-up: one untimed call per side.
        engine_ok = True
        warm_print = None
        try:
            warm = op.engine(BASE_SEED)
            warm_print = engine_fingerprint(warm)
        except Exception as exc:
            res.engine_status, engine_ok = _err(exc), False
        if direct is not None:
            try:
                np.random.seed(BASE_SEED)
                direct()
            except NoExtractedExamplesError:
                res.direct_status, direct = NA_NONE, None
            except MultipleExtractedExamplesError:
                res.direct_status = "n/a (Magenta's converter extracted several examples)"
                direct = None
            except Exception as exc:
                res.direct_status, direct = _err(exc), None

        last_engine: Any = None
        last_direct: Any = None
        for r in range(repeats):
            seed = BASE_SEED + r  # repeat 0 reuses the warm-up seed
            if engine_ok:
                gc.collect()
                t0 = time.perf_counter()
                try:
                    last_engine = op.engine(seed)
                except Exception as exc:
                    res.engine_status, engine_ok = _err(exc), False
                else:
                    res.engine_times.append(time.perf_counter() - t0)
                    if r == 0:
                        res.repeatable = engine_fingerprint(last_engine) == warm_print
            if direct is not None:
                gc.collect()
                np.random.seed(seed)
                t0 = time.perf_counter()
                try:
                    last_direct = direct()
                except Exception as exc:
                    res.direct_status, direct = _err(exc), None
                else:
                    res.direct_times.append(time.perf_counter() - t0)
        if last_engine is not None:
            res.engine_result = engine_summary(last_engine)
        if last_direct is not None:
            res.direct_result = direct_summary(last_direct)

        e, d = ms_stats(res.engine_times), ms_stats(res.direct_times)
        console.print(
            f"  {op.name:<11} engine "
            + (f"{e['median_ms']:9.1f} ms" if e else res.engine_status)
            + "  direct "
            + (f"{d['median_ms']:9.1f} ms" if d else res.direct_status)
        )
        results.append(res)

    engine.close()
    tm._sess.close()  # TrainedModel has no close(); free the session's memory
    del tm, engine
    gc.collect()
    return load, results


# --- report ----------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    import tensorflow as tf

    def version(pkg: str) -> str | None:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": sys.version.split()[0],
        "tensorflow": tf.__version__,
        "tf_keras": version("tf-keras"),
        "tensorflow_probability": version("tensorflow-probability"),
        "magenta": version("magenta"),
        "numpy": np.__version__,
    }


def fmt_ms(stats: dict[str, float] | None, key: str) -> str:
    return f"{stats[key]:,.1f}" if stats else "-"


def print_table(console: Any, loads: dict[str, dict[str, Any]], results: list[OpResult]) -> None:
    from rich.table import Table

    table = Table(title="Engine vs Magenta TrainedModel (random weights, CPU)")
    table.add_column("model")
    table.add_column("op")
    table.add_column("engine med ms", justify="right")
    table.add_column("engine p95 ms", justify="right")
    table.add_column("direct med ms", justify="right")
    table.add_column("direct p95 ms", justify="right")
    table.add_column("eng/direct", justify="right")
    table.add_column("note")
    for model in loads:
        ld = loads[model]
        table.add_row(
            model,
            "load",
            f"{ld['engine_s'] * 1000:,.1f}",
            "",
            f"{ld['direct_s'] * 1000:,.1f}",
            "",
            f"{ld['engine_s'] / ld['direct_s']:.2f}",
            f"median of {len(ld['engine_times_s'])}",
        )
        for res in (r for r in results if r.model == model):
            e, d = ms_stats(res.engine_times), ms_stats(res.direct_times)
            ratio = f"{e['median_ms'] / d['median_ms']:.2f}" if e and d else "-"
            notes = []
            if res.engine_status != "ok":
                notes.append(f"engine {res.engine_status}")
            if res.direct_status != "ok":
                notes.append(res.direct_status)
            if res.repeatable is False:
                notes.append("engine: same seed gave a different result")
            table.add_row(
                "",
                res.op,
                fmt_ms(e, "median_ms"),
                fmt_ms(e, "p95_ms"),
                fmt_ms(d, "median_ms"),
                fmt_ms(d, "p95_ms"),
                ratio,
                "; ".join(notes),
            )
        table.add_section()
    console.print(table)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT})"
    )
    p.add_argument("--repeats", type=int, default=5, help="timed calls per op and side")
    p.add_argument(
        "--load-repeats", type=int, default=3, help="timed loads per model and side (default 3)"
    )
    p.add_argument(
        "--quick", action="store_true", help="2 repeats and 1 load (overrides --repeats)"
    )
    p.add_argument(
        "--models",
        nargs="+",
        default=list(MODELS),
        metavar="NAME",
        help="models to run (space or comma separated; default: all four)",
    )
    args = p.parse_args(argv)
    args.models = [m for arg in args.models for m in arg.split(",") if m]
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        p.error(f"unknown model(s) {unknown}; choose from {', '.join(MODELS)}")
    if args.quick:
        args.repeats, args.load_repeats = 2, 1
    if args.repeats < 1 or args.load_repeats < 1:
        p.error("--repeats and --load-repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from rich.console import Console

    # A table wider than 80 columns when the output goes to a file or pipe.
    console = Console() if sys.stdout.isatty() else Console(width=170)
    started = time.perf_counter()
    console.print("importing TensorFlow and Magenta ...")
    from bridge.engine.tfcompat import tf1

    tf1()
    from bridge.engine.registry import get_spec
    from bridge.testing import make_random_checkpoint

    loads: dict[str, dict[str, Any]] = {}
    results: list[OpResult] = []
    checkpoints: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        # All checkpoints first: building a training graph also warms up
        # TensorFlow's lazy imports, so the first timed load is not penalized.
        prefixes = {}
        for name in args.models:
            t0 = time.perf_counter()
            prefixes[name] = make_random_checkpoint(get_spec(name).config, Path(tmp) / name)
            checkpoints[name] = time.perf_counter() - t0
            console.print(f"random checkpoint for {name}: {checkpoints[name]:.1f} s")
        for name in args.models:
            console.print(f"[bold]{name}[/bold] ({get_spec(name).role.value})")
            load, res = bench_model(name, prefixes[name], args.repeats, args.load_repeats, console)
            loads[name] = load
            results += res

    print_table(console, loads, results)
    report = {
        "benchmark": "engine vs magenta TrainedModel",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine_info(),
        "settings": {
            "repeats": args.repeats,
            "load_repeats": args.load_repeats,
            "batch_size": BATCH_SIZE,
            "count": COUNT,
            "grid": f"{GRID}x{GRID}",
            "device": "cpu",
            "weights": "random (make_random_checkpoint, seed 0)",
            "base_seed": BASE_SEED,
            "temperatures": {
                "sample": SAMPLE_TEMPERATURE,
                "variations": VARIATION_TEMPERATURE,
                "interpolate": INTERP_TEMPERATURE,
                "blend": BLEND_TEMPERATURE,
                "humanize": HUMANIZE_TEMPERATURE,
            },
            "similarity": SIMILARITY,
        },
        "models": {
            name: {
                "role": get_spec(name).role.value,
                "beats": get_spec(name).beats,
                "max_seq_len": int(get_spec(name).config.hparams.max_seq_len),
                "checkpoint_s": checkpoints[name],
                "load": loads[name],
            }
            for name in args.models
        },
        "results": [r.to_json() for r in results],
        "total_s": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=_json_default) + "\n")
    console.print(f"wrote {args.out}")
    return 0


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
