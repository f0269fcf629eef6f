"""Option helpers every subcommand shares: an operation's parameters as options
(from the operation table), input files, model references and checkpoints."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.cli.argtypes import add_refine_option
from bridge.cli.argtypes import positive_int as positive_int
from bridge.ops import Operation, Param, Value
from bridge.profile import DEFAULT_MODELS, bundled_groove, existing_checkpoint, resolve_model_ref

if TYPE_CHECKING:
    from bridge.engine import Engine

__all__ = [
    "add_inputs",
    "add_param_options",
    "add_track_option",
    "common_options",
    "default_model",
    "existing_checkpoint",
    "model_engine",
    "model_ref",
    "param_values",
    "positive_int",
]


def _param_type(param: Param) -> Callable[[str], Value]:
    def parse(text: str) -> Value:
        try:
            return param.parse_text(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = param.name  # argparse names the type in some messages
    return parse


def add_param_options(
    parser: argparse.ArgumentParser | Any,
    ops: Iterable[Operation],
    *,
    required: bool = True,
    exclude: Iterable[str] = (),
) -> None:
    """``--NAME`` for every parameter of ``ops`` (one option per name), from the table.

    Left out, an option is None and the operation's default applies. With
    several operations, defaults differ, so the help leaves them out; a
    required parameter is required only with one operation and ``required``.
    """
    ops = list(ops)
    seen: set[str] = set(exclude)
    for op in ops:
        for p in op.params:
            if p.name in seen or p.osc_only:
                continue
            seen.add(p.name)
            text = p.describe() if len(ops) == 1 else p.describe(default=False)
            parser.add_argument(
                f"--{p.name}",
                type=_param_type(p),
                metavar=p.name.upper() if not p.choices else None,
                choices=p.choices or None,
                required=required and len(ops) == 1 and p.required,
                help=text,
            )


def param_values(args: argparse.Namespace, ops: Iterable[Operation]) -> dict[str, Value]:
    """The parameters given on the command line (by name), for ``ops``."""
    names = {p.name for op in ops for p in op.params}
    return {n: getattr(args, n) for n in sorted(names) if getattr(args, n, None) is not None}


def common_options(*, out: bool = True) -> argparse.ArgumentParser:
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
    if out:
        group.add_argument(
            "--out", type=Path, required=True, metavar="DIR", help="output folder (made if missing)"
        )
    group.add_argument(
        "--device",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="where the model runs (default: auto, a GPU if TensorFlow sees one)",
    )
    group.add_argument("--batch-size", type=positive_int, default=8, metavar="N", help="default: 8")
    add_refine_option(group)
    return common


def add_inputs(parser: argparse.ArgumentParser, inputs: Sequence[tuple[str, str]]) -> None:
    # One positional per file: argparse (3.11) fails on a tuple metavar when
    # it reports a missing positional.
    dests = [f"input_{i}" for i in range(len(inputs))]
    for dest, (metavar, help_text) in zip(dests, inputs, strict=True):
        parser.add_argument(dest, type=Path, metavar=metavar, help=help_text)
    parser.set_defaults(input_dests=dests)


def add_track_option(parser: argparse.ArgumentParser | Any) -> None:
    parser.add_argument(
        "--track",
        type=positive_int,
        metavar="N",
        help="use track N (from 1) of each input file; default: the first drum track "
        "for drum and groove models, the first other track for melody models",
    )


def default_model(op: str, inputs: Sequence[Path]) -> str:
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
    band = any(t.is_drum for t in tracks) and any(not t.is_drum for t in tracks)
    if band and op in ("interpolate", "blend", "grid"):
        return DEFAULT_MODELS["multitrack"]  # a band's parts move together
    return DEFAULT_MODELS["drums" if drums else "melody"]


def model_ref(model: str, checkpoint: Path | None) -> tuple[str, Path | None]:
    """``--model`` as a registered name or a training run directory."""
    name, ckpt = resolve_model_ref(model, str(checkpoint) if checkpoint else None)
    return name, Path(ckpt) if ckpt else None


def model_engine(
    models: Mapping[str, Path], *, device: str, batch_size: int, refine_steps: int | None
) -> Engine:
    """An engine for the ``models`` (registered name -> checkpoint) of ``generate``,
    ``watch`` or ``endless``, with the bundled groove model, when it is here, to
    play the new hits of drums."""
    from bridge.engine import Engine

    checkpoints = {model: str(checkpoint) for model, checkpoint in models.items()}
    groove = bundled_groove(checkpoints)
    if groove is not None:
        checkpoints[groove[0]] = groove[1]
    return Engine(
        device=device,
        batch_size=batch_size,
        checkpoints=checkpoints,
        refine_steps=refine_steps,
        groove=groove[0] if groove else None,
    )
