"""One MusicVAE model restored into its own TF1 graph and session.

This is Magenta's ``TrainedModel`` rebuilt for a server: the same graph
(``MusicVAE.build`` / ``sample`` / ``encode``) and checkpoint format, plus
repeatable sampling under a seed (see :class:`SamplingSeeds`), a lock so that
threads can share it, and checkpoint errors a musician can read. It works on
tensors; clips are the engine's business.
"""

from __future__ import annotations

import copy
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bridge.engine.checkpoint import resolve_checkpoint, restore_error
from bridge.engine.dynamics import dynamics_for
from bridge.engine.prior import prior_for
from bridge.engine.registry import ModelSpec
from bridge.engine.rows import rows_of_controls, sample_with_row_controls
from bridge.engine.tfcompat import SamplingSeeds, row_seeds, tf1
from bridge.errors import CheckpointError, InvalidRequestError
from bridge.limits import MERGED_BATCHES, REFINE_STEPS


@dataclass(frozen=True)
class Encoded:
    z: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray


@dataclass(frozen=True)
class Refined:
    """Refined latents, with each one's reconstruction loss (nats) before and
    after, and the Adam steps each one took (fewer than asked where its
    window came back exactly, and surely, sooner)."""

    z: np.ndarray
    loss_before: np.ndarray
    loss_after: np.ndarray
    steps: np.ndarray


# The fewest rows a sampler runs. The CPU's matrix kernels round a row the
# same wherever it sits in a batch of 8 or more rows, but not in a smaller
# one: samplers of at least this many rows make a request's decoded rows the
# same, to the last bit, alone or beside other requests' rows.
EXACT_ROWS = 8
# Adam's step size in latent refinement (see LoadedModel.refine).
REFINE_RATE = 0.2
# A refined latent stops once its window comes back exactly and the decoder
# gives the window's steps, on average, at least exp(-0.1) = 90% probability
# (mean loss a step below this many nats): exact alone stops latents that
# sample further from the window at a variation's temperature.
REFINE_STOP_NATS = 0.1


def session_config(device: str) -> Any:
    tf = tf1()
    cfg = tf.ConfigProto(allow_soft_placement=True)
    if device == "cpu":
        cfg.device_count["GPU"] = 0
    else:
        cfg.gpu_options.allow_growth = True
    return cfg


@dataclass(frozen=True)
class _SampleGraph:
    """:meth:`LoadedModel.decode_tensors`'s sampler for ``size`` rows."""

    size: int
    seeds: SamplingSeeds
    z: Any  # [size, z_size], or None for a model without z
    # [size, steps, depth] where each row reads its own controls
    # (row_controls), else [steps, depth] for every row; None without controls
    controls: Any
    row_controls: bool
    outputs: Any


@dataclass(frozen=True)
class _RefineGraph:
    """:meth:`LoadedModel.refine`'s loss and gradient for ``size`` latents."""

    size: int
    z: Any
    targets: Any
    controls: Any
    lengths: Any
    loss: Any
    grad: Any
    # Per row: the decoder's teacher-forced argmax is the target at every
    # step, so a greedy decode gives the window back exactly. None where the
    # decoder's output is not one categorical choice a step.
    exact: Any


class LoadedModel:
    """A model in memory, ready to encode, decode and sample tensors."""

    def __init__(
        self, spec: ModelSpec, *, batch_size: int = 8, device: str = "cpu", refine: bool = True
    ) -> None:
        if spec.checkpoint is None:
            raise CheckpointError(
                f"model {spec.name!r} has no checkpoint; give one with --checkpoint"
            )
        tf = tf1()
        self.spec = spec
        self.batch_size = batch_size
        self.device = device
        self.config = copy.deepcopy(spec.config)
        self.config.data_converter.set_mode("infer")
        self.config.hparams.batch_size = batch_size
        self.converter = self.config.data_converter
        # The graph of :meth:`refine`, built only for a model that will refine.
        self.can_refine = refine and bool(self.config.hparams.z_size)
        # refine() stops a latent whose window already comes back exactly
        # (False: every latent takes every step, as before; for benchmarks).
        self.stop_when_exact = True
        self._lock = threading.Lock()
        unpack = Path(tempfile.mkdtemp(prefix="latent-bridge-"))
        try:
            prefix = resolve_checkpoint(spec.checkpoint, unpack_dir=unpack)
            # Where samples' latents come from (see bridge.engine.prior).
            self.prior, self.prior_status = prior_for(spec.checkpoint, prefix, self.z_size)
            # How far a groove model's accents reach (see bridge.engine.dynamics).
            self.dynamics, self.dynamics_status = dynamics_for(spec.checkpoint, prefix)
            self._build(tf)
            self._restore(tf, prefix)
            if batch_size < EXACT_ROWS:
                with self._lock:
                    self._sample_graph(1)  # the smallest exact sampler, or none
        finally:
            # The session holds the weights; the unpacked files are not needed.
            shutil.rmtree(unpack, ignore_errors=True)

    def _build(self, tf: Any) -> None:
        hp = self.config.hparams
        conv = self.converter
        n = self.batch_size
        self.graph = tf.Graph()
        with self.graph.as_default():
            model = self.config.model
            model.build(hp, conv.output_depth, is_training=False)
            self._model = model
            self._temperature = tf.placeholder(tf.float32, shape=())
            self._max_length = tf.placeholder(tf.int32, shape=())
            self._sample_graphs: dict[int, _SampleGraph] = {}
            # Magenta's hierarchical decoders sample only at the batch size
            # they were built with; others get bigger graphs for merged runs.
            self._sample_sizes_fixed = False
            self._sample_graphs[n] = self._build_sample_graph(n)
            if hp.z_size:
                self._encode_seeds = SamplingSeeds(n)
                with self._encode_seeds.capture():
                    self._inputs = tf.placeholder(tf.float32, shape=[n, None, conv.input_depth])
                    self._controls = tf.placeholder(tf.float32, shape=[n, None, conv.control_depth])
                    self._lengths = tf.placeholder(tf.int32, shape=[n, *conv.length_shape])
                    q_z = model.encode(self._inputs, self._lengths, self._controls)
                    self._mu = q_z.loc
                    self._sigma = q_z.scale.diag
                    self._z = q_z.sample()
            if self.can_refine:
                self._build_refinement(tf, model, conv)
            var_map: Any = None
            if self.spec.var_name_substitutions:
                var_map = {}
                for v in tf.global_variables():
                    name = v.name[:-2]
                    for pattern, sub in self.spec.var_name_substitutions:
                        name = re.sub(pattern, sub, name)
                    var_map[name] = v
            self._saver = tf.train.Saver(var_map)
            self._local_init = tf.local_variables_initializer()
            self.sess = tf.Session(graph=self.graph, config=session_config(self.device))

    def _build_sample_graph(self, size: int) -> _SampleGraph:
        """The sampler for ``size`` rows, each with its own seed and, for a
        decoder that reads controls step by step, its own controls."""
        tf = tf1()
        hp = self.config.hparams
        conv = self.converter
        with self.graph.as_default():
            seeds = SamplingSeeds(size)
            reuse = tf.variable_scope(tf.get_variable_scope(), reuse=bool(self._sample_graphs))
            with seeds.capture(), reuse:
                z = tf.placeholder(tf.float32, shape=[size, hp.z_size]) if hp.z_size else None
                controls = None
                row_controls = bool(conv.control_depth) and rows_of_controls(self._model.decoder)
                if row_controls:
                    controls = tf.placeholder(tf.float32, shape=[size, None, conv.control_depth])
                    outputs = sample_with_row_controls(
                        self._model.decoder,
                        size,
                        self._max_length,
                        z,
                        controls,
                        self._temperature,
                    )
                else:
                    if conv.control_depth:
                        controls = tf.placeholder(tf.float32, shape=[None, conv.control_depth])
                    outputs, _ = self._model.sample(
                        size,
                        max_length=self._max_length,
                        z=z,
                        c_input=controls,
                        temperature=self._temperature,
                    )
        return _SampleGraph(size, seeds, z, controls, row_controls, outputs)

    def _sample_graph(self, rows: int) -> _SampleGraph:
        """The sampler for ``rows`` rows: the smallest of ``batch_size`` (at
        least :data:`EXACT_ROWS`) times 1, 2, 4, 8 that holds them (built when
        first needed); the caller holds the lock."""
        least = max(self.batch_size, EXACT_ROWS)
        size = least
        while size < rows and size < least * MERGED_BATCHES:
            size *= 2
        if self._sample_sizes_fixed:
            size = self.batch_size
        found = self._sample_graphs.get(size)
        if found is not None:
            return found
        try:
            found = self._build_sample_graph(size)
        except ValueError:
            self._sample_sizes_fixed = True
            return self._sample_graphs[self.batch_size]
        self._sample_graphs[size] = found
        return found

    @property
    def rows_independent(self) -> bool:
        """Whether each decoded row depends on its own seed (and controls)
        alone, to the last bit, so rows of several requests may share a run."""
        base = self._sample_graphs[self.batch_size]
        exact = not self._sample_sizes_fixed or self.batch_size >= EXACT_ROWS
        controls = not self.converter.control_depth or base.row_controls
        return base.seeds.per_row and controls and exact

    def _build_refinement(self, tf: Any, model: Any, conv: Any) -> None:
        """Prepare :meth:`refine`'s graphs: the decoder's teacher-forced loss of
        given targets under given latents, and its gradient with respect to
        them, one graph per number of rows (built when first needed; Magenta's
        decoders need a fixed batch size, and a clip of one window should not
        pay for ``batch_size`` rows)."""
        # Magenta decoders built for evaluation with a scheduled-sampling
        # config (the drum configs) feed back their own random samples; the
        # loss of a given clip must read the clip.
        for decoder in _decoders(model.decoder):
            if hasattr(decoder, "_sampling_probability"):
                decoder._sampling_probability = tf.constant(0.0)
        self._refine_graphs: dict[int, _RefineGraph] = {}
        self._refine_full_batch = False

    def _refine_graph(self, rows: int) -> _RefineGraph:
        """The refinement graph for ``rows`` latents (rounded up to 1, 2, 4, ...
        up to ``batch_size``); the caller holds the lock."""
        size = 1
        while size < rows and size < self.batch_size:
            size *= 2
        size = min(size, self.batch_size)
        if self._refine_full_batch:
            size = self.batch_size
        found = self._refine_graphs.get(size)
        if found is not None:
            return found
        try:
            found = self._build_refine_graph(size)
        except ValueError:
            if size == self.batch_size:
                raise
            # A hierarchical decoder keeps the batch size it was built with.
            self._refine_full_batch = True
            return self._refine_graph(rows)
        self._refine_graphs[size] = found
        return found

    def _build_refine_graph(self, size: int) -> _RefineGraph:
        tf = tf1()
        conv = self.converter
        with self.graph.as_default():
            z = tf.placeholder(tf.float32, shape=[size, self.z_size])
            targets = tf.placeholder(tf.float32, shape=[size, None, conv.output_depth])
            controls = tf.placeholder(tf.float32, shape=[size, None, conv.control_depth])
            lengths = tf.placeholder(tf.int32, shape=[size, *conv.length_shape])
            # Teacher forcing: the decoder reads the previous target step.
            previous = tf.pad(targets[:, :-1], [(0, 0), (1, 0), (0, 0)])
            # The same weights as the sampler's: every variable already exists.
            decoder = self._model.decoder
            with tf.variable_scope(tf.get_variable_scope(), reuse=True):
                loss, _, decoded = decoder.reconstruction_loss(
                    previous, targets, lengths, z, controls if conv.control_depth else None
                )
            grad = tf.gradients(tf.reduce_sum(loss), z)[0]
            exact = None
            if _one_choice_a_step(decoder):
                logits = decoded.rnn_output
                steps = tf.shape(logits)[1]
                right = tf.equal(tf.argmax(logits, -1), tf.argmax(targets[:, :steps], -1))
                exact = tf.reduce_all(right | ~tf.sequence_mask(lengths, steps), axis=1)
        return _RefineGraph(size, z, targets, controls, lengths, loss, grad, exact)

    def _restore(self, tf: Any, prefix: Path) -> None:
        try:
            self._saver.restore(self.sess, str(prefix))
        except (tf.errors.OpError, ValueError) as exc:
            self.sess.close()
            raise restore_error(exc, prefix, self.spec.name) from exc
        self.sess.run(self._local_init)

    def warm_up(self, wait: Callable[[], None] | None = None) -> None:
        """Build, and run once on silence, every sampler and refinement graph
        that requests merged with others may use: a graph's first run costs
        up to half a second more than the next ones, which a musician should
        not wait through on the first busy moment. ``wait`` is called before
        each graph (the server's waits until no request is running)."""
        wait = wait or (lambda: None)
        conv = self.converter
        steps = self.max_seq_len
        controls = np.zeros((steps, conv.control_depth), np.float32) if conv.control_depth else None
        least = max(self.batch_size, EXACT_ROWS)
        for rows in (least * 2**k for k in range(MERGED_BATCHES.bit_length())):
            wait()
            z = np.zeros((rows, self.z_size), np.float32) if self.z_size else None
            self.decode_tensors(z, count=rows, controls=controls, seed=0)
        if not self.can_refine:
            return
        parts = int(np.prod(conv.length_shape)) if conv.length_shape else 1
        size = 1
        while True:
            wait()
            with self._lock:
                g = self._refine_graph(size)
                self.sess.run(
                    [g.loss, g.grad],
                    {
                        g.z: np.zeros((g.size, self.z_size), np.float32),
                        g.targets: np.zeros((g.size, steps, conv.output_depth), np.float32),
                        g.controls: np.zeros((g.size, steps, conv.control_depth), np.float32),
                        g.lengths: np.full((g.size, *conv.length_shape), steps // parts, np.int32),
                    },
                )
            if g.size >= self.batch_size:
                return
            size = g.size * 2

    # -- properties ---------------------------------------------------------
    @property
    def z_size(self) -> int:
        return int(self.config.hparams.z_size or 0)

    @property
    def max_seq_len(self) -> int:
        return int(self.config.hparams.max_seq_len)

    def close(self) -> None:
        self.sess.close()

    def draw_latents(self, noise: np.ndarray, *, fitted: bool = True) -> np.ndarray:
        """Latents for standard normal ``noise`` ``[n, z]``: through the fitted
        prior when the model has one and ``fitted``, else the noise itself."""
        if fitted and self.prior is not None:
            return self.prior.draw(noise)
        return np.asarray(noise, np.float32)

    # -- running ------------------------------------------------------------
    def _run(self, fetches: Any, feed: dict[Any, Any], seeds: SamplingSeeds, rows: Any) -> Any:
        """Run with ``rows`` as the row seeds (padded to the graph's rows)."""
        feed = dict(feed)
        given = np.asarray(rows, np.int64)
        feed[seeds.seeds] = np.concatenate([given, np.zeros(seeds.rows - len(given), np.int64)])
        with self._lock:
            self.sess.run(seeds.reset)
            return self.sess.run(fetches, feed)

    def _packed(
        self, tensors: list[np.ndarray], depth: int, controls: list[np.ndarray] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Variable-length tensors (and their controls) zero-padded into two arrays."""
        width = self.converter.control_depth
        max_len = max(len(t) for t in tensors)
        arr = np.zeros([len(tensors), max_len, depth], np.float32)
        ctl = np.zeros([len(tensors), max_len, width], np.float32)
        for i, t in enumerate(tensors):
            arr[i, : len(t)] = t
            if controls is not None and width:
                ctl[i, : len(controls[i])] = controls[i]
        return arr, ctl

    def _batches(self, total: int) -> list[tuple[int, int]]:
        return [(i, min(i + self.batch_size, total)) for i in range(0, total, self.batch_size)]

    def encode_tensors(
        self,
        inputs: list[np.ndarray],
        lengths: list[Any],
        controls: list[np.ndarray] | None,
        *,
        seed: int,
    ) -> Encoded:
        """Encode converter tensors; ``z`` is drawn from q(z|x) under ``seed``."""
        if not self.z_size:
            raise InvalidRequestError(
                f"model {self.spec.name!r} has no latent space to encode into"
            )
        count = len(inputs)
        in_arr, ctl_arr = self._packed(inputs, self.converter.input_depth, controls)
        len_arr = np.asarray(lengths, np.int32)
        zs, mus, sigmas = [], [], []
        for lo, hi in self._batches(count):
            pad = self.batch_size - (hi - lo)
            feed = {
                self._inputs: _pad(in_arr[lo:hi], pad),
                self._controls: _pad(ctl_arr[lo:hi], pad),
                self._lengths: _pad(len_arr[lo:hi], pad),
            }
            z, mu, sigma = self._run(
                [self._z, self._mu, self._sigma],
                feed,
                self._encode_seeds,
                row_seeds(seed, lo, hi - lo),
            )
            zs.append(z[: hi - lo])
            mus.append(mu[: hi - lo])
            sigmas.append(sigma[: hi - lo])
        return Encoded(np.concatenate(zs), np.concatenate(mus), np.concatenate(sigmas))

    def refine(
        self,
        z: np.ndarray,
        targets: list[np.ndarray],
        lengths: list[Any],
        controls: list[np.ndarray] | None = None,
        *,
        steps: int = REFINE_STEPS,
        rate: float = REFINE_RATE,
        final_loss: bool = True,
    ) -> Refined:
        """Move each latent so that the decoder reproduces its target better.

        The encoder is trained to amortize inference over a whole dataset, so
        on a musician's own clip its posterior mean decodes to something close
        to, not the same as, the clip. Here each z starts at that mean and takes
        up to ``steps`` Adam steps on the decoder's teacher-forced loss of the
        clip's own tensors (semi-amortized inference). The network is
        unchanged; only the latent a clip is given moves. A latent stops as
        soon as the decoder's most likely choice is the clip's at every step
        (one-choice-a-step decoders: the drum and melody models), so a greedy
        decode already gives its window back, and it gives the window's steps
        at least 90% probability on average (:data:`REFINE_STOP_NATS`)
        (docs/benchmarks.md). Only models whose output tensors are
        the input clip itself (not GrooVAE, whose target is a performance the
        input lacks) can be refined: the caller passes the converter outputs.
        ``final_loss=False`` skips the one extra decoder pass that scores the
        refined latents (``loss_after`` is then zeros).
        """
        z = np.asarray(z, np.float32)
        count = len(z)
        taken = np.zeros(count, np.int32)
        if steps <= 0 or not count:
            zeros = np.zeros(count, np.float32)
            return Refined(z.copy(), zeros, zeros.copy(), taken)
        if not self.can_refine:
            raise InvalidRequestError(f"model {self.spec.name!r} was loaded without refinement")
        tgt, ctl = self._packed(targets, self.converter.output_depth, controls)
        lens = np.asarray(lengths, np.int32)
        out = z.copy()
        before = np.zeros(count, np.float32)
        after = np.zeros(count, np.float32)
        for lo, hi in self._batches(count):
            with self._lock:
                g = self._refine_graph(hi - lo)
            rows = hi - lo
            pad = g.size - rows
            feed = {
                g.targets: _pad(tgt[lo:hi], pad),
                g.controls: _pad(ctl[lo:hi], pad),
                g.lengths: _pad(lens[lo:hi], pad),
            }
            fetches = [g.loss, g.grad] + ([g.exact] if g.exact is not None else [])
            g_lens = _pad(lens[lo:hi], pad).reshape(g.size, -1).sum(axis=1)
            cur = _pad(out[lo:hi], pad)
            first = np.zeros_like(cur)
            second = np.zeros_like(cur)
            # A row whose window already comes back exactly, and surely, stops
            # moving: more steps would only make the decoder surer still.
            moving = np.arange(g.size) < rows
            loss = np.zeros(g.size, np.float32)
            for step in range(1, steps + 1):
                feed[g.z] = cur
                with self._lock:
                    loss, grad, *exact = self.sess.run(fetches, feed)
                if step == 1:
                    before[lo:hi] = loss[:rows]
                if exact and self.stop_when_exact:
                    sure = loss < REFINE_STOP_NATS * np.maximum(g_lens, 1)
                    moving &= ~(exact[0] & sure)
                    if not moving.any():
                        break
                taken[lo:hi] += moving[:rows]
                # Adam (Kingma and Ba), one independent problem per row.
                first = 0.9 * first + 0.1 * grad
                second = 0.999 * second + 0.001 * grad * grad
                m_hat = first / (1 - 0.9**step)
                v_hat = second / (1 - 0.999**step)
                cur = np.where(
                    moving[:, None], cur - rate * m_hat / (np.sqrt(v_hat) + 1e-8), cur
                ).astype(np.float32)
            else:
                if final_loss:
                    feed[g.z] = cur
                    with self._lock:
                        loss = self.sess.run(g.loss, feed)
            if final_loss:
                after[lo:hi] = loss[:rows]
            out[lo:hi] = cur[:rows]
        return Refined(out, before, after, taken)

    def decode_tensors(
        self,
        z: np.ndarray | None,
        *,
        count: int | None = None,
        length: int | None = None,
        temperature: float = 1.0,
        controls: np.ndarray | Sequence[np.ndarray] | None = None,
        seed: int = 0,
        seeds: np.ndarray | None = None,
    ) -> np.ndarray:
        """Decode latent vectors (or, for a model without z, ``count`` samples).

        Row ``i`` draws from ``seeds[i]`` (by default the request's ``seed``
        and ``i``, :func:`row_seeds`). ``controls`` is one control sequence
        for every row, or (where :attr:`rows_independent`) one per row.
        """
        total = len(z) if z is not None else int(count or 0)
        if seeds is None:
            seeds = row_seeds(seed, 0, total)
        if len(seeds) != total:
            raise ValueError(f"{len(seeds)} seeds for {total} rows")
        per_row = controls is not None and not (
            isinstance(controls, np.ndarray) and controls.ndim == 2
        )
        if self.converter.control_depth and controls is None:
            raise InvalidRequestError(
                f"model {self.spec.name!r} needs a control sequence (chords or hits) to decode"
            )
        with self._lock:
            g = self._sample_graph(total)
        if per_row and not g.row_controls:
            raise ValueError(f"model {self.spec.name!r} takes one control sequence for all rows")
        feed: dict[Any, Any] = {
            self._temperature: temperature,
            self._max_length: length or self.max_seq_len,
        }
        rows_ctl: np.ndarray | None = None
        if g.controls is not None and controls is not None:
            if g.row_controls:
                listed = list(controls) if per_row else [np.asarray(controls)] * total
                rows_ctl, _ = self._packed(
                    [np.asarray(c, np.float32) for c in listed], self.converter.control_depth, None
                )
            else:
                feed[g.controls] = controls
        out = []
        for lo in range(0, total, g.size):
            hi = min(lo + g.size, total)
            pad = g.size - (hi - lo)
            if g.z is not None:
                assert z is not None
                feed[g.z] = _pad(z[lo:hi].astype(np.float32), pad)
            if rows_ctl is not None:
                feed[g.controls] = _pad(rows_ctl[lo:hi], pad)
            samples = self._run(g.outputs, feed, g.seeds, seeds[lo:hi])
            out.append(samples[: hi - lo])
        if not out:
            return np.zeros([0, 0, self.converter.output_depth])
        # A decoder with an end token stops each run at its longest row:
        # shorter runs are padded with silent steps, as their short rows are.
        steps = max(o.shape[1] for o in out)
        return np.concatenate([np.pad(o, [(0, 0), (0, steps - o.shape[1]), (0, 0)]) for o in out])

    def from_tensors(self, samples: np.ndarray, controls: np.ndarray | None = None) -> list[Any]:
        """Converter output tensors -> NoteSequences."""
        if controls is not None:
            tiled = np.tile(np.expand_dims(controls, 0), [len(samples), 1, 1])
            return list(self.converter.from_tensors(samples, tiled))
        return list(self.converter.from_tensors(samples))


def _one_choice_a_step(decoder: Any) -> bool:
    """Whether each output step of ``decoder`` is one categorical choice (so
    its argmax is what a greedy decode plays). Not the multi-output subclass,
    whose vector holds several choices."""
    from magenta.models.music_vae.lstm_models import CategoricalLstmDecoder

    return type(decoder) is CategoricalLstmDecoder


def _decoders(decoder: Any) -> list[Any]:
    """A decoder and the decoders it wraps (hierarchical and multi-part ones)."""
    found = [decoder]
    for name in ("_core_decoder", "_core_decoders"):
        inner = getattr(decoder, name, None)
        for d in inner if isinstance(inner, (list, tuple)) else [inner]:
            if d is not None:
                found += _decoders(d)
    return found


def _pad(arr: np.ndarray, pad: int) -> np.ndarray:
    if pad <= 0:
        return arr
    widths = [(0, pad)] + [(0, 0)] * (arr.ndim - 1)
    return np.pad(arr, widths)
