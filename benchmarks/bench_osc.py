"""OSC round trip against a direct engine call, and requests/s under load.

Runs the real server on 127.0.0.1 with the profile's drums model
(``--profile FILE.toml``; by default the bundled drum model, or
``lb-drums_2bar_small`` with random weights while it is not trained: the
graph and decode length are the real ones) and times, side by side in one run:

- 8 variations of a 2-bar drum clip: a direct ``Engine.variations`` call
  against the same request over OSC (clip upload, queue, results back);
- requests/s and latency with 1, 4 and 8 concurrent OSC clients, each
  sending its requests one after another (bounded count, loopback only),
  on a server that runs the requests waiting for a model together (their
  clips encoded and refined in one run) and, side by side, on one that runs
  them one at a time (``max_batch=1``).

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

from profiles import load_profile, machine, machine_line, summary
from rich.console import Console
from rich.table import Table


def drum_track() -> Any:
    from bridge.clips import Clip, Note, Track

    notes = [Note(42, i * 0.5, 0.25, velocity=80) for i in range(16)]
    notes += [Note(36, b * 4.0, 0.25) for b in range(2)] + [
        Note(36, b * 4.0 + 2.5, 0.25) for b in range(2)
    ]
    notes += [Note(38, b * 4.0 + o, 0.25) for b in range(2) for o in (1.0, 3.0)]
    return Track(Clip(notes, 8.0, name="beat"), True, 0)


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
    profile = load_profile(args.profile, Path(tmp.name), ["drums"], console.print)
    model = profile.roles["drums"]
    ckpt = profile.checkpoints[model]
    engine = Engine(device="cpu", batch_size=8, checkpoints={model: ckpt}, latent_cache=0)
    servers = {
        name: Server(
            engine,
            Profile(roles={"drums": model}, checkpoints={model: ckpt}),
            port=0,
            max_queue=64,
            max_batch=batch,
        )
        for name, batch in (("together", 8), ("one at a time", 1))
    }
    for srv in servers.values():
        srv.start()
    server = servers["together"]
    track = drum_track()
    results: dict[str, Any] = {
        "model": model,
        "weights": profile.sources[model],
        "machine": machine(),
    }
    try:
        engine.variations(model, track.clip, 8, seed=0)  # load and warm up
        direct, osc = [], []
        with OscClient(port=server.port) as client:
            client.operation("variations", "drums", 8, 0.8, 0.5, 0, tracks=[track])
            for i in range(args.repeats):  # interleaved, so noise hits both sides
                t = time.perf_counter()
                engine.variations(model, track.clip, 8, similarity=0.8, temperature=0.5, seed=i)
                direct.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                out = client.operation("variations", "drums", 8, 0.8, 0.5, i, tracks=[track])
                osc.append((time.perf_counter() - t) * 1000)
                assert len(out.outputs) == 8
        results["round_trip"] = {"direct": summary(direct), "osc": summary(osc)}

        load: dict[str, Any] = {}
        for clients, mode in [(c, m) for c in (1, 4, 8) for m in servers]:
            port = servers[mode].port

            def one_client(k: int, port: int = port) -> list[float]:
                times = []
                with OscClient(port=port, timeout=120) as c:
                    for j in range(args.per_client):
                        t = time.perf_counter()
                        out = c.operation(
                            "variations", "drums", 8, 0.8, 0.5, k * 1000 + j, tracks=[track]
                        )
                        times.append((time.perf_counter() - t) * 1000)
                        assert len(out.outputs) == 8
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

    table = Table(
        title=f"OSC server, {model} ({profile.sources[model]}), 8 variations of a 2-bar drum clip"
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
    for key in ("8 one at a time", "8 together"):
        table.add_row(f"{key} / 1 client", "", "", "", f"{load[key]['requests_per_s'] / base:.2f}x")
    console.print(table)
    console.print(f"machine: {machine_line(results['machine'])}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
