"""No thread dies silently: a bug injected into each kind of serving thread.

The receive loop, a model's worker (in its loop, in a job, in sending the
results) and the folder watcher's scanner each meet an exception nobody
planned for. Each time: the traceback reaches the log file, the request
concerned gets ``internal``, the thread is counted as restarted in
``/lb/status``, and the server still answers every model afterwards.
(Clip transfers are expired inline when a new one begins: there is no
reaper thread to fail.)
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.clips import Track
from bridge.convert import midi_bytes
from bridge.engine import Engine
from bridge.osc import Profile, Server
from bridge.osc import workers as workers_module
from bridge.osc.client import OscClient, RemoteError
from bridge.osc.workers import ModelWorker
from tests.factories import rock_beat

pytestmark = pytest.mark.reliability

DRUMS, GROOVE, MULTI = "lb-drums_2bar_tiny", "lb-groove_2bar_tiny", "lb-multitrack_1bar_tiny"


def beat() -> Track:
    return rock_beat(hats=False)


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The server's log file, as ``serve`` attaches it."""
    path = tmp_path / "server.log"
    handler = logging.FileHandler(path)
    logger = logging.getLogger("latent_bridge.server")
    logger.addHandler(handler)
    yield path
    logger.removeHandler(handler)
    handler.close()


@pytest.fixture
def live(engine: Engine, tiny_checkpoints: dict[str, str]) -> Iterator[Server]:
    profile = Profile(
        roles={"drums": DRUMS, "groove": GROOVE, "multitrack": MULTI},
        checkpoints={m: tiny_checkpoints[m] for m in (DRUMS, GROOVE, MULTI)},
    )
    srv = Server(engine, profile, host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.stop()


def every_model_answers(c: OscClient) -> None:
    assert c.call("ping").replies[0].args[1] == "1"
    assert len(c.operation("sample", "drums", 1, 1.0, 0, 1).outputs) == 1
    assert len(c.operation("humanize", "groove", 0.3, 1, tracks=[beat()]).outputs) == 1
    assert len(c.operation("multitrack", "multitrack", 1, 0.8, 0.5, 1, tracks=[beat()]).outputs)


def status(c: OscClient) -> tuple[int, int]:
    args = c.call("status").replies[0].args
    return int(args[-2]), int(args[-1])


def test_the_receive_loop_restarts_after_a_crash(live: Server, log_file: Path) -> None:
    real = live._sock
    assert real is not None

    class Faulty:
        crashed = False

        def recvfrom(self, size: int) -> tuple[bytes, Any]:
            if not Faulty.crashed:
                Faulty.crashed = True
                raise RuntimeError("injected into the receive loop")
            return real.recvfrom(size)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    live._sock = Faulty()  # type: ignore[assignment]
    with OscClient(port=live.port, timeout=20) as c:
        every_model_answers(c)
        assert Faulty.crashed and status(c) == (1, 0)
    text = log_file.read_text()
    assert "osc-receive crashed" in text and "Traceback" in text and "injected into" in text


def test_a_model_worker_restarts_and_answers_internal(
    live: Server, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ModelWorker._next_batch
    crashed: list[str] = []

    def faulty(self: ModelWorker, first: Any) -> Any:
        if not crashed:
            crashed.append(self.model)
            raise RuntimeError("injected into a worker's loop")
        return real(self, first)

    monkeypatch.setattr(ModelWorker, "_next_batch", faulty)
    with OscClient(port=live.port, timeout=20) as c:
        with pytest.raises(RemoteError) as err:
            c.operation("sample", "drums", 1, 1.0, 0, 1)
        assert err.value.code == "internal" and "serves on" in err.value.message
        every_model_answers(c)
        assert status(c) == (1, 1)
    text = log_file.read_text()
    assert f"worker-{DRUMS} crashed" in text and "Traceback" in text


def test_a_bug_while_sending_results_is_answered_and_the_worker_goes_on(
    live: Server, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = workers_module.result_messages
    calls = []

    def faulty(req: Any, gen: Any) -> Any:
        calls.append(req.id)
        if len(calls) == 1:
            raise RuntimeError("injected into sending results")
        return real(req, gen)

    monkeypatch.setattr(workers_module, "result_messages", faulty)
    with OscClient(port=live.port, timeout=20) as c:
        with pytest.raises(RemoteError) as err:
            c.operation("sample", "drums", 1, 1.0, 0, 1)
        assert err.value.code == "internal"
        every_model_answers(c)
        restarts, internal = status(c)
        assert internal == 1 and restarts == 1
    assert "injected into sending results" in log_file.read_text()


def test_a_bug_in_the_model_is_internal_and_needs_no_restart(
    live: Server, engine: Engine, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*a: Any, **kw: Any) -> Any:
        raise ZeroDivisionError("injected into the engine")

    with OscClient(port=live.port, timeout=20) as c:
        monkeypatch.setattr(engine, "sample", broken)
        with pytest.raises(RemoteError) as err:
            c.operation("sample", "drums", 1, 1.0, 0, 1)
        assert err.value.code == "internal" and "ZeroDivisionError" in err.value.message
        monkeypatch.undo()
        every_model_answers(c)
        assert status(c) == (0, 1)
    assert "Traceback" in log_file.read_text()


def test_a_bug_in_a_handler_is_internal(
    live: Server, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(server: Server, req: Any) -> Any:
        raise KeyError("injected into a handler")

    monkeypatch.setitem(live.routes, "/lb/models", broken)
    with OscClient(port=live.port, timeout=20) as c:
        with pytest.raises(RemoteError) as err:
            c.call("models")
        assert err.value.code == "internal"
        every_model_answers(c)
        assert status(c) == (0, 1)


def test_the_watcher_s_scanner_restarts_after_a_crash(
    engine: Engine, tiny_checkpoints: dict[str, str], tmp_path: Path
) -> None:
    from bridge.watch import WatchConfig, Watcher

    config = WatchConfig(
        in_dir=tmp_path / "in",
        out_dir=tmp_path / "out",
        op="variations",
        model=DRUMS,
        checkpoint=Path(tiny_checkpoints[DRUMS]),
        params={"count": 1},
        settle_seconds=0.2,
        piano_rolls=False,
    )
    watcher = Watcher(config, engine)
    real = watcher._check_groups
    crashes = []

    def faulty() -> None:
        if not crashes:
            crashes.append(1)
            raise RuntimeError("injected into the scanner")
        real()

    watcher._check_groups = faulty  # type: ignore[method-assign]
    with watcher:
        (config.in_dir / "beat.mid").write_bytes(midi_bytes([beat()]))
        assert watcher.wait_idle(60)
        snap = watcher.snapshot()
    assert crashes and snap.restarts == 1 and snap.done == 1 and snap.error is None
    assert len(list(config.out_dir.glob("beat/*.mid"))) == 1
    log = (config.out_dir / "watch.log").read_text()
    assert "the scanner crashed" in log and "Traceback" in log


def test_a_killed_watcher_s_unfinished_output_is_cleaned_on_the_next_start(
    engine: Engine, tiny_checkpoints: dict[str, str], tmp_path: Path
) -> None:
    from bridge.watch import WatchConfig, Watcher

    out = tmp_path / "out"
    dead = out / ".partial" / "999999999-0123abcd"  # a pid no process has
    dead.mkdir(parents=True)
    (dead / "beat_variations_01.mid").write_bytes(b"MThd")
    old_style = out / ".partial" / "0123456789abcdef"  # before pids were in the name
    old_style.mkdir()
    config = WatchConfig(
        in_dir=tmp_path / "in",
        out_dir=out,
        op="variations",
        model=DRUMS,
        checkpoint=Path(tiny_checkpoints[DRUMS]),
        params={"count": 1},
    )
    with Watcher(config, engine):
        pass
    assert not dead.exists() and not old_style.exists()


def test_a_datagram_too_big_for_any_reply_is_logged_not_fatal(live: Server) -> None:
    with (
        OscClient(port=live.port, timeout=20) as c,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw,
    ):
        raw.sendto(b"\0" * 65000, ("127.0.0.1", live.port))
        every_model_answers(c)
