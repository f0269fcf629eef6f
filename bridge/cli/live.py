"""``latent-bridge live``: the engine on clips in Live, through AbletonOSC.

The parsed arguments become a :class:`LiveConnection`, a :class:`ModelSetup`
and a :class:`LiveRequest`, handed to :func:`bridge.live.session.live` (one
operation) or :func:`bridge.live.watch.watch_live` (a loop). An operation's
parameters are options made from the operation table.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bridge.cli.argtypes import add_refine_option
from bridge.cli.argtypes import positive_float as _positive_float
from bridge.cli.argtypes import positive_int as _positive_int
from bridge.cli.options import add_param_options, param_values
from bridge.errors import BridgeError
from bridge.live.operations import LIVE_OPERATIONS, LiveRequest
from bridge.live.session import LiveConnection, ModelSetup, live, model_setup
from bridge.live.transport import DEFAULT_HOST, LISTEN_PORT, REPLY_PORT
from bridge.live.watch import MENU
from bridge.ops import OPERATIONS, Operation
from bridge.profile import ROLES

__all__ = ["add_live_parser", "request_from_args"]


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is 1..65535, got {value}")
    return value


def _shared_options() -> argparse.ArgumentParser:
    shared = argparse.ArgumentParser(add_help=False)
    models = shared.add_argument_group("models")
    models.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="[ROLE=]NAME",
        help="a registered model (see: models), for the role the registry gives it or for "
        f"ROLE ({', '.join(ROLES)}); repeatable",
    )
    models.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="[NAME=]PATH",
        help="a model's checkpoint (directory, .tar or prefix); NAME= may be left out "
        "with one model; repeatable",
    )
    models.add_argument("--profile", type=Path, help="TOML file with [roles] and [checkpoints]")
    models.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    models.add_argument("--batch-size", type=_positive_int, default=8, metavar="N")
    add_refine_option(models)
    link = shared.add_argument_group("AbletonOSC")
    link.add_argument(
        "--host", default=DEFAULT_HOST, help=f"Live's computer (default: {DEFAULT_HOST})"
    )
    link.add_argument(
        "--port",
        type=_port,
        default=LISTEN_PORT,
        help=f"AbletonOSC's port (default: {LISTEN_PORT})",
    )
    link.add_argument(
        "--reply-port",
        type=_port,
        default=REPLY_PORT,
        help=f"where AbletonOSC answers (default: {REPLY_PORT}; AbletonOSC always uses 11001)",
    )
    link.add_argument(
        "--timeout",
        type=_positive_float,
        default=2.0,
        metavar="SECONDS",
        help="how long to wait for each answer from Live (default: 2)",
    )
    return shared


def _add_clip_options(p: argparse.ArgumentParser, *, clip_help: str) -> None:
    p.add_argument(
        "--track", type=_positive_int, metavar="N", help="track N, from 1 (default: selected)"
    )
    p.add_argument("--clip", type=_positive_int, metavar="N", help=clip_help)


def _add_into(p: argparse.ArgumentParser, what: str = "slot") -> None:
    p.add_argument(
        "--into",
        type=_positive_int,
        metavar="N",
        help=f"write the results from {what} N on (each must be empty); default: the next "
        f"empty {what}s below the source",
    )


def _add_op(ops: Any, name: str, shared: list[argparse.ArgumentParser], text: str) -> Any:
    p = ops.add_parser(name, parents=shared, help=text)
    add_param_options(p.add_argument_group(f"{name} (see docs/protocol.md)"), [OPERATIONS[name]])
    return p


def add_live_parser(sub: Any) -> None:
    """Register ``live`` and its operations on the CLI's subparsers."""
    parser = sub.add_parser(
        "live",
        help="run an operation on clips in Live through AbletonOSC (no Max for Live needed)",
        description="Read clips from Ableton Live through the AbletonOSC remote script, run a "
        "model on them here, and write the results as new, named clips into empty slots "
        "(never over a clip). Tracks, clips and slots count from 1, as in Live. "
        "See docs/abletonosc.md.",
        epilog="example: latent-bridge live variations --model cat-drums_2bar_small "
        "--checkpoint drums.tar --count 4",
    )
    ops = parser.add_subparsers(dest="op", required=True, metavar="OP")
    shared = [_shared_options()]
    one = "clip slot N, from 1 (default: the selected clip)"

    p = _add_op(ops, "variations", shared, "variations of one clip")
    _add_clip_options(p, clip_help=one)
    _add_into(p)

    p = _add_op(ops, "interpolate", shared, "clips morphing from one to another")
    _add_clip_options(p, clip_help="the clip to start at (default: the selected clip)")
    p.add_argument(
        "--to", type=_positive_int, required=True, metavar="N", help="the clip to end at"
    )
    _add_into(p)

    p = _add_op(ops, "blend", shared, "one point between four clips of a track")
    p.add_argument(
        "--track", type=_positive_int, metavar="N", help="track N, from 1 (default: selected)"
    )
    p.add_argument(
        "--corners",
        type=_positive_int,
        nargs=4,
        required=True,
        metavar=("TL", "TR", "BL", "BR"),
        help="the four corner clips' slots",
    )
    _add_into(p)

    p = _add_op(ops, "humanize", shared, "velocities and timing (groove model)")
    _add_clip_options(p, clip_help=one)
    _add_into(p)

    p = _add_op(ops, "multitrack", shared, "variations of a scene's clips")
    p.add_argument(
        "--clip", type=_positive_int, metavar="N", help="scene N, from 1 (default: selected)"
    )
    p.add_argument(
        "--tracks",
        type=_positive_int,
        nargs="+",
        default=[],
        metavar="N",
        help="the scene's tracks to take (default: every track with a clip there)",
    )
    _add_into(p, "scene")

    p = ops.add_parser(
        "watch",
        parents=shared,
        help="follow the clip selected in Live and run operations from the terminal",
    )
    # Blend's point is asked for at each turn: its x and y are not options here.
    group = p.add_argument_group("operations")
    add_param_options(group, _watch_ops(), required=False, exclude=("x", "y"))
    parser.set_defaults(handler=_live_command)


def _watch_ops() -> list[Operation]:
    """What ``live watch`` offers on its keys."""
    return [OPERATIONS[name] for name in MENU.values()]


def request_from_args(args: argparse.Namespace) -> LiveRequest:
    """The :class:`LiveRequest` that parsed ``live OP`` arguments describe."""
    ops = _watch_ops() if args.op == "watch" else [OPERATIONS[args.op]]
    return LiveRequest(
        op=args.op,
        track=getattr(args, "track", None),
        clip=getattr(args, "clip", None),
        to_clip=getattr(args, "to", None),
        corners=tuple(getattr(args, "corners", None) or ()),
        tracks=tuple(getattr(args, "tracks", None) or ()),
        into=getattr(args, "into", None),
        params=param_values(args, ops),
    )


def _live_command(args: argparse.Namespace) -> int:
    connection = LiveConnection(args.host, args.port, args.reply_port, args.timeout)

    def setup() -> ModelSetup:
        return model_setup(
            args.model,
            args.checkpoint,
            args.profile,
            device=args.device,
            batch_size=args.batch_size,
            refine_steps=args.refine_steps,
        )

    if args.op == "watch":
        from bridge.live.watch import watch_live

        watch_live(request_from_args(args), connection, setup)
        return 0
    if args.op not in LIVE_OPERATIONS:
        raise BridgeError(f"unknown live operation {args.op!r}")
    result = live(request_from_args(args), connection, setup)
    print(f"seed: {result.seed}")
    return 0
