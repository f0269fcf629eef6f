"""Folders of links into the Groove MIDI Dataset, for training and the seed scenario.

Reads ``info.csv`` of the dataset and makes, under OUT:

- ``pretrain/``: the train split, less the 15 funk beats of ``funk15/``;
- ``gmd_val/``: the validation split (held out for every bundled model's card);
- ``funk15/``: 15 funk beats in 4/4 from the train split (seeded choice), the
  "15 files of one style" of the fine-tuning scenario;
- ``funk_val/``: the funk beats in 4/4 of the validation split.

    uv run python scripts/gmd_folders.py ../shared/data/groove-midi /work/data
"""

from __future__ import annotations

import argparse
import csv
import os
import random
from pathlib import Path


def link(root: Path, name: str, dest: Path) -> None:
    target = dest / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.symlink((root / name).resolve(), target)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--style", default="funk")
    ap.add_argument("--files", type=int, default=15)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rows = list(csv.DictReader((args.dataset / "info.csv").open()))

    def of_style(r: dict[str, str]) -> bool:
        return (
            r["style"].split("/")[0] == args.style
            and r["beat_type"] == "beat"
            and r["time_signature"] == "4-4"
        )

    chosen = sorted(
        (r for r in rows if of_style(r) and r["split"] == "train"), key=lambda r: r["midi_filename"]
    )
    random.Random(args.seed).shuffle(chosen)
    few = {r["midi_filename"] for r in chosen[: args.files]}
    style = f"{args.style}{args.files}"
    for r in rows:
        name = r["midi_filename"]
        if r["split"] == "train":
            link(args.dataset, name, args.out / (style if name in few else "pretrain"))
        elif r["split"] == "validation":
            link(args.dataset, name, args.out / "gmd_val")
            if of_style(r):
                link(args.dataset, name, args.out / f"{args.style}_val")
    print(f"{len(few)} {args.style} files held back for the scenario; folders in {args.out}")


if __name__ == "__main__":
    main()
