"""What the benchmarks run on: a profile of models, the machine, percentiles.

A profile maps roles to models and checkpoints, as ``latent-bridge serve``
takes it. ``--profile FILE.toml`` names one; without it the benchmarks take
the bundled default models from ``models/`` (``bridge.zoo.resolve_model``),
and for every role whose bundled model is not trained yet a random-weight
checkpoint of the model's config, made on the spot. Random weights time the
same graph and decode length as trained ones; the output says which is which.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# role -> (bundled zoo entry, config to use with random weights when it is missing)
DEFAULT_ROLES: dict[str, tuple[str, str]] = {
    "drums": ("lb-drums", "lb-drums_2bar_small"),
    "melody": ("lb-melody", "lb-mel_2bar_small"),
    "groove": ("lb-groove", "lb-groove_2bar_hits_small"),
    "multitrack": ("lb-multitrack", "lb-multitrack_1bar_tiny"),
}


@dataclass
class BenchProfile:
    """Roles -> model names, checkpoints, and where each checkpoint came from."""

    roles: dict[str, str]
    checkpoints: dict[str, str]
    sources: dict[str, str] = field(default_factory=dict)  # model -> bundled/profile/random

    def describe(self) -> list[str]:
        return [
            f"{role}: {model} ({self.sources.get(model, '?')})"
            for role, model in sorted(self.roles.items())
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "roles": dict(self.roles),
            "checkpoints": dict(self.checkpoints),
            "sources": dict(self.sources),
        }

    def toml(self) -> str:
        """The profile as ``latent-bridge serve --profile`` reads it."""
        lines = ["[roles]"]
        lines += [f'{role} = "{model}"' for role, model in sorted(self.roles.items())]
        lines += ["", "[checkpoints]"]
        lines += [f'"{model}" = "{path}"' for model, path in sorted(self.checkpoints.items())]
        return "\n".join(lines) + "\n"


def load_profile(
    path: Path | None,
    scratch: Path,
    roles: list[str] | None = None,
    say: Any = print,
) -> BenchProfile:
    """The profile in ``path``, or the default models (random weights where missing)."""
    if path is not None:
        from bridge.profile import load_profile as load_serve_profile

        p = load_serve_profile(path)
        wanted = {r: m for r, m in p.roles.items() if roles is None or r in roles}
        return BenchProfile(
            wanted,
            {m: p.checkpoints[m] for m in wanted.values() if m in p.checkpoints},
            {m: f"profile {path}" for m in wanted.values()},
        )
    from bridge.engine.registry import get_spec
    from bridge.errors import BridgeError
    from bridge.testing import make_random_checkpoint
    from bridge.zoo import resolve_model

    profile = BenchProfile({}, {})
    for role, (entry, fallback) in DEFAULT_ROLES.items():
        if roles is not None and role not in roles:
            continue
        try:
            model, ckpt = resolve_model(entry)
            source = f"bundled {entry}"
            checkpoint = str(ckpt)
        except BridgeError as exc:
            model, source = fallback, "random weights"
            say(f"{role}: {exc.message.splitlines()[0]}; using {model} with random weights")
            checkpoint = str(make_random_checkpoint(get_spec(model).config, scratch / model))
        profile.roles[role] = model
        profile.checkpoints[model] = checkpoint
        profile.sources[model] = source
    return profile


def machine() -> dict[str, Any]:
    """CPU model, cores, memory and versions of the machine running a benchmark."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": mem_gb,
        "load_average_1min": load,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }


def machine_line(m: dict[str, Any]) -> str:
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, "
        f"load {m['load_average_1min']:.1f} at start"
        if m.get("load_average_1min") is not None
        else f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM"
    )


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank on the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": statistics.median(ms),
        "p95_ms": pct(ms, 0.95),
        "mean_ms": statistics.fmean(ms),
    }


def write_report(path: Path, report: dict[str, Any], say: Callable[[str], Any]) -> None:
    """Write a benchmark's JSON report to ``path`` and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    say(f"wrote {path}")
