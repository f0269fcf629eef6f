"""The folder watcher fed a burst of files, a tenth of them corrupt, with a restart.

Smoke: 50 files; ``--full``: 500. Files land while the watcher runs; it is
stopped part way and a second watcher finishes the folder; a third finds
nothing to do. Every good file must come out exactly once (one output folder,
one state entry, untouched by the later watchers), every corrupt one must be
in ``failed/`` with its reason, and no input may be lost.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bridge.engine import Engine
from tests.factories import drum_midi
from tests.watching import (
    config,
    digest,
    done_inputs,
    idle,
    output_dirs,
    poll,
    running,
    state_entries,
)

pytestmark = pytest.mark.reliability


def corrupt(i: int) -> bytes:
    """Four kinds of bad file: cut short, MIDI header then noise, text, empty."""
    good = drum_midi(i)
    kind = i % 4
    if kind == 0:
        return good[: len(good) // 2]
    if kind == 1:
        return good[:14] + os.urandom(64)
    if kind == 2:
        return b"these are lyrics, not MIDI\n" * 3
    return b""


def test_burst_with_corrupt_files_and_a_restart(engine: Engine, tmp_path: Path, full: bool) -> None:
    total = 500 if full else 50
    bad = {i for i in range(total) if i % 10 == 3}  # 10%
    names = [f"f{i:03d}.mid" for i in range(total)]
    good_names = sorted(Path(n).stem for i, n in enumerate(names) if i not in bad)
    cfg = config(
        tmp_path,
        count=1,
        workers=2,
        queue_size=16,
        piano_rolls=False,
        settle_seconds=0.1,
        corrupt_seconds=1.0,
    )
    cfg.in_dir.mkdir()
    half = total // 2
    with running(cfg, engine) as first:
        for i, name in enumerate(names[:half]):
            (cfg.in_dir / name).write_bytes(corrupt(i) if i in bad else drum_midi(i))
        poll(lambda: first.snapshot().done >= len(good_names) // 4)
        for i, name in enumerate(names[half:], start=half):  # still landing at the stop
            (cfg.in_dir / name).write_bytes(corrupt(i) if i in bad else drum_midi(i))
    done_first = set(done_inputs(cfg.out_dir))
    assert done_first and len(done_first) < len(good_names)
    before = {Path(n).stem: digest(cfg.out_dir / Path(n).stem) for n in done_first}

    with running(cfg, engine) as second:
        idle(second)
        snap = second.snapshot()
    assert snap.errors == 0
    assert snap.done == len(good_names) - len(done_first)

    failed = cfg.in_dir / "failed"
    assert output_dirs(cfg.out_dir) == good_names  # once each: no "f001 (2)"
    assert done_inputs(cfg.out_dir) == [f"{n}.mid" for n in good_names]
    assert sorted(p.name for p in failed.iterdir() if not p.name.endswith(".reason.txt")) == [
        names[i] for i in sorted(bad)
    ]
    for i in bad:
        assert (failed / f"{names[i]}.reason.txt").read_text().strip()
    # Nothing lost: every input is either still in place (done) or in failed/.
    assert sorted(p.name for p in cfg.in_dir.glob("*.mid")) == [f"{n}.mid" for n in good_names]
    entries = state_entries(cfg.out_dir)
    assert sorted(e["status"] for e in entries.values()).count("done") == len(good_names)
    assert sum(e["status"] == "failed" for e in entries.values()) == len(bad)
    for name, files in before.items():  # the second watcher left the first one's work alone
        assert digest(cfg.out_dir / name) == files

    everything = digest(cfg.out_dir / good_names[-1])
    with running(cfg, engine) as third:
        idle(third)
        assert (third.snapshot().done, third.snapshot().failed) == (0, 0)
    assert output_dirs(cfg.out_dir) == good_names
    assert digest(cfg.out_dir / good_names[-1]) == everything
