"""Running a folder watcher in a test: its config, waiting on it, reading its output."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bridge.engine import Engine
from bridge.ops import OPERATIONS
from bridge.watch import STATE_NAME, WatchConfig, Watcher

DRUMS = "lb-drums_2bar_tiny"
IDLE_TIMEOUT = 90.0


def config(tmp_path: Path, op: str = "variations", **overrides: Any) -> WatchConfig:
    values: dict[str, Any] = {
        "in_dir": tmp_path / "in",
        "out_dir": tmp_path / "out",
        "op": op,
        "model": DRUMS,
        "seed": 1,
        "count": 2,
        "settle_seconds": 0.2,
        "corrupt_seconds": 1.5,
        "poll_seconds": 0.05,
        "rescan_seconds": 5.0,
    }
    values.update(overrides)
    names = {p.name for op in OPERATIONS.values() for p in op.params}
    params = {k: values.pop(k) for k in list(values) if k in names}
    return WatchConfig(**values, params=params)


@contextmanager
def running(cfg: WatchConfig, engine: Engine) -> Iterator[Watcher]:
    watcher = Watcher(cfg, engine)
    watcher.start()
    try:
        yield watcher
    finally:
        watcher.stop()


def idle(watcher: Watcher) -> None:
    assert watcher.wait_idle(IDLE_TIMEOUT), watcher.snapshot()
    assert watcher.error is None, watcher.error


def poll(condition: Callable[[], bool], timeout: float = IDLE_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def output_dirs(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def state_entries(out: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((out / STATE_NAME).read_text())
    entries: dict[str, dict[str, Any]] = data["inputs"]
    return entries


def done_inputs(out: Path) -> list[str]:
    return sorted(e["input"] for e in state_entries(out).values() if e["status"] == "done")


def report(out: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / name / "report.json").read_text())
    return data


def digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


# --- the whole watcher ----------------------------------------------------------
