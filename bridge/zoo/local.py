"""What of the zoo is on this machine: the download cache, its index, each model's state.

Layout of the cache (``~/.cache/latent-bridge/models`` unless
``LATENT_BRIDGE_MODELS`` or ``--dir`` says otherwise)::

    <cache>/<name>/                 a fetched model, unpacked: its checkpoint files
    <cache>/.downloads/<name>/      files being downloaded (``*.part``) or unpacked
    <cache>/index.json              what each fetch got: addresses, sizes, sha256

:func:`resolve_model` turns a zoo name into the registry config and the
checkpoint path that :class:`bridge.engine.Engine` takes.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.zoo.errors import ModelMissingError, ZooError
from bridge.zoo.manifest import Manifest, ZooEntry, load_manifest

__all__ = [
    "ENV_CACHE_DIR",
    "ModelState",
    "cache_dir",
    "downloads_dir",
    "has_checkpoint",
    "model_state",
    "read_index",
    "record_fetch",
    "resolve_model",
]

ENV_CACHE_DIR = "LATENT_BRIDGE_MODELS"
INDEX_FILE = "index.json"

# States shown by `models list`; only the first two are usable.
FETCHED = "fetched"
BUNDLED = "bundled"
NOT_FETCHED = "not fetched"
PARTIAL = "partial download"
NOT_TRAINED = "not trained yet"


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Where fetched models go: ``override``, else ``$LATENT_BRIDGE_MODELS``, else
    ``$XDG_CACHE_HOME/latent-bridge/models`` (``~/.cache`` when that is unset)."""
    if override is not None and str(override):
        return Path(override).expanduser()
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env).expanduser()
    return cache_home() / "models"


def cache_home() -> Path:
    """Latent Bridge's folder in the user's cache: ``$XDG_CACHE_HOME/latent-bridge``
    (``~/.cache`` when that is unset)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "latent-bridge"


def downloads_dir(cache: Path, name: str) -> Path:
    return cache / ".downloads" / name


def has_checkpoint(folder: Path) -> bool:
    """Whether ``folder`` holds a TF checkpoint (a ``*.index`` file, at any depth)."""
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*.index"))


def bundled_config(entry: ZooEntry) -> str | None:
    """A bundled model's registry config: the manifest's, else the one its run.json
    names (``model``, as ``latent-bridge train`` writes it; ``config`` is read too)."""
    if entry.config:
        return entry.config
    if entry.folder is None:
        return None
    run = entry.folder / "run.json"
    try:
        data = json.loads(run.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ZooError(f"cannot read {run}: {exc}") from exc
    if not isinstance(data, dict):
        return None
    for key in ("model", "config"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return None


@dataclass(frozen=True)
class ModelState:
    """Where a zoo model stands on this machine."""

    entry: ZooEntry
    state: str  # one of: fetched, bundled, not fetched, partial download, not trained yet
    path: Path  # the checkpoint folder (or where it will be)
    partial_bytes: int = 0  # bytes of an unfinished download

    @property
    def present(self) -> bool:
        return self.state in (FETCHED, BUNDLED)


def model_state(entry: ZooEntry, cache: Path) -> ModelState:
    if entry.is_bundled:
        assert entry.folder is not None  # the manifest gives every bundled entry a folder
        state = BUNDLED if has_checkpoint(entry.folder) else NOT_TRAINED
        return ModelState(entry, state, entry.folder)
    folder = cache / entry.name
    if has_checkpoint(folder):
        return ModelState(entry, FETCHED, folder)
    pending = downloads_dir(cache, entry.name)
    partial = sum(
        p.stat().st_size for p in pending.glob("*") if p.is_file() and p.suffix != ".json"
    )
    return ModelState(entry, PARTIAL if partial else NOT_FETCHED, folder, partial)


def resolve_model(
    name: str,
    *,
    manifest: Manifest | None = None,
    cache: str | os.PathLike[str] | None = None,
) -> tuple[str, Path]:
    """``(registry config name, checkpoint path)`` of the zoo model ``name``.

    The path is a folder (a bundled model's, or a fetched one's in the cache),
    which :class:`bridge.engine.Engine` and ``resolve_checkpoint`` take as it
    is. Raises :class:`ModelMissingError` (a ``CheckpointError``) saying what
    to do when the checkpoint is not here, and ``UnknownModelError`` for a
    name the zoo does not list.
    """
    manifest = manifest or load_manifest()
    entry = manifest.get(name)
    state = model_state(entry, cache_dir(cache))
    if entry.is_bundled:
        if not state.present:
            raise ModelMissingError(
                f"bundled model {name!r} is not trained yet: {state.path} holds no checkpoint"
            )
        config = bundled_config(entry)
        if config is None:
            raise ZooError(
                f"bundled model {name!r} names no config: give it one in {manifest.path} "
                f'or as "model" in {state.path / "run.json"}'
            )
        return config, state.path
    if not state.present:
        how = "finish its download" if state.state == PARTIAL else "download it"
        raise ModelMissingError(
            f"model {name!r} is not downloaded yet: run `latent-bridge models fetch {name}` "
            f"to {how} (into {state.path.parent})"
        )
    assert entry.config is not None  # required of official entries
    return entry.config, state.path


def read_index(cache: Path) -> dict[str, Any]:
    """The cache's record of past fetches, by model name (empty when unreadable:
    the index only remembers checksums, and the next fetch rewrites it)."""
    try:
        data = json.loads((cache / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    models = data.get("models") if isinstance(data, dict) else None
    return models if isinstance(models, dict) else {}


def record_fetch(cache: Path, name: str, record: dict[str, Any]) -> None:
    """Store ``record`` for ``name`` in the index, replacing the file atomically."""
    models = read_index(cache)
    models[name] = record
    text = json.dumps({"version": 1, "models": models}, indent=2, sort_keys=True) + "\n"
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".index.", suffix=".tmp", dir=cache)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, cache / INDEX_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
