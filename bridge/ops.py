"""The one table of operations: what each takes, every parameter's default
and range, and the engine call they all end in.

The OSC server, the command line, the folder watcher and the AbletonOSC mode
parse their own requests against this table and end in
:func:`run_operation`, so an operation behaves the same whichever way a
musician reaches it; ``docs/protocol.md`` and the devices are checked against
it by the tests. Parameters are listed in their OSC order (after the model).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from bridge.clips import Track
from bridge.errors import InvalidRequestError
from bridge.limits import (
    MAX_BARS,
    MAX_COUNT,
    MAX_GRID,
    MAX_SEED,
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
)

if TYPE_CHECKING:  # the engine imports TensorFlow; callers bring their own
    from bridge.engine import Engine, Generation

__all__ = [
    "OPERATIONS",
    "OpOptions",
    "Operation",
    "Param",
    "ParamTypeError",
    "canonical_op",
    "get_operation",
    "run_operation",
]

Value = int | float | str


class ParamTypeError(TypeError):
    """A parameter value of the wrong type (a string for a count, 2.5 for an int)."""


@dataclass(frozen=True)
class Param:
    """One parameter of an operation."""

    name: str  # as the protocol, the command line and the docs call it
    kind: type[int] | type[float] | type[str]
    default: Value | None  # None: required
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    # The value that means "let the engine choose" (seed -1: draw one; bars 0: the window).
    unset: int | None = None
    field: str | None = None  # the engine keyword and OpOptions field, where it differs
    help: str = ""

    @property
    def key(self) -> str:
        return self.field or self.name

    @property
    def required(self) -> bool:
        return self.default is None

    def range_text(self) -> str:
        if self.choices:
            return " or ".join(self.choices)
        text = f"{_num(self.low)}..{_num(self.high)}"
        return f"{text} ({self.unset}: {self.help})" if self.unset is not None else text

    def coerce(self, value: object) -> Value:
        """``value`` as this parameter's type; :class:`ParamTypeError` if it is not one.

        A whole float is an int (Max sends some ints as floats).
        """
        if self.kind is str:
            if not isinstance(value, str):
                raise ParamTypeError(f"{self.name} must be a string, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamTypeError(f"{self.name} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ParamTypeError(f"{self.name} must be a finite number, got {value!r}")
        if self.kind is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise ParamTypeError(f"{self.name} must be a whole number, got {value!r}")
                value = int(value)
            return value
        return float(value)

    def check(self, value: Value) -> Value:
        """``value`` if it is in range; :class:`InvalidRequestError` if not."""
        if self.choices:
            if value not in self.choices:
                raise InvalidRequestError(
                    f"{self.name} must be {' or '.join(self.choices)}, got {value!r}"
                )
            return value
        assert not isinstance(value, str) and self.low is not None and self.high is not None
        if value == self.unset:
            return value
        if not self.low <= value <= self.high:
            also = f" (or {self.unset}: {self.help})" if self.unset is not None else ""
            raise InvalidRequestError(
                f"{self.name} must be {_num(self.low)} to {_num(self.high)}{also}, got {value}"
            )
        return value

    def engine_value(self, value: Value) -> Value | None:
        """What the engine gets: None for the "let the engine choose" value."""
        return None if self.unset is not None and value == self.unset else value


def _num(v: float | None) -> str:
    return "-" if v is None else (str(int(v)) if float(v).is_integer() else str(v))


def _count(default: int) -> Param:
    return Param("count", int, default, 1, MAX_COUNT, field="n", help="outputs")


def _temperature(default: float) -> Param:
    return Param("temperature", float, default, MIN_TEMPERATURE, MAX_TEMPERATURE)


SIMILARITY = Param("similarity", float, 0.8, 0.0, 1.0, help="1: the input itself")
SEED = Param("seed", int, -1, 0, MAX_SEED, unset=-1, help="the server draws one")


@dataclass(frozen=True)
class Operation:
    """One operation: its engine method, the clips it takes and its parameters."""

    name: str
    method: str  # the Engine method it calls
    clips: tuple[int, int | None]  # fewest, most input clips (None: the model says)
    params: tuple[Param, ...]
    summary: str
    slots: str  # which clip slots it reads, for the docs

    @property
    def required(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.required)

    def param(self, name: str) -> Param:
        for p in self.params:
            if name in (p.name, p.key):
                return p
        raise KeyError(name)

    def usage(self) -> str:
        names = [p.name for p in self.params]
        req = len(self.required)
        optional = [f"[{' '.join(names[req:])}]"] if names[req:] else []
        return " ".join(["model", *names[:req], *optional])

    def defaults(self) -> dict[str, Value]:
        return {p.name: p.default for p in self.params if p.default is not None}

    def check_clips(self, count: int) -> None:
        fewest, most = self.clips
        if count < fewest or (most is not None and count > most):
            wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
            raise InvalidRequestError(f"{self.name} takes {wanted} clip(s), got {count}")

    def options(self, values: Mapping[str, object], *, is_drum: bool | None = None) -> OpOptions:
        """Checked engine options from ``values`` by parameter name (missing: default).

        Raises :class:`ParamTypeError` for a wrong type and
        :class:`InvalidRequestError` for a value out of range or a missing one.
        """
        out: dict[str, Any] = {}
        for p in self.params:
            raw = values.get(p.name, values.get(p.key))
            if raw is None:
                if p.required:
                    raise InvalidRequestError(f"{self.name} needs {p.name} ({p.range_text()})")
                raw = p.default
            out[p.key] = p.engine_value(p.check(p.coerce(raw)))
        return OpOptions(**out, is_drum=is_drum)


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            "sample",
            "sample",
            (0, 0),
            (
                _count(1),
                _temperature(1.0),
                Param("bars", int, 0, 1, MAX_BARS, unset=0, help="the model's window"),
                SEED,
            ),
            "new clips from the model's latent prior",
            "none",
        ),
        Operation(
            "variations",
            "variations",
            (1, 1),
            (_count(4), SIMILARITY, _temperature(0.5), SEED),
            "clips like the input, closer at higher similarity",
            "slot 0",
        ),
        Operation(
            "interpolate",
            "interpolate",
            (2, 2),
            (
                Param("steps", int, 5, 2, MAX_COUNT, help="clips from A to B, both included"),
                _temperature(0.5),
                SEED,
                Param("method", str, "slerp", choices=("slerp", "linear")),
            ),
            "a path from clip A to clip B",
            "0, 1",
        ),
        Operation(
            "blend",
            "blend",
            (4, 4),
            (
                Param("x", float, None, 0.0, 1.0, help="left to right"),
                Param("y", float, None, 0.0, 1.0, help="top to bottom"),
                _temperature(0.5),
                SEED,
            ),
            "one point between four corner clips",
            "0..3",
        ),
        Operation(
            "grid",
            "blend_grid",
            (4, 4),
            (
                Param("cols", int, 5, 2, MAX_GRID),
                Param("rows", int, 5, 2, MAX_GRID),
                _temperature(0.5),
                SEED,
            ),
            "a grid of blends between four corner clips, row by row",
            "0..3",
        ),
        Operation(
            "humanize",
            "humanize",
            (1, 1),
            (_temperature(0.3), SEED),
            "the clip played with a drummer's timing and dynamics",
            "slot 0",
        ),
        Operation(
            "multitrack",
            "multitrack",
            (0, None),
            (_count(4), SIMILARITY, _temperature(0.5), SEED),
            "variations of an arrangement (no clips: new ones)",
            "0..n-1",
        ),
    )
}
_ALIASES = {"blend_grid": "grid"}


def get_operation(name: str) -> Operation:
    """The operation called ``name`` (the engine's ``blend_grid`` is ``grid``)."""
    op = OPERATIONS.get(_ALIASES.get(name, name))
    if op is None:
        raise InvalidRequestError(
            f"unknown operation {name!r}; choose one of {', '.join(OPERATIONS)}"
        )
    return op


def canonical_op(name: str) -> str:
    """The engine method ``name`` runs (``grid`` -> ``blend_grid``)."""
    return get_operation(name).method


@dataclass(frozen=True)
class OpOptions:
    """What a request may set; ``None`` means the engine's default."""

    n: int | None = None
    temperature: float | None = None
    seed: int | None = None
    similarity: float | None = None
    bars: int | None = None
    steps: int | None = None
    method: str | None = None
    x: float | None = None
    y: float | None = None
    cols: int | None = None
    rows: int | None = None
    # Variations of a drum clip on a model that is not a drum model (or the
    # reverse); None: the model's role decides.
    is_drum: bool | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> OpOptions:
        """Options from a request's parameters; unknown names are ignored."""
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in known})

    def given(self, *names: str) -> dict[str, Any]:
        every = asdict(self)
        return {name: every[name] for name in names if every[name] is not None}


def run_operation(
    engine: Engine, model: str, op: str, tracks: Sequence[Track], options: OpOptions
) -> Generation:
    """Run ``op`` on ``model`` with ``tracks`` as its inputs."""
    operation = get_operation(op)
    operation.check_clips(len(tracks))
    common = options.given("temperature", "seed")
    clips = [t.clip for t in tracks]
    name = operation.method
    if name == "sample":
        return engine.sample(model, **options.given("n", "bars"), **common)
    if name == "variations":
        more = options.given("n", "similarity", "is_drum")
        return engine.variations(model, clips[0], **more, **common)
    if name == "interpolate":
        more = options.given("steps", "method")
        return engine.interpolate(model, clips[0], clips[1], **more, **common)
    if name == "blend":
        if options.x is None or options.y is None:
            raise InvalidRequestError("blend needs x and y (each 0..1)")
        return engine.blend(model, clips, options.x, options.y, **common)
    if name == "blend_grid":
        return engine.blend_grid(model, clips, **options.given("cols", "rows"), **common)
    if name == "humanize":
        return engine.humanize(model, clips[0], **common)
    return engine.multitrack(model, tracks, **options.given("n", "similarity"), **common)
