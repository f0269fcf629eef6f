"""What latent refinement costs and buys: the same requests with 0 and N steps.

The engine fits each input window's latent to the window (``--refine-steps``,
up to 10 steps by default for 2-bar drum and melody models, stopping once the
window comes back exactly) before it varies, interpolates or blends it. This
runs the same requests on three engines, interleaved call by call, on the
default models (``--profile`` as ``serve`` reads it): no refinement, N steps
for every latent, and the engine's own (up to N, stopping early):

- drums:      variations 4 of a 2-bar beat (1 window) and of an 8-bar one (4
              windows), interpolate 5 steps
- melody:     variations 4 of a 2-bar line, interpolate 5 steps
- multitrack: multitrack 4 of a 4-bar, 3-part scene (4 windows)

For each it reports p50/p95 ms with and without refinement and their ratio,
and how faithfully the input comes back: the note F1 (step and pitch; for a
scene, also the part) of a variation at similarity 1 and temperature 0.01
against the input, which is what a musician hears at the "keep it" end of the
similarity knob and at both ends of an interpolation.

    uv run python benchmarks/bench_refine.py [--repeats 10] [--steps 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_engine import drum_clip, melody_clip, scene_tracks
from profiles import load_profile, machine, machine_line, summary, write_report
from rich.console import Console
from rich.table import Table

from bridge.limits import REFINE_STEPS


def long_clip(make: Callable[[int], Any], windows: int) -> Any:
    """``windows`` 2-bar clips of ``make`` one after another."""
    from dataclasses import replace

    from bridge.clips import Clip

    notes = []
    for w in range(windows):
        notes += [replace(n, start_time=n.start_time + 8.0 * w) for n in make(w).notes]
    return Clip(notes, 8.0 * windows, name="long")


def long_scene(bars: int) -> list[Any]:
    from dataclasses import replace

    from bridge.clips import Clip, Track

    out = []
    for t in scene_tracks():
        walk = 2 if t.program == 33 else 0  # the bass walks up a step each bar
        notes = [
            replace(n, start_time=n.start_time + 4.0 * b, pitch=n.pitch + walk * b)
            for b in range(bars)
            for n in t.clip.notes
        ]
        out.append(Track(Clip(notes, 4.0 * bars, name=t.clip.name), t.is_drum, t.program))
    return out


def note_f1(inputs: list[Any], outputs: list[Any]) -> float:
    """F1 of (part, 16th step, pitch) between input and output clips."""

    def notes(clips: list[Any]) -> set[tuple[int, int, int]]:
        return {(i, round(n.start_time * 4), n.pitch) for i, c in enumerate(clips) for n in c.notes}

    a, b = notes(inputs), notes(outputs)
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def requests(role: str, model: str) -> list[tuple[str, Callable[[Any, int], Any], Any]]:
    """(name, call taking an engine and a seed, the input clips) for a role."""
    from bridge.clips import Track

    out: list[tuple[str, Callable[[Any, int], Any], Any]] = []
    if role in ("drums", "melody"):
        drum = role == "drums"
        make = drum_clip if drum else melody_clip
        short = make(0)
        out.append(
            (
                "variations 2 bars",
                lambda e, s: e.variations(model, short, 4, seed=s, is_drum=drum),
                [Track(short, drum, 0)],
            )
        )
        if drum:
            longer = long_clip(make, 4)
            out.append(
                (
                    "variations 8 bars",
                    lambda e, s: e.variations(model, longer, 4, seed=s, is_drum=drum),
                    [Track(longer, drum, 0)],
                )
            )
        other = make(1)
        out.append(
            (
                "interpolate 5",
                lambda e, s: e.interpolate(model, short, other, 5, seed=s),
                None,
            )
        )
    if role == "multitrack":
        scene = long_scene(4)
        out.append(("multitrack 4 bars", lambda e, s: e.multitrack(model, scene, 4, seed=s), scene))
    return out


def fidelity(engine: Any, role: str, model: str, tracks: list[Any]) -> float:
    """Note F1 of a variation at similarity 1, temperature 0.01, against the input."""
    if role == "multitrack":
        gen = engine.multitrack(model, tracks, 1, similarity=1.0, temperature=0.01, seed=0)
        return note_f1([t.clip for t in tracks], [t.clip for t in gen.outputs[0]])
    gen = engine.variations(
        model,
        tracks[0].clip,
        1,
        similarity=1.0,
        temperature=0.01,
        seed=0,
        is_drum=tracks[0].is_drum,
    )
    return note_f1([tracks[0].clip], [gen.clips[0]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=10, help="timed calls per request and side")
    ap.add_argument(
        "--steps",
        type=int,
        default=REFINE_STEPS,
        help=f"refinement steps of the second engine (default {REFINE_STEPS}, the engine's)",
    )
    ap.add_argument("--profile", type=Path, help="TOML profile (default: the bundled models)")
    ap.add_argument("--roles", default="drums,melody,multitrack", help="comma separated")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "refine.json")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.steps < 1:
        ap.error("--repeats and --steps must be at least 1")
    roles = [r for r in args.roles.split(",") if r]

    console = Console() if sys.stdout.isatty() else Console(width=150)
    console.print("importing TensorFlow and Magenta ...")
    from bridge.engine import Engine

    info = machine()
    scratch = tempfile.TemporaryDirectory(prefix="bench-refine-")
    profile = load_profile(args.profile, Path(scratch.name), roles, console.print)
    for line in profile.describe():
        console.print(f"  {line}")

    def engine(steps: int) -> Any:
        return Engine(
            device="cpu",
            batch_size=8,
            checkpoints=profile.checkpoints,
            refine_steps=steps,
            latent_cache=0,
        )

    n = args.steps
    # Three sides: no refinement, every latent taking all n steps (as before
    # latents stopped once their window came back exactly), and the engine's
    # refinement as it is.
    sides = {"0": engine(0), "all": engine(n), "stop": engine(n)}
    rows: list[dict[str, Any]] = []
    try:
        for role in roles:
            if role not in profile.roles:
                console.print(f"{role}: not in the profile, skipped")
                continue
            model = profile.roles[role]
            sides["all"].model(model).stop_when_exact = False
            for name, call, tracks in requests(role, model):
                for e in sides.values():
                    call(e, 0)  # warm-up (and model load) on each side
                ms: dict[str, list[float]] = {k: [] for k in sides}
                for i in range(args.repeats):
                    for key, e in sides.items():
                        t = time.perf_counter()
                        call(e, 1 + i)
                        ms[key].append((time.perf_counter() - t) * 1000)
                row: dict[str, Any] = {
                    "role": role,
                    "model": model,
                    "weights": profile.sources.get(model, "?"),
                    "request": name,
                    **{f"refine_{k}": summary(v) for k, v in ms.items()},
                }
                if tracks is not None:
                    for key, e in sides.items():
                        row[f"note_f1_{key}"] = fidelity(e, role, model, tracks)
                rows.append(row)
                console.print(
                    f"  {role:<10} {name:<18} p50 "
                    + " / ".join(f"{row[f'refine_{k}']['p50_ms']:.1f}" for k in sides)
                    + " ms"
                )
    finally:
        for e in sides.values():
            e.close()
        scratch.cleanup()

    table = Table(
        title=f"latent refinement: 0 steps, {n} steps every latent, up to {n} stopping "
        f"on an exact window ({args.repeats} calls each, interleaved, CPU)"
    )
    for col in (
        "role",
        "model",
        "request",
        "p50 0",
        f"p50 {n} all",
        f"p95 {n} all",
        f"p50 {n} stop",
        f"p95 {n} stop",
        "stop / all",
        "note F1 0",
        f"note F1 {n} all",
        f"note F1 {n} stop",
    ):
        table.add_column(col, justify="left" if col in ("role", "model", "request") else "right")
    for r in rows:
        z, a, b = r["refine_0"], r["refine_all"], r["refine_stop"]
        f1 = [f"{r[k]:.3f}" if k in r else "" for k in ("note_f1_0", "note_f1_all", "note_f1_stop")]
        table.add_row(
            r["role"],
            r["model"] + (" (random)" if r["weights"] == "random weights" else ""),
            r["request"],
            f"{z['p50_ms']:.0f}",
            f"{a['p50_ms']:.0f}",
            f"{a['p95_ms']:.0f}",
            f"{b['p50_ms']:.0f}",
            f"{b['p95_ms']:.0f}",
            f"{b['p50_ms'] / a['p50_ms']:.2f}x",
            *f1,
        )
    console.print(table)
    console.print(f"machine: {machine_line(info)}")
    report = {
        "benchmark": "latent refinement: latency and fidelity with 0 steps, N steps, "
        "and up to N stopping on an exact window",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "profile": profile.to_json(),
        "settings": {"repeats": args.repeats, "steps": n, "device": "cpu", "batch_size": 8},
        "results": rows,
    }
    write_report(args.out, report, console.print)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
