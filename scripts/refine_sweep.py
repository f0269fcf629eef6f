"""Latent refinement settings on held-out data: fidelity, latent size, midpoints.

For a drum or melody model and a folder of held-out MIDI files: encode the
first N windows, refine their latents with each (steps, rate) given, and
report the steps the latents took (a latent stops once its window comes
back exactly; ``STEPS:RATE:all`` makes every latent take every step), the
greedy decode's accuracy (and hit F1 for drums) against the
windows, the mean latent norm, the seconds refinement took, and what
slerp midpoints between random pairs of windows look like at temperature 0.5
(for drums: the share of bars with a kick or a snare, and hits a bar).

    uv run python scripts/refine_sweep.py models/lb-drums /work/data/gmd_val \
        --settings 0:0,5:0.2,10:0.2:all,10:0.2,20:0.1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from bridge.engine.latent import slerp
from bridge.engine.model import LoadedModel
from bridge.engine.registry import Role
from bridge.train.data import build_dataset
from bridge.train.evaluate import decode_greedy, hits_from_outputs, reconstruction_scores
from bridge.train.loop import _eval_subset
from bridge.train.rundir import read_run, run_spec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path, help="a model (run or exported) directory")
    ap.add_argument("eval_dir", type=Path, help="held-out MIDI files")
    ap.add_argument("--examples", type=int, default=512)
    ap.add_argument(
        "--alone",
        type=int,
        default=0,
        metavar="N",
        help="also time the first N windows refined one at a time (a 2-bar clip's request)",
    )
    ap.add_argument("--settings", default="0:0,5:0.2,10:0.2,20:0.1", help="steps:rate,...")
    args = ap.parse_args()
    spec = run_spec(read_run(args.model))
    with tempfile.TemporaryDirectory() as cache:
        data = build_dataset(args.eval_dir, spec, Path(cache), eval_fraction=0.0)
    ex = _eval_subset(data.train, args.examples, 0)
    model = LoadedModel(spec.with_checkpoint(str(args.model)), batch_size=64)
    enc = model.encode_tensors(list(ex.inputs), list(ex.lengths), None, seed=0)
    pairs = np.random.default_rng(1).permutation(len(ex))
    print(f"{len(ex)} held-out windows of {args.eval_dir}")
    for item in args.settings.split(","):
        steps_text, rate_text, *every = item.split(":")
        steps, rate = int(steps_text), float(rate_text)
        model.stop_when_exact = every != ["all"]
        started = time.perf_counter()
        refined = model.refine(enc.mu, list(ex.outputs), list(ex.lengths), steps=steps, rate=rate)
        seconds = time.perf_counter() - started
        z = refined.z
        scores = reconstruction_scores(spec, ex, decode_greedy(spec, model, z, ex, False, 0))
        mid = np.asarray([slerp(z[i], z[j], 0.5) for i, j in enumerate(pairs)], np.float32)
        decoded = model.decode_tensors(mid, temperature=0.5, seed=0, length=ex.outputs.shape[1])
        line = (
            f"steps {steps:3d}{' (all)' if every else '      '} rate {rate:4.2f}:"
            f" taken {refined.steps.mean():4.1f}: accuracy {scores['sampled_accuracy']:.3f}"
            + (f" hit F1 {scores['hit_f1']:.3f}" if "hit_f1" in scores else "")
            + f" |z| {np.linalg.norm(z, axis=1).mean():5.1f} ({seconds:5.1f} s)"
        )
        hits = hits_from_outputs(spec, decoded)
        if hits is not None and spec.role is Role.DRUMS:
            bars = hits.reshape(len(mid), -1, 16, hits.shape[-1])
            line += (
                f"; midpoints: kick or snare in {bars[..., :2].any(axis=(2, 3)).mean():.3f}"
                f" of bars, {bars.sum(axis=(2, 3)).mean():.1f} hits a bar"
            )
        if args.alone:
            ms = []
            for i in range(min(args.alone, len(ex))):
                began = time.perf_counter()
                model.refine(
                    enc.mu[i : i + 1], [ex.outputs[i]], [ex.lengths[i]], steps=steps, rate=rate
                )
                ms.append((time.perf_counter() - began) * 1000)
            line += f"; alone: p50 {np.median(ms):.0f} ms, mean {np.mean(ms):.0f} ms a window"
        print(line)
    if spec.role is Role.DRUMS:
        true = hits_from_outputs(spec, ex.outputs)
        assert true is not None
        per_bar = true.reshape(len(ex), -1, 16, true.shape[-1]).sum(axis=(2, 3)).mean()
        print(f"held-out windows: {per_bar:.1f} hits a bar")
    model.close()


if __name__ == "__main__":
    main()
