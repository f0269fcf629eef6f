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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from bridge.clips import Track
from bridge.errors import InvalidRequestError, UnsupportedClipError
from bridge.limits import (
    MAX_BARS,
    MAX_COUNT,
    MAX_GRID,
    MAX_QPM,
    MAX_SEED,
    MAX_STREAM_BAR,
    MAX_TEMPERATURE,
    MIN_QPM,
    MIN_TEMPERATURE,
)

if TYPE_CHECKING:  # the engine imports TensorFlow; callers bring their own
    from pathlib import Path

    from bridge.engine import Engine, Generation, ModelSpec

__all__ = [
    "OPERATIONS",
    "OpOptions",
    "Operation",
    "Param",
    "ParamTypeError",
    "as_scenes",
    "batch_key",
    "canonical_op",
    "get_operation",
    "operations",
    "pick_track",
    "run_operation",
    "run_sample_batch",
    "with_song_tempo",
]

Value = int | float | str
MAX_TEXT = 256  # characters of a free string parameter


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
    unset_means: str = ""
    field: str | None = None  # the engine keyword and OpOptions field, where it differs
    help: str = ""  # what it is, for a musician
    # A free string (no choices): what it may be, for the docs, and its check
    # (raises InvalidRequestError); model: a model name or a role of the server.
    text: str = ""
    check_text: Callable[[str], object] | None = None
    model: bool = False
    # Only over OSC: the command line and the watcher read scenes from files.
    osc_only: bool = False

    @property
    def key(self) -> str:
        return self.field or self.name

    @property
    def required(self) -> bool:
        return self.default is None

    def range_text(self) -> str:
        if self.choices:
            return " or ".join(self.choices)
        if self.kind is str:
            return self.text
        text = f"{_num(self.low)}..{_num(self.high)}"
        return f"{text} ({self.unset}: {self.unset_means})" if self.unset is not None else text

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
        if self.kind is str and not self.choices:
            assert isinstance(value, str)
            if len(value) > MAX_TEXT:
                raise InvalidRequestError(f"{self.name} is at most {MAX_TEXT} characters")
            if self.check_text is not None:
                self.check_text(value)
            return value
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
            also = f" (or {self.unset}: {self.unset_means})" if self.unset is not None else ""
            raise InvalidRequestError(
                f"{self.name} must be {_num(self.low)} to {_num(self.high)}{also}, got {value}"
            )
        return value

    def engine_value(self, value: Value) -> Value | None:
        """What the engine gets: None for the "let the engine choose" value."""
        return None if self.unset is not None and value == self.unset else value

    def parse_text(self, text: str) -> Value:
        """A value typed on a command line, checked; ValueError says what is wrong."""
        try:
            if self.kind is str:
                raw: object = text
            elif self.kind is float or "." in text:
                raw = float(text)
            else:
                raw = int(text)
        except ValueError:
            what = "a whole number" if self.kind is int else "a number"
            raise ValueError(f"{self.name} must be {what}, got {text!r}") from None
        try:
            return self.check(self.coerce(raw))
        except (ParamTypeError, InvalidRequestError) as exc:
            raise ValueError(str(exc)) from None

    def describe(self, *, default: bool = True) -> str:
        """Help text: what it is, its range and (with ``default``) its default."""
        parts = [self.help] if self.help else []
        parts.append(self.range_text())
        if default and self.default is not None:
            shown = self.unset_means if self.default == self.unset else self.default
            parts.append(f"default: {shown}")
        return "; ".join(parts)


def _num(v: float | None) -> str:
    return "-" if v is None else (str(int(v)) if float(v).is_integer() else str(v))


def _count(default: int, what: str) -> Param:
    return Param("count", int, default, 1, MAX_COUNT, field="n", help=f"how many {what}")


def _temperature(default: float) -> Param:
    return Param(
        "temperature",
        float,
        default,
        MIN_TEMPERATURE,
        MAX_TEMPERATURE,
        help="sampling temperature: higher is wilder",
    )


SIMILARITY = Param(
    "similarity", float, 0.75, 0.0, 1.0, help="how close to the input: 1 stays close, 0 is free"
)
FEEL = Param(
    "feel",
    int,
    1,
    0,
    1,
    help="1: outputs are played with the input's velocities and timing (interpolations "
    "and blends: the inputs', weighted by position); 0: the model's raw output",
)
SEED = Param(
    "seed",
    int,
    -1,
    0,
    MAX_SEED,
    unset=-1,
    unset_means="drawn at random",
    help="random seed: the same seed and input give the same result",
)

# Last in the operations that take it, so that clients which do not send it
# keep working: the tempo is 120 for them.
TEMPO = Param(
    "qpm",
    float,
    0.0,
    MIN_QPM,
    MAX_QPM,
    unset=0,
    unset_means="the song's (an input file's, Live's), else 120",
    help="the song's tempo in bpm: a groove model that reads it plays to it "
    "(drums laid back or pushed), and MIDI files are written at it",
)


def _check_key(text: str) -> None:
    if text:
        from bridge.endless.key import parse_key

        parse_key(text)


def _check_parts(text: str) -> None:
    from bridge.endless.conductor import PART_KINDS
    from bridge.endless.streams import parse_parts

    parts = parse_parts(text)
    unknown = [p for p in parts if p not in PART_KINDS]
    if unknown or len(set(parts)) != len(parts):
        raise InvalidRequestError(
            f"parts are {', '.join(PART_KINDS)}, each at most once, got {text!r}"
        )


# The tracks of one scene over OSC (clip slots: inputs x tracks, at most 32).
MAX_SCENE_TRACKS = 8
TRACKS = Param(
    "tracks",
    int,
    1,
    1,
    MAX_SCENE_TRACKS,
    help="tracks per input: above 1 each input is a scene of that many tracks, "
    "for band and trio models",
    osc_only=True,
)


# Where an operation can be asked for.
OSC, GENERATE, WATCH, LIVE = "osc", "generate", "watch", "live"
EVERYWHERE = frozenset({OSC, GENERATE, WATCH, LIVE})
CORNERS = (
    ("TL.mid", "top-left corner"),
    ("TR.mid", "top-right corner"),
    ("BL.mid", "bottom-left corner"),
    ("BR.mid", "bottom-right corner"),
)
ONE_FILE = (("INPUT.mid", "MIDI file to read"),)


@dataclass(frozen=True)
class Operation:
    """One operation: its engine method, the clips it takes and its parameters."""

    name: str
    method: str  # the Engine method it calls
    clips: tuple[int, int | None]  # fewest, most input clips (None: the model says)
    params: tuple[Param, ...]
    summary: str
    slots: str  # which OSC clip slots it reads, for the docs
    # The MIDI files one input is (generate's positionals, a watcher's group);
    # multitrack takes one file and all its tracks.
    files: tuple[tuple[str, str], ...] = ()
    modes: frozenset[str] = EVERYWHERE

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

    def given(self, values: Mapping[str, object]) -> dict[str, object]:
        """This operation's parameters among ``values`` (by name), those that are set."""
        return {p.name: values[p.name] for p in self.params if values.get(p.name) is not None}

    def options(self, values: Mapping[str, object], *, is_drum: bool | None = None) -> OpOptions:
        """Checked engine options from ``values`` by parameter name (missing: default).

        Raises :class:`ParamTypeError` for a wrong type and
        :class:`InvalidRequestError` for a value out of range or a missing one.
        """
        missing = [p for p in self.required if values.get(p.name, values.get(p.key)) is None]
        if missing:
            ranges = "; ".join(f"{p.name} {p.range_text()}" for p in missing)
            names = " and ".join(p.name for p in missing)
            raise InvalidRequestError(f"{self.name} needs {names} ({ranges})")
        out: dict[str, Any] = {}
        for p in self.params:
            raw = values.get(p.name, values.get(p.key))
            if raw is None:
                raw = p.default
            out[p.key] = p.engine_value(p.check(p.coerce(raw)))
        return OpOptions(**out, is_drum=is_drum)

    def check(self, values: Mapping[str, object]) -> None:
        """Refuse ``values`` now, with the message a run would give (InvalidRequestError)."""
        try:
            self.options(values)
        except ParamTypeError as exc:
            raise InvalidRequestError(str(exc)) from None


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            "sample",
            "sample",
            (0, 0),
            (
                _count(1, "clips"),
                _temperature(1.0),
                Param(
                    "bars",
                    int,
                    0,
                    1,
                    MAX_BARS,
                    unset=0,
                    unset_means="the model's window",
                    help="bars per clip",
                ),
                SEED,
            ),
            "new clips from random points",
            "none",
            modes=frozenset({OSC, GENERATE}),
        ),
        Operation(
            "variations",
            "variations",
            (1, 1),
            (_count(4, "variations"), SIMILARITY, _temperature(0.5), SEED, FEEL, TEMPO),
            "variations of one clip",
            "slot 0",
            ONE_FILE,
        ),
        Operation(
            "interpolate",
            "interpolate",
            (2, 2),
            (
                Param("steps", int, 5, 2, MAX_COUNT, help="clips from A to B, both included"),
                _temperature(0.5),
                SEED,
                Param(
                    "method",
                    str,
                    "slerp",
                    choices=("slerp", "linear"),
                    help="path through the latent space",
                ),
                FEEL,
                TRACKS,
                TEMPO,
            ),
            "clips morphing from A to B",
            "0, 1 (scenes: A's tracks, then B's)",
            (("A.mid", "where to start"), ("B.mid", "where to end")),
        ),
        Operation(
            "blend",
            "blend",
            (4, 4),
            (
                Param("x", float, None, 0.0, 1.0, help="0 (left) .. 1 (right)"),
                Param("y", float, None, 0.0, 1.0, help="0 (top) .. 1 (bottom)"),
                _temperature(0.5),
                SEED,
                FEEL,
                TRACKS,
                TEMPO,
            ),
            "one point between four corner clips",
            "0..3 (scenes: corner by corner)",
            CORNERS,
        ),
        Operation(
            "grid",
            "blend_grid",
            (4, 4),
            (
                Param("cols", int, 5, 2, MAX_GRID, help="columns"),
                Param("rows", int, 5, 2, MAX_GRID, help="rows"),
                _temperature(0.5),
                SEED,
                FEEL,
                TRACKS,
                TEMPO,
            ),
            "a grid of blends between four corner clips",
            "0..3 (scenes: corner by corner)",
            CORNERS,
            modes=frozenset({OSC, GENERATE}),
        ),
        Operation(
            "humanize",
            "humanize",
            (1, 1),
            (_temperature(0.3), SEED, TEMPO),
            "velocities and microtiming (groove models)",
            "slot 0",
            ONE_FILE,
        ),
        Operation(
            "multitrack",
            "multitrack",
            (0, None),
            (_count(4, "variations"), SIMILARITY, _temperature(0.5), SEED, FEEL, TEMPO),
            "variations of all tracks together",
            "0..n-1",
            ONE_FILE,
            modes=frozenset({OSC, GENERATE, LIVE}),
        ),
        Operation(
            "endless",
            "endless",
            (0, 8),
            (
                Param("start", int, 0, 0, MAX_STREAM_BAR, help="the stream's first bar to send"),
                _count(4, "bars"),
                SEED,
                Param("pace", float, 0.5, 0.0, 1.0, help="how fast the music moves"),
                Param("density", float, 0.6, 0.0, 1.0, help="how full it is"),
                Param(
                    "key",
                    str,
                    "",
                    text="a key (C, F#m, Bb minor), or empty: the clips' or one drawn",
                    check_text=_check_key,
                    help="the key of the pitched parts",
                ),
                Param(
                    "parts",
                    str,
                    "drums,bass,lead",
                    text="drums, bass, lead, keys, comma-separated",
                    check_text=_check_parts,
                    help="which parts play",
                ),
                Param(
                    "melody",
                    str,
                    "melody",
                    text="a model or role",
                    model=True,
                    help="the model of the pitched parts",
                ),
                Param(
                    "stream",
                    str,
                    "",
                    text="any name",
                    help="which of the client's streams (each goes on from its last bars)",
                ),
                TEMPO,
            ),
            "the next bars of an endless stream (drums model; docs/endless.md)",
            "0..7 (optional)",
            modes=frozenset({OSC}),
        ),
    )
}


def operations(mode: str) -> dict[str, Operation]:
    """The operations that can be asked for in ``mode`` (osc, generate, watch, live)."""
    return {name: op for name, op in OPERATIONS.items() if mode in op.modes}


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
    feel: int | None = None
    # endless
    start: int | None = None
    pace: float | None = None
    density: float | None = None
    key: str | None = None
    parts: str | None = None
    melody: str | None = None
    stream: str | None = None
    tracks: int | None = None  # tracks per input (scenes over OSC)
    qpm: float | None = None  # the song's tempo

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> OpOptions:
        """Options from a request's parameters; unknown names are ignored."""
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in known})

    def given(self, *names: str) -> dict[str, Any]:
        every = asdict(self)
        return {name: every[name] for name in names if every[name] is not None}


def with_song_tempo(operation: Operation, options: OpOptions, qpm: float) -> OpOptions:
    """``options`` at the song's tempo ``qpm`` (the input file's, Live's),
    where ``operation`` takes a tempo and the request gave none."""
    if options.qpm is None and TEMPO in operation.params:
        return replace(options, qpm=qpm)
    return options


def pick_track(path: Path, tracks: Sequence[Track], spec: ModelSpec, number: int | None) -> Track:
    """The track of a file that a single-track model takes: ``number`` (from 1) if given,
    else the first drum track for drum models and the first other track for melody."""
    from bridge.engine import Role

    if number is not None:
        if not 1 <= number <= len(tracks):
            raise InvalidRequestError(
                f"--track {number}: {path} has {len(tracks)} track(s) with notes, "
                f"so --track must be 1..{len(tracks)}"
            )
        return tracks[number - 1]
    if spec.role in (Role.DRUMS, Role.GROOVE):
        wanted, kind = [t for t in tracks if t.is_drum], "drum"
    elif spec.role is Role.MELODY:
        wanted, kind = [t for t in tracks if not t.is_drum], "non-drum"
    else:  # multi-track models reject single-track operations with their own message
        wanted, kind = list(tracks), "any"
    if not wanted:
        raise UnsupportedClipError(
            f"{path} has no {kind} track for {spec.role.value} model {spec.name!r}; "
            f"choose one of its {len(tracks)} track(s) with --track N"
        )
    return wanted[0]


def batch_key(op: str, options: Mapping[str, object]) -> tuple[object, ...] | None:
    """Requests with equal keys may run as one engine call; None runs alone.

    Only unseeded samples share a run: a request with a seed must repeat
    exactly, which a batch (one seed for all) would not give it.
    """
    if op != "sample" or options.get("seed") is not None:
        return None
    return (op, options["temperature"], options["bars"])


def run_sample_batch(
    engine: Engine, model: str, options: Sequence[Mapping[str, Any]]
) -> list[Generation]:
    """One engine run for several unseeded sample requests (same key), split back."""
    from bridge.engine import Generation

    counts = [int(o["n"]) for o in options]
    first = options[0]
    gen = engine.sample(model, sum(counts), temperature=first["temperature"], bars=first["bars"])
    out, i = [], 0
    for n in counts:
        part = gen.outputs[i : i + n]
        out.append(Generation(gen.model, gen.operation, gen.seed, part, gen.seconds, gen.params))
        i += n
    return out


# The operations whose inputs may be scenes (every part of a file or a Live
# scene) on band and trio models.
SCENE_OPERATIONS = frozenset({"interpolate", "blend", "grid"})


def as_scenes(tracks: Sequence[Track], per_input: int) -> list[list[Track]]:
    """Clips sent slot by slot (input by input, ``per_input`` tracks each) as scenes."""
    if per_input < 1 or len(tracks) % per_input:
        raise InvalidRequestError(
            f"{len(tracks)} clips do not make scenes of {per_input} tracks each"
        )
    return [list(tracks[i : i + per_input]) for i in range(0, len(tracks), per_input)]


def run_operation(
    engine: Engine,
    model: str,
    op: str,
    tracks: Sequence[Track],
    options: OpOptions,
    scenes: Sequence[Sequence[Track]] | None = None,
) -> Generation:
    """Run ``op`` on ``model`` with ``tracks`` as its inputs, or for
    interpolate, blend and grid on a band or trio model with ``scenes`` (one
    list of parts per input). A single-part operation's results are played by
    the first input's instrument (a bass line's variations stay bass)."""
    if scenes is not None:
        operation = get_operation(op)
        if operation.name not in SCENE_OPERATIONS:
            raise InvalidRequestError(f"{op} does not take scenes")
        operation.check_clips(len(scenes))
        return _run_operation(engine, model, op, [], options, scenes)
    generation = _run_operation(engine, model, op, tracks, options)
    if tracks and get_operation(op).method not in ("multitrack", "endless"):
        first = tracks[0]
        generation.outputs = [
            [replace(t, program=first.program) if t.is_drum == first.is_drum else t for t in output]
            for output in generation.outputs
        ]
    return generation


def _run_operation(
    engine: Engine,
    model: str,
    op: str,
    tracks: Sequence[Track],
    options: OpOptions,
    scenes: Sequence[Sequence[Track]] | None = None,
) -> Generation:
    operation = get_operation(op)
    common = options.given("temperature", "seed")
    if TEMPO in operation.params:
        common |= options.given("qpm")
    clips: list[Any]
    if scenes is not None:
        clips = [list(s) for s in scenes]
    else:
        operation.check_clips(len(tracks))
        clips = [t.clip for t in tracks]
    name = operation.method
    if name == "sample":
        return engine.sample(model, **options.given("n", "bars"), **common)
    if name == "variations":
        more = options.given("n", "similarity", "is_drum", "feel")
        return engine.variations(model, clips[0], **more, **common)
    if name == "interpolate":
        more = options.given("steps", "method", "feel")
        return engine.interpolate(model, clips[0], clips[1], **more, **common)
    if name == "blend":
        if options.x is None or options.y is None:
            raise InvalidRequestError("blend needs x and y (each 0..1)")
        return engine.blend(model, clips, options.x, options.y, **options.given("feel"), **common)
    if name == "blend_grid":
        return engine.blend_grid(model, clips, **options.given("cols", "rows", "feel"), **common)
    if name == "humanize":
        return engine.humanize(model, clips[0], **common)
    if name == "endless":
        from bridge.endless.streams import endless_generation

        defaults = get_operation("endless").defaults()
        return endless_generation(
            engine,
            model,
            tracks,
            melody_model=str(options.melody or defaults["melody"]),
            parts=str(options.parts or defaults["parts"]),
            seed=options.seed,
            key=options.key or "",
            pace=float(defaults["pace"] if options.pace is None else options.pace),
            density=float(defaults["density"] if options.density is None else options.density),
            start=int(options.start or 0),
            count=int(options.n or defaults["count"]),
            stream=options.stream or "",
            **options.given("qpm"),
        )
    return engine.multitrack(model, tracks, **options.given("n", "similarity", "feel"), **common)
