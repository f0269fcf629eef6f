"""What the folder watcher works on and reports: jobs (a file, or a group's
files), running one and its report, the counts and recent activity a display
shows, and how a failed input is moved aside with its reason."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.clips import Track
from bridge.errors import BridgeError
from bridge.ops import SCENE_OPERATIONS, get_operation, pick_track, run_operation, with_song_tempo
from bridge.watch.config import WatchConfig
from bridge.watch.state import now_text

if TYPE_CHECKING:
    from bridge.engine import Engine, Generation, ModelSpec

__all__ = [
    "Activity",
    "InputFailure",
    "Job",
    "JobFile",
    "Snapshot",
    "WatchError",
    "job_report",
    "move_to_failed",
    "run_job",
    "stat",
]

_FAIL_LOCK = threading.Lock()


class WatchError(BridgeError):
    """The watcher cannot start or go on (unreadable state file, wrong settings)."""

    code = "watch"


class InputFailure(Exception):
    """An input the operation cannot take; the message says why."""


@dataclass(frozen=True)
class Activity:
    """One line of the watcher's recent history."""

    name: str
    status: str  # queued, running, done, failed, error, waiting
    detail: str = ""
    at: float = 0.0  # time.time()


@dataclass(frozen=True)
class Snapshot:
    """Counts for a display: how much is settling, queued, running, done, failed."""

    settling: int
    queued: int
    running: int
    done: int
    failed: int
    errors: int
    waiting_groups: int
    recent: tuple[Activity, ...]  # the latest state of the last few inputs, oldest first
    stopped: bool
    error: str | None
    restarts: int = 0  # the scanner crashed (a bug, logged) and started over


@dataclass(frozen=True)
class JobFile:
    path: Path
    relative: str
    tracks: list[Track]
    size: int
    mtime_ns: int
    qpm: float  # the file's tempo; a job runs (and is written) at its first file's


@dataclass(frozen=True)
class Job:
    """One input taken: a file, or a group folder's files in order."""

    key: str
    name: str  # what the output folder is called (before `` (2)``)
    relative: str  # the file or group folder, relative to the watched folder
    files: tuple[JobFile, ...]
    is_group: bool
    taken_at: float  # monotonic


def stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def move_to_failed(source: Path, failed_dir: Path, relative: str, reason: str) -> Path:
    """Move ``source`` into ``failed_dir`` under a free name, with ``<name>.reason.txt``."""
    failed_dir.mkdir(exist_ok=True)
    stem, suffix = (source.name, "") if source.is_dir() else (source.stem, source.suffix)
    with _FAIL_LOCK:
        k = 1
        while True:
            name = f"{stem}{suffix}" if k == 1 else f"{stem} ({k}){suffix}"
            target, note = failed_dir / name, failed_dir / f"{name}.reason.txt"
            if not (os.path.lexists(target) or os.path.lexists(note)):
                break
            k += 1
        os.rename(source, target)
    with open(note, "x", encoding="utf-8") as f:
        f.write(f"{relative}\n{now_text()}\n{reason}\n")
    return target


def run_job(
    config: WatchConfig, engine: Engine, spec: ModelSpec, job: Job
) -> tuple[Generation, list[str]]:
    """The operation on a job's files: its result and the name of each track used.

    A file the model cannot take (no track for it) is :class:`InputFailure`.
    """
    operation = get_operation(config.op)
    options = with_song_tempo(operation, operation.options(config.params), job.files[0].qpm)
    if spec.role.is_multitrack and config.op in SCENE_OPERATIONS:
        # A band or trio model takes every part of each file, in one latent.
        scenes = [list(f.tracks) for f in job.files]
        for f in job.files:
            if not f.tracks:
                raise InputFailure(f"{f.path.name} has no tracks with notes")
        used = [" + ".join(t.clip.name or "part" for t in f.tracks) for f in job.files]
        return run_operation(engine, config.model, config.op, [], options, scenes), used
    tracks: list[Track] = []
    used = []
    for f in job.files:
        try:
            track = pick_track(f.path, f.tracks, spec, config.track)
        except BridgeError as exc:
            raise InputFailure(exc.message) from exc
        tracks.append(track)
        used.append(track.clip.name)
    return run_operation(engine, config.model, config.op, tracks, options), used


def job_report(
    config: WatchConfig,
    device: str,
    job: Job,
    generation: Generation,
    tracks_used: list[str],
    outputs: list[dict[str, Any]],
) -> dict[str, Any]:
    """What ``report.json`` says of one job: model, parameters, seed, inputs, outputs."""
    params = dict(generation.params)
    if config.track is not None:
        params["track"] = config.track
    return {
        "model": generation.model,
        "operation": config.op,
        "params": params,
        "seed": generation.seed,
        "input_name": job.relative,
        "input_key": job.key,
        "inputs": [
            {
                "path": str(f.path),
                "relative": f.relative,
                "size": f.size,
                "mtime_ns": f.mtime_ns,
                "track": name,
            }
            for f, name in zip(job.files, tracks_used, strict=True)
        ],
        "outputs": outputs,
        "checkpoint": str(config.checkpoint) if config.checkpoint else None,
        "device": device,
        "created": now_text(),
    }
