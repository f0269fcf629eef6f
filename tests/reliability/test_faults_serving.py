"""A server whose checkpoints break while it serves: that model errors, the others go on.

Each test runs its own engine and server on 127.0.0.1 with copies of the tiny
drums and groove checkpoints, so that breaking files touches nothing shared.
Models load lazily, so a checkpoint broken before a model's first request is
met at load time; one removed after loading is already in memory.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.clips import Track
from bridge.engine import Engine
from bridge.osc import Profile, Server
from bridge.osc.client import OscClient, RemoteError
from tests.factories import rock_beat

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

DRUMS, GROOVE = "lb-drums_2bar_tiny", "lb-groove_2bar_tiny"


def beat() -> Track:
    return rock_beat()


@pytest.fixture
def served(
    tiny_checkpoints: dict[str, str], tmp_path: Path
) -> Iterator[tuple[Server, dict[str, Path]]]:
    dirs = {}
    for name in (DRUMS, GROOVE):
        src = Path(tiny_checkpoints[name]).parent
        dirs[name] = tmp_path / name
        shutil.copytree(src, dirs[name])
    ckpts = {name: str(d / Path(tiny_checkpoints[name]).name) for name, d in dirs.items()}
    engine = Engine(device="cpu", batch_size=4)
    srv = Server(
        engine, Profile(roles={"drums": DRUMS, "groove": GROOVE}, checkpoints=ckpts), port=0
    )
    srv.start()
    yield srv, dirs
    srv.stop()
    engine.close()


def drums_work(c: OscClient) -> None:
    out = c.operation("variations", "drums", 2, 0.8, 0.5, 1, tracks=[beat()])
    assert len(out.outputs) == 2


def humanize(c: OscClient) -> None:
    out = c.operation("humanize", "groove", 0.3, 1, tracks=[beat()])
    assert len(out.outputs) == 1


def expect_checkpoint_error(c: OscClient) -> str:
    with pytest.raises(RemoteError) as err:
        humanize(c)
    assert err.value.code == "checkpoint", err.value
    return err.value.message


def test_corrupt_checkpoint_errors_and_others_keep_serving(
    served: tuple[Server, dict[str, Path]],
) -> None:
    srv, dirs = served
    data = next(dirs[GROOVE].glob("*.data-*"))
    index = next(dirs[GROOVE].glob("*.index"))
    good = {p: p.read_bytes() for p in (data, index)}
    with OscClient(port=srv.port, timeout=120) as c:
        drums_work(c)
        # Drum variations loaded the groove model for their new hits: as after a
        # restart, the damage below is met when it loads again.
        srv.engine.unload(GROOVE)
        for damage in ("noise in the weights", "cut short", "index garbage"):
            if damage == "noise in the weights":
                raw = bytearray(good[data])
                raw[100:5000] = os.urandom(4900)
                data.write_bytes(bytes(raw))
            elif damage == "cut short":
                data.write_bytes(good[data][: len(good[data]) // 3])
            else:
                index.write_bytes(os.urandom(len(good[index])))
            message = expect_checkpoint_error(c)
            assert GROOVE in message, (damage, message)
            drums_work(c)
            expect_checkpoint_error(c)  # asked again: the same clear answer, no hang
            assert c.call("ping").replies
            for p, raw_bytes in good.items():  # repaired on disk: the next request loads it
                p.write_bytes(raw_bytes)
            humanize(c)
            drums_work(c)
            srv.engine.unload(GROOVE)  # as after a restart: the next damage is met at load


def test_model_files_removed_while_serving(served: tuple[Server, dict[str, Path]]) -> None:
    srv, dirs = served
    with OscClient(port=srv.port, timeout=120) as c:
        drums_work(c)  # drums is loaded now, and groove for the new hits
        srv.engine.unload(GROOVE)  # groove not loaded
        shutil.rmtree(dirs[GROOVE])
        shutil.rmtree(dirs[DRUMS])
        assert "not found" in expect_checkpoint_error(c)
        drums_work(c)  # held in memory: keeps serving without its files
        rows = c.call("models", until=("models/end",)).replies
        loaded = {r.args[1]: r.args[4] for r in rows if r.address == "/lb/model"}
        assert loaded == {DRUMS: 1, GROOVE: 0}
        status = c.call("status").replies[0].args
        assert status[2] == 1  # models_loaded
    assert not [e for e in srv.stats.errors if e[2] == "internal"]


def test_corrupt_latent_prior_errors_clearly_and_deleting_it_recovers(
    served: tuple[Server, dict[str, Path]],
) -> None:
    from bridge.engine.prior import PRIOR_FILE

    srv, dirs = served
    prior = dirs[DRUMS] / PRIOR_FILE
    prior.write_bytes(os.urandom(2000))
    with OscClient(port=srv.port, timeout=120) as c:
        with pytest.raises(RemoteError) as err:
            drums_work(c)
        assert err.value.code == "checkpoint"
        assert "latent prior" in err.value.message and PRIOR_FILE in err.value.message
        humanize(c)  # the other model serves on
        assert c.call("ping").replies
        prior.unlink()  # as the message says: delete it to sample from N(0, I)
        drums_work(c)
