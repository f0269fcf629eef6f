"""The ``latent-bridge`` command: MIDI files in, MIDI files out, the server, training.

This package only assembles parsers: each subcommand lives in a module of its
own (``generate``, ``watch``, ``serve``, ``models``, ``train``, ``live``,
``endless``) that
turns its parsed arguments into a config object and hands it to a plain
function, so the same work can be called from Python and tested without a
shell. Nothing below the command line imports it.

TensorFlow (through the engine and the model registry) and pretty_midi are
imported inside the functions that need them, so ``latent-bridge --help`` and
argument errors answer at once.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Callable

from bridge.cli.generate import GenerateConfig, GenerateResult, config_from_args, generate
from bridge.cli.models import list_models
from bridge.cli.watch import watch
from bridge.errors import BridgeError
from bridge.terminal import native_log_path, native_stderr_into

__all__ = [
    "EXIT_ERROR",
    "GenerateConfig",
    "GenerateResult",
    "build_parser",
    "config_from_args",
    "generate",
    "list_models",
    "main",
    "watch",
]

EXIT_ERROR = 2  # the status argparse uses for usage errors too


def build_parser() -> argparse.ArgumentParser:
    from bridge.cli.endless import add_endless_parser
    from bridge.cli.generate import add_generate_parser
    from bridge.cli.live import add_live_parser
    from bridge.cli.models import add_models_parser
    from bridge.cli.serve import add_serve_parser
    from bridge.cli.train import (
        add_export_parser,
        add_fit_dynamics_parser,
        add_fit_prior_parser,
        add_train_parser,
    )
    from bridge.cli.watch import add_watch_parser

    parser = argparse.ArgumentParser(
        prog="latent-bridge",
        description="MusicVAE models for musicians: an OSC server for Live, and MIDI generation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_generate_parser(sub)
    add_watch_parser(sub)
    add_models_parser(sub)  # models list | info | fetch
    add_serve_parser(sub)
    add_train_parser(sub)
    add_export_parser(sub)
    add_fit_prior_parser(sub)
    add_fit_dynamics_parser(sub)
    add_live_parser(sub)  # live variations | ... | watch
    add_endless_parser(sub)
    return parser


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
    # Magenta's TF1 layers warn about their own deprecations on every graph built.
    warnings.filterwarnings("ignore", category=UserWarning, module=r"(magenta|keras|tf_keras)\.")
    # serve sends TensorFlow's native log lines into its own --log.
    quiet = (
        contextlib.nullcontext()
        if args.command == "serve"
        else native_stderr_into(native_log_path())
    )
    try:
        with quiet:
            return handler(args)
    except (BridgeError, OSError) as exc:
        print(f"error: {_error_text(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
