"""Does a band model sound like the band? Instruments and density of its samples.

For a folder of a band's songs (MIDI) and one or more band models (the
bundled one, a fine-tune of it on the folder), this measures what 32 samples
of each model play against what the songs play:

- **instruments**: the General MIDI programs of the samples' pitched parts,
  and the share of those parts whose program the band itself uses (at least
  2% of its pitched notes); with ``--band GLOB`` only the matching files are
  "the band" and the rest are the other songs of the folder, whose programs
  are counted apart;
- **density**: notes a bar of the drums, the bass and the other parts
  (bars where the part plays), and the share of bars where each plays.

With ``--endless BARS`` the same is measured on an endless stream of each
model (``latent-bridge endless --band-model``, all four parts).

Songs are read as the models read them (bridge.train.band: parts by role,
every bar on the 4/4 grid)::

    uv run python scripts/band_story.py data/band15 --band '*redfarn*' \\
        --model lb-multitrack --model runs/band15 --out band_story.json
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROLES = ("drums", "bass", "other")
SHARE_FLOOR = 0.02  # a program the band uses for at least this share of its pitched notes


def _role(is_drum: bool, program: int) -> str:
    from bridge.convert import BASS_PROGRAMS

    return "drums" if is_drum else ("bass" if program in BASS_PROGRAMS else "other")


def song_stats(files: list[Path]) -> dict[str, Any]:
    """Programs (by pitched notes) and notes a bar per role of songs."""
    import note_seq

    from bridge.train.band import prepare_band

    programs: Counter[int] = Counter()
    notes = dict.fromkeys(ROLES, 0)
    playing = dict.fromkeys(ROLES, 0)
    bars = 0
    for path in files:
        seq, use = prepare_band(note_seq.midi_file_to_note_sequence(str(path)))
        bars += use.model_bars
        per_bar: dict[tuple[str, int], int] = Counter()
        for n in seq.notes:
            role = _role(n.is_drum, n.program)
            if not n.is_drum:
                programs[n.program] += 1
            per_bar[(role, int(n.start_time // 2.0))] += 1
        for (role, _), count in per_bar.items():
            notes[role] += count
            playing[role] += 1
    total = sum(programs.values()) or 1
    return {
        "files": len(files),
        "bars": bars,
        "programs": {p: round(c / total, 3) for p, c in programs.most_common()},
        "notes_per_bar": {r: round(notes[r] / playing[r], 1) if playing[r] else 0 for r in ROLES},
        "bars_playing": {r: round(playing[r] / bars, 3) if bars else 0 for r in ROLES},
    }


def sample_stats(model: str, count: int, temperature: float, seed: int) -> dict[str, Any]:
    """What ``count`` one-bar samples of a band model play."""
    from bridge.engine import Engine
    from bridge.profile import resolve_model_ref

    name, checkpoint = resolve_model_ref(model, None)
    engine = Engine(checkpoints={name: str(checkpoint)}, device="cpu", refine_steps=0)
    try:
        gen = engine.sample(name, count, temperature=temperature, seed=seed)
        prior = engine.model(name).prior_status
    finally:
        engine.close()
    return {
        "model": model,
        "latent_prior": prior,
        "samples": len(gen.outputs),
        **bar_stats(gen.outputs),
    }


def bar_stats(bars: list[Any]) -> dict[str, Any]:
    """Programs of the pitched parts, notes a bar per role (every part of a
    role together, as for the songs) and the share of bars each role plays,
    for bars given as lists of tracks."""
    programs: Counter[int] = Counter()
    notes: dict[str, list[int]] = {r: [] for r in ROLES}
    for tracks in bars:
        bar: Counter[str] = Counter()
        for t in tracks:
            if not t.clip.notes:
                continue
            bar[_role(t.is_drum, t.program)] += len(t.clip.notes)
            if not t.is_drum:
                programs[t.program] += 1
        for role, count in bar.items():
            notes[role].append(count)
    return {
        "programs": dict(programs.most_common()),
        "notes_per_bar": {r: round(statistics.mean(v), 1) if v else 0 for r, v in notes.items()},
        "bars_playing": {r: round(len(v) / max(1, len(bars)), 3) for r, v in notes.items()},
    }


def endless_stats(model: str, bars: int, seed: int) -> dict[str, Any]:
    """What ``bars`` bars of an endless stream on a band model play
    (``latent-bridge endless --band-model``: drums, bass, lead, keys)."""
    from bridge.endless import Conductor, Settings, make_parts
    from bridge.engine import Engine
    from bridge.profile import resolve_model_ref

    name, checkpoint = resolve_model_ref(model, None)
    engine = Engine(checkpoints={name: str(checkpoint)}, device="cpu")
    try:
        parts = make_parts(("drums", "bass", "lead", "keys"), name, name, name)
        conductor = Conductor(engine, parts, Settings(seed=seed))
        made = [bar for _, bar in zip(range(bars), conductor.bars(), strict=False)]
    finally:
        engine.close()
    return {
        "model": f"{model} endless",
        "bars": len(made),
        "key": str(conductor.key),
        **bar_stats([bar.tracks for bar in made]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", action="append", required=True, help="model name or run dir")
    parser.add_argument("--band", help="glob of the band's own files (the rest: other songs)")
    parser.add_argument("--samples", type=int, default=32)
    parser.add_argument("--temperature", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--endless", type=int, default=0, metavar="BARS", help="also an endless stream this long"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in (".mid", ".midi"))
    if not files:
        print(f"no MIDI files in {args.folder}", file=sys.stderr)
        return 1
    band = [p for p in files if not args.band or fnmatch.fnmatch(p.name, args.band)]
    others = [p for p in files if p not in band]
    result: dict[str, Any] = {"band": song_stats(band)}
    if others:
        result["other_songs"] = song_stats(others)
    own = {p for p, share in result["band"]["programs"].items() if share >= SHARE_FLOOR}
    others_only = set(result.get("other_songs", {}).get("programs", {})) - own
    result["band_programs"] = sorted(own)
    result["models"] = []
    runs = [
        (m, lambda m=m: sample_stats(m, args.samples, args.temperature, args.seed))
        for m in args.model
    ]
    if args.endless:
        runs += [(m, lambda m=m: endless_stats(m, args.endless, args.seed)) for m in args.model]
    for _, measure in runs:
        stats = measure()
        parts = sum(stats["programs"].values()) or 1
        stats["share_band_programs"] = round(
            sum(c for p, c in stats["programs"].items() if p in own) / parts, 3
        )
        stats["share_other_songs_programs"] = round(
            sum(c for p, c in stats["programs"].items() if p in others_only) / parts, 3
        )
        result["models"].append(stats)

    def row(name: str, s: dict[str, Any], share: str) -> str:
        n, b = s["notes_per_bar"], s["bars_playing"]
        return (
            f"| {name} | {share} | {n['drums']} ({b['drums']:.0%}) | {n['bass']} ({b['bass']:.0%}) "
            f"| {n['other']} ({b['other']:.0%}) |"
        )

    print("| what | band's programs | drums notes/bar (bars) | bass | other |")
    print("|---|---:|---:|---:|---:|")
    print(row(f"the band ({result['band']['files']} songs)", result["band"], "100%"))
    if others:
        print(row(f"other songs ({len(others)})", result["other_songs"], "-"))
    for m in result["models"]:
        what = m["model"] if m["model"].endswith("endless") else f"{m['model']} samples"
        print(row(what, m, f"{m['share_band_programs']:.0%}"))
    print(f"band programs (>= {SHARE_FLOOR:.0%} of its pitched notes): {result['band_programs']}")
    for m in result["models"]:
        print(f"{m['model']}: programs {m['programs']}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
