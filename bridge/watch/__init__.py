"""The folder watcher: MIDI files dropped into a folder become generated MIDI files.

``Watcher(WatchConfig(...), engine)`` with ``start()``, ``stop()`` and
``wait_idle()``; see docs/watcher.md for the rules it follows.

Only the config is imported eagerly, so that the command line can build its
options without loading the MIDI libraries; the rest loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bridge.watch.config import GROUP_SIZES, WATCH_OPERATIONS, WatchConfig

if TYPE_CHECKING:
    from bridge.watch.jobs import Activity, Snapshot, WatchError
    from bridge.watch.state import STATE_NAME, WatchState
    from bridge.watch.watcher import Watcher

__all__ = [
    "GROUP_SIZES",
    "STATE_NAME",
    "WATCH_OPERATIONS",
    "Activity",
    "Snapshot",
    "WatchConfig",
    "WatchError",
    "WatchState",
    "Watcher",
]

_LAZY = {
    "STATE_NAME": "bridge.watch.state",
    "WatchState": "bridge.watch.state",
    "Activity": "bridge.watch.jobs",
    "Snapshot": "bridge.watch.jobs",
    "WatchError": "bridge.watch.jobs",
    "Watcher": "bridge.watch.watcher",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
