"""The ``latent-bridge`` command: MIDI files in, MIDI files out, from a terminal.

Each subcommand turns its parsed arguments into a config object and hands it to
a plain function (:func:`generate`, :func:`watch`, :func:`list_models`), so the
same work can be called from Python and tested without a shell.

TensorFlow (through the engine and the model registry) and pretty_midi are
imported inside the functions that need them, so ``latent-bridge --help`` and
argument errors answer at once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.argtypes import add_refine_option
from bridge.argtypes import positive_int as _positive_int
from bridge.argtypes import seed as seed_arg
from bridge.clips import Track
from bridge.errors import BridgeError, CheckpointError, InvalidRequestError, UnsupportedClipError
from bridge.limits import MAX_SEED
from bridge.train.commands import add_export_parser, add_fit_prior_parser, add_train_parser
from bridge.train.rundir import DEFAULT_MODELS
from bridge.zoo.commands import add_models_parser

if TYPE_CHECKING:
    from rich.console import Console

    from bridge.engine import Engine, Generation, ModelSpec
    from bridge.watch import Activity, Snapshot, WatchConfig

__all__ = [
    "OPERATIONS",
    "GenerateConfig",
    "GenerateResult",
    "generate",
    "list_models",
    "main",
    "watch",
]

# Every engine operation, with how many input MIDI files it takes.
OPERATIONS: dict[str, int] = {
    "sample": 0,
    "variations": 1,
    "interpolate": 2,
    "blend": 4,
    "grid": 4,
    "humanize": 1,
    "multitrack": 1,
}

EXIT_ERROR = 2  # the status argparse uses for usage errors too


@dataclass(frozen=True)
class GenerateConfig:
    """One ``generate`` run. ``None`` leaves the engine's own default."""

    op: str
    model: str
    checkpoint: Path | None
    out: Path
    inputs: tuple[Path, ...] = ()
    seed: int | None = None
    temperature: float | None = None
    device: str = "auto"
    batch_size: int = 8
    refine_steps: int | None = None
    count: int | None = None
    bars: int | None = None
    similarity: float | None = None
    track: int | None = None
    steps: int | None = None
    method: str | None = None
    x: float | None = None
    y: float | None = None
    cols: int | None = None
    rows: int | None = None


@dataclass(frozen=True)
class GenerateResult:
    """What a ``generate`` run wrote, and the seed that makes it again."""

    seed: int
    device: str
    files: tuple[Path, ...]
    report: Path


# --- generate ---------------------------------------------------------------


def generate(config: GenerateConfig, echo: Callable[[str], None] = print) -> GenerateResult:
    """Run one engine operation on MIDI files and write its outputs to ``config.out``.

    Existing files are never overwritten: a taken name gets ``_1``, ``_2``, ...
    Raises :class:`BridgeError` (or ``OSError``) with a message for the user.
    """
    if config.op not in OPERATIONS:
        raise InvalidRequestError(
            f"unknown operation {config.op!r}; choose one of {', '.join(OPERATIONS)}"
        )
    if len(config.inputs) != OPERATIONS[config.op]:
        raise InvalidRequestError(
            f"{config.op} takes {OPERATIONS[config.op]} MIDI file(s), got {len(config.inputs)}"
        )
    if config.batch_size < 1:
        raise InvalidRequestError(f"batch size must be at least 1, got {config.batch_size}")
    # Everything that needs no TensorFlow is checked first: loading it takes a while.
    checkpoint = _existing_checkpoint(config.checkpoint)
    files_tracks = [_read_tracks(path) for path in config.inputs]
    config.out.mkdir(parents=True, exist_ok=True)

    from bridge.engine import Engine

    engine = Engine(
        device=config.device,
        batch_size=config.batch_size,
        checkpoints={config.model: str(checkpoint)},
        refine_steps=config.refine_steps,
    )
    try:
        # Resolved before the registry loads TensorFlow, so "cpu" can hide the GPUs.
        device = engine.device
        echo(f"device: {device}")
        spec = engine.registry.get(config.model)
        generation = _run(engine, spec, config, files_tracks)
        # How latents were made, for a report that says how to get the same files.
        how = {
            "refine_steps": engine.refine_steps_for(spec),
            "latent_prior": engine.model(config.model).prior_status,
        }
    finally:
        engine.close()

    files = _write_outputs(config.out, config.op, generation)
    for path in files:
        echo(str(path))
    report = _write_report(config, generation, files, checkpoint, device, how)
    echo(f"seed: {generation.seed}")
    echo(f"report: {report}")
    return GenerateResult(generation.seed, device, tuple(files), report)


def _existing_checkpoint(path: Path | None) -> Path:
    if path is None:
        raise CheckpointError(
            "no checkpoint given: pass --checkpoint PATH (a checkpoint directory, a .tar or "
            "a checkpoint prefix), or name a model from `latent-bridge models list` (bundled "
            "models need none; official ones after `latent-bridge models fetch NAME`)"
        )
    path = path.expanduser()
    # A prefix (".../model.ckpt-1000") names no file itself, only its ".index".
    if not (path.exists() or Path(f"{path}.index").is_file()):
        raise CheckpointError(
            f"checkpoint not found: {path} (give a checkpoint directory, a .tar "
            "or a checkpoint prefix)"
        )
    return path


def _read_tracks(path: Path) -> tuple[Path, list[Track]]:
    from bridge.convert import read_midi

    return path, read_midi(path)


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


def _run(
    engine: Engine,
    spec: ModelSpec,
    config: GenerateConfig,
    files_tracks: Sequence[tuple[Path, list[Track]]],
) -> Generation:
    from bridge.ops import OpOptions, run_operation

    if config.op == "multitrack":
        tracks = list(files_tracks[0][1])
    else:
        tracks = [pick_track(path, tracks, spec, config.track) for path, tracks in files_tracks]
    options = OpOptions(
        n=config.count,
        temperature=config.temperature,
        seed=config.seed,
        similarity=config.similarity,
        bars=config.bars,
        steps=config.steps,
        method=config.method,
        x=config.x,
        y=config.y,
        cols=config.cols,
        rows=config.rows,
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


def _write_outputs(out: Path, op: str, generation: Generation) -> list[Path]:
    from bridge.convert import midi_bytes

    return [
        _write_new(out, stem, ".mid", midi_bytes(tracks))
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


# --- watch ------------------------------------------------------------------


def watch(
    config: WatchConfig,
    *,
    device: str = "auto",
    batch_size: int = 8,
    refine_steps: int | None = None,
    once: bool = False,
    quiet: bool = False,
) -> Snapshot:
    """Watch ``config.in_dir`` until Ctrl-C (or, with ``once``, until what is there is done).

    A live view shows the progress on a terminal, plain lines elsewhere, nothing
    when ``quiet``. Returns the final counts; raises :class:`BridgeError` if the
    watcher had to stop (settings that cannot work, an unreadable state file).
    """
    if batch_size < 1:
        raise InvalidRequestError(f"batch size must be at least 1, got {batch_size}")
    checkpoint = _existing_checkpoint(config.checkpoint)

    from bridge.engine import Engine
    from bridge.watch import Watcher
    from bridge.watch.display import live_view

    live = not quiet and sys.stdout.isatty()
    engine = Engine(
        device=device,
        batch_size=batch_size,
        checkpoints={config.model: str(checkpoint)},
        refine_steps=refine_steps,
    )
    abandoned = False
    try:
        if not quiet:
            # Resolved before the registry loads TensorFlow, so "cpu" can hide the GPUs.
            print(f"device: {engine.device}")
        watcher = Watcher(
            config,
            engine,
            on_activity=None if quiet or live else _print_activity,
        )
        watcher.start()
        if not quiet:
            until = "what is there is done" if once else "Ctrl-C"
            print(f"watching {config.in_dir} -> {config.out_dir} until {until}", flush=True)
        try:
            view = live_view(watcher.snapshot, f"{config.op} {config.in_dir.name}")
            with view if live else contextlib.nullcontext():
                wait = watcher.wait_idle if once else watcher.wait_stopped
                while not wait(0.5):  # short waits, so that Ctrl-C gets through
                    pass
        except KeyboardInterrupt:
            print("stopping: finishing the inputs in progress (Ctrl-C again: abandon them)")
            try:
                watcher.stop()
            except KeyboardInterrupt:
                abandoned = True
                watcher.stop(abandon=True, wait=False)
            raise
        finally:
            if not abandoned:
                watcher.stop()
        if watcher.error is not None:
            raise watcher.error
        snap = watcher.snapshot()
        if not quiet:
            print(
                f"done {snap.done}, failed {snap.failed}, errors {snap.errors}; "
                f"log: {config.out_dir / 'watch.log'}"
            )
        return snap
    finally:
        if not abandoned:  # abandoned work may still be inside a model session
            engine.close()


def _print_activity(activity: Activity) -> None:
    detail = f": {activity.detail}" if activity.detail else ""
    print(f"{activity.status} {activity.name}{detail}", flush=True)


# --- models -----------------------------------------------------------------


def list_models(console: Console | None = None) -> None:
    """Print every registered model (name, role, bars, description) as a table."""
    from rich.console import Console
    from rich.table import Table

    from bridge.engine import REGISTRY

    table = Table(title="Registered models")
    table.add_column("name", no_wrap=True)
    table.add_column("role")
    table.add_column("bars", justify="right")
    table.add_column("description")
    for spec in REGISTRY:
        table.add_row(spec.name, spec.role.value, str(spec.bars), spec.description)
    (console or Console()).print(table)


# --- argument parsing ---------------------------------------------------------


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("common options")
    group.add_argument(
        "--model",
        metavar="NAME",
        help="a model: a name from `models list` (bundled, fetched or a registered config "
        "with --checkpoint) or a training run directory; default: the bundled model for "
        "the operation (lb-groove for humanize, lb-multitrack for multitrack, else lb-drums "
        "for a drum file and lb-melody for others)",
    )
    group.add_argument(
        "--checkpoint",
        type=Path,
        metavar="PATH",
        help="the model's checkpoint: a directory, a .tar or a checkpoint prefix "
        "(not needed for the bundled models, fetched official ones or a run directory)",
    )
    group.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="output folder (made if missing)"
    )
    group.add_argument(
        "--seed",
        type=seed_arg,
        metavar="INT",
        help=f"random seed, 0..{MAX_SEED} (default: drawn and printed)",
    )
    group.add_argument(
        "--temperature", type=float, metavar="T", help="sampling temperature, 0.01..5"
    )
    group.add_argument(
        "--device",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="where the model runs (default: auto, a GPU if TensorFlow sees one)",
    )
    group.add_argument(
        "--batch-size", type=_positive_int, default=8, metavar="N", help="default: 8"
    )
    add_refine_option(group)
    return common


def _add_inputs(parser: argparse.ArgumentParser, *inputs: tuple[str, str]) -> None:
    # One positional per file: argparse (3.11) fails on a tuple metavar when
    # it reports a missing positional.
    dests = [f"input_{i}" for i in range(len(inputs))]
    for dest, (metavar, help_text) in zip(dests, inputs, strict=True):
        parser.add_argument(dest, type=Path, metavar=metavar, help=help_text)
    parser.set_defaults(input_dests=dests)


def _add_track_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--track",
        type=_positive_int,
        metavar="N",
        help="use track N (from 1) of each input file; default: the first drum track "
        "for drum and groove models, the first other track for melody models",
    )


def _add_variation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=_positive_int, metavar="N", help="how many variations")
    parser.add_argument(
        "--similarity", type=float, metavar="S", help="0..1: 1 stays close, 0 is free"
    )


def _add_interpolate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--steps", type=_positive_int, metavar="N", help="clips from A to B, both included"
    )
    parser.add_argument(
        "--method", choices=("slerp", "linear"), help="path through the latent space"
    )


def _add_blend_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--x", type=float, required=required, help="0 (left) .. 1 (right)")
    parser.add_argument("--y", type=float, required=required, help="0 (top) .. 1 (bottom)")


def _add_generate(sub: Any) -> None:
    generate_parser = sub.add_parser(
        "generate",
        help="run a model operation from MIDI files to MIDI files",
        description="Run a model operation and write numbered MIDI files and a report.json "
        "to --out (never overwriting a file). Options left out take the engine's defaults.",
        epilog="example: latent-bridge generate variations beat.mid --model "
        "cat-drums_2bar_small --checkpoint drums.tar --out variations --count 4",
    )
    ops = generate_parser.add_subparsers(dest="op", required=True, metavar="OP")
    common = [_common_options()]
    midi_in = ("INPUT.mid", "MIDI file to read")
    corners = [
        ("TL.mid", "top-left corner"),
        ("TR.mid", "top-right corner"),
        ("BL.mid", "bottom-left corner"),
        ("BR.mid", "bottom-right corner"),
    ]

    p = ops.add_parser("sample", parents=common, help="new clips from random points")
    _add_inputs(p)
    p.add_argument("--count", type=_positive_int, metavar="N", help="how many clips")
    p.add_argument(
        "--bars", type=_positive_int, metavar="N", help="bars per clip (default: the model's)"
    )

    p = ops.add_parser("variations", parents=common, help="variations of one clip")
    _add_inputs(p, midi_in)
    _add_variation_options(p)
    _add_track_option(p)

    p = ops.add_parser("interpolate", parents=common, help="clips morphing from A to B")
    _add_inputs(p, ("A.mid", "where to start"), ("B.mid", "where to end"))
    _add_interpolate_options(p)
    _add_track_option(p)

    p = ops.add_parser("blend", parents=common, help="one point between four corner clips")
    _add_inputs(p, *corners)
    _add_blend_options(p, required=True)
    _add_track_option(p)

    p = ops.add_parser("grid", parents=common, help="a grid of blends between four corners")
    _add_inputs(p, *corners)
    p.add_argument("--cols", type=_positive_int, metavar="C", help="columns, 2..16")
    p.add_argument("--rows", type=_positive_int, metavar="R", help="rows, 2..16")
    _add_track_option(p)

    p = ops.add_parser(
        "humanize", parents=common, help="velocities and microtiming (groove models)"
    )
    _add_inputs(p, midi_in)
    _add_track_option(p)

    p = ops.add_parser(
        "multitrack", parents=common, help="variations of all tracks of a file together"
    )
    _add_inputs(p, midi_in)
    _add_variation_options(p)

    generate_parser.set_defaults(handler=_generate_command)


def _add_watch(sub: Any) -> None:
    p = sub.add_parser(
        "watch",
        parents=[_common_options()],
        help="turn MIDI files dropped into a folder into generated MIDI files",
        description="Watch IN_DIR: every MIDI file dropped there (for interpolate and blend: "
        "every subfolder holding 2 or 4 MIDI files) is taken once it is completely written, "
        "and its results land in --out/<input name>/: numbered MIDI files, a piano roll of "
        "each, and a report.json. Each input is taken once, also across restarts; files that "
        "fail move to IN_DIR/failed/ with a .reason.txt. See docs/watcher.md.",
        epilog="example: latent-bridge watch drops --out generated --op variations "
        "--model cat-drums_2bar_small --checkpoint drums.tar --count 4",
    )
    p.add_argument(
        "in_dir", type=Path, metavar="IN_DIR", help="the folder to watch (made if missing)"
    )
    p.add_argument(
        "--op",
        required=True,
        choices=("variations", "humanize", "interpolate", "blend"),
        help="what to do with each input",
    )
    _add_variation_options(p)
    _add_interpolate_options(p)
    _add_blend_options(p, required=False)
    _add_track_option(p)
    group = p.add_argument_group("watching")
    group.add_argument("--once", action="store_true", help="take what is in IN_DIR now, then exit")
    group.add_argument(
        "--quiet", action="store_true", help="print nothing (the log still goes to --out)"
    )
    group.add_argument(
        "--workers",
        type=_positive_int,
        default=2,
        metavar="N",
        help="inputs in work at once (default: 2)",
    )
    group.add_argument(
        "--settle",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="a file is taken once unchanged this long and readable as MIDI (default: 1)",
    )
    group.add_argument(
        "--corrupt-after",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="a file unchanged this long that does not read as MIDI fails (default: 10)",
    )
    group.add_argument("--no-png", action="store_true", help="write no piano-roll images")
    p.set_defaults(handler=_watch_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="latent-bridge",
        description="MusicVAE models for musicians: an OSC server for Live, and MIDI generation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_generate(sub)
    _add_watch(sub)
    add_models_parser(sub)  # bridge/zoo/commands.py: models list | info | fetch
    _add_serve(sub)
    add_train_parser(sub)  # bridge/train/commands.py
    add_export_parser(sub)
    add_fit_prior_parser(sub)
    # Imported here: bridge/live/command.py reuses this module's option helpers.
    from bridge.live.command import add_live_parser

    add_live_parser(sub)  # bridge/live/command.py: live variations | ... | watch
    return parser


def _add_serve(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="run the OSC server for Live (see docs/protocol.md)",
        description="Serve a profile's models over OSC on 127.0.0.1 (see docs/protocol.md).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=9000, help="UDP port (default: 9000)")
    p.add_argument("--profile", type=Path, help="TOML file with [roles] and [checkpoints]")
    p.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="ROLE=NAME",
        help="which model serves a role (drums, melody, groove, multitrack, trio); repeatable",
    )
    p.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a model's checkpoint (directory, .tar or prefix); repeatable",
    )
    p.add_argument("--device", choices=["auto", "cpu", "gpu"], default="auto")
    p.add_argument("--batch-size", type=_positive_int, default=8)
    add_refine_option(p)
    p.add_argument("--max-queue", type=_positive_int, default=16, help="requests waiting per model")
    p.add_argument("--log", type=Path, default=Path("latent-bridge-server.log"), help="log file")
    p.add_argument("--quiet", action="store_true", help="no live view in the terminal")
    p.add_argument("--preload", action="store_true", help="load every model before listening")
    w = p.add_argument_group("folder watcher beside the server (see: watch)")
    w.add_argument("--watch", type=Path, metavar="IN_DIR", help="also watch this folder")
    w.add_argument(
        "--watch-out", type=Path, metavar="OUT_DIR", help="default: IN_DIR-generated beside it"
    )
    w.add_argument(
        "--watch-op",
        choices=["variations", "humanize", "interpolate", "blend"],
        default="variations",
    )
    w.add_argument(
        "--watch-role",
        choices=["drums", "melody", "groove"],
        help="whose model the watcher uses (default: groove for humanize, else drums)",
    )
    w.add_argument("--watch-count", type=_positive_int, metavar="N", help="outputs per input")
    p.set_defaults(handler=_serve_command)


def _serve_command(args: argparse.Namespace) -> int:
    from bridge.osc.app import ServeConfig, parse_pairs, serve

    config = ServeConfig(
        host=args.host,
        port=args.port,
        device=args.device,
        profile=args.profile,
        roles=parse_pairs(args.model, "--model"),
        checkpoints=parse_pairs(args.checkpoint, "--checkpoint"),
        max_queue=args.max_queue,
        batch_size=args.batch_size,
        refine_steps=args.refine_steps,
        log_file=args.log,
        live=not args.quiet,
        preload=args.preload,
        watch_dir=args.watch,
        watch_out=args.watch_out,
        watch_op=args.watch_op,
        watch_role=args.watch_role,
        watch_count=args.watch_count,
    )
    return serve(config)


def config_from_args(args: argparse.Namespace) -> GenerateConfig:
    """The :class:`GenerateConfig` that parsed ``generate`` arguments describe."""
    inputs = tuple(getattr(args, dest) for dest in args.input_dests)
    model, checkpoint = _model_ref(args.model or _default_model(args.op, inputs), args.checkpoint)
    return GenerateConfig(
        op=args.op,
        model=model,
        checkpoint=checkpoint,
        out=args.out,
        inputs=inputs,
        seed=args.seed,
        temperature=args.temperature,
        device=args.device,
        batch_size=args.batch_size,
        refine_steps=args.refine_steps,
        count=getattr(args, "count", None),
        bars=getattr(args, "bars", None),
        similarity=getattr(args, "similarity", None),
        track=getattr(args, "track", None),
        steps=getattr(args, "steps", None),
        method=getattr(args, "method", None),
        x=getattr(args, "x", None),
        y=getattr(args, "y", None),
        cols=getattr(args, "cols", None),
        rows=getattr(args, "rows", None),
    )


def _default_model(op: str, inputs: Sequence[Path]) -> str:
    """The bundled model for an operation: by role, or by the first input's tracks."""
    if op == "humanize":
        return DEFAULT_MODELS["groove"]
    if op == "multitrack":
        return DEFAULT_MODELS["multitrack"]
    if op == "sample" or not inputs:
        return DEFAULT_MODELS["drums"]
    from bridge.convert import read_midi

    tracks = read_midi(inputs[0])
    drums = bool(tracks) and all(t.is_drum for t in tracks)
    return DEFAULT_MODELS["drums" if drums else "melody"]


def _model_ref(model: str, checkpoint: Path | None) -> tuple[str, Path | None]:
    """``--model`` as a registered name or a training run directory."""
    from bridge.train.rundir import resolve_model_ref

    name, ckpt = resolve_model_ref(model, str(checkpoint) if checkpoint else None)
    return name, Path(ckpt) if ckpt else None


def _generate_command(args: argparse.Namespace) -> int:
    generate(config_from_args(args))
    return 0


def watch_config_from_args(args: argparse.Namespace) -> WatchConfig:
    """The :class:`WatchConfig` that parsed ``watch`` arguments describe."""
    from bridge.watch import WatchConfig

    default = DEFAULT_MODELS["groove" if args.op == "humanize" else "drums"]
    model, checkpoint = _model_ref(args.model or default, args.checkpoint)
    return WatchConfig(
        in_dir=args.in_dir,
        out_dir=args.out,
        op=args.op,
        model=model,
        checkpoint=checkpoint,
        seed=args.seed,
        temperature=args.temperature,
        count=args.count,
        similarity=args.similarity,
        steps=args.steps,
        method=args.method,
        x=args.x,
        y=args.y,
        track=args.track,
        workers=args.workers,
        settle_seconds=args.settle,
        corrupt_seconds=args.corrupt_after,
        piano_rolls=not args.no_png,
    )


def _watch_command(args: argparse.Namespace) -> int:
    snap = watch(
        watch_config_from_args(args),
        device=args.device,
        batch_size=args.batch_size,
        refine_steps=args.refine_steps,
        once=args.once,
        quiet=args.quiet,
    )
    # For scripts: with --once, 1 says that some input failed.
    return 1 if args.once and (snap.failed or snap.errors) else 0


def _error_text(exc: Exception) -> str:
    if isinstance(exc, BridgeError):
        return exc.message
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for any error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has printed
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    handler: Callable[[argparse.Namespace], int] = args.handler
    # pydub (imported by note_seq) warns about ffmpeg, which no command uses.
    warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)
    try:
        return handler(args)
    except (BridgeError, OSError) as exc:
        print(f"error: {_error_text(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
