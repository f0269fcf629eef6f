"""TensorFlow set up the way Magenta's MusicVAE code needs it.

Magenta 2.1.4 was written for TF 1.x graphs and Keras 2. Under TF 2.21 it runs
with legacy Keras (tf-keras) and v1 behaviour. Both must be chosen before
TensorFlow is first imported, so every module of ours reaches TensorFlow
through :func:`tf1` and nothing here imports it at module load.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

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
    """Makes the random draws of a MusicVAE graph repeatable, row by row.

    Magenta's decoders sample with ``tfp`` distributions that use stateful
    random ops, whose state lives in the session and cannot be reset. While a
    graph is built inside :meth:`capture`, every ``Distribution.sample`` call
    that has no seed draws instead from :meth:`uniform`: noise that a hash
    makes of the row's own seed (fed in :attr:`seeds`, one per batch row), the
    call site, a per-site counter that advances once per draw (so each step of
    a decoder loop draws afresh) and the element's place in the row. Running
    :attr:`reset` before a run zeroes the counters. A row's draws therefore
    depend on its seed alone, not on the rows beside it: requests batched
    into one run get what each would get alone (bridge.engine.coalesce).

    The distributions Magenta's decoders and encoders sample (one-hot and
    plain categorical, Bernoulli, normal, diagonal normal) are drawn this way.
    Any other, or a draw not shaped ``[rows, ...]``, falls back to one
    stateless seed per call made of the first row's seed; :attr:`per_row` then
    says that rows of one run are not independent.
    """

    MAX_SITES = 64

    def __init__(self, rows: int) -> None:
        tf = tf1()
        self.rows = rows
        self.seeds = tf.placeholder_with_default(
            tf.zeros([rows], tf.int64), shape=[rows], name="row_seeds"
        )
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
        self.per_row = True
        # Each row's key, made once outside any loop.
        self._row_keys = tf.cast(self.seeds, tf.uint64) * tf.constant(_GOLDEN, tf.uint64)

    def _next_count(self, after: list[Any]) -> Any:
        """This draw's site and step, as one int32 (``site * 2**20 + step``);
        the counter advances only once ``after`` is computed.

        Inside a decoder loop the draw's parameters depend on the previous
        step's draw, so this orders the counter's increments step by step;
        without it, loop iterations could take their counts in any order.
        """
        tf = tf1()
        if self._used >= self.MAX_SITES:
            raise RuntimeError("too many sampling sites in one graph")
        site = self._used
        self._used += 1
        with tf.control_dependencies(after):
            step = self._counters[site].assign_add(1, use_locking=True)
        return site * (1 << 20) + step

    def uniform(self, shape: Any, after: list[Any]) -> Any:
        """Noise in (0, 1) of ``shape`` (``[rows, ...]``, static or a tensor):
        element ``[r, k...]`` is a hash of row ``r``'s seed, this draw and ``k``."""
        tf = tf1()
        u64 = tf.uint64
        count = tf.cast(self._next_count(after), u64) * tf.constant(_MIX_A, u64)
        if isinstance(shape, (list, tuple)):
            # A constant, so that a decoder loop does not rebuild it each step.
            index = np.arange(int(np.prod(shape[1:])), dtype=np.uint64).reshape(shape[1:])
            place = tf.constant(index * np.uint64(_MIX_B), u64) + count
            rank = len(shape)
        else:
            per_row = tf.reduce_prod(shape[1:])
            index = tf.reshape(tf.range(tf.cast(per_row, tf.int64)), shape[1:])
            place = tf.cast(index, u64) * tf.constant(_MIX_B, u64) + count
            rank = tf.size(shape)
        keys = tf.reshape(
            self._row_keys, tf.concat([[self.rows], tf.ones([rank - 1], tf.int32)], 0)
        )
        x = _splitmix(tf, keys + place)
        # The top 24 bits, centred in their interval: never 0, never 1.
        bits = tf.cast(tf.bitwise.right_shift(x, tf.constant(40, u64)), tf.float32)
        return (bits + 0.5) * (1.0 / (1 << 24))

    @staticmethod
    def _shape(t: Any) -> Any:
        """``t``'s shape as a list where it is static, else as a tensor."""
        tf = tf1()
        static = t.shape
        if static.is_fully_defined():
            return [int(d) for d in static]
        return tf.shape(t)

    def draw(self, dist: Any, sample_shape: Any, after: list[Any]) -> Any:
        """A sample of ``dist`` (computed after ``after``) from :meth:`uniform`,
        or None where it cannot be drawn row by row (another kind, or not
        shaped ``[rows, ...]``)."""
        import tensorflow_probability as tfp

        tf = tf1()
        d = tfp.distributions
        batch = dist.batch_shape
        if tf.TensorShape(sample_shape).rank != 0:
            return None
        if batch.rank is None or batch.rank < 1 or batch[0] != self.rows:
            return None
        if isinstance(dist, (d.OneHotCategorical, d.Categorical)):
            logits = dist.logits_parameter()
            u = self.uniform(self._shape(logits), after)
            pick = tf.argmax(logits - tf.math.log(-tf.math.log(u)), axis=-1)
            if isinstance(dist, d.OneHotCategorical):
                return tf.one_hot(pick, tf.shape(logits)[-1], dtype=dist.dtype)
            return tf.cast(pick, dist.dtype)
        if isinstance(dist, d.Bernoulli):
            probs = dist.probs_parameter()
            u = self.uniform(self._shape(probs), after)
            return tf.cast(u < probs, dist.dtype)
        if isinstance(dist, (d.Normal, d.MultivariateNormalDiag)):
            if isinstance(dist, d.Normal):
                loc, scale = dist.loc, dist.scale
            else:
                loc, scale = dist.loc, dist.scale.diag
            shape = self._shape(loc + scale)
            pair = [*shape, 2] if isinstance(shape, list) else tf.concat([shape, [2]], 0)
            u = self.uniform(pair, after)
            # Box and Muller: two uniforms make one standard normal.
            radius = tf.sqrt(-2.0 * tf.math.log(u[..., 0]))
            normal = radius * tf.cos(2.0 * math.pi * u[..., 1])
            return tf.cast(loc + scale * normal, dist.dtype)
        return None

    def _shared_seed(self, after: list[Any]) -> Any:
        """A stateless seed for one draw shared by every row (the fallback)."""
        tf = tf1()
        first = tf.cast(self.seeds[0] % (1 << 31), tf.int32)
        return tf.stack([first, self._next_count(after)])

    @contextlib.contextmanager
    def capture(self) -> Iterator[None]:
        """Route unseeded ``tfp`` samples built in this block through this object."""
        import tensorflow_probability as tfp

        cls = tfp.distributions.Distribution
        owner = self
        original: Any = None  # the class's own, read under the lock below

        def sample(
            dist: Any, sample_shape: Any = (), seed: Any = None, name: str = "sample", **kwargs: Any
        ) -> Any:
            if seed is None:
                # The draw's parameters: its counter advances once they are known.
                params = getattr(dist, "parameters", {}) or {}
                after = [v for v in params.values() if tf1().is_tensor(v)]
                drawn = None if kwargs else owner.draw(dist, sample_shape, after)
                if drawn is not None:
                    return drawn
                owner.per_row = False
                seed = owner._shared_seed(after)
            return original(dist, sample_shape, seed=seed, name=name, **kwargs)

        # Read and patched under the lock: a build on another thread that read
        # the attribute while this one had it patched would put the patch back.
        with _build_lock:
            original = cls.sample
            cls.sample = sample
            try:
                yield
            finally:
                cls.sample = original


# splitmix64's constants (Steele, Lea and Flood 2014), and the golden ratio's.
_GOLDEN = 0x9E3779B97F4A7C15
_MIX_A = 0xBF58476D1CE4E5B9
_MIX_B = 0x94D049BB133111EB


def _splitmix(tf: Any, x: Any) -> Any:
    """splitmix64's finalizer on uint64 tensors: every input bit moves every output bit."""
    u64 = tf.uint64

    def shift_xor(v: Any, by: int) -> Any:
        return tf.bitwise.bitwise_xor(v, tf.bitwise.right_shift(v, tf.constant(by, u64)))

    x = shift_xor(x, 30) * tf.constant(_MIX_A, u64)
    x = shift_xor(x, 27) * tf.constant(_MIX_B, u64)
    return shift_xor(x, 31)


def row_seeds(seed: int, start: int, count: int) -> np.ndarray:
    """The seeds of rows ``start .. start + count`` of a request seeded ``seed``."""
    base = (int(seed) % (1 << 40)) << 20
    return np.arange(start, start + count, dtype=np.int64) + base


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
