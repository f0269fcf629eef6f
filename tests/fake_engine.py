"""A stand-in for :class:`bridge.engine.Engine` in tests of the layers above it.

Handler, protocol and CLI tests that check parsing, replies and transport do
not need a model: this engine answers every operation at once with clips
made from its inputs (no TensorFlow, no checkpoint), records each call, and
can be held at a gate to test queues. The model itself is tested with the
tiny registered models (``tests/conftest.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bridge.clips import Clip, Note, Track
from bridge.engine import Generation, Role
from bridge.engine.engine import OPERATION_ROLES
from bridge.errors import InvalidRequestError, UnknownModelError


@dataclass(frozen=True)
class FakeSpec:
    name: str
    role: Role
    bars: int = 2


class FakeRegistry:
    def __init__(self, specs: Sequence[FakeSpec]) -> None:
        self._specs = {s.name: s for s in specs}

    def get(self, name: str) -> FakeSpec:
        if name not in self._specs:
            raise UnknownModelError(f"unknown model {name!r}; registered: {sorted(self._specs)}")
        return self._specs[name]

    def __contains__(self, name: object) -> bool:
        return name in self._specs


DRUMS = FakeSpec("fake-drums", Role.DRUMS)
GROOVE = FakeSpec("fake-groove", Role.GROOVE)
MULTITRACK = FakeSpec("fake-multitrack", Role.MULTITRACK, bars=1)


class FakeEngine:
    """Answers each operation with ``n`` outputs built from its inputs."""

    device = "cpu"

    def __init__(self, specs: Sequence[FakeSpec] = (DRUMS, GROOVE, MULTITRACK)) -> None:
        self.registry = FakeRegistry(specs)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.gate = threading.Event()
        self.gate.set()  # clear it to hold every operation until it is set again
        self.started = threading.Event()  # set when an operation begins
        self._loaded: set[str] = set()

    # -- what the server asks of an engine -----------------------------------------
    def set_checkpoint(self, name: str, checkpoint: str) -> None:
        self.registry.get(name)

    def is_loaded(self, name: str) -> bool:
        return name in self._loaded

    def prior_status(self, name: str) -> str | None:
        return None

    def model(self, name: str) -> None:
        self._loaded.add(self.registry.get(name).name)

    def close(self) -> None:
        self._loaded.clear()

    def check(self, operation: str, model: str) -> None:
        """As the engine's: a model of a kind the operation does not take is refused."""
        spec = self.registry.get(model)
        roles = OPERATION_ROLES.get(operation, tuple(Role))
        if spec.role not in roles:
            raise InvalidRequestError(f"{operation} needs a {roles[0].value} model")

    # -- operations -----------------------------------------------------------------
    def _answer(
        self, op: str, model: str, outputs: list[list[Track]], seed: int | None, **kw: Any
    ) -> Generation:
        self.registry.get(model)
        self.calls.append((op, model, {**kw, "seed": seed}))
        self.started.set()
        self.gate.wait(30)
        self._loaded.add(model)
        return Generation(model, op, 1 if seed is None else seed, outputs, 0.001, kw)

    @staticmethod
    def _beat(k: int) -> list[Track]:
        notes = (Note(36, 0.0, 0.25, 100.0), Note(38, 1.0 + 0.25 * (k % 4), 0.25, 90.0))
        return [Track(Clip(notes, 8.0, name=f"out {k + 1}"), True, 0)]

    def sample(self, model: str, n: int = 1, **kw: Any) -> Generation:
        seed = kw.pop("seed", None)
        return self._answer("sample", model, [self._beat(k) for k in range(n)], seed, n=n, **kw)

    def variations(self, model: str, clip: Clip, n: int = 4, **kw: Any) -> Generation:
        seed = kw.pop("seed", None)
        outputs = [[Track(clip, True, 0)] for _ in range(n)]
        return self._answer("variations", model, outputs, seed, n=n, **kw)

    def interpolate(self, model: str, a: Clip, b: Clip, steps: int = 5, **kw: Any) -> Generation:
        seed = kw.pop("seed", None)
        outputs = [[Track(a if k < steps / 2 else b, True, 0)] for k in range(steps)]
        return self._answer("interpolate", model, outputs, seed, steps=steps, **kw)

    def blend(
        self, model: str, corners: Sequence[Clip], x: float, y: float, **kw: Any
    ) -> Generation:
        seed = kw.pop("seed", None)
        return self._answer("blend", model, [[Track(corners[0], True, 0)]], seed, x=x, y=y, **kw)

    def blend_grid(
        self, model: str, corners: Sequence[Clip], cols: int = 5, rows: int = 5, **kw: Any
    ) -> Generation:
        seed = kw.pop("seed", None)
        outputs = [[Track(corners[k % 4], True, 0)] for k in range(cols * rows)]
        return self._answer("blend_grid", model, outputs, seed, cols=cols, rows=rows, **kw)

    def humanize(self, model: str, clip: Clip, **kw: Any) -> Generation:
        seed = kw.pop("seed", None)
        return self._answer("humanize", model, [[Track(clip, True, 0)]], seed, **kw)

    def multitrack(self, model: str, tracks: Sequence[Track], n: int = 4, **kw: Any) -> Generation:
        seed = kw.pop("seed", None)
        outputs = [list(tracks) or self._beat(k) for k in range(n)]
        return self._answer("multitrack", model, outputs, seed, n=n, **kw)
