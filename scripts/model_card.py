"""Print the figures of an exported model (its run.json) as Markdown tables.

The model cards in models/*/README.md quote these tables; rerun after a new
export to refresh them.

    uv run python scripts/model_card.py models/lb-drums
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SHOWN = [
    ("eval_loss", "eval loss (recon + max_beta x KL)"),
    ("teacher_forced_accuracy", "teacher-forced accuracy"),
    ("sampled_accuracy", "reconstruction accuracy, decode(encode(x))"),
    ("hit_f1", "hit F1, decode(encode(x)) vs x, per 16th and drum class"),
    ("hit_precision", "hit precision"),
    ("hit_recall", "hit recall"),
    ("velocity_mae", "velocity error at hits (MIDI units)"),
    ("velocity_mae_baseline", "  same, quantized input at one velocity (the median)"),
    ("velocity_mae_table", "  same, mean velocity of each drum and 16th position"),
    ("offset_mae_steps", "timing error at hits (16th steps)"),
    ("offset_mae_steps_baseline", "  same, quantized input"),
    ("offset_mae_steps_table", "  same, mean offset of each drum and 16th position"),
    ("groove_hits_scored", "hits scored (played by both output and performance)"),
    ("kl_bits", "KL (bits)"),
]
for _group in ("drums", "bass", "other"):
    SHOWN += [
        (f"note_f1_{_group}", f"{_group}: note F1 (pitch and onset to the 16th)"),
        (f"accuracy_{_group}", f"{_group}: reconstruction accuracy of its events"),
        (f"program_accuracy_{_group}", f"{_group}: instrument (program) decoded right"),
        (f"instruments_{_group}", f"{_group}: instruments scored"),
    ]


def fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def main(folder: Path) -> None:
    run = json.loads((folder / "run.json").read_text())
    held = run.get("heldout", {})
    train = run.get("train", {})
    changed = run.get("hparam_overrides") or {}
    hparams = " with " + ", ".join(f"`{k}={v}`" for k, v in changed.items()) if changed else ""
    print(f"- config: `{run['model']}`{hparams}; training steps: {run.get('step')}")
    rate = train.get("learning_rate") or "the config's (1e-3, decaying)"
    print(f"- batch size {train.get('batch_size')}, learning rate {rate}")
    data = run.get("data", {})
    print(
        f"- training data: {data.get('train_examples')} examples from "
        f"{data.get('train_files')} files"
    )
    print(f"- checkpoint size: {run.get('size_bytes', 0) / 1e6:.1f} MB\n")
    hp = run.get("hparams") or {}
    # Magenta evaluates a scheduled-sampling config with the decoder reading
    # its own samples at every step (the end of the schedule), not the target.
    scheduled = hp.get("sampling_schedule") not in (None, "constant") or (
        hp.get("sampling_schedule") == "constant" and float(hp.get("sampling_rate") or 0) > 0
    )
    labels = dict(SHOWN)
    if scheduled:
        labels["teacher_forced_accuracy"] = "step accuracy, decoder reading its own samples"
    if held:
        print(f"Held-out: {held.get('examples')} examples from {held.get('files')} files.\n")
        print("| metric | value |\n|---|---:|")
        for key, label in labels.items():
            if key in held:
                print(f"| {label} | {fmt(held[key])} |")
        if "refine_steps" in held:
            steps = int(held["refine_steps"])
            print(
                f"\nThe same, each latent first refined {steps} steps to fit its example "
                f"(`--refine-steps {steps}`; teacher-forced loss "
                f"{held['refined_loss_before']:.2f} at the encoder's mean, "
                f"{held['refined_loss_after']:.2f} after):\n"
            )
            print("| metric | value |\n|---|---:|")
            for key, label in labels.items():
                if f"refined_{key}" in held:
                    print(f"| {label} | {fmt(held[f'refined_{key}'])} |")
    samples = run.get("samples")
    standard = run.get("samples_standard_prior")
    music = run.get("heldout_music") or {}
    prior = run.get("prior")
    if samples and standard:
        print(
            f"\nRandom samples ({samples['samples']} at temperature {samples['temperature']}), "
            f"latents drawn from the fitted prior (fitted to {prior['windows']} training "
            "windows; the latents of windows left out of the fit are "
            f"{prior['held_out_gain_nats_per_dim']:+.2f} nats a dimension more likely under "
            "it than under N(0, I)) and from N(0, I) as Magenta draws them, against the "
            f"held-out music itself ({music.get('windows', 0)} windows):\n"
        )
        print("| metric | fitted prior | N(0, I) | held-out music |\n|---|---:|---:|---:|")
        for k, v in samples.items():
            if k not in ("samples", "temperature", "prior"):
                print(f"| {k} | {fmt(v)} | {fmt(standard.get(k))} | {fmt(music.get(k, '-'))} |")
    elif samples:
        print("\nRandom samples:\n\n| metric | value |\n|---|---:|")
        for k, v in samples.items():
            print(f"| {k} | {fmt(v)} |")
    variations = run.get("variations")
    if variations:
        print("\nVariations of the held-out bars (the multitrack operation):\n")
        print("| metric | value |\n|---|---:|")
        for k, v in variations.items():
            print(f"| {k} | {fmt(v)} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
