"""Background threads that survive their own bugs.

A serving thread (the OSC receive loop, a model worker, the folder watcher's
scanner) must not die silently: :class:`Supervised` runs its body, and when
the body raises something nobody expected, logs it with its traceback, lets
the owner answer whoever was waiting (``on_crash``), counts a restart and
runs the body again, after a pause that grows while crashes repeat.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

FIRST_PAUSE_S = 0.05
LONGEST_PAUSE_S = 5.0
CALM_AFTER_S = 30.0  # a body that ran this long without crashing starts over at FIRST_PAUSE_S


class Supervised:
    """A daemon thread running ``body`` until it returns, restarting it after a crash."""

    def __init__(
        self,
        name: str,
        body: Callable[[], None],
        log: logging.Logger | logging.LoggerAdapter[logging.Logger],
        *,
        on_crash: Callable[[BaseException], None] | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.name = name
        self.restarts = 0
        self._body = body
        self._log = log
        self._on_crash = on_crash
        self._stopping = stopping
        self._wake = threading.Event()
        self.thread = threading.Thread(target=self.run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout: float | None = None) -> None:
        self._wake.set()  # cut a pause short
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def run(self) -> None:
        """Run the body here until it returns or ``stopping()``; ``start`` runs it on the thread."""
        pause = FIRST_PAUSE_S
        while True:
            started = time.monotonic()
            try:
                self._body()
                return
            except Exception as exc:
                self._log.exception("%s crashed; restarting it", self.name)
                if self._on_crash is not None:
                    try:
                        self._on_crash(exc)
                    except Exception:
                        self._log.exception("%s: cleaning up after the crash failed", self.name)
            if self._stopping():
                return
            self.restarts += 1
            if time.monotonic() - started > CALM_AFTER_S:
                pause = FIRST_PAUSE_S
            self._wake.wait(pause)
            pause = min(pause * 2, LONGEST_PAUSE_S)
            if self._stopping():
                return
