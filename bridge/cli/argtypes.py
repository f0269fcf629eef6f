"""Value checkers for argparse options, shared by every subcommand."""

from __future__ import annotations

import argparse
from typing import Any

from bridge.limits import MAX_REFINE_STEPS, REFINE_STEPS, check_seed


def _number(text: str, kind: type[int] | type[float]) -> float:
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None


def positive_int(text: str) -> int:
    value = int(_number(text, int))
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = int(_number(text, int))
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_float(text: str) -> float:
    value = _number(text, float)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value}")
    return value


def seed(text: str) -> int:
    try:
        return check_seed(int(_number(text, int)))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def refine_steps(text: str) -> int:
    value = int(_number(text, int))
    if not 0 <= value <= MAX_REFINE_STEPS:
        raise argparse.ArgumentTypeError(f"must be 0 to {MAX_REFINE_STEPS}, got {value}")
    return value


def add_refine_option(parser: Any) -> None:
    """``--refine-steps`` for every command that runs the engine."""
    parser.add_argument(
        "--refine-steps",
        type=refine_steps,
        metavar="N",
        help="steps that fit each input clip's latent to the clip, so that it decodes "
        f"to the clip itself (0: the encoder's guess alone; default: {REFINE_STEPS} for "
        "2- and 4-bar drum and melody models, 0 for 16-bar and multi-instrument ones, "
        "where a step costs far more; groove models are never refined)",
    )
