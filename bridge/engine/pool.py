"""The models an engine holds: loaded lazily, once each, and kept resident.

:class:`ModelPool` maps a registered name to its checkpoint, loads it on the
device chosen once (one load per model; other models load in parallel), and
says how many refinement steps a model's input latents get.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bridge.engine.adapters import Adapter
from bridge.engine.model import LoadedModel
from bridge.engine.registry import REGISTRY, ModelSpec, Registry, Role
from bridge.engine.tfcompat import choose_device
from bridge.errors import InvalidRequestError
from bridge.limits import MAX_REFINE_STEPS, REFINE_MAX_DEFAULT_LENGTH, REFINE_STEPS

__all__ = ["ModelPool", "default_refine_steps"]


def default_refine_steps(spec: ModelSpec) -> int:
    """Refinement steps a model gets unless told otherwise.

    :data:`REFINE_STEPS` where a window decodes in at most
    :data:`REFINE_MAX_DEFAULT_LENGTH` steps (2- and 4-bar drum and melody
    models). Longer windows (16-bar models, a multi-instrument bar of four
    64-event parts) make each step several times dearer, and on lb-multitrack
    20 steps raised pitched-part note F1 only from 0.23 to 0.26 while the
    multitrack operation took seven times longer; there it is off.
    """
    if spec.role is Role.GROOVE:
        return 0
    length = int(getattr(spec.config.hparams, "max_seq_len", 0) or 0)
    return REFINE_STEPS if 0 < length <= REFINE_MAX_DEFAULT_LENGTH else 0


class ModelPool:
    """Registered models by name, loaded on first use. Safe to share between threads."""

    def __init__(
        self,
        registry: Registry = REGISTRY,
        *,
        device: str = "auto",
        batch_size: int = 8,
        checkpoints: dict[str, str] | None = None,
        refine_steps: int | None = None,
    ) -> None:
        if refine_steps is not None and not 0 <= refine_steps <= MAX_REFINE_STEPS:
            raise InvalidRequestError(
                f"refine steps must be 0 to {MAX_REFINE_STEPS}, got {refine_steps}"
            )
        self.registry = registry
        self.refine_steps = refine_steps
        self.requested_device = device
        self._device: str | None = None
        self.batch_size = batch_size
        self._checkpoints = dict(checkpoints or {})
        self._models: dict[str, LoadedModel] = {}
        self._adapters: dict[str, Adapter] = {}
        self._lock = threading.Lock()
        self._load_locks: dict[str, threading.Lock] = {}
        # Called with each model's name and LoadedModel once it has loaded
        # (the server warms its graphs there, bridge.osc.app).
        self.after_load: Callable[[str, LoadedModel], None] | None = None

    # -- models -------------------------------------------------------------
    @property
    def device(self) -> str:
        if self._device is None:
            self._device = choose_device(self.requested_device)
        return self._device

    def set_checkpoint(self, name: str, checkpoint: str) -> None:
        self.registry.get(name)
        with self._lock:
            self._checkpoints[name] = checkpoint
            old = self._models.pop(name, None)
        if old is not None:
            old.close()

    def refine_steps_for(self, spec: ModelSpec) -> int:
        """How many steps fit an input clip's latent for ``spec`` (see :meth:`_posterior`)."""
        if spec.role is Role.GROOVE:
            return 0
        if self.refine_steps is None:
            return default_refine_steps(spec)
        return self.refine_steps

    def spec(self, name: str) -> ModelSpec:
        spec = self.registry.get(name)
        ckpt = self._checkpoints.get(name)
        return spec.with_checkpoint(ckpt) if ckpt else spec

    def is_loaded(self, name: str) -> bool:
        return name in self._models

    def model(self, name: str) -> LoadedModel:
        """The loaded model ``name``, loading it on first use."""
        with self._lock:
            loaded = self._models.get(name)
            if loaded is not None:
                return loaded
            lock = self._load_locks.setdefault(name, threading.Lock())
        with lock:  # one load per model; other models load in parallel
            with self._lock:
                if name in self._models:
                    return self._models[name]
            spec = self.spec(name)
            loaded = LoadedModel(
                spec,
                batch_size=self.batch_size,
                device=self.device,
                refine=self.refine_steps_for(spec) > 0,
            )
            with self._lock:
                self._models[name] = loaded
        if self.after_load is not None:
            self.after_load(name, loaded)
        return loaded

    def prior_status(self, name: str) -> str | None:
        """Which prior a loaded model draws random latents from; None until loaded."""
        with self._lock:
            loaded = self._models.get(name)
        return None if loaded is None else loaded.prior_status

    def adapter(self, name: str) -> Adapter:
        with self._lock:
            if name not in self._adapters:
                self._adapters[name] = Adapter(self.registry.get(name))
            return self._adapters[name]

    def unload(self, name: str) -> None:
        with self._lock:
            loaded = self._models.pop(name, None)
        if loaded is not None:
            loaded.close()

    def close(self) -> None:
        for name in list(self._models):
            self.unload(name)
