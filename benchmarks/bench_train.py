"""Training speed: examples/s against a FLOP-based estimate for this machine.

For each model (default ``cat-drums_2bar_small``, Magenta's own config), one
run builds the training graph that ``latent-bridge train`` uses, feeds
batches of real converter tensors (a drum pattern made here, so no data
files are needed), and times the steps after a warm-up. Beside it:

- FLOPs per example, counted by TensorFlow's profiler over the training
  graph (forward, backward and the optimizer), per batch / batch size;
- the machine's measured float32 matrix-multiply rate (numpy, all cores),
  the best case for the LSTM and dense layers these models are made of;
- the estimate: examples/s = that rate / FLOPs per example, and the share of
  it training reaches.

Prints a table and writes JSON (``benchmarks/results/train.json``).

    uv run python benchmarks/bench_train.py [--models cat-drums_2bar_small] [--steps 30]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table


def matmul_gflops(size: int = 1024, seconds: float = 3.0) -> float:
    """Measured float32 GEMM rate of this machine (numpy's BLAS, all cores)."""
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((size, size), dtype=np.float32)
    a @ b  # warm-up
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        runs += 1
    elapsed = time.perf_counter() - start
    return 2 * size**3 * runs / elapsed / 1e9


def drum_examples(spec: Any, count: int) -> Any:
    from bridge.clips import Clip, Note
    from bridge.convert import clip_to_sequence
    from bridge.train.data import Examples, training_converter

    conv = training_converter(spec)
    found = []
    for i in range(count):
        notes = [Note(42, k * 0.5, 0.25, 80) for k in range(16)]
        notes += [Note(36, 0.0, 0.25), Note(36, 4.0 + 0.5 * (i % 3), 0.25)]
        notes += [Note(38, 1.0, 0.25), Note(38, 3.0, 0.25), Note(38, 5.0, 0.25)]
        notes += [Note(38, 7.0 + 0.25 * (i % 4), 0.25)]
        out = conv.to_tensors(clip_to_sequence(Clip(notes, 8.0), is_drum=True))
        found.extend(zip(out.inputs, out.outputs, out.controls, out.lengths, strict=True))
    steps = max(len(f[0]) for f in found)

    def pad(a: Any) -> np.ndarray:
        a = np.asarray(a, np.float32)
        return np.pad(a, [(0, steps - len(a)), (0, 0)])

    return Examples(
        np.stack([pad(f[0]) for f in found]),
        np.stack([pad(f[1]) for f in found]),
        np.stack([pad(f[2]) for f in found]),
        np.asarray([f[3] for f in found], np.int32),
    )


def bench_model(name: str, batch_size: int, steps: int, warmup: int) -> dict[str, Any]:
    from bridge.engine.registry import get_spec
    from bridge.engine.tfcompat import tf1
    from bridge.train.graph import build_training_graph

    tf = tf1()
    spec = get_spec(name)
    data = drum_examples(spec, batch_size)
    graph = tf.Graph()
    with graph.as_default():
        g = build_training_graph(spec.config, batch_size)
        init = tf.global_variables_initializer()
        opts = tf.profiler.ProfileOptionBuilder.float_operation()
        opts["output"] = "none"
        # The profiler needs static shapes: count with the window's length.
        flops = _count_flops(tf, graph, g, data)
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        feed = {
            g.inputs: data.inputs,
            g.outputs: data.outputs,
            g.controls: data.controls,
            g.lengths: data.lengths,
        }
        for _ in range(warmup):
            sess.run(g.train_op, feed)
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            sess.run(g.train_op, feed)
            times.append(time.perf_counter() - t0)
    median = float(np.median(times))
    return {
        "model": name,
        "batch_size": batch_size,
        "steps": steps,
        "median_step_s": median,
        "examples_per_s": batch_size / median,
        "flops_per_example": flops / batch_size if flops else None,
    }


def _count_flops(tf: Any, graph: Any, g: dict[str, Any], data: Any) -> float | None:
    """FLOPs of one training step, from a copy of the graph with static shapes."""
    from bridge.engine.registry import get_spec  # noqa: F401  (registry already loaded)

    run_meta = tf.RunMetadata()
    opts = tf.profiler.ProfileOptionBuilder.float_operation()
    opts["output"] = "none"
    with tf.Session(graph=graph) as sess:
        sess.run(tf.global_variables_initializer())
        feed = {
            g.inputs: data.inputs,
            g.outputs: data.outputs,
            g.controls: data.controls,
            g.lengths: data.lengths,
        }
        sess.run(
            g.train_op,
            feed,
            options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
            run_metadata=run_meta,
        )
        try:
            prof = tf.profiler.profile(graph, run_meta=run_meta, cmd="op", options=opts)
        except Exception:
            return None
    total = float(prof.total_float_ops) if prof is not None else 0.0
    return total or None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", default=["cat-drums_2bar_small", "lb-drums_2bar_small"])
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "train.json")
    args = ap.parse_args(argv)

    gflops = matmul_gflops()
    rows = []
    for name in args.models:
        r = bench_model(name, args.batch_size, args.steps, args.warmup)
        if r["flops_per_example"]:
            r["estimate_examples_per_s"] = gflops * 1e9 / r["flops_per_example"]
            r["share_of_estimate"] = r["examples_per_s"] / r["estimate_examples_per_s"]
        rows.append(r)
    table = Table(
        "model",
        "batch",
        "examples/s",
        "MFLOP/example",
        "estimate ex/s",
        "share",
        title=f"training speed (matmul peak measured: {gflops:.1f} GFLOP/s, {os.cpu_count()} CPUs)",
    )
    for r in rows:
        fpe = r["flops_per_example"]
        table.add_row(
            r["model"],
            str(r["batch_size"]),
            f"{r['examples_per_s']:.1f}",
            f"{fpe / 1e6:.1f}" if fpe else "-",
            f"{r.get('estimate_examples_per_s', 0):.0f}" if fpe else "-",
            f"{r.get('share_of_estimate', 0):.0%}" if fpe else "-",
        )
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": {
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "python": sys.version.split()[0],
                    "matmul_gflops": gflops,
                },
                "results": rows,
            },
            indent=2,
        )
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
