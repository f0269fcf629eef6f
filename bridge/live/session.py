"""A session with Live: where AbletonOSC is, which models to load, and one
operation run end to end (:func:`live`; :func:`bridge.live.watch.watch_live`
runs a loop). TensorFlow loads only once a model is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bridge.errors import InvalidRequestError
from bridge.live.liveset import LiveSet
from bridge.live.operations import LiveRequest, LiveResult, run_live
from bridge.live.transport import DEFAULT_HOST, LISTEN_PORT, REPLY_PORT, AbletonOSC
from bridge.profile import ROLES, Profile, existing_checkpoint, load_profile

if TYPE_CHECKING:
    from bridge.engine import Engine

__all__ = ["LiveConnection", "ModelSetup", "live", "model_setup"]


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
    """The models to load, by role, and their (existing) checkpoints."""

    profile: Profile
    device: str = "auto"
    batch_size: int = 8
    refine_steps: int | None = None

    def engine(self) -> Engine:
        from bridge.engine import Engine

        return Engine(
            device=self.device,
            batch_size=self.batch_size,
            checkpoints=dict(self.profile.checkpoints),
            refine_steps=self.refine_steps,
            groove=self.profile.roles.get("groove"),
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
    profiled = load_profile(profile, roles, paths)
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
        found[name] = str(existing_checkpoint(Path(given)))
    return ModelSetup(Profile(dict(profiled.roles), found), device, batch_size, refine_steps)


def live(
    request: LiveRequest,
    connection: LiveConnection,
    setup: ModelSetup | Callable[[], ModelSetup],
    echo: Callable[[str], None] = print,
) -> LiveResult:
    """Run one operation on clips in Live and write its results into empty slots.

    ``setup`` may be a function that makes it: it is called once the clips
    are read, so that a closed Live, an empty slot or a taken target is
    reported before TensorFlow loads.
    """
    with connection.open() as liveset:
        liveset.num_tracks()  # is anyone there?
        made: list[Engine] = []

        def load() -> tuple[Engine, Profile]:
            # Only once the clips are read: the set's errors come before TensorFlow.
            ready = setup if isinstance(setup, ModelSetup) else setup()
            engine = ready.engine()
            made.append(engine)
            echo(f"device: {engine.device}")
            return engine, ready.profile

        try:
            return run_live(request, liveset, None, None, echo, load=load)
        finally:
            for engine in made:
                engine.close()
