"""Writing one input's outputs: numbered MIDI files, a piano roll of each, a report.

Everything is written into a hidden folder under the output folder first and
renamed into place as a whole, so a stopped or crashed watcher never leaves a
half-written output folder where a musician looks. Existing folders are never
replaced: a taken name gets `` (2)``, `` (3)``, ...
"""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bridge.clips import Track
from bridge.convert import QPM, midi_bytes
from bridge.watch.state import REPORT_NAME

__all__ = ["PARTIAL_DIR", "commit", "new_partial_dir", "piano_roll_png", "write_outputs"]

PARTIAL_DIR = ".partial"

# matplotlib's Agg rendering holds the GIL anyway; one figure at a time also
# keeps its font caches out of any thread-safety question.
_RENDER_LOCK = threading.Lock()
_COMMIT_LOCK = threading.Lock()


def piano_roll_png(tracks: Sequence[Track], path: Path, title: str = "") -> None:
    """A small piano roll: pitch against beats, velocity as the opacity of each note."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    length = max((t.clip.length for t in tracks), default=4.0)
    bar = tracks[0].clip.time_signature.beats_per_bar if tracks else 4.0
    boxes: list[list[tuple[float, float]]] = []
    colours: list[tuple[float, float, float, float]] = []
    palette = [(0.12, 0.35, 0.75), (0.80, 0.30, 0.10), (0.15, 0.55, 0.25), (0.50, 0.20, 0.60)]
    for i, track in enumerate(tracks):
        rgb = palette[i % len(palette)]
        for note in track.clip.notes:
            if note.mute:
                continue
            x0, x1, y = note.start_time, min(note.end_time, length), note.pitch
            boxes.append([(x0, y - 0.4), (x1, y - 0.4), (x1, y + 0.4), (x0, y + 0.4)])
            colours.append((*rgb, 0.15 + 0.85 * note.velocity / 127.0))
    pitches = [n.pitch for t in tracks for n in t.clip.notes if not n.mute] or [60]
    low, high = min(pitches) - 2, max(pitches) + 2

    with _RENDER_LOCK:
        fig = Figure(figsize=(5.0, 2.0), dpi=80)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.2, top=0.88)
        # Few fixed ticks: matplotlib's automatic ticks cost more than the notes.
        bars = round(length / bar)
        step = max(1, math.ceil(bars / 8))
        ticks = [b * bar for b in range(0, bars + 1, step)]
        ax.vlines(ticks, low, high, colors="0.85", linewidth=0.6, zorder=0)
        ax.add_collection(PolyCollection(boxes, facecolors=colours, edgecolors="none"))
        ax.set_xlim(0, length)
        ax.set_ylim(low, high)
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        octaves = list(range(math.ceil(low / 12) * 12, int(high) + 1, 12))
        ax.set_yticks(octaves, [f"C{p // 12 - 1}" for p in octaves])
        ax.set_xlabel("beats", fontsize=7, labelpad=1)
        ax.set_ylabel("pitch", fontsize=7, labelpad=1)
        ax.tick_params(labelsize=6, length=2, pad=1)
        if title:
            fig.text(0.5, 0.97, title, ha="center", va="top", fontsize=7)
        fig.savefig(path, format="png")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but not ours to signal
        return True
    return True


def stale_partials(out_dir: Path) -> list[Path]:
    """Unfinished output folders under ``out_dir`` whose writer is gone (killed mid-file).

    Each is named ``<pid>-<random>`` after the process writing it, so that a
    watcher starting beside another one on the same folder leaves its work alone.
    """
    try:
        entries = sorted((out_dir / PARTIAL_DIR).iterdir())
    except OSError:  # none yet
        return []
    stale = []
    for path in entries:
        pid, sep, _ = path.name.partition("-")
        if path.is_dir() and not (sep and pid.isdigit() and _alive(int(pid))):
            stale.append(path)
    return stale


def new_partial_dir(out_dir: Path) -> Path:
    """A fresh hidden folder to write one input's outputs into."""
    path = out_dir / PARTIAL_DIR / f"{os.getpid()}-{uuid.uuid4().hex}"
    path.mkdir(parents=True)
    return path


def write_outputs(
    directory: Path,
    stem: str,
    outputs: Sequence[Sequence[Track]],
    *,
    piano_rolls: bool = True,
    qpm: float = QPM,
) -> list[dict[str, Any]]:
    """Write ``stem_01.mid`` (and ``stem_01.png``), ... into ``directory`` at ``qpm``;
    describe each."""
    width = max(2, len(str(len(outputs))))
    written = []
    for i, tracks in enumerate(outputs, start=1):
        name = f"{stem}_{i:0{width}d}"
        (directory / f"{name}.mid").write_bytes(midi_bytes(tracks, qpm))
        item: dict[str, Any] = {
            "midi": f"{name}.mid",
            "notes": sum(len(t.clip.notes) for t in tracks),
            "beats": max(t.clip.length for t in tracks),
        }
        if piano_rolls:
            piano_roll_png(tracks, directory / f"{name}.png", title=name)
            item["png"] = f"{name}.png"
        written.append(item)
    return written


def write_report(directory: Path, report: dict[str, Any]) -> None:
    (directory / REPORT_NAME).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def unique_name(directory: Path, name: str, suffix: str = "") -> str:
    """``name + suffix``, or ``name (2) + suffix``, ...: the first that is free in ``directory``."""
    k = 1
    while True:
        candidate = f"{name}{suffix}" if k == 1 else f"{name} ({k}){suffix}"
        if not os.path.lexists(directory / candidate):
            return candidate
        k += 1


def commit(partial: Path, out_dir: Path, name: str) -> Path:
    """Rename the finished ``partial`` folder to ``out_dir/name`` (or ``name (2)``, ...)."""
    with _COMMIT_LOCK:  # one chooser at a time, so two threads never pick one name
        while True:
            target = out_dir / unique_name(out_dir, name)
            try:
                # POSIX rename replaces an empty folder: the lexists check above
                # and the lock keep that from happening to one of ours.
                os.rename(partial, target)
            except (FileExistsError, IsADirectoryError):
                continue  # appeared meanwhile (another program): take the next name
            except OSError:
                if target.exists():
                    continue
                raise
            return target


def discard(partial: Path) -> None:
    """Remove an unfinished output folder of our own (never an input or a finished output)."""
    shutil.rmtree(partial, ignore_errors=True)
