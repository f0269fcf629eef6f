"""Training speed: examples/s against a FLOP-based estimate for this machine.

For each model (default ``cat-drums_2bar_small``, Magenta's own config), batch
size and thread setting, it builds the training graph that ``latent-bridge
train`` uses in a session of its own, feeds batches of real converter
tensors (a drum pattern made here, so no data files are needed), and after
a warm-up times the settings' steps in turn, side by side. Beside it:

- FLOPs per example, counted by TensorFlow's profiler over the training
  graph (forward, backward and the optimizer), per batch / batch size;
- the machine's measured float32 matrix-multiply rate (numpy, all cores),
  the best case for the LSTM and dense layers these models are made of;
- the estimate: examples/s = that rate / FLOPs per example, and the share of
  it training reaches.

Prints a table and writes JSON (``benchmarks/results/train.json``).

    uv run python benchmarks/bench_train.py [--models cat-drums_2bar_small] [--steps 30] \
        [--batch-sizes 64,128,256] [--threads 0:0,1:2]
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


class Side:
    """One training setting, built and ready to step: a model's training
    graph at a batch size, in a session with given thread pools (0: the
    TensorFlow default, one thread per core)."""

    def __init__(self, name: str, batch_size: int, intra: int, inter: int) -> None:
        from bridge.engine.registry import get_spec
        from bridge.engine.tfcompat import tf1
        from bridge.train.graph import build_training_graph

        tf = tf1()
        self.name, self.batch_size, self.intra, self.inter = name, batch_size, intra, inter
        spec = get_spec(name)
        data = drum_examples(spec, batch_size)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.g = build_training_graph(spec.config, batch_size)
            init = tf.global_variables_initializer()
        self.flops = _count_flops(tf, self.graph, self.g, data)
        config = tf.ConfigProto(
            intra_op_parallelism_threads=intra, inter_op_parallelism_threads=inter
        )
        self.sess = tf.Session(graph=self.graph, config=config)
        self.sess.run(init)
        self.feed = {
            self.g.inputs: data.inputs,
            self.g.outputs: data.outputs,
            self.g.controls: data.controls,
            self.g.lengths: data.lengths,
        }
        self.times: list[float] = []

    def step(self) -> float:
        t0 = time.perf_counter()
        self.sess.run(self.g.train_op, self.feed)
        return time.perf_counter() - t0

    def result(self) -> dict[str, Any]:
        median = float(np.median(self.times))
        return {
            "model": self.name,
            "batch_size": self.batch_size,
            "intra_op_threads": self.intra,
            "inter_op_threads": self.inter,
            "steps": len(self.times),
            "median_step_s": median,
            "examples_per_s": self.batch_size / median,
            "flops_per_example": self.flops / self.batch_size if self.flops else None,
        }


def run_sides(sides: list[Side], steps: int, warmup: int) -> None:
    """Warm every side up, then time their steps in turn, so that each
    setting sees the same machine load."""
    for side in sides:
        for _ in range(warmup):
            side.step()
    for _ in range(steps):
        for side in sides:
            side.times.append(side.step())


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
    ap.add_argument(
        "--batch-sizes", default="64", help="comma separated, each run beside the others"
    )
    ap.add_argument(
        "--threads",
        default="0:0",
        help="intra:inter thread pool sizes, comma separated (0: TensorFlow's default)",
    )
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "train.json")
    args = ap.parse_args(argv)
    batches = [int(b) for b in args.batch_sizes.split(",") if b]
    threads = [tuple(int(x) for x in t.split(":")) for t in args.threads.split(",") if t]

    gflops = matmul_gflops()
    sides = [
        Side(name, batch, intra, inter)
        for name in args.models
        for batch in batches
        for intra, inter in threads
    ]
    run_sides(sides, args.steps, args.warmup)
    rows = []
    for side in sides:
        r = side.result()
        if r["flops_per_example"]:
            r["estimate_examples_per_s"] = gflops * 1e9 / r["flops_per_example"]
            r["share_of_estimate"] = r["examples_per_s"] / r["estimate_examples_per_s"]
        rows.append(r)
    table = Table(
        "model",
        "batch",
        "threads intra:inter",
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
            f"{r['intra_op_threads']}:{r['inter_op_threads']}",
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
