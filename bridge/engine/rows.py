"""Sampling a Magenta LSTM decoder whose rows read controls of their own.

Magenta's ``BaseLstmDecoder.sample`` takes one control sequence and gives it
to every row of the batch. The bundled groove model reads each clip's hits
as its control, so humanizing several clips (the outputs of one variations
request, or of several requests at once) would take a decoder run per clip.
:func:`sample_with_row_controls` builds the same step-by-step sampling over
a batch of control sequences, one per row, on the decoder's own cell, output
layer and sampling function. A decoder that first passes its controls
through a bidirectional LSTM (Magenta's
``BidirectionalLstmControlPreprocessingDecoder``) has every row's controls
preprocessed as one batch before its core decoder samples them.
"""

from __future__ import annotations

from typing import Any

from bridge.engine.tfcompat import tf1

__all__ = ["rows_of_controls", "sample_with_row_controls"]


def rows_of_controls(decoder: Any) -> bool:
    """Whether ``decoder`` samples the way :func:`sample_with_row_controls`
    rebuilds: an LSTM decoder with Magenta's plain ``sample`` (no end token,
    not hierarchical), or one that preprocesses its controls for such a
    decoder."""
    from magenta.models.music_vae.lstm_models import (
        BaseLstmDecoder,
        BidirectionalLstmControlPreprocessingDecoder,
    )

    if isinstance(decoder, BidirectionalLstmControlPreprocessingDecoder):
        return rows_of_controls(decoder._core_decoder)
    return isinstance(decoder, BaseLstmDecoder) and type(decoder).sample is BaseLstmDecoder.sample


def sample_with_row_controls(
    decoder: Any, rows: int, max_length: Any, z: Any, controls: Any, temperature: Any
) -> Any:
    """Samples ``[rows, steps, output_depth]`` of ``decoder``, row ``r`` reading
    ``controls[r]`` (``[rows, steps, control_depth]``) one step at a time.

    At each step the decoder's input is the previous step's sample, the
    row's latent and the row's control for this step (zeros, and ``z``,
    before the first); sampling stops after the last control step or at
    ``max_length``.
    """
    import magenta.contrib.seq2seq as seq2seq
    from magenta.models.music_vae.lstm_models import (
        BidirectionalLstmControlPreprocessingDecoder,
    )

    tf = tf1()
    if isinstance(decoder, BidirectionalLstmControlPreprocessingDecoder):
        # As Magenta's own ``sample`` does for its one sequence: the whole
        # control sequence, read both ways, is what the core decoder reads.
        lengths = tf.fill([rows], tf.shape(controls)[1])
        controls = decoder._preprocess_controls(controls, lengths)
        decoder = decoder._core_decoder
    depth = decoder._output_depth
    z = tf.zeros([rows, 0], tf.float32) if z is None else z
    by_step = tf.transpose(controls, [1, 0, 2])  # [steps, rows, control_depth]
    last = tf.shape(by_step)[0] - 1
    first = tf.concat([tf.zeros([rows, depth], tf.float32), z, by_step[0]], axis=-1)

    def initialize() -> tuple[Any, Any]:
        return tf.zeros([rows], tf.bool), first

    def sample(time: Any, outputs: Any, state: Any) -> Any:
        del time, state
        return decoder._sample(outputs, temperature)

    def next_inputs(time: Any, outputs: Any, state: Any, sample_ids: Any) -> tuple[Any, Any, Any]:
        del outputs
        done = tf.fill([rows], time >= last)
        control = by_step[tf.minimum(time + 1, last)]
        return done, tf.concat([sample_ids, z, control], axis=-1), state

    helper = seq2seq.CustomHelper(
        initialize_fn=initialize,
        sample_fn=sample,
        next_inputs_fn=next_inputs,
        sample_ids_shape=[depth],
        sample_ids_dtype=tf.float32,
    )
    results = decoder._decode(z, helper=helper, input_shape=first.shape[1:], max_length=max_length)
    return results.samples
