"""Which inputs a watcher has taken, kept on disk so that a restart neither skips nor redoes.

An input is known by a key made of its path (relative to the watched folder),
size and modification time; a group's key joins its members' keys. The state
file holds one entry per key, ``done`` (with the output folder) or ``failed``
(with the reason and where the input went). It is rewritten whole after each
entry, through a temporary file and :func:`os.replace`, so it is never half
written.

Outputs are renamed into place before their entry is written. If the process
dies in between, the output folder's ``report.json`` still names the input's
key, and :meth:`WatchState.load` takes those reports back into the state.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["REPORT_NAME", "STATE_NAME", "WatchState", "file_key", "group_key"]

STATE_NAME = ".latent-bridge-watch.json"
REPORT_NAME = "report.json"
_VERSION = 1


def file_key(relative: str, size: int, mtime_ns: int) -> str:
    """The key of one file: its path relative to the watched folder, size and mtime."""
    return f"{relative}@{size}:{mtime_ns}"


def group_key(relative: str, member_keys: Iterable[str]) -> str:
    """The key of a group folder: its path and every member's key."""
    return f"{relative}/[{'|'.join(sorted(member_keys))}]"


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class WatchState:
    """The state file of one output folder. Safe to share between threads."""

    def __init__(self, path: Path, entries: dict[str, dict[str, Any]] | None = None) -> None:
        self.path = path
        self._entries: dict[str, dict[str, Any]] = dict(entries or {})
        self._lock = threading.Lock()

    @classmethod
    def load(cls, out_dir: Path) -> WatchState:
        """The state of ``out_dir`` (empty if new), with any output not yet recorded."""
        path = out_dir / STATE_NAME
        entries: dict[str, dict[str, Any]] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                entries = dict(data["inputs"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                # Starting empty would redo every input: better to stop and say so.
                raise ValueError(f"cannot read the watcher state {path}: {exc}") from exc
        state = cls(path, entries)
        if state._recover_reports(out_dir):
            state.save()
        return state

    def _recover_reports(self, out_dir: Path) -> bool:
        recorded = {e.get("output") for e in self._entries.values()}
        found = False
        for report in sorted(out_dir.glob(f"*/{REPORT_NAME}")):
            folder = report.parent.name
            if folder in recorded or folder.startswith("."):
                continue
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(report.read_text(encoding="utf-8"))
                key = data.get("input_key") if isinstance(data, dict) else None
                if isinstance(key, str) and key not in self._entries:
                    self._entries[key] = {
                        "status": "done",
                        "input": data.get("input_name", ""),
                        "output": folder,
                        "at": data.get("created", ""),
                    }
                    found = True
        return found

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def entries(self) -> dict[str, dict[str, Any]]:
        """A copy of every entry, by key."""
        with self._lock:
            return {k: dict(v) for k, v in self._entries.items()}

    def record(self, key: str, status: str, input_name: str, **details: Any) -> None:
        """Record an input as ``done`` or ``failed`` and write the state file."""
        entry = {"status": status, "input": input_name, "at": now_text(), **details}
        with self._lock:
            self._entries[key] = entry
            self._save_locked()

    def save(self) -> None:
        with self._lock:
            self._save_locked()

    def _save_locked(self) -> None:
        text = json.dumps({"version": _VERSION, "inputs": self._entries}, indent=1) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f"{STATE_NAME}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # our own temporary file, never an input or output
            raise
