"""An endless stream into MIDI files: N bars into one file, or rolling files
in a folder, paced by the tempo, that continue where the last run stopped."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from bridge.clips import FOUR_FOUR, Clip, Track
from bridge.convert import stitch_windows, write_midi
from bridge.endless.conductor import BAR_BEATS, Bar, Conductor
from bridge.endless.stream import Clock, SystemClock
from bridge.errors import BridgeError, InvalidRequestError

__all__ = ["STATE_FILE", "RollingState", "join_bars", "render", "roll"]

STATE_FILE = "endless.json"


def join_bars(bars: Sequence[Bar]) -> list[Track]:
    """One track per part, the bars end to end (parts silent throughout included)."""
    if not bars:
        raise InvalidRequestError("there are no bars to join")
    first = bars[0]
    tracks = []
    for k, name in enumerate(first.parts):
        clip = stitch_windows(
            [b.tracks[k].clip for b in bars], BAR_BEATS * len(bars), time_signature=FOUR_FOUR
        )
        # The instrument of the first bar the part plays in (a band model's own).
        t = next((b.tracks[k] for b in bars if b.tracks[k].clip.notes), first.tracks[k])
        tracks.append(Track(Clip(clip.notes, clip.length, FOUR_FOUR, name), t.is_drum, t.program))
    return tracks


def _write(tracks: Sequence[Track], path: Path, qpm: float) -> None:
    """Write next to ``path`` and rename: a file is there whole or not at all."""
    tmp = path.with_name(f".{path.name}.part")
    write_midi(tracks, tmp, qpm)
    os.replace(tmp, path)


def render(
    conductor: Conductor,
    bars: int,
    path: Path,
    *,
    qpm: float,
    start: int = 0,
    on_bar: Callable[[Bar], None] | None = None,
) -> Rendered:
    """Bars ``start`` to ``start + bars`` into one MIDI file (one track per
    part): ``path``, or ``stem_1.mid``, ... when a file is there already (the
    clip the stream was given, say): no one's file is overwritten."""
    if bars < 1:
        raise InvalidRequestError(f"bars must be at least 1, got {bars}")
    made: list[Bar] = []
    for bar in conductor.bars(start):
        made.append(bar)
        if on_bar is not None:
            on_bar(bar)
        if len(made) == bars:
            break
    written = _free_name(path.parent, path.stem, suffix=path.suffix)
    _write(join_bars(made), written, qpm)
    return Rendered(written, made)


class Rendered(NamedTuple):
    path: Path  # the file written
    bars: list[Bar]


@dataclass
class RollingState:
    """What a folder of rolling files holds (``endless.json``): the stream
    that made them, and where it continues."""

    stream: dict[str, Any]
    next_bar: int = 0
    files: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path, stream: dict[str, Any]) -> RollingState:
        path = folder / STATE_FILE
        if not path.exists():
            return cls(stream)
        try:
            data = json.loads(path.read_text())
            state = cls(dict(data["stream"]), int(data["next_bar"]), list(data["files"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BridgeError(f"{path} is damaged ({exc}); move it away to start anew") from None
        if state.stream != stream:
            raise InvalidRequestError(
                f"{folder} holds another stream ({_describe(state.stream)}); "
                f"give the same settings to continue it, or another folder"
            )
        return state

    def save(self, folder: Path) -> None:
        tmp = folder / f".{STATE_FILE}.part"
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        os.replace(tmp, folder / STATE_FILE)


def _describe(stream: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(stream.items()))


def _free_name(folder: Path, stem: str, taken: Iterable[str] = (), suffix: str = ".mid") -> Path:
    """``stem.mid`` in ``folder``, or ``stem_1.mid``, ... where a file not
    ours already has that name: no one's file is overwritten."""
    ours = set(taken)
    path, k = folder / f"{stem}{suffix}", 0
    while path.exists() and path.name not in ours:
        k += 1
        path = folder / f"{stem}_{k}{suffix}"
    return path


def roll(
    conductor: Conductor,
    folder: Path,
    stream: dict[str, Any],
    *,
    qpm: float,
    bars_per_file: int = 16,
    files: int | None = None,
    stop: threading.Event | None = None,
    clock: Clock | None = None,
    on_file: Callable[[Path, list[Bar]], None] | None = None,
) -> RollingState:
    """Rolling files of ``bars_per_file`` bars into ``folder`` until ``stop``
    (or ``files`` files), each written one file ahead of the time it would
    play at ``qpm``. ``stream`` (the settings) is kept in ``endless.json``:
    run again with the same settings, the stream continues at the bar after
    the last file written."""
    if bars_per_file < 1:
        raise InvalidRequestError(f"bars per file must be at least 1, got {bars_per_file}")
    folder.mkdir(parents=True, exist_ok=True)
    state = RollingState.load(folder, stream)
    stop = stop or threading.Event()
    clock = clock or SystemClock()
    seconds = bars_per_file * BAR_BEATS * 60.0 / qpm
    began = clock.now()
    bars = conductor.bars(state.next_bar)
    written = 0
    while not stop.is_set() and (files is None or written < files):
        # A file is ready when the one before it starts to play.
        clock.sleep_until(began + (written - 1) * seconds, stop)
        if stop.is_set():
            break
        chunk = [next(bars) for _ in range(bars_per_file)]
        first = chunk[0].index
        path = _free_name(folder, f"endless-{first // bars_per_file + 1:05d}", state.files)
        _write(join_bars(chunk), path, qpm)
        state.next_bar = chunk[-1].index + 1
        if path.name not in state.files:
            state.files.append(path.name)
        state.save(folder)
        written += 1
        if on_file is not None:
            on_file(path, chunk)
    return state
