"""What the latent cache saves: a clip sent again, with and without it.

A musician asks for variations of the same clip again with a new seed, or
drags Beat Blender's pad over the same four corners: the clips do not
change, so their latents (encoded and refined, the expensive part of a
drum or melody request) need not either. This runs the same requests on two
engines that differ only in the cache (``latent_cache=0`` on one), after one
untimed call each that loads the model and, on the caching side, fills the
cache. Timed calls are interleaved, each with a new seed (and a new pad
position for the blend), on the default models (``--profile`` as ``serve``
reads it):

- drums:  variations 4 of a 2-bar beat and of an 8-bar one, interpolate 5
          steps, blend at a moving point of four corners
- melody: variations 4 of a 2-bar line, interpolate 5 steps

For each it reports p50/p95 ms on both sides and their ratio, and checks
that both sides gave the same clips.

    uv run python benchmarks/bench_cache.py [--repeats 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_engine import drum_clip, melody_clip
from bench_refine import long_clip
from profiles import load_profile, machine, machine_line, summary, write_report
from rich.console import Console
from rich.table import Table


def requests(role: str, model: str) -> list[tuple[str, Callable[[Any, int], Any]]]:
    """(name, call taking an engine and a seed) for a role."""
    drum = role == "drums"
    make = drum_clip if drum else melody_clip
    short, other = make(0), make(1)
    out: list[tuple[str, Callable[[Any, int], Any]]] = [
        ("variations 2 bars", lambda e, s: e.variations(model, short, 4, seed=s, is_drum=drum))
    ]
    if drum:
        longer = long_clip(make, 4)
        out.append(
            ("variations 8 bars", lambda e, s: e.variations(model, longer, 4, seed=s, is_drum=drum))
        )
    out.append(("interpolate 5", lambda e, s: e.interpolate(model, short, other, 5, seed=s)))
    if drum:
        corners = [make(k) for k in range(4)]
        out.append(
            (
                "blend, pad moving",
                lambda e, s: e.blend(model, corners, (s % 7) / 6, (s % 5) / 4, seed=s),
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=10, help="timed calls per request and side")
    ap.add_argument("--profile", type=Path, help="TOML profile (default: the bundled models)")
    ap.add_argument("--roles", default="drums,melody", help="comma separated")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "cache.json")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    roles = [r for r in args.roles.split(",") if r in ("drums", "melody")]

    console = Console() if sys.stdout.isatty() else Console(width=150)
    console.print("importing TensorFlow and Magenta ...")
    from bridge.engine import Engine

    info = machine()
    scratch = tempfile.TemporaryDirectory(prefix="bench-cache-")
    profile = load_profile(args.profile, Path(scratch.name), roles, console.print)
    for line in profile.describe():
        console.print(f"  {line}")
    plain = Engine(device="cpu", batch_size=8, checkpoints=profile.checkpoints, latent_cache=0)
    cached = Engine(device="cpu", batch_size=8, checkpoints=profile.checkpoints)
    rows: list[dict[str, Any]] = []
    try:
        for role in roles:
            if role not in profile.roles:
                console.print(f"{role}: not in the profile, skipped")
                continue
            model = profile.roles[role]
            for name, call in requests(role, model):
                call(plain, 0)  # model load on each side; fills the cache on one
                call(cached, 0)
                p_ms, c_ms, same = [], [], True
                for i in range(args.repeats):
                    t = time.perf_counter()
                    a = call(plain, 1 + i)
                    p_ms.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    b = call(cached, 1 + i)
                    c_ms.append((time.perf_counter() - t) * 1000)
                    same = same and a.outputs == b.outputs
                row = {
                    "role": role,
                    "model": model,
                    "weights": profile.sources.get(model, "?"),
                    "request": name,
                    "no_cache": summary(p_ms),
                    "cache": summary(c_ms),
                    "same_clips": same,
                }
                rows.append(row)
                console.print(
                    f"  {role:<7} {name:<18} p50 {row['no_cache']['p50_ms']:7.1f} ms without, "
                    f"{row['cache']['p50_ms']:7.1f} ms with the cache"
                )
    finally:
        plain.close()
        cached.close()
        scratch.cleanup()

    table = Table(
        title=f"a clip sent again: without and with the latent cache ({args.repeats} calls)"
    )
    for col in ("role", "model", "request", "p50 without", "p95 without", "p50 with", "p95 with"):
        table.add_column(col, justify="left" if col in ("role", "model", "request") else "right")
    table.add_column("speed-up p50", justify="right")
    table.add_column("same clips")
    for r in rows:
        a, b = r["no_cache"], r["cache"]
        table.add_row(
            r["role"],
            r["model"] + (" (random)" if r["weights"] == "random weights" else ""),
            r["request"],
            f"{a['p50_ms']:.0f}",
            f"{a['p95_ms']:.0f}",
            f"{b['p50_ms']:.0f}",
            f"{b['p95_ms']:.0f}",
            f"{a['p50_ms'] / b['p50_ms']:.1f}x",
            "yes" if r["same_clips"] else "NO",
        )
    console.print(table)
    console.print(f"machine: {machine_line(info)}")
    report = {
        "benchmark": "latent cache: a clip sent again, with and without the cache",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "profile": profile.to_json(),
        "settings": {"repeats": args.repeats, "device": "cpu", "batch_size": 8},
        "results": rows,
    }
    write_report(args.out, report, console.print)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
