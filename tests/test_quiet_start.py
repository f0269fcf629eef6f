"""``serve`` on a terminal: native log lines go to the log file, Python's to the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = r"""
import os, sys
from pathlib import Path
from bridge.osc.app import native_stderr_into

log = Path(sys.argv[1])
with native_stderr_into(log):
    os.write(2, b"I0000 a native log line\n")  # as TensorFlow's C++ code writes
    print("device: cpu", file=sys.stderr)     # a message of ours
os.write(2, b"after: on the terminal again\n")
"""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_native_lines_go_to_the_log_and_ours_to_the_terminal(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    master, slave = os.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(log)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=slave,
            timeout=60,
            check=True,
        )
        assert proc.returncode == 0
        os.close(slave)
        terminal = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the pty's other side is closed: all read
                break
            if not chunk:
                break
            terminal += chunk
    finally:
        os.close(master)
    text = terminal.decode()
    assert "device: cpu" in text and "after: on the terminal again" in text
    assert "native log line" not in text
    assert "native log line" in log.read_text()


def test_elsewhere_nothing_is_redirected(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from bridge.osc.app import native_stderr_into

    with native_stderr_into(tmp_path / "server.log"):
        os.write(2, b"native\n")
    assert "native" in capfd.readouterr().err
    assert not (tmp_path / "server.log").exists()
