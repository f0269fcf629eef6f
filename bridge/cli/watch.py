"""``latent-bridge watch``: MIDI files dropped into a folder become generated MIDI.

:func:`watch` runs a :class:`bridge.watch.Watcher` with a live view until
Ctrl-C (or, with ``--once``, until the folder is done). The operations it
offers and their options come from the operation table.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.cli.options import (
    add_param_options,
    add_track_option,
    common_options,
    model_engine,
    model_ref,
    param_values,
    positive_int,
)
from bridge.errors import InvalidRequestError
from bridge.profile import DEFAULT_MODELS, existing_checkpoint
from bridge.watch.config import WATCH_OPERATIONS

if TYPE_CHECKING:
    from bridge.watch import Activity, Snapshot, WatchConfig

__all__ = ["add_watch_parser", "watch", "watch_config_from_args"]


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
    checkpoint = existing_checkpoint(config.checkpoint)

    from bridge.watch import Watcher
    from bridge.watch.display import live_view

    live = not quiet and sys.stdout.isatty()
    engine = model_engine(
        {config.model: checkpoint},
        device=device,
        batch_size=batch_size,
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


_PRINTING = threading.Lock()


def _print_activity(activity: Activity) -> None:
    """One line for each thing the watcher did: whole, though its workers
    report from threads of their own (print() writes a line's end apart)."""
    detail = f": {activity.detail}" if activity.detail else ""
    with _PRINTING:
        sys.stdout.write(f"{activity.status} {activity.name}{detail}\n")
        sys.stdout.flush()


def add_watch_parser(sub: Any) -> None:
    p = sub.add_parser(
        "watch",
        parents=[common_options()],
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
        "--op", required=True, choices=tuple(WATCH_OPERATIONS), help="what to do with each input"
    )
    ops = WATCH_OPERATIONS.values()
    add_param_options(p.add_argument_group("operations"), ops, required=False)
    add_track_option(p)
    group = p.add_argument_group("watching")
    group.add_argument("--once", action="store_true", help="take what is in IN_DIR now, then exit")
    group.add_argument(
        "--quiet", action="store_true", help="print nothing (the log still goes to --out)"
    )
    group.add_argument(
        "--workers",
        type=positive_int,
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


def watch_config_from_args(args: argparse.Namespace) -> WatchConfig:
    """The :class:`WatchConfig` that parsed ``watch`` arguments describe."""
    from bridge.watch import WatchConfig

    default = DEFAULT_MODELS["groove" if args.op == "humanize" else "drums"]
    model, checkpoint = model_ref(args.model or default, args.checkpoint)
    return WatchConfig(
        in_dir=args.in_dir,
        out_dir=args.out,
        op=args.op,
        model=model,
        checkpoint=checkpoint,
        params=param_values(args, [WATCH_OPERATIONS[args.op]]),
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
