"""The terminal is for our own messages.

TensorFlow's and absl's C++ code write their log lines straight to file
descriptor 2, past Python's logging: on a machine without a GPU every
command opened with ``E0000 ... failed call to cuInit``, which reads as a
failure. On a terminal those lines go to a log file instead (the server's
``--log``; for other commands :func:`native_log_path`), and Python's own
messages still reach the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from bridge.zoo.local import cache_home

__all__ = ["NATIVE_LOG_NAME", "native_log_path", "native_stderr_into"]

NATIVE_LOG_NAME = "tensorflow.log"


def native_log_path() -> Path:
    """Where the commands other than ``serve`` send native log lines:
    ``$XDG_CACHE_HOME/latent-bridge/tensorflow.log`` (``~/.cache`` when unset)."""
    return cache_home() / NATIVE_LOG_NAME


@contextlib.contextmanager
def native_stderr_into(path: Path) -> Iterator[None]:
    """On a terminal, send what native code prints (TensorFlow's and absl's C++
    log lines, written straight to file descriptor 2) into the log file, while
    Python's own messages still reach the terminal. Elsewhere, change nothing."""
    try:
        on_terminal = sys.stderr.isatty()
    except (AttributeError, ValueError):
        on_terminal = False
    if not on_terminal:
        yield
        return
    sys.stderr.flush()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        log_file = open(path, "ab")  # noqa: SIM115 (closed at once: fd 2 keeps a copy)
    except OSError:  # no log to write: the lines stay on the terminal
        yield
        return
    terminal = os.dup(2)
    with log_file:
        os.dup2(log_file.fileno(), 2)
    original = sys.stderr
    sys.stderr = os.fdopen(os.dup(terminal), "w", buffering=1)
    try:
        yield
    finally:
        replaced, sys.stderr = sys.stderr, original
        replaced.flush()
        os.dup2(terminal, 2)
        os.close(terminal)
        replaced.close()
