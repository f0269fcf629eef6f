"""What a folder watcher does: the operation, its parameters, and its timing."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.errors import InvalidRequestError
from bridge.ops import WATCH, Value, operations

__all__ = ["GROUP_SIZES", "WATCH_OPERATIONS", "WatchConfig"]

# The operations a watcher runs (from the operation table).
WATCH_OPERATIONS = operations(WATCH)
# The operations whose inputs come as a group (a subfolder), and how many files.
GROUP_SIZES: dict[str, int] = {
    name: len(op.files) for name, op in WATCH_OPERATIONS.items() if len(op.files) > 1
}


@dataclass(frozen=True)
class WatchConfig:
    """One watched folder. ``None`` parameters leave the engine's own defaults.

    Timing: a file is taken once its size and modification time have not
    changed for ``settle_seconds`` and it reads as MIDI. A file that has
    settled but does not read as MIDI may still be half written by a slow
    writer; it fails only after ``corrupt_seconds`` without a change (a file
    that does not even start like a MIDI file fails at once).
    """

    in_dir: Path
    out_dir: Path
    op: str
    model: str
    checkpoint: Path | None = None  # recorded in reports; the engine holds the real one
    # The operation's parameters by name (bridge.ops); those left out take its defaults.
    params: Mapping[str, Value] = field(default_factory=dict)
    track: int | None = None
    workers: int = 2
    queue_size: int = 8
    settle_seconds: float = 1.0
    corrupt_seconds: float = 10.0
    poll_seconds: float = 0.25
    rescan_seconds: float = 30.0
    piano_rolls: bool = True
    log_file: bool = True

    def __post_init__(self) -> None:
        if self.op not in WATCH_OPERATIONS:
            raise InvalidRequestError(
                f"the watcher runs {', '.join(WATCH_OPERATIONS)}; not {self.op!r}"
            )
        WATCH_OPERATIONS[self.op].check(self.params)  # blend without x and y, a count of 0
        if self.workers < 1 or self.queue_size < 0:
            raise InvalidRequestError("the watcher needs at least 1 worker and a queue of >= 0")
        timings = {
            "settle time": self.settle_seconds,
            "corrupt time": self.corrupt_seconds,
            "poll interval": self.poll_seconds,
            "rescan interval": self.rescan_seconds,
        }
        for what, value in timings.items():
            if not (math.isfinite(value) and value >= 0):
                raise InvalidRequestError(f"{what} must be a number of seconds >= 0, got {value}")
        if self.poll_seconds <= 0 or self.rescan_seconds <= 0:
            raise InvalidRequestError("poll and rescan intervals must be > 0 seconds")
        if self.corrupt_seconds < self.settle_seconds:
            raise InvalidRequestError("the corrupt time must not be shorter than the settle time")
        in_dir, out_dir = self.in_dir.expanduser().absolute(), self.out_dir.expanduser().absolute()
        if in_dir == out_dir:
            raise InvalidRequestError("the output folder must not be the watched folder itself")
        if in_dir.is_relative_to(out_dir):
            raise InvalidRequestError("the watched folder must not be inside the output folder")
        object.__setattr__(self, "in_dir", in_dir)
        object.__setattr__(self, "out_dir", out_dir)

    @property
    def inputs_per_job(self) -> int:
        """MIDI files per input: 1, or the size of a group."""
        return len(WATCH_OPERATIONS[self.op].files)

    @property
    def is_group_op(self) -> bool:
        return self.op in GROUP_SIZES

    def given(self) -> dict[str, Any]:
        """The settings the user gave (the operation's defaults apply to the rest)."""
        values: dict[str, Any] = dict(WATCH_OPERATIONS[self.op].given(self.params))
        if self.track is not None:
            values["track"] = self.track
        return values
