"""Training under faults: the disk fills up during a checkpoint; the run is killed.

Both start ``latent-bridge train`` as a real subprocess (importing TensorFlow
there takes most of their time, hence ``slow``) on a small drum folder built
here, with the tiny drum model:

- disk full: the process may write no file over 1 MB (``RLIMIT_FSIZE``, with
  ``SIGXFSZ`` ignored, so a write fails with ``EFBIG`` as on a full disk); a
  checkpoint is about 2.7 MB, so the first checkpoint of a resumed run cannot
  be written. The command must fail with a clear message, leave the earlier
  checkpoints byte for byte as they were and no half-written files, and the
  same command must then resume.
- SIGKILL: ``kill -9`` once a checkpoint past step 0 is on disk (``--full``:
  three kills at different moments); the run directory must stay consistent
  and the run must resume from its newest checkpoint.

Run with ``uv run pytest -m reliability tests/reliability/test_faults_training.py``.
"""

from __future__ import annotations

import hashlib
import json
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_folder

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

MODEL = "lb-drums_2bar_tiny"
LIMIT_BYTES = 1_000_000  # above every JSON and cache file of the run, below a checkpoint
STARTUP_TIMEOUT = 600.0  # importing TensorFlow on a loaded 2-core machine


def train_command(midi: Path, out: Path, steps: int) -> list[str]:
    script = Path(sys.executable).parent / "latent-bridge"
    head = (
        [str(script)]
        if script.is_file()
        else [sys.executable, "-c", "import sys; from bridge.cli import main; sys.exit(main())"]
    )
    return [
        *head,
        "train",
        str(midi),
        "--model",
        MODEL,
        "--out",
        str(out),
        "--steps",
        str(steps),
        "--batch-size",
        "8",
        "--eval-every",
        "2",
        "--eval-examples",
        "16",
        "--patience",
        "0",
        "--learning-rate",
        "3e-3",
        "--device",
        "cpu",
        "--plain",
    ]


def train_in_process(midi: Path, out: Path, steps: int) -> tuple[Any, list[str]]:
    from bridge.train.loop import SilentDisplay, TrainConfig, train

    messages: list[str] = []

    class Recorder(SilentDisplay):
        def message(self, text: str) -> None:
            messages.append(text)

    cfg = TrainConfig(
        midi_dir=midi,
        model=MODEL,
        out=out,
        steps=steps,
        batch_size=8,
        eval_every=2,
        eval_examples=16,
        patience=0,
        learning_rate=3e-3,
        device="cpu",
    )
    return train(cfg, Recorder()), messages


def checkpoint_steps(run: Path) -> list[int]:
    return sorted(int(p.name.split("-")[1].split(".")[0]) for p in run.glob("model.ckpt-*.index"))


def digests(run: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(run.glob("model.ckpt-*"))
        if p.is_file()
    }


def assert_consistent(run: Path) -> int:
    """The run directory after a crash: readable, and its newest checkpoint whole."""
    from bridge.engine.checkpoint import resolve_checkpoint

    run_info = json.loads((run / "run.json").read_text())
    assert run_info["model"] == MODEL
    json.loads((run / "metrics.json").read_text())  # written through a temporary file
    assert not list(run.glob("*.tmp")), "a half-written JSON file was left"
    steps = checkpoint_steps(run)
    assert steps, "no checkpoint survived"
    for step in steps:
        data = list(run.glob(f"model.ckpt-{step}.data-*"))
        assert data and all(d.stat().st_size > 0 for d in data), f"step {step} has no data"
    # The state file points at a checkpoint that is there (what serve and generate load).
    prefix = resolve_checkpoint(run)
    assert Path(str(prefix) + ".index").is_file()
    return steps[-1]


def test_disk_full_during_a_checkpoint(tmp_path: Path) -> None:
    midi = make_folder(tmp_path / "midi", files=4)
    run = tmp_path / "run"
    result, _ = train_in_process(midi, run, 4)
    assert result.status == "completed" and checkpoint_steps(run) == [0, 2, 4]
    before = digests(run)
    state_before = (run / "checkpoint").read_text()

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT_BYTES, LIMIT_BYTES))

    proc = subprocess.run(
        train_command(midi, run, 8),
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
        preexec_fn=limit_file_size,
    )
    assert proc.returncode != 0, proc.stdout[-2000:]
    error = proc.stderr.strip().splitlines()[-1]
    assert error.startswith("error: could not write the checkpoint of step 6"), proc.stderr[-3000:]
    assert "newest good checkpoint is model.ckpt-4" in error and "run the same command" in error
    assert "Traceback" not in proc.stderr
    # Nothing written before the failure was touched, nothing half-written stayed.
    assert digests(run) == before
    assert (run / "checkpoint").read_text() == state_before
    assert sorted(p.name for p in run.iterdir() if p.name.startswith("model.ckpt-6")) == []
    assert not [p for p in run.iterdir() if "_temp" in p.name]
    assert_consistent(run)

    result, messages = train_in_process(midi, run, 8)
    assert "resumed from model.ckpt-4" in messages
    assert (result.status, result.step) == ("completed", 8)
    assert checkpoint_steps(run)[-1] == 8
    print(f"disk full: {error}")


def test_sigkill_then_resume(tmp_path: Path, full: bool) -> None:
    midi = make_folder(tmp_path / "midi", files=4)
    run = tmp_path / "run"
    kills = 3 if full else 1
    killed_at: list[int] = []
    for k in range(kills):
        seen = checkpoint_steps(run) if run.exists() else []
        # Kill once a checkpoint newer than those before is on disk; later kills
        # wait a little longer, so they may land in a step or in a save.
        proc = subprocess.Popen(
            train_command(midi, run, 10_000),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not [s for s in checkpoint_steps(run) if s > max(seen, default=0)]:
                assert proc.poll() is None, f"train exited early with {proc.returncode}"
                assert time.monotonic() < deadline, "no checkpoint in time"
                time.sleep(0.05)
            time.sleep(0.3 * k)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        killed_at.append(assert_consistent(run))

    newest = killed_at[-1]
    result, messages = train_in_process(midi, run, newest + 2)
    assert f"resumed from model.ckpt-{newest}" in messages, messages
    assert (result.status, result.step) == ("completed", newest + 2)
    history = json.loads((run / "metrics.json").read_text())["history"]
    steps = [h["step"] for h in history]
    assert steps == sorted(set(steps)), f"evaluations repeated or out of order: {steps}"
    assert_consistent(run)
    print(f"killed with SIGKILL after checkpoints {killed_at}; resumed to {result.step}")
