"""A live terminal view of a watcher: counts and the latest inputs."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from bridge.watch.jobs import Snapshot

__all__ = ["live_view", "render_snapshot"]

_STYLES = {
    "queued": "cyan",
    "running": "yellow",
    "done": "green",
    "failed": "red",
    "error": "bold red",
    "waiting": "magenta",
}


def render_snapshot(snap: Snapshot, title: str = "") -> RenderableType:
    """The counts in one line and the recent inputs as a table."""
    counts = Text()
    if title:
        counts.append(f"{title}  ", style="bold")
    for label, value, style in (
        ("settling", snap.settling, "dim"),
        ("queued", snap.queued, "cyan"),
        ("running", snap.running, "yellow"),
        ("done", snap.done, "green"),
        ("failed", snap.failed, "red"),
        ("errors", snap.errors, "bold red"),
        ("groups waiting", snap.waiting_groups, "magenta"),
    ):
        if value or label in ("queued", "running", "done", "failed"):
            counts.append(f"{label} {value}  ", style=style)
    recent = Table(show_header=False, box=None, pad_edge=False)
    recent.add_column("time", style="dim", no_wrap=True)
    recent.add_column("status", no_wrap=True)
    recent.add_column("input", no_wrap=True, overflow="ellipsis", max_width=40)
    recent.add_column("detail", overflow="ellipsis")
    for item in reversed(snap.recent):
        recent.add_row(
            time.strftime("%H:%M:%S", time.localtime(item.at)),
            Text(item.status, style=_STYLES.get(item.status, "")),
            item.name,
            item.detail,
        )
    parts: list[RenderableType] = [counts, recent]
    if snap.error:
        parts.append(Text(f"stopped: {snap.error}", style="bold red"))
    return Group(*parts)


def live_view(snapshot: Callable[[], Snapshot], title: str = "") -> Live:
    """A :class:`rich.live.Live` that redraws ``snapshot()`` a few times a second."""
    return Live(
        get_renderable=lambda: render_snapshot(snapshot(), title),
        refresh_per_second=4,
        transient=False,
    )
