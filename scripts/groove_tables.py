"""Humanize on held-out beats against tables fitted on the train split.

For the Groove MIDI Dataset's validation beats in 4/4 (2-bar windows, played
by drummers, never trained on): quantize each window (every hit on its 16th
at one velocity), humanize it with the groove model through the engine (what
``humanize`` gives a musician), and compare each hit's velocity and timing
with the drummer's. The references, all fitted on the train split:

- the quantized input: no offsets, one velocity (the train split's median);
- a per-drum table: each drum class's median velocity and offset;
- a per-drum x 16th table: the median of each drum class at each 16th of
  the bar (16 x 9 cells; a cell with fewer than 20 hits uses its drum's);
- with ``--probe``, a gradient-boosted regressor (scikit-learn, L1 loss) on
  the drum, its 16th, the window's whole quantized pattern and the file's
  tempo: not a shipped model, a measure of how much a quantized input (and
  its tempo) can tell about how it was played.

Velocity in MIDI units, timing in 16ths, at the hits (drum class x 16th) of
the performance; velocity spread is the standard deviation of velocities
within a window, for the output and for the performance.

With ``--fit-dynamics`` it first humanizes train windows with the model's raw
velocities and fits the contrast that gives its accents a drummer's reach
(bridge.engine.dynamics), writes it beside the model's checkpoint, and scores
the held-out windows with it; ``--contrasts`` also scores other factors on
the held-out windows (the trade-off between spread and error).

    uv run python scripts/groove_tables.py ../shared/data/groove-midi \
        --model lb-groove --out groove_tables.json [--probe] [--fit-dynamics]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from bridge.clips import Clip, Note
from bridge.convert import read_midi_and_tempo, split_windows
from bridge.engine import Engine
from bridge.engine.checkpoint import resolve_checkpoint
from bridge.engine.dynamics import dynamics_path, fit_contrast, with_contrast
from bridge.feel import DRUM_NAMES, STEP, drum_class
from bridge.profile import resolve_model_ref

WINDOW = 8.0  # beats: two bars of 4/4
CLASSES = len(DRUM_NAMES)
MIN_CELL = 20


def hits(clip: Clip) -> dict[tuple[int, int], Note]:
    """The loudest note of each (drum class, 16th) in the window."""
    out: dict[tuple[int, int], Note] = {}
    for n in clip.notes:
        cls = drum_class(n.pitch)
        step = round(n.start_time / STEP)
        if n.mute or cls >= CLASSES or step * STEP >= clip.length:
            continue
        if (cls, step) not in out or n.velocity > out[(cls, step)].velocity:
            out[(cls, step)] = n
    return out


def offset(note: Note) -> float:
    """Off the 16th grid, in 16ths."""
    return (note.start_time - round(note.start_time / STEP) * STEP) / STEP


def beats(dataset: Path, split: str) -> list[tuple[Clip, float]]:
    """Every 2-bar window with 8 hits or more of the split's 4/4 beats, with its tempo."""
    out = []
    for r in csv.DictReader((dataset / "info.csv").open()):
        if r["split"] != split or r["beat_type"] != "beat" or r["time_signature"] != "4-4":
            continue
        tracks, qpm = read_midi_and_tempo(dataset / r["midi_filename"])
        for t in tracks:
            if t.is_drum:
                wins = split_windows(t.clip, WINDOW, loop=False)
                out += [(w, qpm) for w in wins if len(hits(w)) >= 8]
    return out


def quantized(clip: Clip, velocity: float) -> Clip:
    return clip.with_notes(
        Note(n.pitch, k[1] * STEP, 0.25, velocity) for k, n in sorted(hits(clip).items())
    )


class Tables:
    """Median velocity and offset by drum class, and by class x 16th of the bar."""

    def __init__(self, train: list[tuple[Clip, float]]) -> None:
        rows = [(k, n) for clip, _ in train for k, n in hits(clip).items()]
        self.velocity = float(np.median([n.velocity for _, n in rows]))
        by_drum: dict[int, list[tuple[float, float]]] = {}
        by_cell: dict[tuple[int, int], list[tuple[float, float]]] = {}
        for (cls, step), n in rows:
            by_drum.setdefault(cls, []).append((n.velocity, offset(n)))
            by_cell.setdefault((cls, step % 16), []).append((n.velocity, offset(n)))
        self.drum = {c: tuple(np.median(v, axis=0)) for c, v in by_drum.items()}
        self.cell = {
            c: tuple(np.median(v, axis=0)) for c, v in by_cell.items() if len(v) >= MIN_CELL
        }

    def by_drum(self, key: tuple[int, int]) -> tuple[float, float]:
        return self.drum.get(key[0], (self.velocity, 0.0))

    def by_cell(self, key: tuple[int, int]) -> tuple[float, float]:
        return self.cell.get((key[0], key[1] % 16)) or self.by_drum(key)


def features(clip: Clip, qpm: float) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Per hit: class, 16th of the bar, tempo, and the whole pattern rolled to it."""
    found = hits(clip)
    steps = round(clip.length / STEP)
    grid = np.zeros((steps, CLASSES), np.float32)
    for cls, step in found:
        grid[step, cls] = 1.0
    keys = sorted(found)
    rows = [
        np.concatenate([[cls, step % 16, qpm, len(found)], np.roll(grid, -step, axis=0).ravel()])
        for cls, step in keys
    ]
    return keys, np.asarray(rows, np.float32)


def probe(
    train: list[tuple[Clip, float]], held: list[tuple[Clip, float]]
) -> dict[tuple[int, int], list[tuple[float, float]]]:
    """Gradient-boosted predictions of each held-out hit's velocity and offset."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    xs, vel, off = [], [], []
    for clip, qpm in train:
        keys, x = features(clip, qpm)
        found = hits(clip)
        xs.append(x)
        vel += [found[k].velocity for k in keys]
        off += [offset(found[k]) for k in keys]
    x_train = np.concatenate(xs)
    models = []
    for target in (vel, off):
        model = HistGradientBoostingRegressor(
            loss="absolute_error", max_iter=300, categorical_features=[0, 1], random_state=0
        )
        models.append(model.fit(x_train, np.asarray(target)))
    out: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for i, (clip, qpm) in enumerate(held):
        keys, x = features(clip, qpm)
        v, o = (m.predict(x) for m in models)
        out.update(
            {(i, j): [(float(a), float(b))] for j, (a, b) in enumerate(zip(v, o, strict=True))}
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", type=Path, help="the Groove MIDI Dataset folder (info.csv)")
    ap.add_argument("--model", default="lb-groove")
    ap.add_argument("--temperature", type=float, default=0.3, help="humanize's default")
    ap.add_argument("--limit", type=int, default=0, help="held-out windows (0: all)")
    ap.add_argument("--probe", action="store_true", help="also the gradient-boosted probe")
    ap.add_argument(
        "--fit-dynamics",
        type=int,
        nargs="?",
        const=2000,
        default=0,
        metavar="WINDOWS",
        help="fit the model's dynamics on this many train windows (2000) and save them",
    )
    ap.add_argument(
        "--contrasts",
        type=float,
        nargs="*",
        default=[],
        help="also score the raw outputs scaled by these contrast factors",
    )
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    started = time.perf_counter()
    train = beats(args.dataset, "train")
    held = beats(args.dataset, "validation")
    if args.limit:
        held = held[: args.limit]
    tables = Tables(train)
    name, ckpt = resolve_model_ref(args.model, None)
    engine = Engine(device="cpu", checkpoints={name: str(ckpt)} if ckpt else {})
    loaded = engine.model(name)
    dynamics = loaded.dynamics
    fitted: dict[str, Any] = {}
    loaded.dynamics = None  # raw velocities, to fit, scale or play through ``dynamics`` here
    if args.fit_dynamics:
        path = dynamics_path(ckpt) if ckpt else None
        if path is None:
            raise SystemExit(f"{args.model} has no checkpoint folder to save dynamics beside")
        rng = np.random.default_rng(0)
        picked = rng.choice(len(train), min(args.fit_dynamics, len(train)), replace=False)
        pairs = [
            (
                train[k][0].with_notes(hits(train[k][0]).values()),  # one note a hit, as scored
                engine.humanize(
                    name,
                    quantized(train[k][0], tables.velocity),
                    seed=int(k),
                    temperature=args.temperature,
                    qpm=train[k][1],
                ).clips[0],
            )
            for k in picked
        ]
        dynamics = fit_contrast(pairs, resolve_checkpoint(ckpt).name)
        dynamics.save(path)
        fitted = {"path": str(path), **dynamics.__dict__}
        print(
            f"dynamics: contrast {dynamics.contrast:g} on {dynamics.windows} train windows "
            f"(raw spread {dynamics.model_spread:.1f}, drummers {dynamics.drummer_spread:.1f}); "
            f"saved to {path}"
        )
    predicted = probe(train, held) if args.probe else {}
    errors: dict[str, tuple[list[float], list[float]]] = {}
    spreads: dict[str, list[float]] = {"performance": []}

    def score(label: str, truth: Note, velocity: float, timing: float) -> None:
        v, t = errors.setdefault(label, ([], []))
        v.append(abs(velocity - truth.velocity))
        t.append(abs(timing - offset(truth)))

    for i, (clip, qpm) in enumerate(held):
        truth = hits(clip)
        out = engine.humanize(
            name, quantized(clip, tables.velocity), seed=i, temperature=args.temperature, qpm=qpm
        ).clips[0]
        takes = {f"{args.model} (humanize)": out if dynamics is None else dynamics.play(out)}
        if dynamics is not None:
            takes[f"{args.model}, raw velocities"] = out
        takes |= {f"{args.model}, contrast {k:g}": with_contrast(out, k) for k in args.contrasts}
        spreads["performance"].append(float(np.std([n.velocity for n in truth.values()])))
        found = {label: hits(take) for label, take in takes.items()}
        for label, take in found.items():
            velocities = [n.velocity for n in take.values()]
            spreads.setdefault(label, []).append(float(np.std(velocities)))
        for j, (key, note) in enumerate(sorted(truth.items())):
            score("quantized input, one velocity", note, tables.velocity, 0.0)
            score("per-drum table", note, *tables.by_drum(key))
            score("per-drum x 16th table", note, *tables.by_cell(key))
            for label, take in found.items():
                if key in take:
                    score(label, note, take[key].velocity, offset(take[key]))
            if predicted:
                score("probe: boosted trees on pattern + tempo", note, *predicted[(i, j)][0])
    engine.close()
    reference = errors["per-drum x 16th table"]
    ref_v, ref_t = float(np.mean(reference[0])), float(np.mean(reference[1]))
    rows = []
    print(
        f"{len(held)} held-out 2-bar windows, {len(reference[0])} hits; "
        f"tables from {len(train)} train windows"
    )
    print("| | velocity error | x table | timing error (16ths) | x table | hits |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, (v, t) in errors.items():
        mv, mt = float(np.mean(v)), float(np.mean(t))
        rows.append({"what": label, "velocity_error": mv, "timing_error_16ths": mt, "hits": len(v)})
        print(f"| {label} | {mv:.2f} | {mv / ref_v:.3f} | {mt:.4f} | {mt / ref_t:.3f} | {len(v)} |")
    real = float(np.mean(spreads.pop("performance")))
    spread = {label: float(np.mean(v)) for label, v in spreads.items()}
    print(f"velocity spread in a window: performance {real:.1f}")
    for label, value in spread.items():
        print(f"  {label}: {value:.1f} ({value / real - 1:+.0%})")
    report: dict[str, Any] = {
        "model": name,
        "windows": len(held),
        "train_windows": len(train),
        "temperature": args.temperature,
        "rows": rows,
        "velocity_spread": {"performance": real, **spread},
        "dynamics": fitted or (dynamics.__dict__ if dynamics is not None else None),
        "seconds": round(time.perf_counter() - started, 1),
    }
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
