"""Shared fixtures: random-weight checkpoints of the tiny registered models.

Checkpoints are made once per test session through Magenta's training graph
and restored through the same code path as an official checkpoint.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

# pydub (imported by note_seq) warns about a missing ffmpeg; audio is not used.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        default=False,
        help="reliability tests at full size (10,000 fuzz packets, 8 x 200 load, 500 files)",
    )


@pytest.fixture(scope="session")
def full(request: pytest.FixtureRequest) -> bool:
    """Whether ``--full`` asks for the reliability tests at their full size."""
    return bool(request.config.getoption("--full"))


TINY_MODELS = (
    "lb-drums_2bar_tiny",
    "lb-mel_2bar_tiny",
    "lb-groove_2bar_tiny",
    "lb-multitrack_1bar_tiny",
    "lb-groove_2bar_hits_tiny",
    "lb-groove_2bar_context_tiny",
    "lb-groove_2bar_tempo_tiny",
)


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from bridge.engine.registry import get_spec
    from bridge.testing import make_random_checkpoint

    root = tmp_path_factory.mktemp("ckpt")
    return {
        name: str(make_random_checkpoint(get_spec(name).config, root / name, seed=i))
        for i, name in enumerate(TINY_MODELS)
    }


@pytest.fixture(scope="session")
def engine(tiny_checkpoints: dict[str, str]):  # type: ignore[no-untyped-def]
    from bridge.engine import Engine

    eng = Engine(device="cpu", batch_size=4, checkpoints=tiny_checkpoints)
    yield eng
    eng.close()


@pytest.fixture(autouse=True)
def _engine_without_groove(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A server started on the shared engine gives it its profile's groove model
    (for new hits); each test starts without one, as a fresh engine does."""
    if "engine" in request.fixturenames:
        request.getfixturevalue("engine").groove = None
    yield


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    return tmp_path
