"""Does a prior fitted to a folder make a drum model's samples sound like it?

For a drum model and a folder of MIDI files (a musician's 15 files): fit a
latent prior to the folder's windows in memory (the model's own files are not
touched), draw the same noise through the model's prior, N(0, I) and the
folder's prior, and compare each set of samples with the folder's own
windows: how often each drum class plays per 16th, the L1 distance between
those profiles, hits a bar, and the share of samples whose two bars of hits
are exactly those of one of the folder's windows (copies, not new beats).

    uv run python scripts/prior_style.py models/lb-drums data/funk15
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from bridge.engine.checkpoint import resolve_checkpoint
from bridge.engine.model import LoadedModel
from bridge.engine.prior import LatentPrior, fit_prior
from bridge.engine.registry import Role
from bridge.feel import DRUM_NAMES
from bridge.train.data import build_dataset
from bridge.train.evaluate import hits_from_outputs
from bridge.train.rundir import read_run, run_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="a drum model directory")
    parser.add_argument("folder", type=Path, help="MIDI files whose style to aim at")
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--temperature", type=float, default=0.5)
    args = parser.parse_args()

    spec = run_spec(read_run(args.model))
    if spec.role is not Role.DRUMS:
        parser.error(f"{args.model} is a {spec.role.value} model; this compares drum patterns")
    prefix = resolve_checkpoint(args.model)
    with tempfile.TemporaryDirectory() as cache:
        data = build_dataset(args.folder, spec, Path(cache), eval_fraction=0.0).train.dense()
    model = LoadedModel(spec.with_checkpoint(str(prefix)), batch_size=64, refine=False)
    try:

        def hit_grids(tensors: np.ndarray) -> np.ndarray:
            hits = hits_from_outputs(spec, tensors)
            assert hits is not None
            return np.asarray(hits, bool)

        def profile(grids: np.ndarray) -> np.ndarray:
            return np.asarray(grids.reshape(len(grids), -1, grids.shape[-1]).mean(axis=(0, 1)))

        mu = model.encode_tensors(
            list(data.inputs), list(data.lengths), list(data.controls), seed=0
        ).mu
        folder_prior = fit_prior(mu, prefix.name)
        own = hit_grids(data.outputs)
        seen = {g.tobytes() for g in own}
        target = profile(own)
        k = model.z_size
        priors: dict[str, LatentPrior | None] = {
            "N(0, I)": LatentPrior(np.zeros(k), np.eye(k), 0, 0.0, prefix.name),
            "the model's prior": model.prior,
            "a prior fitted to the folder": folder_prior,
        }
        noise = np.random.default_rng(0).standard_normal((args.samples, k)).astype(np.float32)
        rows = [("the folder's windows", target, 1.0)]
        for label, prior in priors.items():
            if prior is None:
                continue
            out = model.decode_tensors(
                prior.draw(noise),
                temperature=args.temperature,
                seed=0,
                length=model.max_seq_len,
            )
            grids = hit_grids(out)
            copies = float(np.mean([g.tobytes() in seen for g in grids]))
            rows.append((label, profile(grids), copies))
    finally:
        model.close()

    print(
        f"{len(data)} windows of {args.folder}; {args.samples} samples at temperature "
        f"{args.temperature}; the folder's prior has shrinkage {folder_prior.shrinkage:g}\n"
    )
    head = " | ".join(DRUM_NAMES[: len(target)])
    print(f"| latents from | L1 to the folder | hits a bar | copies of a window | {head} |")
    print("|---|---:|---:|---:|" + "---:|" * len(target))
    for label, p, copies in rows:
        cells = " | ".join(f"{v:.3f}" for v in p)
        l1 = np.abs(p - target).sum()
        print(f"| {label} | {l1:.3f} | {p.sum() * 16:.1f} | {copies:.1%} | {cells} |")


if __name__ == "__main__":
    main()
