"""Finding, unpacking and making MusicVAE checkpoints.

An official Magenta checkpoint comes as a ``.tar`` holding one TF1 checkpoint
(``name.ckpt.index``, ``name.ckpt.data-*``); a training run leaves a
directory with a ``checkpoint`` state file. Both, and a bare checkpoint
prefix, resolve to a prefix that ``tf.train.Saver`` restores.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
from pathlib import Path

from bridge.engine.tfcompat import tf1
from bridge.errors import CheckpointError


def _prefixes_in(directory: Path) -> list[Path]:
    return sorted(p.with_suffix("") for p in directory.rglob("*.index"))


def checkpoint_present(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` still names checkpoint files (a directory holding an
    ``*.index``, a ``.tar``, or a prefix with its ``.index``), without
    reading them. Cheap enough for a status display."""
    p = Path(path).expanduser()
    try:
        if p.is_dir():
            return any(p.rglob("*.index"))
        if p.is_file():
            return p.suffix == ".tar" or tarfile.is_tarfile(p)
        return Path(str(p) + ".index").is_file()
    except OSError:
        return False


def beside_checkpoint(checkpoint: str | os.PathLike[str], name: str) -> Path | None:
    """The file ``name`` kept beside ``checkpoint`` (a directory or a prefix),
    such as a latent prior; None for an archive (official ``.tar``
    checkpoints carry none)."""
    p = Path(checkpoint).expanduser()
    if p.is_dir():
        return p / name
    if p.is_file():
        return None
    return p.parent / name


def resolve_checkpoint(path: str | os.PathLike[str], unpack_dir: Path | None = None) -> Path:
    """Return the checkpoint prefix for a directory, ``.tar`` or prefix path.

    A ``.tar`` is unpacked (members confined to ``unpack_dir``, a new temporary
    directory when not given). Raises :class:`CheckpointError` with the reason.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        state = p / "checkpoint"
        if state.is_file():
            tf = tf1()
            latest = tf.train.latest_checkpoint(str(p))
            if latest and Path(latest + ".index").is_file():
                return Path(latest)
        found = _prefixes_in(p)
        if not found:
            raise CheckpointError(f"no checkpoint (*.index file) in directory {p}")
        return found[-1]
    if p.is_file() and tarfile.is_tarfile(p):
        return _unpack_tar(p, unpack_dir)
    if Path(str(p) + ".index").is_file():
        return p
    if p.is_file():
        raise CheckpointError(f"{p} is neither a checkpoint directory nor a checkpoint .tar")
    raise CheckpointError(f"checkpoint not found: {p}")


def _unpack_tar(archive: Path, unpack_dir: Path | None) -> Path:
    target = unpack_dir or Path(tempfile.mkdtemp(prefix="latent-bridge-ckpt-"))
    target.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive) as tar:
            # The "data" filter refuses absolute paths, links out of the
            # target and device files: a checkpoint cannot write elsewhere.
            tar.extractall(target, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise CheckpointError(f"cannot unpack checkpoint archive {archive}: {exc}") from exc
    found = _prefixes_in(target)
    if not found:
        raise CheckpointError(f"checkpoint archive {archive} holds no *.index file")
    return found[0]


def tf_reason(exc: BaseException) -> str:
    """The informative line of a TensorFlow error, not its "Graph execution error:" header."""
    lines = [ln.strip() for ln in str(getattr(exc, "message", exc)).splitlines() if ln.strip()]
    useful = [
        ln
        for ln in lines
        if not ln.startswith(("Graph execution error", "Detected at node", 'File "'))
        and not ln.endswith(":")
    ]
    text = (useful or lines or [type(exc).__name__])[0]
    return text[:300]


def restore_error(exc: BaseException, prefix: Path, model: str) -> CheckpointError:
    """A readable CheckpointError for an exception raised by ``Saver.restore``."""
    tf = tf1()
    text = str(getattr(exc, "message", exc)).strip().splitlines()
    detail = next((line for line in text if "not found in checkpoint" in line), None)
    if isinstance(exc, tf.errors.NotFoundError) and detail:
        return CheckpointError(
            f"checkpoint {prefix} does not match model {model!r}: {detail.strip()}"
        )
    if isinstance(exc, tf.errors.InvalidArgumentError) and any("shape" in t for t in text):
        shape = next((t for t in text if "shape" in t), "")
        return CheckpointError(
            f"checkpoint {prefix} has other layer sizes than model {model!r}: {shape.strip()}"
        )
    return CheckpointError(f"cannot read checkpoint {prefix} for model {model!r}: {tf_reason(exc)}")
