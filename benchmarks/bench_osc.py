"""OSC round trip against a direct engine call, and requests/s under load.

Runs the real server on 127.0.0.1 with the profile's drum and groove models,
as ``latent-bridge serve`` does (``--profile FILE.toml``; by default the
bundled models, or the same configs with random weights where one is not
there: the graphs and decode lengths are the real ones; the groove model
plays the new hits of every variation), and times, side by side in one run:

- 4 variations of a new 2-bar drum clip: a direct ``Engine.variations`` call
  against the same request over OSC (clip upload, queue, results back);
- requests/s and latency with 1, 4 and 8 concurrent OSC clients, each
  sending its requests one after another (bounded count, loopback only),
  every request a clip never sent before, on a server that runs the
  requests waiting for a model together (their clips encoded, refined and
  decoded in shared runs, the groove model's too) and, side by side, on one
  that runs them one at a time (``max_batch=1``).

Prints a table and writes JSON (``benchmarks/results/osc.json``).

    uv run python benchmarks/bench_osc.py [--repeats 20] [--per-client 10] [--profile F]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from profiles import load_profile, machine, machine_line, summary
from rich.console import Console
from rich.table import Table

# Variations a request asks for (the devices' default).
VARIATIONS = 4


def drum_track(k: int = 0) -> Any:
    """Beat ``k`` of a series in which no two are alike: eighth hats with
    accents, kick and snare on the beat, and a few kicks and ghost snares on
    16ths drawn from ``k``."""
    from bridge.clips import Clip, Note, Track

    rng = np.random.default_rng([2026, k])
    notes = [Note(42, i * 0.5, 0.25, velocity=int(rng.integers(50, 110))) for i in range(16)]
    notes += [Note(36, b * 4.0, 0.25, velocity=int(rng.integers(90, 127))) for b in range(2)]
    notes += [Note(38, b * 4.0 + o, 0.25, velocity=110) for b in range(2) for o in (1.0, 3.0)]
    free = [s for s in range(32) if s % 8 not in (0, 4)]
    for step in rng.choice(free, size=int(rng.integers(2, 5)), replace=False):
        pitch = 36 if rng.random() < 0.5 else 38
        notes.append(Note(pitch, step * 0.25, 0.25, velocity=int(rng.integers(30, 70))))
    return Track(Clip(notes, 8.0, name=f"beat {k}"), True, 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=20, help="round trips per side")
    ap.add_argument(
        "--per-client", type=int, default=10, help="requests per client in the load runs"
    )
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "osc.json")
    ap.add_argument("--profile", type=Path, help="TOML profile (default: the bundled models)")
    args = ap.parse_args(argv)

    from bridge.engine import Engine
    from bridge.osc import Profile, Server
    from bridge.osc.client import OscClient

    console = Console()
    tmp = tempfile.TemporaryDirectory()
    profile = load_profile(args.profile, Path(tmp.name), ["drums", "groove"], console.print)
    model = profile.roles["drums"]
    groove = profile.roles.get("groove")
    ckpts = {m: profile.checkpoints[m] for m in profile.roles.values()}
    engine = Engine(device="cpu", batch_size=8, checkpoints=ckpts)
    servers = {
        name: Server(
            engine,
            Profile(roles=dict(profile.roles), checkpoints=ckpts),
            port=0,
            max_queue=64,
            max_batch=batch,
        )
        for name, batch in (("together", 8), ("one at a time", 1))
    }
    for srv in servers.values():
        srv.start()
    server = servers["together"]
    fresh = iter(range(1, 1_000_000))  # every request below a beat never sent before
    results: dict[str, Any] = {
        "model": model,
        "weights": profile.sources[model],
        "groove": groove and {"model": groove, "weights": profile.sources[groove]},
        "variations": VARIATIONS,
        "machine": machine(),
    }
    try:
        engine.variations(model, drum_track(0).clip, VARIATIONS, seed=0)  # load and warm up
        for name in profile.roles.values():  # as `latent-bridge serve` does once loaded
            engine.model(name).warm_up()
        direct, osc = [], []
        with OscClient(port=server.port) as client:
            client.operation("variations", "drums", VARIATIONS, tracks=[drum_track(0)])
            for i in range(args.repeats):  # interleaved, so noise hits both sides
                clip = drum_track(next(fresh)).clip
                t = time.perf_counter()
                engine.variations(model, clip, VARIATIONS, seed=i)
                direct.append((time.perf_counter() - t) * 1000)
                track = drum_track(next(fresh))
                t = time.perf_counter()
                out = client.operation(
                    "variations", "drums", VARIATIONS, 0.75, 0.5, i, tracks=[track]
                )
                osc.append((time.perf_counter() - t) * 1000)
                assert len(out.outputs) == VARIATIONS
        results["round_trip"] = {"direct": summary(direct), "osc": summary(osc)}

        load: dict[str, Any] = {}
        for clients, mode in [(c, m) for c in (1, 4, 8) for m in servers]:
            port = servers[mode].port

            beats = [[drum_track(next(fresh)) for _ in range(args.per_client)] for _ in range(8)]

            def one_client(k: int, port: int = port, beats: Any = beats) -> list[float]:
                times = []
                with OscClient(port=port, timeout=120) as c:
                    for j in range(args.per_client):
                        t = time.perf_counter()
                        out = c.operation(
                            "variations",
                            "drums",
                            VARIATIONS,
                            0.75,
                            0.5,
                            k * 1000 + j,
                            tracks=[beats[k][j]],
                        )
                        times.append((time.perf_counter() - t) * 1000)
                        assert len(out.outputs) == VARIATIONS
                return times

            t0 = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                per = list(pool.map(one_client, range(clients)))
            wall = time.perf_counter() - t0
            all_ms = [x for p in per for x in p]
            load[f"{clients} {mode}"] = {
                **summary(all_ms),
                "requests": len(all_ms),
                "seconds": wall,
                "requests_per_s": len(all_ms) / wall,
            }
        results["load"] = load
    finally:
        for srv in servers.values():
            srv.stop()
        engine.close()
        tmp.cleanup()

    played = f", new hits played by {groove} ({profile.sources[groove]})" if groove else ""
    table = Table(
        title=f"OSC server, {model} ({profile.sources[model]}){played}: "
        f"{VARIATIONS} variations of a new 2-bar drum clip"
    )
    for col in ("measure", "n", "p50 ms", "p95 ms", "req/s"):
        table.add_column(col, justify="right" if col != "measure" else "left")
    rt = results["round_trip"]
    table.add_row(
        "direct engine call",
        str(rt["direct"]["n"]),
        f"{rt['direct']['p50_ms']:.1f}",
        f"{rt['direct']['p95_ms']:.1f}",
        "",
    )
    table.add_row(
        "over OSC (round trip)",
        str(rt["osc"]["n"]),
        f"{rt['osc']['p50_ms']:.1f}",
        f"{rt['osc']['p95_ms']:.1f}",
        "",
    )
    table.add_row(
        "OSC / direct (p50)", "", f"{rt['osc']['p50_ms'] / rt['direct']['p50_ms']:.2f}x", "", ""
    )
    for key, row in results["load"].items():
        clients, mode = key.split(" ", 1)
        table.add_row(
            f"{clients} concurrent client(s), {mode}",
            str(row["requests"]),
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['requests_per_s']:.2f}",
        )
    load = results["load"]
    base = load["1 one at a time"]["requests_per_s"]
    for key in ("4 together", "8 one at a time", "8 together"):
        table.add_row(f"{key} / 1 client", "", "", "", f"{load[key]['requests_per_s'] / base:.2f}x")
    console.print(table)
    console.print(f"machine: {machine_line(results['machine'])}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
