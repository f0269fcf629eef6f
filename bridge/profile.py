"""Which model plays which role: the bundled defaults, model references as a
musician types them, and profiles (``[roles]`` and ``[checkpoints]`` in TOML).

:class:`Profile` is the one role map: the server, the AbletonOSC mode and
``serve --watch`` all read their models from one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bridge.errors import BridgeError, CheckpointError, InvalidRequestError, UnknownModelError
from bridge.train.rundir import is_run_dir, register_run

__all__ = [
    "DEFAULT_MODELS",
    "ROLES",
    "Profile",
    "bundled_groove",
    "default_roles",
    "existing_checkpoint",
    "load_profile",
    "parse_pairs",
    "resolve_model_ref",
]

ROLES = ("drums", "melody", "groove", "multitrack", "trio")
SINGLE_TRACK_ROLES = ("drums", "melody", "groove")

# The bundled model that plays each role when none is named.
DEFAULT_MODELS = {
    "drums": "lb-drums",
    "melody": "lb-melody",
    "groove": "lb-groove",
    "multitrack": "lb-multitrack",
}


@dataclass
class Profile:
    """Which model serves which role, and where the checkpoints are."""

    roles: dict[str, str] = field(default_factory=dict)
    checkpoints: dict[str, str] = field(default_factory=dict)

    def models(self) -> list[str]:
        return sorted(set(self.roles.values()) | set(self.checkpoints))

    def model_for(self, op: str, drum_track: bool) -> str:
        """The model for ``op`` on a drum (or other) track, by role."""
        if op == "humanize":
            wanted: tuple[str, ...] = ("groove",)
        elif op == "multitrack":
            wanted = ("multitrack", "trio")
        else:
            wanted = ("drums", "groove") if drum_track else ("melody",)
        for role in wanted:
            if role in self.roles:
                return self.roles[role]
        if op not in ("humanize", "multitrack"):
            single = {self.roles[r] for r in SINGLE_TRACK_ROLES if r in self.roles}
            if len(single) == 1:  # one model for every clip: use it
                return single.pop()
        kind = "drum" if drum_track else "melodic"
        what = f"{op} of a {kind} track" if op not in ("humanize", "multitrack") else op
        have = ", ".join(f"{r}={n}" for r, n in sorted(self.roles.items())) or "none"
        raise InvalidRequestError(
            f"no model for {what}: give --model {wanted[0]}=NAME (models given: {have})"
        )


def resolve_model_ref(model: str, checkpoint: str | None) -> tuple[str, str | None]:
    """A model as given on the command line -> (registered name, checkpoint).

    ``model`` may be a training run (or exported model) directory, a name the
    model zoo lists (a bundled model, or an official one fetched with
    ``models fetch``) when no checkpoint is given, or a registered config name.
    """
    from bridge.engine.registry import REGISTRY
    from bridge.zoo.manifest import load_manifest

    candidate = Path(model).expanduser()
    if is_run_dir(candidate):
        return register_run(candidate), checkpoint or str(candidate.resolve())
    manifest = load_manifest()
    if model in manifest and checkpoint is not None and model not in REGISTRY:
        # A bundled model's name, with weights of one's own (a copy, say).
        if is_run_dir(Path(checkpoint).expanduser()):
            return register_run(Path(checkpoint).expanduser()), checkpoint
        return manifest.get(model).config or model, checkpoint
    if model in manifest and checkpoint is None:
        from bridge.zoo.local import resolve_model

        config, path = resolve_model(model, manifest=manifest)
        if is_run_dir(path):
            return register_run(path), str(path)
        return config, str(path)
    if checkpoint is None and model not in REGISTRY:
        raise UnknownModelError(
            f"unknown model {model!r}: not a model or run directory, nor a name "
            "`latent-bridge models list` shows"
        )
    return model, checkpoint


def default_roles() -> dict[str, str]:
    """Role -> bundled model, for the bundled models that are here (trained)."""
    from bridge.zoo.local import cache_dir, model_state
    from bridge.zoo.manifest import load_manifest

    manifest = load_manifest()
    found = {}
    for role, name in DEFAULT_MODELS.items():
        if name in manifest and model_state(manifest.get(name), cache_dir()).present:
            found[role] = name
    return found


def bundled_groove(checkpoints: Mapping[str, str]) -> tuple[str, str] | None:
    """The bundled groove model as (registered name, checkpoint), when it is here
    and ``checkpoints`` has no other checkpoint under its name: it plays the new
    hits of drum variations (``Engine(groove=...)``)."""
    model = default_roles().get("groove")
    if model is None:
        return None
    name, ckpt = resolve_model_ref(model, None)
    if ckpt is None or checkpoints.get(name, ckpt) != ckpt:
        return None
    return name, ckpt


def parse_pairs(pairs: Sequence[str], what: str) -> dict[str, str]:
    """``["a=b", ...]`` -> ``{"a": "b"}``, with a clear error for a bad item."""
    out = {}
    for item in pairs:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise BridgeError(f"{what} must look like KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def load_profile(
    path: Path | None = None,
    roles: Mapping[str, str] | None = None,
    checkpoints: Mapping[str, str] | None = None,
) -> Profile:
    """The TOML profile at ``path`` (``[roles]``, ``[checkpoints]``), overridden by flags.

    With no file and no roles, the bundled models that are here serve their
    roles. A training run directory serves as a model with no further flags.
    """
    found_roles: dict[str, str] = {}
    found_ckpts: dict[str, str] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise BridgeError(f"cannot read profile {path}: {exc}") from exc
        base = path.parent
        found_roles.update({str(k): str(v) for k, v in data.get("roles", {}).items()})
        for name, ckpt in data.get("checkpoints", {}).items():
            p = Path(str(ckpt)).expanduser()
            found_ckpts[str(name)] = str(p if p.is_absolute() else base / p)
    found_roles.update(roles or {})
    found_ckpts.update(checkpoints or {})
    if not found_roles and path is None:
        found_roles = default_roles()  # the bundled models, with no flags at all
    for role, model in list(found_roles.items()):
        name, ckpt = resolve_model_ref(model, found_ckpts.get(model))
        found_roles[role] = name
        if ckpt is not None:
            found_ckpts[name] = ckpt
    return Profile(roles=found_roles, checkpoints=found_ckpts)


def existing_checkpoint(path: Path | None) -> Path:
    """``path`` if a checkpoint is there (a directory, a .tar or a prefix), else a clear error."""
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
