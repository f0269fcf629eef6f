"""Drum variations on held-out beats: how new they are and whether they keep the feel.

For 2-bar windows of the Groove MIDI Dataset's validation beats (4/4, played
by drummers, never trained on), asks the engine for variations with a drum
model at several similarities, same seeds for every setting, and reports:

- hit F1 of each output to its input (hits: drum class x 16th, Magenta's
  9 drum classes), and of an unrelated held-out beat to the input (the floor);
- copy rate (an output whose hits equal the input's) and duplicate rate (two
  outputs of one request with equal hits), and how many redraws that took;
- velocity error of kept hits (an output hit on an input hit: |velocity
  difference|) and timing error of kept hits (|onset difference|, in 16ths);
- velocity spread (standard deviation within a clip) of outputs and of the
  real beats.

    uv run python scripts/variation_feel.py ../shared/data/groove-midi --model lb-drums \
        --windows 60 --out variation_feel.json

Each setting runs twice, with the feel off (the model's raw output, as
before) and on, on the same beats and seeds.

Then the feel of new hits, where the truth is known: a quarter of each
beat's hits (seeded) are taken out of the input and the whole beat, on the
grid at one velocity, is the "output"; each taken-out hit gets its velocity
and timing from the input's table alone, or with the groove model
(``--groove``) playing the pattern, and is compared with the drummer's.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from bridge.clips import Clip, Note
from bridge.convert import read_midi_and_tempo, split_windows
from bridge.engine import Engine
from bridge.feel import DRUM_NAMES, STEP, carry_feel, drum_class
from bridge.profile import resolve_model_ref


def hits(clip: Clip) -> dict[tuple[int, int], Note]:
    out: dict[tuple[int, int], Note] = {}
    for n in clip.notes:
        cls = drum_class(n.pitch)
        if n.mute or cls >= len(DRUM_NAMES):  # a pitch no drum class names
            continue
        key = (cls, round(n.start_time / STEP))
        if key not in out or n.velocity > out[key].velocity:
            out[key] = n
    return out


def f1(a: set[Any], b: set[Any]) -> float:
    if not a and not b:
        return 1.0
    both = len(a & b)
    return 0.0 if both == 0 else 2 * both / (len(a) + len(b))


def windows(dataset: Path, count: int, seed: int) -> list[tuple[Clip, float]]:
    """A 2-bar window of 8 hits or more from each of ``count`` held-out beats, with its tempo."""
    rows = [
        r
        for r in csv.DictReader((dataset / "info.csv").open())
        if r["split"] == "validation" and r["beat_type"] == "beat" and r["time_signature"] == "4-4"
    ]
    rng = np.random.default_rng(seed)
    rng.shuffle(rows)  # type: ignore[arg-type]
    out: list[tuple[Clip, float]] = []
    for r in rows:
        found, qpm = read_midi_and_tempo(dataset / r["midi_filename"])
        tracks = [t for t in found if t.is_drum]
        if not tracks:
            continue
        wins = [w for w in split_windows(tracks[0].clip, 8.0, loop=False) if len(w.notes) >= 8]
        if wins:
            out.append((wins[int(rng.integers(len(wins)))], qpm))
        if len(out) >= count:
            break
    return out


def velocity_spread(clip: Clip) -> float:
    v = [n.velocity for n in clip.notes if not n.mute]
    return float(np.std(v)) if len(v) > 1 else 0.0


def mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def run(
    engine: Engine,
    model: str,
    beats: list[tuple[Clip, float]],
    similarity: float,
    count: int,
    feel: bool,
) -> dict[str, Any]:
    scores: dict[str, list[float]] = {k: [] for k in ("f1", "vel_err", "time_err", "spread")}
    copies = duplicates = outputs = redraws = 0
    started = time.perf_counter()
    for k, (beat, qpm) in enumerate(beats):
        gen = engine.variations(
            model, beat, count, similarity=similarity, seed=1000 + k, feel=feel, qpm=qpm
        )
        redraws += int(gen.params.get("redraws", 0))
        mine = hits(beat)
        seen: list[frozenset[tuple[int, int]]] = []
        for clip in gen.clips:
            theirs = hits(clip)
            keys = frozenset(theirs)
            outputs += 1
            copies += keys == frozenset(mine)
            duplicates += keys in seen
            seen.append(keys)
            scores["f1"].append(f1(set(mine), set(theirs)))
            scores["spread"].append(velocity_spread(clip))
            for key in set(mine) & set(theirs):
                scores["vel_err"].append(abs(mine[key].velocity - theirs[key].velocity))
                dt = abs(mine[key].start_time - theirs[key].start_time) / STEP
                scores["time_err"].append(dt)
    return {
        "similarity": similarity,
        "feel": feel,
        "hit_f1": mean(scores["f1"]),
        "copy_rate": copies / outputs,
        "duplicate_rate": duplicates / outputs,
        "redraws_per_request": redraws / len(beats),
        "kept_velocity_error": mean(scores["vel_err"]),
        "kept_timing_error_16ths": mean(scores["time_err"]),
        "velocity_spread": mean(scores["spread"]),
        "seconds": round(time.perf_counter() - started, 1),
    }


def new_hit_feel(
    engine: Engine, groove: str, beats: list[tuple[Clip, float]], seed: int = 5
) -> dict[str, Any]:
    """Velocity and timing errors of hits taken out of the input and played as new."""
    rng = np.random.default_rng(seed)
    errors: dict[str, tuple[list[float], list[float]]] = {}
    for k, (beat, qpm) in enumerate(beats):
        truth = hits(beat)
        keys = sorted(truth)
        out = {keys[i] for i in rng.permutation(len(keys))[: max(1, len(keys) // 4)]}
        given = beat.with_notes(n for key, n in truth.items() if key not in out)
        grid = beat.with_notes(
            Note(n.pitch, key[1] * STEP, n.duration, 80.0)
            for key, n in truth.items()
            if key[1] * STEP < beat.length
        )
        played = engine.humanize(groove, grid, seed=100 + k, qpm=qpm).clips[0]
        takes = {
            "the input's table": carry_feel(given, grid, drums=True),
            f"with {groove} in context": carry_feel(given, grid, drums=True, played=played),
            f"{groove} alone": played,
        }
        for label, clip in takes.items():
            v, t = errors.setdefault(label, ([], []))
            found = hits(clip)
            for key in out & found.keys():
                v.append(abs(found[key].velocity - truth[key].velocity))
                t.append(abs(found[key].start_time - truth[key].start_time) / STEP)
    return {
        label: {"velocity_error": mean(v), "timing_error_16ths": mean(t), "hits": len(v)}
        for label, (v, t) in errors.items()
    }


def show(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", type=Path, help="the Groove MIDI Dataset folder (info.csv)")
    ap.add_argument("--model", default="lb-drums")
    ap.add_argument("--windows", type=int, default=60)
    ap.add_argument("--count", type=int, default=4, help="variations a request")
    ap.add_argument("--similarities", default="1.0,0.9,0.8,0.6,0.4,0.2")
    ap.add_argument("--feel", choices=("both", "on", "off"), default="both")
    ap.add_argument(
        "--groove", default="lb-groove", help="the groove model for new hits ('none': the table)"
    )
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    name, ckpt = resolve_model_ref(args.model, None)
    checkpoints = {name: str(ckpt)} if ckpt else {}
    groove = None
    if args.groove != "none":
        groove, groove_ckpt = resolve_model_ref(args.groove, None)
        if groove_ckpt:
            checkpoints[groove] = str(groove_ckpt)
    engine = Engine(device="cpu", checkpoints=checkpoints, groove=groove)
    beats = windows(args.dataset, args.windows, seed=0)
    clips = [c for c, _ in beats]
    others = clips[1:] + clips[:1]
    floor = float(
        np.mean([f1(set(hits(a)), set(hits(b))) for a, b in zip(clips, others, strict=True)])
    )
    real_spread = float(np.mean([velocity_spread(b) for b in clips]))
    print(
        f"{len(beats)} held-out 2-bar beats of {args.dataset.name}; hit F1 of an unrelated "
        f"beat {floor:.3f}; real velocity spread {real_spread:.1f}"
    )
    head = (
        "feel",
        "similarity",
        "hit F1",
        "copies",
        "duplicates",
        "redraws/req",
        "kept vel err",
        "kept timing err (16ths)",
        "vel spread",
    )
    print(" | ".join(head))
    rows = []
    feels = {"both": (False, True), "on": (True,), "off": (False,)}[args.feel]
    for feel in feels:
        for sim in (float(s) for s in args.similarities.split(",")):
            row = run(engine, name, beats, sim, args.count, feel)
            rows.append(row)
            cells = [
                "on" if feel else "off (raw)",
                f"{sim:.2f}",
                show(row["hit_f1"]),
                f"{row['copy_rate']:.2f}",
                f"{row['duplicate_rate']:.2f}",
                f"{row['redraws_per_request']:.2f}",
                show(row["kept_velocity_error"]),
                show(row["kept_timing_error_16ths"]),
                show(row["velocity_spread"]),
            ]
            print(" | ".join(cells), flush=True)
    new_hits: dict[str, Any] = {}
    if groove is not None:
        new_hits = new_hit_feel(engine, groove, beats)
        print(
            "new hits (a quarter of each beat taken out): | velocity error | timing error (16ths)"
        )
        for label, row in new_hits.items():
            cells = [label, show(row["velocity_error"]), show(row["timing_error_16ths"])]
            print(" | ".join(cells) + f" | {row['hits']} hits")
    engine.close()
    report = {
        "model": name,
        "groove": groove,
        "windows": len(beats),
        "unrelated_hit_f1": floor,
        "real_velocity_spread": real_spread,
        "rows": rows,
        "new_hits": new_hits,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
