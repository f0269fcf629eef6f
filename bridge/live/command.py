"""``latent-bridge live``: the engine on clips in Live, through AbletonOSC.

``bridge.cli`` calls :func:`add_live_parser`; the parsed arguments become a
:class:`LiveConnection`, a model profile and a :class:`LiveRequest`, handed to
:func:`live` (one operation) or :func:`bridge.live.watch.watch_live` (a loop).
TensorFlow loads only once a command runs, not for ``--help``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.argtypes import add_refine_option
from bridge.argtypes import positive_float as _positive_float
from bridge.argtypes import positive_int as _positive_int
from bridge.argtypes import seed as seed_arg
from bridge.cli import (
    _add_blend_options,
    _add_interpolate_options,
    _add_variation_options,
    _existing_checkpoint,
)
from bridge.errors import BridgeError, InvalidRequestError
from bridge.live.liveset import LiveSet
from bridge.live.operations import LIVE_OPERATIONS, LiveRequest, LiveResult, Models, run_live
from bridge.live.transport import DEFAULT_HOST, LISTEN_PORT, REPLY_PORT, AbletonOSC

if TYPE_CHECKING:
    from bridge.engine import Engine

__all__ = [
    "LiveConnection",
    "ModelSetup",
    "add_live_parser",
    "live",
    "model_setup",
    "request_from_args",
]

ROLES = ("drums", "melody", "groove", "multitrack", "trio")


@dataclass(frozen=True)
class LiveConnection:
    """Where AbletonOSC listens, and where it answers."""

    host: str = DEFAULT_HOST
    port: int = LISTEN_PORT
    reply_port: int = REPLY_PORT
    timeout: float = 2.0

    def open(self) -> LiveSet:
        return LiveSet(
            AbletonOSC(self.host, self.port, reply_port=self.reply_port, timeout=self.timeout)
        )


@dataclass(frozen=True)
class ModelSetup:
    """The models to load, by role, and their checkpoints."""

    models: Models
    checkpoints: dict[str, str]
    device: str = "auto"
    batch_size: int = 8
    refine_steps: int | None = None

    def engine(self) -> Engine:
        from bridge.engine import Engine

        return Engine(
            device=self.device,
            batch_size=self.batch_size,
            checkpoints=dict(self.checkpoints),
            refine_steps=self.refine_steps,
        )


def model_setup(
    models: Sequence[str],
    checkpoints: Sequence[str],
    profile: Path | None = None,
    *,
    device: str = "auto",
    batch_size: int = 8,
    refine_steps: int | None = None,
) -> ModelSetup:
    """Models from ``--model [ROLE=]NAME``, ``--checkpoint [NAME=]PATH`` and a profile.

    A bare NAME serves the role the registry gives it; a bare PATH is the
    checkpoint of the one model given. Every model needs a checkpoint that exists.
    """
    from bridge.engine import REGISTRY
    from bridge.osc.app import ServeConfig, load_profile

    roles: dict[str, str] = {}
    for item in models:
        role, sep, name = item.partition("=")
        if sep:
            role, name = role.strip(), name.strip()
            if role not in ROLES or not name:
                raise InvalidRequestError(
                    f"--model {item!r}: give NAME or ROLE=NAME with ROLE one of {', '.join(ROLES)}"
                )
            REGISTRY.get(name)
        else:
            name = item.strip()
            role = REGISTRY.get(name).role.value
        roles[role] = name
    paths: dict[str, str] = {}
    for item in checkpoints:
        name, sep, path = item.partition("=")
        if sep and name.strip() in REGISTRY:
            paths[name.strip()] = path.strip()
        elif len(set(roles.values())) == 1:
            paths[next(iter(roles.values()))] = item
        else:
            raise InvalidRequestError(f"--checkpoint {item!r}: with several models, give NAME=PATH")
    profiled = load_profile(ServeConfig(profile=profile, roles=roles, checkpoints=paths))
    if not profiled.roles:
        raise InvalidRequestError(
            "no model given: pass --model NAME --checkpoint PATH (or --profile FILE.toml)"
        )
    found = {}
    for name in sorted(set(profiled.roles.values())):
        given = profiled.checkpoints.get(name)
        if given is None:
            raise InvalidRequestError(
                f"model {name!r} has no checkpoint: add --checkpoint {name}=PATH"
            )
        found[name] = str(_existing_checkpoint(Path(given)))
    return ModelSetup(Models(dict(profiled.roles)), found, device, batch_size, refine_steps)


def live(
    request: LiveRequest,
    connection: LiveConnection,
    setup: ModelSetup | Callable[[], ModelSetup],
    echo: Callable[[str], None] = print,
) -> LiveResult:
    """Run one operation on clips in Live and write its results into empty slots.

    ``setup`` may be a function that makes it: it is called once Live has
    answered, so that a closed Live is reported before TensorFlow loads.
    """
    with connection.open() as liveset:
        liveset.num_tracks()  # is anyone there?
        if not isinstance(setup, ModelSetup):
            setup = setup()
        engine = setup.engine()
        try:
            echo(f"device: {engine.device}")
            return run_live(request, liveset, engine, setup.models, echo)
        finally:
            engine.close()


# --- argument parsing -----------------------------------------------------------


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
    models.add_argument(
        "--seed", type=seed_arg, metavar="INT", help="random seed, 0..2147483647 (default: drawn)"
    )
    models.add_argument("--temperature", type=float, metavar="T", help="sampling temperature")
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

    p = ops.add_parser("variations", parents=shared, help="variations of one clip")
    _add_clip_options(p, clip_help=one)
    _add_variation_options(p)
    _add_into(p)

    p = ops.add_parser("interpolate", parents=shared, help="clips morphing from one to another")
    _add_clip_options(p, clip_help="the clip to start at (default: the selected clip)")
    p.add_argument(
        "--to", type=_positive_int, required=True, metavar="N", help="the clip to end at"
    )
    _add_interpolate_options(p)
    _add_into(p)

    p = ops.add_parser("blend", parents=shared, help="one point between four clips of a track")
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
    _add_blend_options(p, required=True)
    _add_into(p)

    p = ops.add_parser("humanize", parents=shared, help="velocities and timing (groove model)")
    _add_clip_options(p, clip_help=one)
    _add_into(p)

    p = ops.add_parser("multitrack", parents=shared, help="variations of a scene's clips")
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
    _add_variation_options(p)
    _add_into(p, "scene")

    p = ops.add_parser(
        "watch",
        parents=shared,
        help="follow the clip selected in Live and run operations from the terminal",
    )
    _add_variation_options(p)
    _add_interpolate_options(p)
    parser.set_defaults(handler=_live_command)


def request_from_args(args: argparse.Namespace) -> LiveRequest:
    """The :class:`LiveRequest` that parsed ``live OP`` arguments describe."""
    return LiveRequest(
        op=args.op,
        track=getattr(args, "track", None),
        clip=getattr(args, "clip", None),
        to_clip=getattr(args, "to", None),
        corners=tuple(getattr(args, "corners", None) or ()),
        tracks=tuple(getattr(args, "tracks", None) or ()),
        into=getattr(args, "into", None),
        count=getattr(args, "count", None),
        similarity=getattr(args, "similarity", None),
        steps=getattr(args, "steps", None),
        method=getattr(args, "method", None),
        x=getattr(args, "x", None),
        y=getattr(args, "y", None),
        temperature=args.temperature,
        seed=args.seed,
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
