"""One place that turns an operation name, its input tracks and its options
into the engine call.

The command line, the OSC workers, the folder watcher and the AbletonOSC
mode each parse their own requests; they all end here, so an operation
behaves the same whichever way a musician reaches it. Options left as
``None`` fall back to the engine's defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from bridge.clips import Track
from bridge.errors import InvalidRequestError

if TYPE_CHECKING:  # the engine imports TensorFlow; callers bring their own
    from bridge.engine import Engine, Generation

__all__ = ["OPERATIONS", "OpOptions", "canonical_op", "run_operation"]

# Operation name -> (fewest, most) input tracks. Multitrack takes the tracks
# of one arrangement (none: a fresh one); the model says how many at most.
OPERATIONS: dict[str, tuple[int, int | None]] = {
    "sample": (0, 0),
    "variations": (1, 1),
    "interpolate": (2, 2),
    "blend": (2, 4),
    "blend_grid": (2, 4),
    "humanize": (1, 1),
    "multitrack": (0, None),
}
_ALIASES = {"grid": "blend_grid"}


def canonical_op(op: str) -> str:
    """The engine's name for ``op`` (the command line says ``grid``)."""
    name = _ALIASES.get(op, op)
    if name not in OPERATIONS:
        raise InvalidRequestError(
            f"unknown operation {op!r}; choose one of {', '.join(OPERATIONS)}"
        )
    return name


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
    def from_mapping(cls, values: dict[str, Any]) -> OpOptions:
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
    name = canonical_op(op)
    fewest, most = OPERATIONS[name]
    if len(tracks) < fewest or (most is not None and len(tracks) > most):
        wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
        raise InvalidRequestError(f"{name} takes {wanted} clip(s), got {len(tracks)}")
    common = options.given("temperature", "seed")
    clips = [t.clip for t in tracks]
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
