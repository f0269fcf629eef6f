"""The multitrack operation on every bar of held-out band files, as a DAW scene.

``export --samples`` scores variations of the bars that training would keep
(two or more parts, each fitting one slot). A musician's scene is not
filtered: this runs ``Engine.multitrack`` at its defaults on whole files and
counts, bar by bar, the parts that play in the input and in the output.

    uv run python scripts/multitrack_scenes.py data/band/eval --model lb-multitrack
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bridge.clips import Track
from bridge.convert import read_midi
from bridge.engine import Engine
from bridge.profile import resolve_model_ref


def playing(tracks: list[Track], bar: int) -> int:
    lo, hi = 4.0 * bar, 4.0 * (bar + 1)
    return sum(any(lo <= n.start_time < hi for n in t.clip.notes) for t in tracks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--model", default="lb-multitrack", help="a zoo name or a model directory")
    ap.add_argument("--files", type=int, default=0, help="at most N files (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    config, path = resolve_model_ref(args.model, None)
    engine = Engine(checkpoints={config: str(path)}, device="cpu")
    files = sorted(args.folder.rglob("*.mid"))
    if args.files:
        files = files[: args.files]
    bars = rich = rich_kept = kept_all = 0
    for i, f in enumerate(files):
        scene = read_midi(f)
        out = engine.multitrack(config, scene, 1, seed=args.seed + i).outputs[0]
        length = max(t.clip.length for t in scene)
        for bar in range(int(length // 4)):
            n_in, n_out = playing(scene, bar), playing(out, bar)
            if n_in == 0:
                continue
            bars += 1
            kept_all += n_out >= n_in
            if n_in >= 3:
                rich += 1
                rich_kept += n_out >= 3
    stats = {
        "files": len(files),
        "bars": bars,
        "share_with_as_many_parts_playing": kept_all / max(1, bars),
        "bars_with_3_or_more_parts": rich,
        "share_of_those_with_3_or_more_out": rich_kept / max(1, rich),
    }
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
