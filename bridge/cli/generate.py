"""``latent-bridge generate``: one operation from MIDI files to MIDI files.

Its subcommands, input files and options are made from the operation table
(:mod:`bridge.ops`); the parsed arguments become a :class:`GenerateConfig`
handed to :func:`generate`, a plain function that tests call directly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.cli.options import (
    add_inputs,
    add_param_options,
    add_track_option,
    common_options,
    default_model,
    model_engine,
    model_ref,
    param_values,
)
from bridge.clips import Track
from bridge.errors import InvalidRequestError
from bridge.ops import (
    GENERATE,
    SCENE_OPERATIONS,
    Value,
    operations,
    pick_track,
    run_operation,
    with_song_tempo,
)
from bridge.profile import existing_checkpoint

if TYPE_CHECKING:
    from bridge.engine import Engine, Generation, ModelSpec

__all__ = [
    "GENERATE_OPERATIONS",
    "GenerateConfig",
    "GenerateResult",
    "add_generate_parser",
    "config_from_args",
    "generate",
]

GENERATE_OPERATIONS = operations(GENERATE)


@dataclass(frozen=True)
class GenerateConfig:
    """One ``generate`` run. Parameters left out take the operation's defaults."""

    op: str
    model: str
    checkpoint: Path | None
    out: Path
    inputs: tuple[Path, ...] = ()
    params: Mapping[str, Value] = field(default_factory=dict)  # by name, as bridge.ops has them
    device: str = "auto"
    batch_size: int = 8
    refine_steps: int | None = None
    track: int | None = None
    # sample's --qpm: the outputs' tempo (default 120); the operations that
    # take input files have qpm among their params
    qpm: float | None = None


@dataclass(frozen=True)
class GenerateResult:
    """What a ``generate`` run wrote, and the seed that makes it again."""

    seed: int
    device: str
    files: tuple[Path, ...]
    report: Path


def generate(config: GenerateConfig, echo: Callable[[str], None] = print) -> GenerateResult:
    """Run one engine operation on MIDI files and write its outputs to ``config.out``.

    Existing files are never overwritten: a taken name gets ``_1``, ``_2``, ...
    Raises :class:`BridgeError` (or ``OSError``) with a message for the user.
    """
    if config.op not in GENERATE_OPERATIONS:
        raise InvalidRequestError(
            f"unknown operation {config.op!r}; choose one of {', '.join(GENERATE_OPERATIONS)}"
        )
    operation = GENERATE_OPERATIONS[config.op]
    if len(config.inputs) != len(operation.files):
        raise InvalidRequestError(
            f"{config.op} takes {len(operation.files)} MIDI file(s), got {len(config.inputs)}"
        )
    operation.check(config.params)
    if config.batch_size < 1:
        raise InvalidRequestError(f"batch size must be at least 1, got {config.batch_size}")
    # Everything that needs no TensorFlow is checked first: loading it takes a while.
    checkpoint = existing_checkpoint(config.checkpoint)
    from bridge.convert import QPM

    read = [_read_tracks(path) for path in config.inputs]
    files_tracks = [(path, tracks) for path, tracks, _ in read]
    # The tempo: --qpm, else the first input's, else 120. Operations that
    # take a tempo run at it, and the outputs are written at it.
    qpm = config.qpm or float(config.params.get("qpm") or 0) or (read[0][2] if read else QPM)
    # Made now, so that a folder that cannot be made fails before the models
    # load; a request that fails takes back the empty folder it made.
    made = [p for p in (config.out, *config.out.parents) if not p.exists()]
    config.out.mkdir(parents=True, exist_ok=True)
    try:
        engine = model_engine(
            {config.model: checkpoint},
            device=config.device,
            batch_size=config.batch_size,
            refine_steps=config.refine_steps,
        )
        try:
            # Resolved before the registry loads TensorFlow, so "cpu" can hide the GPUs.
            device = engine.device
            echo(f"device: {device}")
            spec = engine.registry.get(config.model)
            generation = _run(engine, spec, config, files_tracks, qpm, echo)
            # How latents were made, for a report that says how to get the same files.
            how = {
                "refine_steps": engine.refine_steps_for(spec),
                "latent_prior": engine.model(config.model).prior_status,
            }
        finally:
            engine.close()
    except BaseException:
        for folder in made:  # innermost first; one with anything in it stays
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise

    files = _write_outputs(config.out, config.op, generation, qpm)
    for path in files:
        echo(str(path))
    report = _write_report(config, generation, files, checkpoint, device, how)
    echo(f"seed: {generation.seed}")
    echo(f"report: {report}")
    return GenerateResult(generation.seed, device, tuple(files), report)


def _read_tracks(path: Path) -> tuple[Path, list[Track], float]:
    from bridge.convert import read_midi_and_tempo

    tracks, qpm = read_midi_and_tempo(path)
    return path, tracks, qpm


def _run(
    engine: Engine,
    spec: ModelSpec,
    config: GenerateConfig,
    files_tracks: Sequence[tuple[Path, list[Track]]],
    qpm: float,
    echo: Callable[[str], None] = print,
) -> Generation:
    operation = GENERATE_OPERATIONS[config.op]
    options = with_song_tempo(operation, operation.options(config.params), qpm)
    if spec.role.is_multitrack and config.op in SCENE_OPERATIONS:
        # A band or trio model takes every part of each file, in one latent.
        scenes = [list(found) for _, found in files_tracks]
        return run_operation(engine, spec.name, config.op, [], options, scenes)
    if config.op == "multitrack":
        tracks = list(files_tracks[0][1])
    else:
        tracks = []
        for path, found in files_tracks:
            picked = pick_track(path, found, spec, config.track)
            tracks.append(picked)
            if len(found) > 1:
                # A file of several parts through a one-part model: say which part.
                number = next(i for i, t in enumerate(found) if t is picked) + 1
                what = "drums" if picked.is_drum else f"program {picked.program}"
                echo(
                    f"{path.name}: {spec.name} takes one part; took track {number} of "
                    f"{len(found)} ({what}, {len(picked.clip.notes)} notes). --track N takes "
                    "another; 'generate multitrack' varies every part together"
                )
    return run_operation(engine, spec.name, config.op, tracks, options)


def _output_stems(op: str, generation: Generation) -> list[str]:
    count = len(generation.outputs)
    if op == "grid":
        cols = int(generation.params["cols"])
        return [f"grid_r{i // cols + 1:02d}_c{i % cols + 1:02d}" for i in range(count)]
    width = max(2, len(str(count)))
    return [f"{op}_{i + 1:0{width}d}" for i in range(count)]


def _write_new(directory: Path, stem: str, suffix: str, data: bytes) -> Path:
    """Write ``data`` to ``stem + suffix``, or ``stem_1 + suffix``, ...: the first free name."""
    k = 0
    while True:
        path = directory / (f"{stem}{suffix}" if k == 0 else f"{stem}_{k}{suffix}")
        try:
            # Exclusive create: a file that appears meanwhile is not overwritten either.
            with path.open("xb") as f:
                f.write(data)
        except FileExistsError:
            k += 1
            continue
        return path


def _write_outputs(out: Path, op: str, generation: Generation, qpm: float) -> list[Path]:
    from bridge.convert import midi_bytes

    return [
        _write_new(out, stem, ".mid", midi_bytes(tracks, qpm))
        for stem, tracks in zip(_output_stems(op, generation), generation.outputs, strict=True)
    ]


def _write_report(
    config: GenerateConfig,
    generation: Generation,
    files: Sequence[Path],
    checkpoint: Path,
    device: str,
    how: dict[str, Any],
) -> Path:
    params = dict(generation.params)
    if config.track is not None:
        params["track"] = config.track
    report = {
        "model": generation.model,
        "op": config.op,
        "params": params,
        "seed": generation.seed,
        "seconds": round(generation.seconds, 3),
        "files": [p.name for p in files],
        "inputs": [str(p) for p in config.inputs],
        "checkpoint": str(checkpoint),
        "device": device,
        **how,
    }
    text = json.dumps(report, indent=2) + "\n"
    return _write_new(config.out, "report", ".json", text.encode())


def add_generate_parser(sub: Any) -> None:
    generate_parser = sub.add_parser(
        "generate",
        help="run a model operation from MIDI files to MIDI files",
        description="Run a model operation and write numbered MIDI files and a report.json "
        "to --out (never overwriting a file). Options left out take the operation's "
        "defaults (docs/protocol.md lists them).",
        epilog="example: latent-bridge generate variations beat.mid --model "
        "cat-drums_2bar_small --checkpoint drums.tar --out variations --count 4",
    )
    ops = generate_parser.add_subparsers(dest="op", required=True, metavar="OP")
    common = [common_options()]
    for op in GENERATE_OPERATIONS.values():
        p = ops.add_parser(op.name, parents=common, help=op.summary)
        add_inputs(p, op.files)
        add_param_options(p.add_argument_group(f"{op.name} options"), [op])
        if op.files and op.name != "multitrack":
            add_track_option(p)
        if not op.files:
            p.add_argument(
                "--qpm",
                type=_qpm,
                metavar="BPM",
                help="tempo of the MIDI files written (default: 120); with input files "
                "the outputs take the first input's tempo",
            )
    generate_parser.set_defaults(handler=_generate_command)


def config_from_args(args: argparse.Namespace) -> GenerateConfig:
    """The :class:`GenerateConfig` that parsed ``generate`` arguments describe."""
    inputs = tuple(getattr(args, dest) for dest in args.input_dests)
    model, checkpoint = model_ref(args.model or default_model(args.op, inputs), args.checkpoint)
    return GenerateConfig(
        op=args.op,
        model=model,
        checkpoint=checkpoint,
        out=args.out,
        inputs=inputs,
        params=param_values(args, [GENERATE_OPERATIONS[args.op]]),
        device=args.device,
        batch_size=args.batch_size,
        refine_steps=args.refine_steps,
        track=getattr(args, "track", None),
        qpm=getattr(args, "qpm", None),
    )


def _qpm(text: str) -> float:
    from bridge.limits import MAX_QPM, MIN_QPM

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not MIN_QPM <= value <= MAX_QPM:
        raise argparse.ArgumentTypeError(f"must be {MIN_QPM:g} to {MAX_QPM:g}, got {value:g}")
    return value


def _generate_command(args: argparse.Namespace) -> int:
    generate(config_from_args(args))
    return 0
