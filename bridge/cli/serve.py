"""``latent-bridge serve``: the OSC server for Live (see docs/protocol.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bridge.cli.argtypes import add_refine_option
from bridge.cli.argtypes import positive_int as positive_int
from bridge.profile import parse_pairs
from bridge.watch.config import WATCH_OPERATIONS

__all__ = ["add_serve_parser"]


def add_serve_parser(sub: Any) -> None:
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
    p.add_argument("--batch-size", type=positive_int, default=8)
    add_refine_option(p)
    p.add_argument("--max-queue", type=positive_int, default=16, help="requests waiting per model")
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
        choices=tuple(WATCH_OPERATIONS),
        default="variations",
    )
    w.add_argument(
        "--watch-role",
        choices=["drums", "melody", "groove"],
        help="whose model the watcher uses (default: groove for humanize, else drums)",
    )
    w.add_argument("--watch-count", type=positive_int, metavar="N", help="outputs per input")
    p.set_defaults(handler=_serve_command)


def _serve_command(args: argparse.Namespace) -> int:
    from bridge.osc.app import ServeConfig, serve

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
