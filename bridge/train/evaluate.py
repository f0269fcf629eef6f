"""Held-out metrics: losses, teacher-forced and sampled reconstruction, hit F1.

The eval loss is the reconstruction loss plus ``max_beta`` times the KL cost
beyond the free bits: the objective at the end of Magenta's KL annealing. It
does not depend on the global step, so a fine-tuned run at step 0 and its
source model score the same, and runs of different lengths compare.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bridge.engine.model import LoadedModel
from bridge.engine.registry import ModelSpec, Role
from bridge.engine.tfcompat import tf1
from bridge.train.data import Examples

# Decoding at this temperature is, in effect, taking the most likely output.
GREEDY_TEMPERATURE = 1e-3
GROOVE_DRUMS = 9


@dataclass
class LossGraph:
    graph: Any
    sess: Any
    placeholders: dict[str, Any]
    scalars: dict[str, Any]
    metric_values: dict[str, Any]
    metric_updates: list[Any]
    local_init: Any
    saver: Any
    batch_size: int


def _placeholders(tf: Any, conv: Any, batch_size: int) -> dict[str, Any]:
    return {
        "inputs": tf.placeholder(tf.float32, [batch_size, None, conv.input_depth], name="inputs"),
        "outputs": tf.placeholder(
            tf.float32, [batch_size, None, conv.output_depth], name="outputs"
        ),
        "controls": tf.placeholder(
            tf.float32, [batch_size, None, conv.control_depth], name="controls"
        ),
        "lengths": tf.placeholder(tf.int32, [batch_size, *conv.length_shape], name="lengths"),
    }


def comparable_loss(tf: Any, model: Any, scalars: dict[str, Any]) -> Any:
    """Reconstruction loss + max_beta x KL cost: independent of the global step."""
    hp = model.hparams
    return tf.reduce_mean(scalars["losses/r_loss"]) + hp.max_beta * tf.reduce_mean(
        scalars["losses/kl_loss"]
    )


def feed_for(ph: dict[str, Any], batch: Examples, conv: Any) -> dict[Any, Any]:
    feed = {
        ph["inputs"]: batch.inputs,
        ph["outputs"]: batch.outputs,
        ph["lengths"]: batch.lengths,
    }
    feed[ph["controls"]] = batch.controls
    return feed


def build_loss_graph(spec: ModelSpec, batch_size: int, seed: int) -> LossGraph:
    tf = tf1()
    config = copy.deepcopy(spec.config)
    hp = config.hparams
    hp.batch_size = batch_size
    conv = config.data_converter
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(seed)
        model = config.model
        model.build(hp, conv.output_depth, is_training=False)
        ph = _placeholders(tf, conv, batch_size)
        controls = ph["controls"] if conv.control_depth else None
        metric_map, scalars = model._compute_model_loss(
            ph["inputs"], ph["outputs"], ph["lengths"], controls
        )
        scalars = {k: tf.reduce_mean(v) for k, v in scalars.items()}
        scalars["eval_loss"] = comparable_loss(tf, model, scalars)
        values = {k: v[0] for k, v in metric_map.items()}
        updates = [v[1] for v in metric_map.values()]
        # Relative paths in the checkpoint file: an exported folder still
        # loads after it is moved (into models/, a wheel, another machine).
        saver = tf.train.Saver(save_relative_paths=True)
        local_init = tf.local_variables_initializer()
        sess = tf.Session(graph=graph)
    return LossGraph(graph, sess, ph, scalars, values, updates, local_init, saver, batch_size)


def batches(examples: Examples, batch_size: int) -> list[Examples]:
    """Fixed-size batches; the last one is filled by repeating from the start."""
    n = len(examples)
    out = []
    for lo in range(0, n, batch_size):
        idx = np.arange(lo, lo + batch_size) % n
        out.append(examples.take(idx))
    return out


def evaluate_losses(
    spec: ModelSpec, prefix: Path, examples: Examples, *, batch_size: int, seed: int = 0
) -> dict[str, float]:
    """Mean eval loss, reconstruction loss, KL bits and teacher-forced accuracy."""
    g = build_loss_graph(spec, batch_size, seed)
    try:
        g.saver.restore(g.sess, str(prefix))
        g.sess.run(g.local_init)
        sums: dict[str, float] = {}
        chunks = batches(examples, batch_size)
        for batch in chunks:
            feed = feed_for(g.placeholders, batch, spec.converter)
            vals, _ = g.sess.run([g.scalars, g.metric_updates], feed)
            for k, v in vals.items():
                sums[k] = sums.get(k, 0.0) + float(v)
        result = {_short(k): v / len(chunks) for k, v in sums.items()}
        for k, v in g.sess.run(g.metric_values).items():
            result[_short(k)] = float(np.mean(v))
        return result
    finally:
        g.sess.close()


def _short(name: str) -> str:
    name = name.split("/")[-1]
    return {"accuracy": "teacher_forced_accuracy"}.get(name, name)


def hits_from_outputs(spec: ModelSpec, outputs: np.ndarray) -> np.ndarray | None:
    """[n, t, classes] booleans: which drum class plays on which 16th step."""
    if spec.role is Role.DRUMS:
        classes = len(spec.converter._pitch_classes)
        index = outputs.argmax(-1)
        index = np.where(outputs.max(-1) > 0, index, 0)
        bits = (index[..., None] >> np.arange(classes)) & 1
        return bits.astype(bool)
    if spec.role is Role.GROOVE:
        return outputs[..., :GROOVE_DRUMS] > 0.5
    return None


def f1(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    tp = float(np.sum(pred & true))
    fp = float(np.sum(pred & ~true))
    fn = float(np.sum(~pred & true))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"hit_f1": score, "hit_precision": precision, "hit_recall": recall}


def mask_of(lengths: np.ndarray, steps: int) -> np.ndarray:
    """[n, steps] booleans: the steps that hold data.

    Hierarchical examples (lengths of shape [n, segments]) are segments of
    equal size laid end to end, each padded after its own length.
    """
    lengths = np.asarray(lengths)
    if lengths.ndim == 1:
        return np.arange(steps)[None, :] < lengths[:, None]
    segment = steps // lengths.shape[1]
    position = np.arange(steps)
    inside: np.ndarray = (position % segment)[None, :] < lengths[:, position // segment]
    return inside


INSTRUMENT_GROUPS = ("drums", "bass", "other")


def _instrument_groups(program: np.ndarray, programs: int = 128) -> np.ndarray:
    """Each segment's group from its program token (minus the event classes):
    the extra token after the 128 General MIDI programs is drums, and above
    it the end token of an unused slot ("")."""
    bass = (program >= 32) & (program <= 39)
    named = np.where(program == programs, "drums", np.where(bass, "bass", "other"))
    return np.where(program > programs, "", named)


def instrument_accuracy(
    spec: ModelSpec, outputs: np.ndarray, decoded: np.ndarray, lengths: np.ndarray
) -> dict[str, float]:
    """Reconstruction per instrument of a multi-instrument performance model.

    Each segment of an example is one instrument of the bar: a program token,
    its events, an end token (an unused slot holds only the end token). For
    each group (drums, bass, other: chords,
    pads, leads) it reports the share of the segments' tokens decoded right
    and the share of instruments whose program came back right, with the
    number of instruments scored.
    """
    conv = spec.converter
    events = getattr(conv, "_max_events_per_instrument", None)
    encoding = getattr(conv, "_performance_encoding", None)
    if events is None or encoding is None or np.asarray(lengths).ndim != 2:
        return {}
    n, steps = outputs.shape[:2]
    segments = steps // events
    true = outputs.argmax(-1).reshape(n, segments, events)
    pred = decoded.argmax(-1).reshape(n, segments, events)
    lens = np.asarray(lengths).reshape(n, segments)
    inside = np.arange(events)[None, None, :] < lens[..., None]
    groups = np.where(lens > 0, _instrument_groups(true[..., 0] - encoding.num_classes), "")
    out: dict[str, float] = {}
    for group in INSTRUMENT_GROUPS:
        chosen = groups == group
        if not chosen.any():
            continue
        steps_in = inside & chosen[..., None]
        out[f"accuracy_{group}"] = float((pred == true)[steps_in].mean())
        out[f"program_accuracy_{group}"] = float((pred[..., 0] == true[..., 0])[chosen].mean())
        out[f"instruments_{group}"] = float(chosen.sum())
    return out


def note_group(note: Any) -> str:
    """A note's instrument group: drums, bass (programs 32 to 39) or other."""
    if note.is_drum:
        return "drums"
    return "bass" if 32 <= note.program <= 39 else "other"


def band_note_f1(spec: ModelSpec, outputs: np.ndarray, decoded: np.ndarray) -> dict[str, float]:
    """Note F1 per instrument group of a multi-instrument performance model.

    Both tensors are turned back into notes; a decoded note matches when its
    group, pitch and onset (to the nearest 16th) are those of a true note.
    Unlike the token accuracy, one early timing slip does not misalign the
    rest of the bar.
    """
    conv = spec.converter
    if getattr(conv, "_max_events_per_instrument", None) is None:
        return {}

    def notes(seq: Any) -> set[tuple[str, int, int]]:
        qpm = seq.tempos[0].qpm if seq.tempos else 120.0
        sixteenth = 60.0 / qpm / 4
        return {(note_group(n), n.pitch, round(n.start_time / sixteenth)) for n in seq.notes}

    counts = {g: [0, 0, 0] for g in INSTRUMENT_GROUPS}  # matched, true, decoded
    for t, p in zip(conv.from_tensors(outputs), conv.from_tensors(decoded), strict=True):
        true, pred = notes(t), notes(p)
        for g, c in counts.items():
            tg = {n for n in true if n[0] == g}
            pg = {n for n in pred if n[0] == g}
            c[0] += len(tg & pg)
            c[1] += len(tg)
            c[2] += len(pg)
    return {
        f"note_f1_{g}": 2 * matched / (n_true + n_pred)
        for g, (matched, n_true, n_pred) in counts.items()
        if n_true
    }


def evaluate_reconstruction(
    spec: ModelSpec,
    prefix: Path,
    examples: Examples,
    *,
    batch_size: int = 64,
    seed: int = 0,
    refine_steps: int = 0,
) -> dict[str, float]:
    """decode(encode(x)) against x, decoding greedily from the posterior mean.

    With ``refine_steps``, the same again from latents refined as the engine
    refines a clip's (:meth:`LoadedModel.refine`), reported under keys that
    start with ``refined_``; GrooVAE, whose target is not its input, is not
    refined.
    """
    if not spec.is_conditional or not len(examples):
        return {}
    # GrooVAE with hits as controls decodes each example under its own hits;
    # Magenta's sampler shares one control sequence across a batch.
    per_example = spec.role is Role.GROOVE and spec.has_controls
    refinable = refine_steps > 0 and spec.role is not Role.GROOVE
    model = LoadedModel(
        spec.with_checkpoint(str(prefix)),
        batch_size=1 if per_example else batch_size,
        refine=refinable,
    )
    try:
        lengths = list(examples.lengths)
        encoded = model.encode_tensors(
            list(examples.inputs), lengths, list(examples.controls), seed=seed
        )
        out = reconstruction_scores(
            spec, examples, decode_greedy(spec, model, encoded.mu, examples, per_example, seed)
        )
        if refinable:
            controls = list(examples.controls) if spec.converter.control_depth else None
            refined = model.refine(
                encoded.mu, list(examples.outputs), lengths, controls, steps=refine_steps
            )
            decoded = decode_greedy(spec, model, refined.z, examples, per_example, seed)
            out["refine_steps"] = float(refine_steps)
            out["refined_loss_before"] = float(refined.loss_before.mean())
            out["refined_loss_after"] = float(refined.loss_after.mean())
            for k, v in reconstruction_scores(spec, examples, decoded).items():
                out[f"refined_{k}"] = v
    finally:
        model.close()
    return out


def decode_greedy(
    spec: ModelSpec,
    model: LoadedModel,
    z: np.ndarray,
    examples: Examples,
    per_example: bool,
    seed: int,
) -> np.ndarray:
    steps = examples.outputs.shape[1]
    if per_example:
        return np.concatenate(
            [
                _fit(
                    model.decode_tensors(
                        z[i : i + 1],
                        length=steps,
                        temperature=GREEDY_TEMPERATURE,
                        controls=examples.controls[i],
                        seed=seed,
                    ),
                    steps,
                )
                for i in range(len(examples))
            ]
        )
    controls = examples.controls[0] if spec.converter.control_depth else None
    if controls is not None and spec.role is not Role.MELODY:
        controls = None  # per-example chords need one decode each; skip
    decoded = model.decode_tensors(
        z, length=steps, temperature=GREEDY_TEMPERATURE, controls=controls, seed=seed
    )
    return _fit(decoded, steps)


def reconstruction_scores(
    spec: ModelSpec, examples: Examples, decoded: np.ndarray
) -> dict[str, float]:
    """How well ``decoded`` (one greedy decode per example) matches the examples."""
    steps = examples.outputs.shape[1]
    mask = mask_of(np.asarray(examples.lengths), steps)
    out: dict[str, float] = {}
    if spec.role is not Role.GROOVE:
        same = decoded.argmax(-1) == examples.outputs.argmax(-1)
        out["sampled_accuracy"] = float(same[mask].mean())
    true_hits = hits_from_outputs(spec, examples.outputs)
    pred_hits = hits_from_outputs(spec, decoded)
    if true_hits is not None and pred_hits is not None:
        out.update(f1(pred_hits[mask], true_hits[mask]))
    if spec.role is Role.GROOVE:
        out.update(groove_errors(examples, decoded, mask))
    out.update(instrument_accuracy(spec, examples.outputs, decoded, np.asarray(examples.lengths)))
    out.update(band_note_f1(spec, examples.outputs, decoded))
    return out


def _fit(arr: np.ndarray, steps: int) -> np.ndarray:
    if arr.shape[1] >= steps:
        return arr[:, :steps]
    return np.pad(arr, [(0, 0), (0, steps - arr.shape[1]), (0, 0)])


def groove_errors(examples: Examples, decoded: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """Velocity and timing errors at the hits, against a constant-velocity grid.

    The baseline is the quantized input played at one velocity, the median of
    the true velocities (the constant with the least absolute error), with no
    timing offsets. A second reference, ``*_table``, plays each hit at the
    mean velocity and offset of its drum and 16th position in the bar, fitted
    on these same held-out hits: a model that only learned such a table would
    match it. Velocities are in MIDI units; offsets in 16th-note steps.
    """
    d = GROOVE_DRUMS
    true = examples.outputs
    # Where the performance and the output both play: a missed hit is counted
    # by the hit F1, not as a velocity of zero.
    hits = (true[..., :d] > 0.5) & (decoded[..., :d] > 0.5) & mask[..., None]
    if not hits.any():
        return {}
    true_vel, pred_vel = true[..., d : 2 * d][hits], decoded[..., d : 2 * d][hits]
    true_off, pred_off = true[..., 2 * d :][hits], decoded[..., 2 * d :][hits]
    constant = float(np.median(true_vel))
    # Each hit's (16th position in the bar, drum) cell, for the table reference.
    position = np.broadcast_to((np.arange(true.shape[1]) % 16)[None, :, None], hits.shape)
    drum = np.broadcast_to(np.arange(d)[None, None, :], hits.shape)
    cell = (position * d + drum)[hits]
    counts = np.bincount(cell, minlength=16 * d)
    table_vel = np.bincount(cell, true_vel, 16 * d) / np.maximum(counts, 1)
    table_off = np.bincount(cell, true_off, 16 * d) / np.maximum(counts, 1)
    # Magenta stores offsets in [-1, 1] for half a step either way.
    return {
        "velocity_mae": float(np.abs(pred_vel - true_vel).mean() * 127),
        "velocity_mae_baseline": float(np.abs(constant - true_vel).mean() * 127),
        "velocity_mae_table": float(np.abs(table_vel[cell] - true_vel).mean() * 127),
        "offset_mae_steps": float(np.abs(pred_off - true_off).mean() / 2),
        "offset_mae_steps_baseline": float(np.abs(true_off).mean() / 2),
        "offset_mae_steps_table": float(np.abs(table_off[cell] - true_off).mean() / 2),
        "groove_hits_scored": float(hits.sum()),
    }
