"""Every config of Magenta's CONFIG_MAP through the engine, with random weights.

Slow (the 16-bar and multi-instrument graphs take a minute each to build on
two cores): ``uv run pytest -m slow tests/test_all_configs.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.engine import REGISTRY, Engine
from bridge.engine.adapters import Adapter
from bridge.engine.registry import Role
from bridge.errors import InvalidRequestError
from bridge.testing import make_random_checkpoint
from tests.factories import model_inputs

MAGENTA = [s for s in REGISTRY if not s.name.startswith("lb-")]


@pytest.mark.slow
@pytest.mark.parametrize("spec", MAGENTA, ids=[s.name for s in MAGENTA])
def test_config_runs_its_operations(spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ckpt = make_random_checkpoint(spec.config, tmp_path / "ckpt")
    # Two refinement steps for every model, also those refined only on request.
    engine = Engine(device="cpu", batch_size=2, checkpoints={spec.name: str(ckpt)}, refine_steps=2)
    try:
        tracks = model_inputs(Adapter(spec))
        if spec.role.is_multitrack:
            gen = engine.multitrack(spec.name, tracks, 2, seed=1)
            assert all(len(out) == len(tracks) for out in gen.outputs)
        else:
            gen = engine.variations(spec.name, tracks[0].clip, 2, seed=1)
            assert len(gen.clips) == 2
            assert all(c.length == tracks[0].clip.length for c in gen.clips)
            assert gen.clips == engine.variations(spec.name, tracks[0].clip, 2, seed=1).clips
        if spec.role is Role.GROOVE:
            assert engine.humanize(spec.name, tracks[0].clip, seed=1).clips
        # Every graph a merged request may use builds and runs (serve does
        # this after loading), and changes no result.
        engine.model(spec.name).warm_up()
        if not spec.role.is_multitrack:
            assert gen.clips == engine.variations(spec.name, tracks[0].clip, 2, seed=1).clips
        if spec.has_controls:
            with pytest.raises(InvalidRequestError, match="conditioned on"):
                engine.sample(spec.name, 2, seed=1)
        else:
            assert len(engine.sample(spec.name, 2, seed=1).outputs) == 2
    finally:
        engine.close()
