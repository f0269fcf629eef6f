"""Latency p50/p95 of every operation of every default model, direct and over OSC.

One process holds one :class:`bridge.engine.Engine` and the real OSC server
on 127.0.0.1 in front of it. For each role of the profile and each operation
the role allows, the same request (same clips, same parameters, same seed)
runs as a direct engine call and as an OSC round trip (clip upload, queue,
results back, ``/lb/done``), interleaved, so that noise hits both sides.
One untimed warm-up per side first (it also loads the model).

Operations and sizes (the protocol's defaults, grid smaller):

- drums, melody: sample 4, variations 4, interpolate 5 steps, blend 1 point, grid 3x3
- groove:        humanize, variations 4
- multitrack:    sample 4, multitrack 4 (a 3-track scene)

Models: ``--profile FILE.toml`` (as ``serve --profile``), else the bundled
defaults, with random weights for any not trained yet (said in the output).

    uv run python benchmarks/bench_latency.py [--repeats 10] [--roles drums,groove]
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

GRID = 3


def _track(clip: Any, drum: bool) -> Any:
    from bridge.clips import Track

    return Track(clip, drum, 0)


def operations(role: str, model: str, engine: Any) -> list[tuple[str, Callable[[int], Any], Any]]:
    """(op, direct call taking a seed, OSC call taking a client and a seed) for a role."""
    ops: list[tuple[str, Callable[[int], Any], Any]] = []
    if role in ("drums", "melody", "groove"):
        drum = role != "melody"
        make = drum_clip if drum else melody_clip
        clips = [make(i) for i in range(4)]
        tracks = [_track(c, drum) for c in clips]
    if role in ("drums", "melody"):
        ops.append(
            (
                "sample",
                lambda s: engine.sample(model, 4, temperature=1.0, seed=s),
                lambda c, s: c.operation("sample", role, 4, 1.0, 0, s),
            )
        )
    if role in ("drums", "melody", "groove"):
        ops.append(
            (
                "variations",
                lambda s: engine.variations(
                    model, clips[0], 4, similarity=0.8, temperature=0.5, seed=s, is_drum=drum
                ),
                lambda c, s: c.operation("variations", role, 4, 0.8, 0.5, s, tracks=tracks[:1]),
            )
        )
    if role in ("drums", "melody"):
        ops += [
            (
                "interpolate",
                lambda s: engine.interpolate(model, clips[0], clips[1], 5, seed=s),
                lambda c, s: c.operation("interpolate", role, 5, 0.5, s, tracks=tracks[:2]),
            ),
            (
                "blend",
                lambda s: engine.blend(model, clips, 0.3, 0.6, seed=s),
                lambda c, s: c.operation("blend", role, 0.3, 0.6, 0.5, s, tracks=tracks),
            ),
            (
                "grid",
                lambda s: engine.blend_grid(model, clips, GRID, GRID, seed=s),
                lambda c, s: c.operation("grid", role, GRID, GRID, 0.5, s, tracks=tracks),
            ),
        ]
    if role == "groove":
        ops.insert(
            0,
            (
                "humanize",
                lambda s: engine.humanize(model, clips[0], seed=s),
                lambda c, s: c.operation("humanize", role, 0.3, s, tracks=tracks[:1]),
            ),
        )
    if role == "multitrack":
        scene = scene_tracks()
        ops += [
            (
                "sample",
                lambda s: engine.sample(model, 4, seed=s),
                lambda c, s: c.operation("sample", role, 4, 1.0, 0, s),
            ),
            (
                "multitrack",
                lambda s: engine.multitrack(model, scene, 4, seed=s),
                lambda c, s: c.operation("multitrack", role, 4, 0.8, 0.5, s, tracks=scene),
            ),
        ]
    return ops


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=10, help="timed calls per op and side")
    ap.add_argument("--profile", type=Path, help="TOML profile (default: the bundled models)")
    ap.add_argument("--roles", default="drums,melody,groove,multitrack", help="comma separated")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "latency.json")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    roles = [r for r in args.roles.split(",") if r]

    console = Console() if sys.stdout.isatty() else Console(width=150)
    console.print("importing TensorFlow and Magenta ...")
    from bridge.engine import Engine
    from bridge.osc import Profile, Server
    from bridge.osc.client import OscClient

    info = machine()
    scratch = tempfile.TemporaryDirectory(prefix="bench-latency-")
    profile = load_profile(args.profile, Path(scratch.name), roles, console.print)
    for line in profile.describe():
        console.print(f"  {line}")
    engine = Engine(device="cpu", batch_size=8, checkpoints=profile.checkpoints, latent_cache=0)
    server = Server(
        engine, Profile(roles=profile.roles, checkpoints=profile.checkpoints), port=0, max_queue=64
    )
    server.start()
    rows: list[dict[str, Any]] = []
    try:
        with OscClient(port=server.port, timeout=300) as client:
            for role in roles:
                if role not in profile.roles:
                    console.print(f"{role}: not in the profile, skipped")
                    continue
                model = profile.roles[role]
                for op, direct, osc in operations(role, model, engine):
                    direct(0)
                    osc(client, 0)
                    d_ms, o_ms = [], []
                    for i in range(args.repeats):
                        seed = 1 + i
                        t = time.perf_counter()
                        direct(seed)
                        d_ms.append((time.perf_counter() - t) * 1000)
                        t = time.perf_counter()
                        out = osc(client, seed)
                        o_ms.append((time.perf_counter() - t) * 1000)
                        assert out.outputs, f"{op} over OSC returned nothing"
                    row = {
                        "role": role,
                        "model": model,
                        "weights": profile.sources.get(model, "?"),
                        "op": op,
                        "direct": summary(d_ms),
                        "osc": summary(o_ms),
                    }
                    rows.append(row)
                    console.print(
                        f"  {role:<10} {op:<11} direct p50 {row['direct']['p50_ms']:8.1f} ms"
                        f"  OSC p50 {row['osc']['p50_ms']:8.1f} ms"
                    )
    finally:
        server.stop()
        engine.close()
        scratch.cleanup()

    table = Table(title=f"latency per operation, direct vs OSC ({args.repeats} calls each, CPU)")
    for col in ("role", "model", "op", "direct p50", "direct p95", "OSC p50", "OSC p95", "OSC/dir"):
        table.add_column(col, justify="left" if col in ("role", "model", "op") else "right")
    for r in rows:
        d, o = r["direct"], r["osc"]
        table.add_row(
            r["role"],
            r["model"] + (" (random)" if r["weights"] == "random weights" else ""),
            r["op"],
            f"{d['p50_ms']:.1f}",
            f"{d['p95_ms']:.1f}",
            f"{o['p50_ms']:.1f}",
            f"{o['p95_ms']:.1f}",
            f"{o['p50_ms'] / d['p50_ms']:.2f}x",
        )
    console.print(table)
    console.print(f"machine: {machine_line(info)}")
    report = {
        "benchmark": "latency per operation, direct engine call vs OSC round trip",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "profile": profile.to_json(),
        "settings": {"repeats": args.repeats, "device": "cpu", "batch_size": 8, "grid": GRID},
        "results": rows,
    }
    write_report(args.out, report, console.print)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
