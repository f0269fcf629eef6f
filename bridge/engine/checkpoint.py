"""Finding, unpacking and making MusicVAE checkpoints.

An official Magenta checkpoint comes as a ``.tar`` holding one TF1 checkpoint
(``name.ckpt.index``, ``name.ckpt.data-*``); a training run leaves a
directory with a ``checkpoint`` state file. Both, and a bare checkpoint
prefix, resolve to a prefix that ``tf.train.Saver`` restores.
"""

from __future__ import annotations

import copy
import os
import tarfile
import tempfile
from pathlib import Path
from typing import Any

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


def training_graph(
    config: Any, batch_size: int, *, learning_rate: float | None = None
) -> dict[str, Any]:
    """Build Magenta's training graph for ``config`` in the default graph.

    The ops are those of ``MusicVAE.train`` and ``music_vae_train`` (Adam on
    the decayed learning rate, gradients clipped by global norm), plus the
    loss terms and streaming metrics for a progress display.
    """
    tf = tf1()
    cfg = copy.deepcopy(config)
    hparams = cfg.hparams
    hparams.batch_size = batch_size
    if learning_rate is not None:
        hparams.learning_rate = learning_rate
        hparams.min_learning_rate = min(hparams.min_learning_rate, learning_rate)
    conv = cfg.data_converter
    model = cfg.model
    model.build(hparams, conv.output_depth, is_training=True)
    inputs = tf.placeholder(tf.float32, [batch_size, None, conv.input_depth], name="inputs")
    outputs = tf.placeholder(tf.float32, [batch_size, None, conv.output_depth], name="outputs")
    controls = tf.placeholder(tf.float32, [batch_size, None, conv.control_depth], name="controls")
    lengths = tf.placeholder(tf.int32, [batch_size, *conv.length_shape], name="lengths")
    metric_map, scalars = model._compute_model_loss(
        inputs, outputs, lengths, controls if conv.control_depth else None
    )
    step = tf.to_float(model.global_step)
    lr = (hparams.learning_rate - hparams.min_learning_rate) * tf.pow(
        hparams.decay_rate, step
    ) + hparams.min_learning_rate
    optimizer = tf.train.AdamOptimizer(lr)
    grads, variables = zip(*optimizer.compute_gradients(model.loss), strict=True)
    clipped, _ = tf.clip_by_global_norm(grads, hparams.grad_clip)
    train_op = optimizer.apply_gradients(
        zip(clipped, variables, strict=True), global_step=model.global_step, name="train_step"
    )
    return {
        "model": model,
        "config": cfg,
        "inputs": inputs,
        "outputs": outputs,
        "controls": controls,
        "lengths": lengths,
        "train_op": train_op,
        "loss": model.loss,
        "scalars": {k: tf.reduce_mean(v) for k, v in scalars.items()},
        "metrics": metric_map,
        "learning_rate": lr,
        "global_step": model.global_step,
    }


def make_random_checkpoint(
    config: Any,
    out_dir: str | os.PathLike[str],
    *,
    seed: int = 0,
    name: str = "model.ckpt",
    as_tar: bool = False,
) -> Path:
    """Write a checkpoint of randomly initialized weights for ``config``.

    It is made from the full training graph (optimizer slots, global step), as
    Magenta's trainer writes one, so restoring it exercises the same path as
    an official checkpoint. Returns the checkpoint prefix, or the ``.tar``
    path when ``as_tar`` is set.
    """
    tf = tf1()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(seed)
        training_graph(config, batch_size=1)
        saver = tf.train.Saver()
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            prefix = Path(saver.save(sess, str(out / name), write_meta_graph=False))
    if not as_tar:
        return prefix
    archive = out / f"{name}.tar"
    with tarfile.open(archive, "w") as tar:
        for f in sorted(out.glob(prefix.name + ".*")):
            if f != archive:
                tar.add(f, arcname=f.name)
    return archive
