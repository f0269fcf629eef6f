"""Models by name: every config of Magenta's ``CONFIG_MAP`` plus our own.

A :class:`ModelSpec` ties a name to a Magenta ``Config`` (model, hparams and
data converter), the role it plays for a musician, the length of its window
and, once known, a checkpoint. The configs themselves are built in
:mod:`bridge.engine.configs`, read lazily because importing them imports
TensorFlow.
"""

from __future__ import annotations

import copy
import enum
import importlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from bridge.errors import UnknownModelError


class Role(enum.StrEnum):
    """What a model does for a musician; decides how clips map to its input."""

    DRUMS = "drums"
    MELODY = "melody"
    GROOVE = "groove"
    TRIO = "trio"
    MULTITRACK = "multitrack"

    @property
    def is_multitrack(self) -> bool:
        return self in (Role.TRIO, Role.MULTITRACK)


# The converter classes of Magenta's music_vae.data / data_hierarchical modules.
_ROLE_BY_CONVERTER = {
    "DrumsConverter": Role.DRUMS,
    "OneHotMelodyConverter": Role.MELODY,
    "GrooveConverter": Role.GROOVE,
    "TrioConverter": Role.TRIO,
    "MultiInstrumentPerformanceConverter": Role.MULTITRACK,
}

STEPS_PER_BAR = 16  # 4/4 at four steps per quarter, as every MusicVAE config has it


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: a Magenta config and how we use it."""

    name: str
    config: Any  # magenta.models.music_vae.configs.Config
    role: Role
    bars: int
    description: str = ""
    checkpoint: str | None = None
    # Regex substitutions mapping this graph's variable names to a checkpoint's.
    var_name_substitutions: tuple[tuple[str, str], ...] = field(default=())

    @property
    def beats(self) -> float:
        """Window length in beats (quarter notes)."""
        return float(self.bars * 4)

    @property
    def converter(self) -> Any:
        return self.config.data_converter

    @property
    def is_conditional(self) -> bool:
        """Whether the model has a latent space (encode / decode)."""
        return bool(self.config.hparams.z_size)

    @property
    def has_controls(self) -> bool:
        """Whether decoding needs a control sequence (chords, or GrooVAE's hits)."""
        return bool(self.converter.control_depth)

    @property
    def chord_conditioned(self) -> bool:
        return bool(self.converter.control_depth) and self.role is not Role.GROOVE

    def with_checkpoint(self, checkpoint: str | None) -> ModelSpec:
        return replace(self, checkpoint=checkpoint)


def role_of(config: Any) -> Role:
    kind = type(config.data_converter)
    for cls in kind.__mro__:  # a subclass of a Magenta converter plays its role
        if cls.__name__ in _ROLE_BY_CONVERTER:
            return _ROLE_BY_CONVERTER[cls.__name__]
    raise ValueError(f"no role known for data converter {kind.__name__}")


def window_bars(config: Any) -> int:
    """Bars in one model window, from the converter (or max_seq_len at 16 steps a bar)."""
    conv = config.data_converter
    hop_bars = getattr(conv, "_hop_size_bars", None)
    if hop_bars:  # multi-instrument performance models: one segment per hop
        return int(hop_bars)
    split_bars = getattr(conv, "_split_bars", None)
    if split_bars:  # GrooVAE
        return int(split_bars)
    slice_steps = getattr(conv, "_slice_steps", None)
    steps_per_bar = getattr(conv, "_steps_per_bar", None) or STEPS_PER_BAR
    if slice_steps:
        return max(1, int(slice_steps) // int(steps_per_bar))
    return max(1, int(config.hparams.max_seq_len) // STEPS_PER_BAR)


def spec_from_config(name: str, config: Any, description: str = "", **kwargs: Any) -> ModelSpec:
    return ModelSpec(
        name=name,
        config=config,
        role=role_of(config),
        bars=window_bars(config),
        description=description,
        **kwargs,
    )


class Registry:
    """A thread-safe name -> :class:`ModelSpec` map, filled lazily."""

    def __init__(self, loaders: list[Callable[[], dict[str, ModelSpec]]] | None = None) -> None:
        self._specs: dict[str, ModelSpec] = {}
        self._loaders = list(loaders or [])
        self._loaded = False
        self._lock = threading.RLock()

    def _ensure(self) -> None:
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            for load in self._loaders:
                for name, spec in load().items():
                    self._specs.setdefault(name, spec)

    def register(self, spec: ModelSpec, *, replace_existing: bool = False) -> ModelSpec:
        self._ensure()
        with self._lock:
            if spec.name in self._specs and not replace_existing:
                raise ValueError(f"a model named {spec.name!r} is already registered")
            self._specs[spec.name] = spec
        return spec

    def unregister(self, name: str) -> None:
        with self._lock:
            self._specs.pop(name, None)

    def get(self, name: str) -> ModelSpec:
        self._ensure()
        with self._lock:
            try:
                return self._specs[name]
            except KeyError:
                known = ", ".join(sorted(self._specs))
                raise UnknownModelError(
                    f"unknown model {name!r}; registered models: {known}"
                ) from None

    def __contains__(self, name: object) -> bool:
        self._ensure()
        return name in self._specs

    def __iter__(self) -> Iterator[ModelSpec]:
        self._ensure()
        with self._lock:
            return iter(sorted(self._specs.values(), key=lambda s: s.name))

    def names(self) -> list[str]:
        return [s.name for s in self]


def with_hparams(spec: ModelSpec, overrides: dict[str, str]) -> ModelSpec:
    """``spec`` with some hparams changed, given as text (``{"free_bits": "128"}``).

    Values are parsed to each hparam's type; an unknown name or a value of
    the wrong type raises ``ValueError`` naming it. The name stays the same:
    a run records its overrides, and reading the run applies them again.
    """
    from dataclasses import replace

    if not overrides:
        return spec
    hparams = copy.deepcopy(spec.config.hparams)
    known = hparams.values()
    for key in overrides:
        if key not in known:
            raise ValueError(
                f"unknown hparam {key!r} for {spec.name}; known: {', '.join(sorted(known))}"
            )
    try:
        hparams.parse(",".join(f"{k}={v}" for k, v in overrides.items()))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"bad hparam value for {spec.name}: {exc}") from None
    # Magenta's Config is a namedtuple.
    return replace(spec, config=copy.deepcopy(spec.config)._replace(hparams=hparams))


def _load(path: str) -> Callable[[], dict[str, ModelSpec]]:
    """A loader named ``module:function``, imported on first use (it imports TensorFlow)."""

    def load() -> dict[str, ModelSpec]:
        module, _, function = path.partition(":")
        loader: Callable[[], dict[str, ModelSpec]] = getattr(
            importlib.import_module(module), function
        )
        return loader()

    return load


# Magenta's configs, then ours (bridge/engine/configs.py), by name.
REGISTRY = Registry(
    [_load("bridge.engine.configs:magenta_specs"), _load("bridge.engine.configs:our_specs")]
)


def get_spec(name: str) -> ModelSpec:
    return REGISTRY.get(name)
