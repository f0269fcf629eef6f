"""Humanize: the time two GrooVAE configs take, side by side.

By default the previous bundled groove config, ``lb-groove_2bar_context_small``
(the hits pass through a bidirectional LSTM, so each step reads the whole
pattern), against the current one, ``lb-groove_2bar_tempo_small`` (the same,
told the song's tempo as ten more control bits a step). ``--models A B``
compares two others, e.g. ``lb-groove_2bar_hits_small`` (its decoder reads
each window's hits step by step) or ``lb-groove_2bar_small`` (Magenta's
humanize config, smaller, which decodes the hits from z alone). Both decode
every window of a clip in one run. This times them on drum clips of 2, 4, 8
and 16 bars (1 to 8 windows), interleaved call by call so that machine noise
hits both sides, and counts how many of the clip's notes come back on their
16th step and pitch (a model that reads the hits keeps them all).

Weights are random unless ``--checkpoint NAME=DIR`` gives trained ones:
speed depends on the graph, not on the weights. Prints a table and writes
JSON (``benchmarks/results/humanize.json``).

    uv run python benchmarks/bench_humanize.py [--repeats 10]
    uv run python benchmarks/bench_humanize.py \
        --checkpoint lb-groove_2bar_tempo_small=models/lb-groove
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_engine import drum_clip
from profiles import machine, machine_line, summary
from rich.console import Console
from rich.table import Table

MODELS = ("lb-groove_2bar_context_small", "lb-groove_2bar_tempo_small")
BARS = (2, 4, 8, 16)


def long_clip(bars: int) -> Any:
    """``bars`` bars of the benchmark beats, one 2-bar variant after another."""
    from bridge.clips import Clip, Note

    notes = []
    for k in range(bars // 2):
        part = drum_clip(k)
        notes += [Note(n.pitch, n.start_time + 8.0 * k, n.duration, n.velocity) for n in part.notes]
    return Clip(notes, 4.0 * bars, name=f"beat {bars} bars")


def kept(clip: Any, out: Any) -> float:
    """Share of the clip's (16th step, pitch) pairs that the output plays."""
    before = {(round(n.start_time * 4), n.pitch) for n in clip.notes}
    after = {(round(n.start_time * 4), n.pitch) for n in out.notes}
    return len(before & after) / len(before)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=10, help="timed calls per model and length")
    ap.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="trained weights for one of the models (repeatable)",
    )
    ap.add_argument(
        "--models", nargs=2, default=list(MODELS), metavar=("A", "B"), help="the two configs"
    )
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "humanize.json")
    args = ap.parse_args(argv)
    models = tuple(args.models)
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    given = dict(c.split("=", 1) for c in args.checkpoint)
    unknown = set(given) - set(models)
    if unknown:
        ap.error(f"--checkpoint names one of {', '.join(models)}, not {', '.join(unknown)}")

    console = Console() if sys.stdout.isatty() else Console(width=150)
    console.print("importing TensorFlow and Magenta ...")
    from bridge.engine import Engine, get_spec
    from bridge.testing import make_random_checkpoint

    info = machine()
    scratch = tempfile.TemporaryDirectory(prefix="bench-humanize-")
    checkpoints = {
        name: given.get(name)
        or str(make_random_checkpoint(get_spec(name).config, Path(scratch.name) / name, seed=1))
        for name in models
    }
    engine = Engine(device="cpu", checkpoints=checkpoints, latent_cache=0)
    clips = {bars: long_clip(bars) for bars in BARS}
    times: dict[tuple[str, int], list[float]] = {(m, b): [] for m in models for b in BARS}
    notes_kept: dict[tuple[str, int], list[float]] = {(m, b): [] for m in models for b in BARS}
    try:
        for model in models:  # load and warm up
            engine.humanize(model, clips[2], seed=0)
        for bars in BARS:
            for r in range(args.repeats):
                for model in models:
                    started = time.perf_counter()
                    gen = engine.humanize(model, clips[bars], seed=r)
                    times[model, bars].append((time.perf_counter() - started) * 1000)
                    notes_kept[model, bars].append(kept(clips[bars], gen.clips[0]))
    finally:
        engine.close()
        scratch.cleanup()

    table = Table(title="humanize, median ms (p95) and share of the clip's notes kept (A, then B)")
    table.add_column("bars", justify="right")
    for model in models:
        table.add_column(model, justify="right")
        table.add_column("notes kept", justify="right")
    table.add_column("B / A", justify="right")
    rows = []
    for bars in BARS:
        stats = {m: summary(times[m, bars]) for m in models}
        share = {m: sum(notes_kept[m, bars]) / len(notes_kept[m, bars]) for m in models}
        ratio = stats[models[1]]["p50_ms"] / stats[models[0]]["p50_ms"]
        cells = []
        for m in models:
            cells += [f"{stats[m]['p50_ms']:.0f} ({stats[m]['p95_ms']:.0f})", f"{share[m]:.0%}"]
        table.add_row(str(bars), *cells, f"{ratio:.2f}x")
        rows.append({"bars": bars, "models": stats, "notes_kept": share, "ratio_p50": ratio})
    console.print(table)
    console.print(machine_line(info))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": "humanize",
        "models": list(models),
        "weights": {m: ("given: " + given[m]) if m in given else "random" for m in models},
        "repeats": args.repeats,
        "rows": rows,
        "machine": info,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
