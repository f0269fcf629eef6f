"""Humanize a held-out folder of drum MIDI with groove models, against a table of the train folder.

The "your band in fifteen songs" check for groove models: a musician
fine-tunes lb-groove on their drummer's files (``TRAIN_DIR``) and humanizes
beats of the same band it never heard (``HELD_DIR``). Every 2-bar window with
8 hits or more of ``HELD_DIR``'s drum parts is quantized (every hit on its
16th at the train folder's median velocity) and humanized through the engine
at its file's tempo by each ``--model``, with its own dynamics and with its
raw velocities. Scored at the performance's hits as in
``scripts/groove_tables.py``: velocity error (MIDI units), timing error
(16ths), and the velocity spread within a window beside the drummer's;
the reference is a per-drum x 16th table fitted on ``TRAIN_DIR``.

    uv run python scripts/groove_folder.py data/funk15 data/funk_val \
        --model models/lb-groove --model runs/funk-groove --out groove_folder.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from groove_tables import WINDOW, Tables, hits, offset, quantized

from bridge.clips import Clip
from bridge.convert import read_midi_and_tempo, split_windows
from bridge.engine import Engine
from bridge.profile import resolve_model_ref


def folder_beats(folder: Path) -> list[tuple[Clip, float]]:
    """Every 2-bar window with 8 hits or more of the folder's drum parts, with its tempo."""
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".mid", ".midi")):
        tracks, qpm = read_midi_and_tempo(path)
        for t in tracks:
            if t.is_drum:
                wins = split_windows(t.clip, WINDOW, loop=False)
                out += [(w, qpm) for w in wins if len(hits(w)) >= 8]
    return out


Played = dict[tuple[int, int], tuple[float, float]]  # (drum, 16th) -> velocity, offset


def played(take: Clip) -> Played:
    return {k: (n.velocity, offset(n)) for k, n in hits(take).items()}


def score(held: list[tuple[Clip, float]], takes: list[Played]) -> dict[str, float]:
    """Mean errors at the performances' hits, and the takes' mean velocity spread."""
    dv, dt, spreads = [], [], []
    for (clip, _), take in zip(held, takes, strict=True):
        spreads.append(float(np.std([v for v, _ in take.values()])))
        for key, note in hits(clip).items():
            if key in take:
                dv.append(abs(take[key][0] - note.velocity))
                dt.append(abs(take[key][1] - offset(note)))
    return {"velocity_error": float(np.mean(dv)), "timing_error_16ths": float(np.mean(dt)),
            "velocity_spread": float(np.mean(spreads)), "hits": len(dv)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("train_dir", type=Path, help="the folder the table is fitted on")
    ap.add_argument("held_dir", type=Path, help="held-out MIDI files to humanize")
    ap.add_argument("--model", action="append", required=True, help="a groove model (repeat)")
    ap.add_argument("--temperature", type=float, default=0.3, help="humanize's default")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    train, held = folder_beats(args.train_dir), folder_beats(args.held_dir)
    tables = Tables(train)
    inputs = [quantized(clip, tables.velocity) for clip, _ in held]
    drummers = float(np.mean([np.std([n.velocity for n in hits(c).values()]) for c, _ in held]))
    table = [{k: tables.by_cell(k) for k in hits(clip)} for clip, _ in held]
    rows: list[dict[str, Any]] = [
        {"what": "per-drum x 16th table of the train folder", **score(held, table)}
    ]
    for ref in args.model:
        name, ckpt = resolve_model_ref(ref, None)
        engine = Engine(device="cpu", checkpoints={name: str(ckpt)} if ckpt else {})
        loaded = engine.model(name)
        dynamics, loaded.dynamics = loaded.dynamics, None  # raw takes, played through it here
        raw = [
            engine.humanize(name, x, seed=i, temperature=args.temperature, qpm=qpm).clips[0]
            for i, (x, (_, qpm)) in enumerate(zip(inputs, held, strict=True))
        ]
        engine.close()
        if dynamics is not None:
            takes = [played(dynamics.play(t)) for t in raw]
            rows.append({"what": f"{ref}, contrast {dynamics.contrast:g}", **score(held, takes)})
        rows.append({"what": f"{ref}, raw velocities", **score(held, list(map(played, raw)))})
    ref_v, ref_t = rows[0]["velocity_error"], rows[0]["timing_error_16ths"]
    print(
        f"{len(held)} held-out 2-bar windows of {args.held_dir}; table from {len(train)} "
        f"windows of {args.train_dir}; the drummers' velocity spread {drummers:.1f}"
    )
    print("| | velocity error | x table | timing (16ths) | x table | spread | vs drummers |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        v, t, s = r["velocity_error"], r["timing_error_16ths"], r["velocity_spread"]
        print(
            f"| {r['what']} | {v:.2f} | {v / ref_v:.3f} | {t:.4f} | {t / ref_t:.3f} "
            f"| {s:.1f} | {s / drummers - 1:+.0%} |"
        )
    if args.out:
        report = {"held_windows": len(held), "train_windows": len(train), "rows": rows,
                  "drummer_spread": drummers, "temperature": args.temperature}  # fmt: skip
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
