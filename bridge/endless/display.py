"""What an endless stream shows while it plays: where it is, what plays,
how far ahead it is, and any bar that came late (rich on a terminal,
plain lines elsewhere)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.table import Table

from bridge.endless.conductor import Bar

__all__ = ["StreamStatus"]


@dataclass
class StreamStatus:
    """The stream's state as the outputs see it; safe to share between threads."""

    key: str
    parts: tuple[str, ...]
    bar: int = -1
    section: int = 0
    phrase: int = 0
    playing: tuple[str, ...] = ()
    ahead: int = 0
    repeats: int = 0
    made: int = 0
    files: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def played(self, bar: Bar, late: bool, ahead: int) -> None:
        with self._lock:
            self.bar, self.section, self.phrase = bar.index, bar.section, bar.phrase
            self.playing, self.ahead = bar.playing, ahead
            self.repeats += late

    def line(self) -> str:
        with self._lock:
            parts = " ".join(self.playing) or "rest"
            text = (
                f"bar {self.bar + 1}  section {self.section + 1}  phrase {self.phrase + 1}  "
                f"key {self.key}  playing: {parts}  {self.ahead} bars ahead"
            )
            if self.repeats:
                text += f"  {self.repeats} late bar(s) played again"
            return text

    def table(self) -> Table:
        with self._lock:
            t = Table(title="latent-bridge endless", show_header=False, box=None)
            t.add_column(style="bold")
            t.add_column()
            t.add_row("bar", str(self.bar + 1))
            t.add_row("section", f"{self.section + 1} (phrase {self.phrase + 1})")
            t.add_row("key", self.key)
            t.add_row(
                "parts",
                "  ".join(
                    f"[green]{p}[/]" if p in self.playing else f"[dim]{p}[/]" for p in self.parts
                ),
            )
            t.add_row("ahead", f"{self.ahead} bars")
            late = f"[yellow]{self.repeats} bar(s) played again[/]" if self.repeats else "none"
            t.add_row("late", late)
            if self.files:
                t.add_row("last file", self.files[-1])
            return t

    def printer(self, echo: Callable[[str], None], every: int = 4) -> Callable[[], None]:
        """A function that echoes the status line when the bar moved ``every`` bars on."""
        last = [-every]

        def show() -> None:
            if self.bar - last[0] >= every:
                last[0] = self.bar
                echo(self.line())

        return show
