"""Every command on a terminal: native log lines go to a log file, Python's to the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = r"""
import os, sys
from pathlib import Path
from bridge.terminal import native_stderr_into

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
        text = _read_all(master)
    finally:
        os.close(master)
    assert "device: cpu" in text and "after: on the terminal again" in text
    assert "native log line" not in text
    assert "native log line" in log.read_text()


def test_elsewhere_nothing_is_redirected(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from bridge.terminal import native_stderr_into

    with native_stderr_into(tmp_path / "server.log"):
        os.write(2, b"native\n")
    assert "native" in capfd.readouterr().err
    assert not (tmp_path / "server.log").exists()


COMMAND = r"""
import os, sys, warnings
from bridge.cli import main
import bridge.cli.models as models

def listing(*args, **kwargs):
    os.write(2, b"E0000 failed call to cuInit\n")  # as TensorFlow's C++ code writes
    # As Magenta's TF1 layers warn on every graph built, and as our own code might.
    warnings.warn_explicit("`tf.layers.dense` is deprecated", UserWarning, "lstm_utils.py", 94,
                           module="magenta.models.music_vae.lstm_utils")
    warnings.warn_explicit("a warning of ours", UserWarning, "engine.py", 1, module="bridge.engine")
    print("models listed")
    return 0

models.list_models = listing
sys.exit(main(["models", "list"]))
"""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_command_on_a_terminal_sends_native_lines_to_the_cache_log(tmp_path: Path) -> None:
    from bridge.terminal import NATIVE_LOG_NAME

    master, slave = os.openpty()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", COMMAND],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            env=env,
            timeout=120,
            check=False,
        )
        os.close(slave)
        terminal = _read_all(master)
    finally:
        os.close(master)
    assert proc.returncode == 0, terminal
    assert "models listed" in terminal and "cuInit" not in terminal
    assert "deprecated" not in terminal and "a warning of ours" in terminal
    log = tmp_path / "cache" / "latent-bridge" / NATIVE_LOG_NAME
    assert "E0000 failed call to cuInit" in log.read_text()


def _read_all(master: int) -> str:
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the pty's other side is closed: all read
            break
        if not chunk:
            break
        out += chunk
    return out.decode()
