"""Endless: how far ahead of real time the conductor runs, and what an hour sounds like.

With the bundled models (lb-drums, lb-melody, lb-groove) on this machine:

- **Real-time factor**: bars made per second against bars played per second
  at 120 bpm (0.5 bar/s), with the groove model playing the drums and
  without, measured side by side (alternating phrases of the same streams).
- **An hour** (``--bars``, 1800 at 120 bpm) rendered to a file: wall time,
  the share of bars each part plays, notes per bar, the pitched parts'
  notes in the stream's key, and the distribution of the drums' hit F1
  from one bar to the next (and to the bar two on, the same place in a
  2-bar pattern), beside the same figures for real drummers: the 4/4 beats
  of the Groove MIDI Dataset's validation split (``--gmd``).

Prints a table and writes JSON (``benchmarks/results/endless.json``).

    uv run python benchmarks/bench_endless.py                 # an hour, ~5 min on 2 cores
    uv run python benchmarks/bench_endless.py --bars 240 --rtf-phrases 8
"""

from __future__ import annotations

import argparse
import csv
import itertools
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from profiles import machine, machine_line, pct, write_report
from rich.console import Console
from rich.table import Table

GMD = Path(__file__).resolve().parents[2] / "shared" / "data" / "groove-midi"


def f1(a: frozenset[Any], b: frozenset[Any]) -> float:
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "n": len(values),
        "p10": pct(values, 0.1),
        "p50": pct(values, 0.5),
        "p90": pct(values, 0.9),
        "mean": statistics.fmean(values),
        "frozen": sum(v == 1.0 for v in values) / len(values),
    }


def bar_hits(clip: Any, bars: int) -> list[frozenset[Any]]:
    from bridge.convert import split_windows
    from bridge.feel import hit_set

    return [hit_set(w, True) for w in split_windows(clip, 4.0, loop=False)[:bars]]


def real_drummers(root: Path) -> dict[str, Any]:
    """Bar-to-bar hit F1 of the validation split's 4/4 beats (real playing)."""
    from bridge.convert import read_midi

    next_bar, two_on, files = [], [], 0
    with (root / "info.csv").open() as f:
        for row in csv.DictReader(f):
            if row["split"] != "validation" or row["beat_type"] != "beat":
                continue
            if row["time_signature"] != "4-4":
                continue
            tracks = [t for t in read_midi(root / row["midi_filename"]) if t.is_drum]
            if not tracks:
                continue
            clip = tracks[0].clip
            hits = bar_hits(clip, int(clip.length // 4))
            next_bar += [f1(a, b) for a, b in itertools.pairwise(hits)]
            two_on += [f1(a, b) for a, b in zip(hits, hits[2:], strict=False)]
            files += 1
    return {"files": files, "next_bar": spread(next_bar), "two_bars_on": spread(two_on)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--bars", type=int, default=1800, help="bars of the long render (an hour)")
    ap.add_argument("--rtf-phrases", type=int, default=16, help="phrases timed per side")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gmd", type=Path, default=GMD, help="the Groove MIDI Dataset (baseline)")
    ap.add_argument("--mid", type=Path, help="also keep the long render here")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "endless.json")
    args = ap.parse_args(argv)
    console = Console() if sys.stdout.isatty() else Console(width=150)
    console.print("importing TensorFlow and Magenta ...")
    import tempfile

    from bridge.endless import Conductor, Settings, make_parts, render
    from bridge.engine import Engine
    from bridge.profile import bundled_groove, resolve_model_ref

    drums, drums_ckpt = resolve_model_ref("lb-drums", None)
    melody, melody_ckpt = resolve_model_ref("lb-melody", None)
    checkpoints = {drums: str(drums_ckpt), melody: str(melody_ckpt)}
    groove = bundled_groove(checkpoints)
    assert groove is not None, "the bundled groove model is missing"
    checkpoints[groove[0]] = groove[1]
    engine = Engine(device="cpu", checkpoints=checkpoints, groove=groove[0])
    parts = make_parts(("drums", "bass", "lead"), drums, melody)

    def conductor(seed: int) -> Conductor:
        return Conductor(engine, parts, Settings(seed=seed))

    # Warm up: models loaded, graphs built.
    conductor(0).phrase(0)
    # Real-time factor, the groove model on and off, alternating phrase by phrase.
    with_groove, without_groove = conductor(args.seed), conductor(args.seed)
    seconds = {"groove": 0.0, "no groove": 0.0}
    bars = {"groove": 0, "no groove": 0}
    for g in range(args.rtf_phrases):
        for name, c in (("groove", with_groove), ("no groove", without_groove)):
            engine.groove = groove[0] if name == "groove" else None
            t = time.perf_counter()
            made = c.phrase(g)
            seconds[name] += time.perf_counter() - t
            bars[name] += len(made)
    engine.groove = groove[0]
    played_per_second = 120 / 60 / 4
    rtf = {k: bars[k] / seconds[k] / played_per_second for k in seconds}

    # An hour, into a file.
    with tempfile.TemporaryDirectory() as tmp:
        path = args.mid or Path(tmp) / "hour.mid"
        t = time.perf_counter()
        hour = render(conductor(args.seed), args.bars, path, qpm=120)
        wall = time.perf_counter() - t
        size = path.stat().st_size
    c = conductor(args.seed)
    key = c.key
    scale_steps = (0, 2, 3, 5, 7, 8, 10) if key.minor else (0, 2, 4, 5, 7, 9, 11)
    scale = {(key.tonic + s) % 12 for s in scale_steps}
    names = hour[0].parts
    plays = {n: sum(n in b.playing for b in hour) / len(hour) for n in names}
    notes = {
        n: statistics.fmean(len(b.tracks[k].clip.notes) for b in hour if n in b.playing)
        for k, n in enumerate(names)
        if plays[n]
    }
    in_key = {}
    for k, n in enumerate(names):
        pcs = [x.pitch % 12 for b in hour for x in b.tracks[k].clip.notes]
        if n != "drums" and pcs:
            in_key[n] = sum(p in scale for p in pcs) / len(pcs)
    from bridge.feel import hit_set

    drum_bars = [(b.index, hit_set(b.tracks[0].clip, True)) for b in hour if "drums" in b.playing]
    playing = dict(drum_bars)
    next_bar = [f1(h, playing[i + 1]) for i, h in drum_bars if i + 1 in playing]
    two_on = [f1(h, playing[i + 2]) for i, h in drum_bars if i + 2 in playing]
    sections = hour[-1].section + 1
    velocities = [n.velocity for b in hour for n in b.tracks[0].clip.notes]

    real = real_drummers(args.gmd) if (args.gmd / "info.csv").exists() else None

    report: dict[str, Any] = {
        "machine": machine(),
        "seed": args.seed,
        "key": str(key),
        "real_time_factor_120bpm": rtf,
        "rtf_bars": bars,
        "rtf_seconds": seconds,
        "hour": {
            "bars": len(hour),
            "wall_seconds": wall,
            "midi_bytes": size,
            "sections": sections,
            "parts_play_share": plays,
            "notes_per_playing_bar": notes,
            "pitched_notes_in_key": in_key,
            "drum_velocity_spread": statistics.pstdev(velocities),
            "drums_next_bar_f1": spread(next_bar),
            "drums_two_bars_on_f1": spread(two_on),
        },
        "real_drummers_gmd_validation": real,
    }

    console.print(machine_line(report["machine"]))
    t1 = Table(title="Real-time factor at 120 bpm (bars made / bars played), side by side")
    t1.add_column("drums played by")
    t1.add_column("bars", justify="right")
    t1.add_column("seconds", justify="right")
    t1.add_column("x real time", justify="right")
    for k in seconds:
        label = "lb-groove" if k == "groove" else "metrical accents"
        t1.add_row(label, str(bars[k]), f"{seconds[k]:.1f}", f"{rtf[k]:.1f}")
    console.print(t1)
    h = report["hour"]
    console.print(
        f"{len(hour)} bars ({len(hour) * 2 / 60:.0f} min at 120 bpm) rendered in {wall:.1f} s "
        f"({len(hour) * 2 / wall:.0f}x real time), {sections} sections, key {key}; "
        f"drum velocity spread {h['drum_velocity_spread']:.1f}"
    )
    t2 = Table(title="Parts")
    for col in ("part", "plays in", "notes/bar", "in key"):
        t2.add_column(col, justify="right")
    for n in names:
        ik = f"{in_key[n]:.0%}" if n in in_key else "-"
        t2.add_row(n, f"{plays[n]:.0%}", f"{notes.get(n, 0):.1f}", ik)
    console.print(t2)
    t3 = Table(title="Drums' hit F1 between bars (p10 / p50 / p90, share identical)")
    t3.add_column("")
    t3.add_column("next bar", justify="right")
    t3.add_column("two bars on", justify="right")

    def fmt(s: dict[str, float]) -> str:
        if not s:
            return "-"
        return f"{s['p10']:.2f} / {s['p50']:.2f} / {s['p90']:.2f}, {s['frozen']:.0%}"

    t3.add_row("endless", fmt(h["drums_next_bar_f1"]), fmt(h["drums_two_bars_on_f1"]))
    if real:
        label = f"real drummers ({real['files']} GMD validation beats)"
        t3.add_row(label, fmt(real["next_bar"]), fmt(real["two_bars_on"]))
    console.print(t3)
    write_report(args.out, report, console.print)
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
