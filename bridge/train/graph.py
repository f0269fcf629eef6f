"""Magenta's MusicVAE training graph, as a typed object the training loop feeds."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from bridge.engine.tfcompat import tf1

__all__ = ["TrainingGraph", "build_training_graph"]


@dataclass(frozen=True)
class TrainingGraph:
    """The placeholders to feed and the ops to run for one training step."""

    model: Any  # Magenta's MusicVAE, built for training
    config: Any  # the Config it was built from, with the batch size set
    inputs: Any
    outputs: Any
    controls: Any
    lengths: Any
    train_op: Any
    loss: Any
    scalars: dict[str, Any]  # loss terms, averaged over the batch
    metrics: dict[str, Any]  # Magenta's streaming metrics
    learning_rate: Any
    global_step: Any

    def feed(self, batch: Any) -> dict[Any, Any]:
        """A feed dict for a batch with inputs, outputs, controls and lengths."""
        return {
            self.inputs: batch.inputs,
            self.outputs: batch.outputs,
            self.controls: batch.controls,
            self.lengths: batch.lengths,
        }


def build_training_graph(
    config: Any, batch_size: int, *, learning_rate: float | None = None
) -> TrainingGraph:
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
    return TrainingGraph(
        model=model,
        config=cfg,
        inputs=inputs,
        outputs=outputs,
        controls=controls,
        lengths=lengths,
        train_op=train_op,
        loss=model.loss,
        scalars={k: tf.reduce_mean(v) for k, v in scalars.items()},
        metrics=metric_map,
        learning_rate=lr,
        global_step=model.global_step,
    )
