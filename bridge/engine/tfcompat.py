"""TensorFlow set up the way Magenta's MusicVAE code needs it.

Magenta 2.1.4 was written for TF 1.x graphs and Keras 2. Under TF 2.21 it runs
with legacy Keras (tf-keras) and v1 behaviour. Both must be chosen before
TensorFlow is first imported, so every module of ours reaches TensorFlow
through :func:`tf1` and nothing here imports it at module load.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

_lock = threading.Lock()
# Graph building patches a class attribute, so builds happen one at a time.
_build_lock = threading.RLock()
_tf: ModuleType | None = None


def tf1() -> Any:
    """Return ``tensorflow.compat.v1``, configured for Magenta, importing it once."""
    global _tf
    with _lock:
        if _tf is None:
            os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            import absl.logging
            import tensorflow.compat.v1 as tf

            # Before disable_v2_behavior, which warns of its own deprecation.
            logging.getLogger("tensorflow").setLevel(logging.ERROR)
            tf.disable_v2_behavior()
            tf.logging.set_verbosity(tf.logging.ERROR)
            absl.logging.set_verbosity(absl.logging.ERROR)
            _tf = tf
        return _tf


def choose_device(requested: str = "auto") -> str:
    """Resolve ``auto|cpu|gpu`` to ``cpu`` or ``gpu`` (TensorFlow's placement does the rest)."""
    from bridge.errors import BridgeError

    if requested not in ("auto", "cpu", "gpu"):
        raise BridgeError(f"device must be auto, cpu or gpu, not {requested!r}")
    if requested == "cpu" and _tf is None:
        # Keep TensorFlow from probing CUDA at all when the CPU is asked for.
        os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    if requested == "cpu":
        return "cpu"
    gpus = gpu_names()
    if requested == "gpu" and not gpus:
        raise BridgeError(
            "--device gpu: TensorFlow sees no GPU (install the gpu extra and an NVIDIA driver)"
        )
    return "gpu" if gpus else "cpu"


def gpu_names() -> list[str]:
    """Names of the GPUs TensorFlow can see (empty on a CPU-only install)."""
    tf = tf1()
    return [d.name for d in tf.config.list_physical_devices("GPU")]


class SamplingSeeds:
    """Makes the random draws of a MusicVAE graph repeatable under a seed.

    Magenta's decoders sample with ``tfp`` distributions that use stateful
    random ops, whose state lives in the session and cannot be reset. While a
    graph is built inside :meth:`capture`, every ``Distribution.sample`` call
    that has no seed gets a stateless seed made of the run's seed, its call
    site and a per-site counter that advances once per draw (so each step of a
    decoder loop draws afresh). Running :attr:`reset` before a run zeroes the
    counters: the same seed then gives the same draws on every run.
    """

    MAX_SITES = 64

    def __init__(self) -> None:
        tf = tf1()
        self.seed = tf.placeholder_with_default(tf.constant(0, tf.int32), shape=(), name="seed")
        # Counters are made up front: variables cannot be created inside the
        # decoder's while loop, where most sampling happens.
        self._counters = [
            tf.Variable(
                tf.constant(0, tf.int32),
                trainable=False,
                collections=[tf.GraphKeys.LOCAL_VARIABLES],
                name=f"sampling_counter_{i}",
            )
            for i in range(self.MAX_SITES)
        ]
        self._used = 0
        self.reset = tf.group(*[c.initializer for c in self._counters], name="reset_sampling")

    def next_seed(self, after: list[Any] | None = None) -> Any:
        """A seed for one draw; its counter advances only once ``after`` is computed.

        Inside a decoder loop the draw's parameters depend on the previous
        step's draw, so this orders the counter's increments step by step;
        without it, loop iterations could take their counts in any order.
        """
        tf = tf1()
        if self._used >= self.MAX_SITES:
            raise RuntimeError("too many sampling sites in one graph")
        site = self._used
        self._used += 1
        with tf.control_dependencies(after or []):
            step = self._counters[site].assign_add(1, use_locking=True)
        # tfp takes a stateless seed as two int32 values.
        return tf.stack([self.seed, site * (1 << 20) + step])

    @contextlib.contextmanager
    def capture(self) -> Iterator[None]:
        """Route unseeded ``tfp`` samples built in this block through this object."""
        import tensorflow_probability as tfp

        cls = tfp.distributions.Distribution
        original = cls.sample
        owner = self

        def sample(
            dist: Any, sample_shape: Any = (), seed: Any = None, name: str = "sample", **kwargs: Any
        ) -> Any:
            if seed is None:
                params = getattr(dist, "parameters", {}) or {}
                deps = [v for v in params.values() if tf1().is_tensor(v)]
                seed = owner.next_seed(deps)
            return original(dist, sample_shape, seed=seed, name=name, **kwargs)

        with _build_lock:
            cls.sample = sample
            try:
                yield
            finally:
                cls.sample = original


class _RaggedSizeNumpy:
    """numpy, except that ``size`` of a ragged list answers instead of raising.

    Magenta's hierarchical converter asks ``np.size(control)`` of a ragged
    nested list only to know whether it is empty; numpy >= 1.24 refuses to make
    an array of it. Given only to that module.
    """

    def __getattr__(self, name: str) -> Any:
        import numpy

        return getattr(numpy, name)

    @staticmethod
    def size(a: Any, axis: Any = None) -> int:
        import numpy

        if axis is None and isinstance(a, list | tuple):
            return len(a)
        return int(numpy.size(a, axis))


def magenta_configs() -> Any:
    """Magenta's ``music_vae.configs`` module, imported under our TF settings."""
    tf1()
    from magenta.models.music_vae import configs, data_hierarchical

    data_hierarchical.np = _RaggedSizeNumpy()
    return configs
