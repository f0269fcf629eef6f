"""A training run's directory: it describes itself, and its checkpoints.

``run.json`` names the registered model and the hyperparameters, the data
summary, the latest metrics and the package versions, so ``serve``,
``generate`` and ``watch`` load a run by its path with no further flags.
"""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.errors import CheckpointError, TrainingError

if TYPE_CHECKING:
    from bridge.engine.registry import ModelSpec

RUN_FILE = "run.json"
METRICS_FILE = "metrics.json"
DATA_FILE = "data.json"


def is_run_dir(path: str | os.PathLike[str]) -> bool:
    return (Path(path).expanduser() / RUN_FILE).is_file()


def read_run(path: str | os.PathLike[str]) -> dict[str, Any]:
    target = Path(path).expanduser() / RUN_FILE
    try:
        data = json.loads(target.read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot read {target}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("model"), str):
        raise CheckpointError(f"{target} does not name a model")
    return data


def write_json(path: Path, data: Any) -> None:
    """Write through a temporary file, so a crash never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    tmp.replace(path)


def package_versions() -> dict[str, str]:
    names = ["latent-bridge", "magenta", "tensorflow", "note-seq", "numpy", "tf-keras"]
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def hparams_dict(hparams: Any) -> dict[str, Any]:
    values = hparams.values() if hasattr(hparams, "values") else dict(vars(hparams))
    return {k: v for k, v in sorted(values.items()) if isinstance(v, (int, float, str, bool, list))}


def checkpoint_prefixes(run_dir: Path) -> list[Path]:
    """The checkpoints a run keeps (``model.ckpt-STEP``), oldest step first."""
    found = []
    for index in run_dir.glob("model.ckpt-*.index"):
        prefix = index.with_suffix("")
        step = prefix.name.rsplit("-", 1)[1]
        if step.isdigit():
            found.append((int(step), prefix))
    return [p for _, p in sorted(found)]


def checkpoint_files(prefix: Path) -> list[Path]:
    return sorted(prefix.parent.glob(prefix.name + ".*"))


def checkpoint_bytes(prefix: Path) -> int:
    return sum(f.stat().st_size for f in checkpoint_files(prefix) if f.is_file())


def prune_checkpoints(
    run_dir: Path, prefixes: list[Path], *, keep: int, max_bytes: int | None, protect: Path | None
) -> list[Path]:
    """Delete old checkpoints: at most ``keep``, under ``max_bytes`` in all.

    The newest checkpoint always stays, and so does ``protect`` (the best
    one) while the budget allows. Returns the checkpoints kept, oldest first.
    """
    kept = [p for p in prefixes if (p.parent / (p.name + ".index")).is_file()]

    def drop(candidates: list[Path]) -> bool:
        for p in candidates:
            if p is not kept[-1]:
                for f in checkpoint_files(p):
                    f.unlink(missing_ok=True)
                kept.remove(p)
                return True
        return False

    while len(kept) > max(1, keep):
        if not drop([p for p in kept if p != protect]) and not drop(kept):
            break
    while max_bytes is not None and len(kept) > 1:
        if sum(checkpoint_bytes(p) for p in kept) <= max_bytes:
            break
        if not drop([p for p in kept if p != protect]) and not drop(kept):
            break
    return kept


_RUN_NAMES: set[str] = set()  # names that register_run gave


def run_spec(run: dict[str, Any]) -> ModelSpec:
    """The spec a run (its ``run.json``) was trained with: its registered
    config with the hparams it changed (``train --hparam``)."""
    from bridge.engine.registry import get_spec, with_hparams

    try:
        return with_hparams(get_spec(run["model"]), dict(run.get("hparam_overrides") or {}))
    except ValueError as exc:
        raise TrainingError(f"run.json: {exc}") from None


def register_run(path: str | os.PathLike[str]) -> str:
    """Register a run directory as a model named after it; returns the name.

    The spec is the run's registered config with the run directory as its
    checkpoint, so every command that takes a model name takes the run.
    """
    from dataclasses import replace

    from bridge.engine.registry import REGISTRY

    run_dir = Path(path).expanduser().resolve()
    run = read_run(run_dir)
    base = run_spec(run)
    name = run_dir.name
    if name in REGISTRY and name not in _RUN_NAMES:
        name = f"run:{name}"  # never shadow a registered config
    _RUN_NAMES.add(name)
    spec = replace(
        base,
        name=name,
        checkpoint=str(run_dir),
        description=f"trained {run.get('model')} run at step {run.get('step', '?')}: {run_dir}",
    )
    REGISTRY.register(spec, replace_existing=True)
    return name


def fine_tune_settings(
    init_from: Path, model: str | None, hparams: dict[str, str]
) -> tuple[str, dict[str, str], str]:
    """What a fine-tune from ``init_from`` trains: (model, hparams, a line saying so).

    From a run or model directory it is the source model continued: its
    registered config and the hparams it changed, with ``hparams`` (given
    here) on top. ``model`` may be left out; a different one is an error,
    since the weights would not fit it. From a bare checkpoint, ``model``
    must be given and nothing is carried over.
    """
    if not is_run_dir(init_from):
        if model is None:
            raise TrainingError(
                f"--from {init_from} is a checkpoint, not a run or model directory: "
                "say which model it is with --model NAME"
            )
        return model, dict(hparams), f"fine-tuning {model} from {init_from}"
    run = read_run(init_from)
    source = str(run["model"])
    if model is not None and model != source:
        raise TrainingError(
            f"--from {init_from} is a {source} model; --model {model} is another config, "
            "whose weights would not fit: leave --model out to continue the source model"
        )
    carried = {str(k): str(v) for k, v in (run.get("hparam_overrides") or {}).items()}
    merged = {**carried, **hparams}
    kept = {k: v for k, v in carried.items() if k not in hparams}
    note = f"fine-tuning {source} from {init_from}"
    if kept:
        note += ", keeping its " + ", ".join(f"{k}={v}" for k, v in sorted(kept.items()))
    if hparams:
        note += "; changed here: " + ", ".join(f"{k}={v}" for k, v in sorted(hparams.items()))
    return source, merged, note
