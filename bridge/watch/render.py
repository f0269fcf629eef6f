"""Writing one input's outputs: numbered MIDI files, a piano roll of each, a report.

Everything is written into a hidden folder under the output folder first and
renamed into place as a whole, so a stopped or crashed watcher never leaves a
half-written output folder where a musician looks. Existing folders are never
replaced: a taken name gets `` (2)``, `` (3)``, ...
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bridge.clips import Track
from bridge.convert import QPM, midi_bytes
from bridge.feel import DRUM_NAMES
from bridge.watch.state import REPORT_NAME

__all__ = ["PARTIAL_DIR", "commit", "new_partial_dir", "piano_roll_png", "write_outputs"]

PARTIAL_DIR = ".partial"

# matplotlib's Agg rendering holds the GIL anyway; one figure at a time also
# keeps its font caches out of any thread-safety question.
_RENDER_LOCK = threading.Lock()
_COMMIT_LOCK = threading.Lock()


NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_PALETTE = ((0.12, 0.35, 0.75), (0.80, 0.30, 0.10), (0.15, 0.55, 0.25), (0.50, 0.20, 0.60))


def note_name(pitch: int) -> str:
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def _shade(rgb: tuple[float, float, float], velocity: float) -> tuple[float, float, float]:
    """The track's colour, from pale (soft) to full (loud)."""
    amount = 0.2 + 0.8 * max(0.0, min(127.0, velocity)) / 127.0
    return (
        1 - amount + amount * rgb[0],
        1 - amount + amount * rgb[1],
        1 - amount + amount * rgb[2],
    )


def piano_roll_png(tracks: Sequence[Track], path: Path, title: str = "") -> None:
    """A piano roll readable at the size written: drums on named rows (kick,
    snare, hats, toms, cymbals), other parts by pitch name; a 16th grid with
    beat and bar lines; each note's velocity as its shade."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    from bridge.feel import STEP, drum_class

    length = max((t.clip.length for t in tracks), default=4.0)
    bar = tracks[0].clip.time_signature.beats_per_bar if tracks else 4.0
    beat = bar / tracks[0].clip.time_signature.numerator if tracks else 1.0
    panels: list[tuple[str, list[tuple[int, Track]]]] = []
    drums = [(i, t) for i, t in enumerate(tracks) if t.is_drum]
    pitched = [(i, t) for i, t in enumerate(tracks) if not t.is_drum]
    if pitched or not drums:
        panels.append(("pitched", pitched))
    if drums:
        panels.append(("drums", drums))
    heights = []
    for kind, members in panels:
        notes = [n for _, t in members for n in t.clip.notes if not n.mute]
        if kind == "drums":
            heights.append(max(3, len({min(drum_class(n.pitch), 9) for n in notes})))
        else:
            span = (max(n.pitch for n in notes) - min(n.pitch for n in notes)) if notes else 0
            heights.append(max(4, min(24, span + 3)))
    bars = max(1, round(length / bar))
    width = min(14.0, max(6.0, 1.6 * bars + 1.5))
    with _RENDER_LOCK:
        fig = Figure(figsize=(width, 0.9 + 0.16 * sum(heights)), dpi=100)
        FigureCanvasAgg(fig)
        axes = fig.subplots(len(panels), 1, sharex=True, height_ratios=heights, squeeze=False)
        for (kind, members), ax in zip(panels, axes[:, 0], strict=True):
            _draw_panel(ax, kind, members, length, bar, beat, STEP, drum_class, PolyCollection)
        bottom = axes[-1, 0]
        ticks = [b * bar for b in range(bars + 1)]
        bottom.set_xticks(ticks, [str(b + 1) for b in range(bars + 1)])
        bottom.set_xlabel("bar", fontsize=8, labelpad=1)
        if title:
            fig.suptitle(title, fontsize=9)
        with warnings.catch_warnings():
            # A file name in a script the font lacks (Japanese, say) is drawn
            # as boxes; matplotlib would also warn of each glyph on the console.
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
            fig.tight_layout(pad=0.4, h_pad=0.3)
            fig.savefig(path, format="png")


def _draw_panel(
    ax: Any,
    kind: str,
    members: list[tuple[int, Track]],
    length: float,
    bar: float,
    beat: float,
    step: float,
    drum_class: Any,
    poly: Any,
) -> None:
    marks: list[tuple[int, float, float, tuple[float, float, float]]] = []  # row, x0, x1, shade
    labels: dict[int, str] = {}
    for i, track in members:
        rgb = _PALETTE[i % len(_PALETTE)]
        for note in track.clip.notes:
            if note.mute:
                continue
            if kind == "drums":
                cls = drum_class(note.pitch)
                known = cls < len(DRUM_NAMES)
                row = cls if known else len(DRUM_NAMES) + note.pitch
                labels[row] = DRUM_NAMES[cls] if known else f"drum {note.pitch}"
                # A hit, not a held note: short enough that 16th hats stay apart.
                x0, x1 = note.start_time, min(note.start_time + 0.7 * step, length)
            else:
                row = note.pitch
                labels[row] = note_name(note.pitch)
                x0 = note.start_time
                x1 = max(min(note.end_time, length), x0 + 0.25 * step)
            marks.append((row, x0, x1, _shade(rgb, note.velocity)))
    if kind == "drums":
        order = sorted(labels)
        y_of = {row: float(k) for k, row in enumerate(order)}
        ax.set_ylim(-0.6, max(len(order), 3) - 0.4)
        ax.set_yticks(range(len(order)), [labels[r] for r in order])
    else:
        pitches = sorted(labels) or [60]
        low, high = pitches[0] - 1, pitches[-1] + 1
        y_of = {p: float(p) for p in pitches}
        ax.set_ylim(low - 0.5, high + 0.5)
        span = high - low
        shown = [p for p in range(low, high + 1) if span <= 14 or p % 12 in (0, 4, 7)]
        ax.set_yticks(shown, [note_name(p) for p in shown])
    boxes = [
        [(x0, y_of[row] - 0.4), (x1, y_of[row] - 0.4), (x1, y_of[row] + 0.4), (x0, y_of[row] + 0.4)]
        for row, x0, x1, _ in marks
    ]
    # The grid: 16ths faint, beats lighter, bar lines dark, all behind the notes.
    y0, y1 = ax.get_ylim()
    sixteenths = round(length / step)
    if sixteenths <= 256:
        ax.vlines([k * step for k in range(sixteenths + 1)], y0, y1, colors="0.93", lw=0.5)
    ax.vlines([k * beat for k in range(round(length / beat) + 1)], y0, y1, colors="0.78", lw=0.7)
    ax.vlines([k * bar for k in range(round(length / bar) + 1)], y0, y1, colors="0.35", lw=1.0)
    shades = [shade for *_, shade in marks]
    ax.add_collection(poly(boxes, facecolors=shades, edgecolors="0.25", linewidths=0.3, zorder=2))
    ax.set_xlim(0, length)
    ax.tick_params(labelsize=7, length=2, pad=1)


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
