"""Seeded sampling row by row (bridge.engine.tfcompat.SamplingSeeds).

The draws that replace tfp's must have the distributions they stand for, and
a row's draws must depend on its own seed alone: that is what lets requests
decode in one batch and still get what they get alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bridge.engine.tfcompat import SamplingSeeds, row_seeds, tf1

ROWS = 4000


def build(make: Any, rows: int = ROWS) -> tuple[Any, SamplingSeeds, Any]:
    """A graph whose one fetch is ``make(tf, tfp)``, built under a SamplingSeeds."""
    import tensorflow_probability as tfp

    tf = tf1()
    graph = tf.Graph()
    with graph.as_default():
        seeds = SamplingSeeds(rows)
        with seeds.capture():
            fetch = make(tf, tfp.distributions)
        init = tf.local_variables_initializer()
    sess = tf.Session(graph=graph)
    sess.run(init)
    return sess, seeds, fetch


def draw(sess: Any, seeds: SamplingSeeds, fetch: Any, row: np.ndarray) -> np.ndarray:
    sess.run(seeds.reset)
    return np.asarray(sess.run(fetch, {seeds.seeds: row}))


def test_categorical_bernoulli_and_normal_draws_have_their_distributions() -> None:
    probs = np.array([0.1, 0.2, 0.7], np.float32)

    def make(tf: Any, d: Any) -> Any:
        logits = tf.tile(tf.constant(np.log(probs))[None], [ROWS, 1])
        one_hot = d.OneHotCategorical(logits=logits / 1.0, dtype=tf.float32).sample()
        label = d.Categorical(logits=logits).sample()
        hits = d.Bernoulli(probs=tf.fill([ROWS, 2], 0.3), dtype=tf.float32).sample()
        normal = d.Normal(loc=tf.fill([ROWS, 2], 2.0), scale=tf.fill([ROWS, 2], 3.0)).sample()
        diag = d.MultivariateNormalDiag(
            loc=tf.fill([ROWS, 3], -1.0), scale_diag=tf.fill([ROWS, 3], 0.5)
        ).sample()
        return one_hot, label, hits, normal, diag

    sess, seeds, fetch = build(make)
    sess.run(seeds.reset)
    one_hot, label, hits, normal, diag = sess.run(fetch, {seeds.seeds: row_seeds(7, 0, ROWS)})
    assert seeds.per_row
    assert set(one_hot.sum(axis=1)) == {1.0}
    # 4,000 draws: a frequency's standard error is under 0.008.
    assert one_hot.mean(axis=0) == pytest.approx(probs, abs=0.03)
    assert np.bincount(label, minlength=3) / ROWS == pytest.approx(probs, abs=0.03)
    assert hits.mean() == pytest.approx(0.3, abs=0.03)
    assert normal.mean() == pytest.approx(2.0, abs=0.15)
    assert normal.std() == pytest.approx(3.0, abs=0.15)
    assert diag.mean() == pytest.approx(-1.0, abs=0.03)
    assert diag.std() == pytest.approx(0.5, abs=0.03)
    # The two columns of a row are not the same draw.
    assert np.corrcoef(normal[:, 0], normal[:, 1])[0, 1] == pytest.approx(0.0, abs=0.06)


def test_a_rows_draws_depend_on_its_seed_alone_and_each_step_draws_afresh() -> None:
    rows = 8

    def make(tf: Any, d: Any) -> Any:
        # A loop of 16 steps, each a draw that depends on the last (as a
        # decoder's does): the counter must give every step its own noise.
        def step(t: Any, last: Any, out: Any) -> Any:
            logits = tf.tile(tf.zeros([1, 5]), [rows, 1]) + last
            pick = d.OneHotCategorical(logits=logits, dtype=tf.float32).sample()
            return t + 1, pick * 0.01, out.write(t, pick)

        _, _, out = tf.while_loop(
            lambda t, *_: t < 16,
            step,
            [tf.constant(0), tf.zeros([rows, 5]), tf.TensorArray(tf.float32, 16)],
        )
        return tf.transpose(out.stack(), [1, 0, 2])  # [rows, steps, 5]

    sess, seeds, fetch = build(make, rows)
    base = row_seeds(3, 0, rows)
    first = draw(sess, seeds, fetch, base)
    assert np.array_equal(draw(sess, seeds, fetch, base), first), "the same seeds repeat"
    other = base.copy()
    other[2] = row_seeds(99, 0, 1)[0]
    changed = draw(sess, seeds, fetch, other)
    assert not np.array_equal(changed[2], first[2])
    assert np.array_equal(np.delete(changed, 2, axis=0), np.delete(first, 2, axis=0))
    # Rows in any order get their own draws.
    assert np.array_equal(draw(sess, seeds, fetch, base[::-1]), first[::-1])
    picks = first.argmax(axis=-1)
    assert len({tuple(p) for p in picks}) == rows, "every row its own sequence"
    assert all(len(set(p)) > 1 for p in picks), "every step a new draw"


def test_a_draw_not_made_row_by_row_falls_back_and_says_so() -> None:
    def make(tf: Any, d: Any) -> Any:
        return d.Poisson(rate=tf.fill([ROWS], 3.0)).sample()

    sess, seeds, fetch = build(make)
    first = draw(sess, seeds, fetch, row_seeds(1, 0, ROWS))
    assert not seeds.per_row
    assert np.array_equal(draw(sess, seeds, fetch, row_seeds(1, 0, ROWS)), first)
    assert first.mean() == pytest.approx(3.0, abs=0.15)


def test_row_seeds_are_distinct_across_requests_and_rows() -> None:
    seen = {int(s) for seed in range(50) for s in row_seeds(seed, 0, 64)}
    assert len(seen) == 50 * 64
    assert np.array_equal(row_seeds(5, 3, 2), row_seeds(5, 0, 5)[3:])


def test_builds_on_two_threads_leave_tfp_as_it_was() -> None:
    """A graph built on one thread while another thread's build has tfp
    patched must not leave the patch behind when both are done."""
    import threading

    import tensorflow_probability as tfp

    tf = tf1()
    cls = tfp.distributions.Distribution
    original = cls.sample
    inside = threading.Event()

    def build(wait: bool) -> None:
        with tf.Graph().as_default():
            seeds = SamplingSeeds(2)
            if not wait:
                inside.wait(5)
            with seeds.capture():
                if wait:
                    inside.set()
                    threading.Event().wait(0.2)  # the other thread starts meanwhile

    threads = [threading.Thread(target=build, args=(w,)) for w in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert cls.sample is original


@pytest.mark.parametrize(
    "name",
    ["lb-groove_2bar_hits_tiny", "lb-groove_2bar_context_tiny", "lb-groove_2bar_tempo_tiny"],
)
def test_rows_with_their_own_controls_sample_as_magentas_sampler_does(
    tiny_checkpoints: dict[str, str], name: str
) -> None:
    """bridge.engine.rows rebuilds Magenta's step-by-step sampling so that each
    row reads its own controls; given one control sequence for every row, it
    must give what Magenta's own sampler gives from the same noise. The
    context model's decoder reads its controls through a bidirectional LSTM
    first, so there a change late in a row's hits changes its early steps."""
    from bridge.engine.model import LoadedModel
    from bridge.engine.registry import get_spec

    model = LoadedModel(get_spec(name).with_checkpoint(tiny_checkpoints[name]), refine=False)
    try:
        tf = tf1()
        depth = model.converter.control_depth
        with model.graph.as_default():
            seeds = SamplingSeeds(8)
            reuse = tf.variable_scope(tf.get_variable_scope(), reuse=True)
            with seeds.capture(), reuse:
                z = tf.placeholder(tf.float32, [8, model.z_size])
                controls = tf.placeholder(tf.float32, [None, depth])
                theirs_t, _ = model._model.sample(
                    8,
                    max_length=model._max_length,
                    z=z,
                    c_input=controls,
                    temperature=model._temperature,
                )
        rng = np.random.default_rng(4)
        latents = rng.standard_normal((8, model.z_size)).astype(np.float32)
        hits = (rng.random((32, depth)) > 0.7).astype(np.float32)
        rows = row_seeds(5, 0, 8)
        feed = {z: latents, controls: hits, model._temperature: 0.7, model._max_length: 32}
        theirs = model._run(theirs_t, feed, seeds, rows)
        ours = model.decode_tensors(latents, controls=hits, temperature=0.7, seeds=rows, length=32)
        assert theirs.shape == ours.shape == (8, 32, model.converter.output_depth)
        if name == "lb-groove_2bar_hits_tiny":
            assert np.array_equal(theirs, ours)
        else:
            # Magenta's reads the one sequence as a batch of 1, ours all 8 rows
            # as one batch: the CPU's kernels round the two apart (1e-7).
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)
        # And each row reads its own: a row given other hits plays other hits.
        other = [hits] * 8
        other[3] = np.roll(hits, 4, axis=0)
        mixed = model.decode_tensors(
            latents, controls=other, temperature=0.7, seeds=rows, length=32
        )
        assert np.array_equal(np.delete(mixed, 3, axis=0), np.delete(ours, 3, axis=0))
        assert not np.array_equal(mixed[3], ours[3])
        late = [hits] * 8
        late[5] = hits.copy()
        late[5][24:] = 1.0 - late[5][24:]  # only the last 8 steps differ
        later = model.decode_tensors(latents, controls=late, temperature=0.7, seeds=rows, length=32)
        reads_ahead = not np.array_equal(later[5][:24], ours[5][:24])
        assert reads_ahead == (name != "lb-groove_2bar_hits_tiny")
    finally:
        model.close()
