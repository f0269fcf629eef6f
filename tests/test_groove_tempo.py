"""A groove model told the song's tempo (bridge.engine.groove): the converter's
tempo controls, and the tempo reaching it from every operation."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.clips import Clip, Note, Track
from bridge.convert import clip_to_sequence, sequence_at_tempo
from bridge.engine import Engine, get_spec
from bridge.errors import InvalidClipError, InvalidRequestError

TEMPO_GROOVE = "lb-groove_2bar_tempo_tiny"
CONTEXT_GROOVE = "lb-groove_2bar_context_tiny"
DRUMS = "lb-drums_2bar_tiny"


def beat(bars: int = 2) -> Clip:
    notes = []
    for b in range(bars):
        o = 4.0 * b
        notes += [Note(36, o, 0.25, 100), Note(38, o + 1, 0.25, 100), Note(36, o + 2.5, 0.25, 100)]
        notes += [Note(38, o + 3, 0.25, 100)]
        notes += [Note(42, o + k * 0.5, 0.25, 100) for k in range(8)]
    return Clip(notes, 4.0 * bars)


def played(clip: Clip) -> list[tuple[float, int, float]]:
    return sorted((round(n.start_time, 5), n.pitch, n.velocity) for n in clip.notes)


def test_tempo_bits_are_a_thermometer() -> None:
    from bridge.engine.groove import TEMPO_MARKS, tempo_bits

    assert not tempo_bits(40).any()
    assert tempo_bits(400).all()
    assert tempo_bits(95).tolist() == [m <= 95 for m in TEMPO_MARKS]
    # neighbouring tempos share every bit but the marks between them
    assert (tempo_bits(99) != tempo_bits(101)).sum() == 1
    assert tempo_bits(TEMPO_MARKS[3])[3] and not tempo_bits(TEMPO_MARKS[3] - 0.01)[3]


def test_sequence_at_tempo_keeps_the_beats() -> None:
    clip = beat(1)
    seq = clip_to_sequence(clip, is_drum=True)
    slow = sequence_at_tempo(seq, 60.0)
    assert slow.tempos[0].qpm == 60.0 and len(slow.tempos) == 1
    assert slow.total_time == pytest.approx(2 * seq.total_time)
    for a, b in zip(seq.notes, slow.notes, strict=True):
        assert b.start_time == pytest.approx(2 * a.start_time)
        assert (a.pitch, a.velocity) == (b.pitch, b.velocity)
    assert seq.tempos[0].qpm == 120.0  # the original is untouched
    with pytest.raises(InvalidClipError):
        sequence_at_tempo(seq, 5.0)


def test_the_converter_adds_the_sequence_s_tempo_to_every_step() -> None:
    from bridge.engine.groove import TEMPO_MARKS, tempo_bits
    from bridge.train.data import training_converter

    tempo = training_converter(get_spec(TEMPO_GROOVE))
    tempo.set_mode("eval")  # in training the tempo is jittered (the next test)
    plain = training_converter(get_spec(CONTEXT_GROOVE))
    assert tempo.control_depth == plain.control_depth + len(TEMPO_MARKS)
    seq = clip_to_sequence(beat(2), is_drum=True)
    for qpm in (72.0, 120.0, 171.0):
        at = sequence_at_tempo(seq, qpm)
        got, hits = tempo.to_tensors(at), plain.to_tensors(at)
        (controls,) = got.controls
        assert controls.dtype == bool and controls.shape == (32, tempo.control_depth)
        # the hits first, as the plain converter has them; then the tempo, every step
        np.testing.assert_array_equal(controls[:, : plain.control_depth], hits.controls[0])
        np.testing.assert_array_equal(
            controls[:, plain.control_depth :], np.tile(tempo_bits(qpm), (32, 1))
        )
        np.testing.assert_array_equal(got.inputs[0], hits.inputs[0])
        np.testing.assert_array_equal(got.outputs[0], hits.outputs[0])


def test_training_windows_start_every_bar() -> None:
    from bridge.train.data import training_converter

    seq = clip_to_sequence(beat(4), is_drum=True)
    assert len(training_converter(get_spec(TEMPO_GROOVE)).to_tensors(seq).inputs) == 3
    assert len(training_converter(get_spec(CONTEXT_GROOVE)).to_tensors(seq).inputs) == 2


def test_a_window_with_a_silent_bar_keeps_its_tempo_in_the_padding() -> None:
    from bridge.engine.adapters import Adapter
    from bridge.engine.groove import tempo_bits

    adapter = Adapter(get_spec(TEMPO_GROOVE)).at_tempo(84.0)
    one_bar = Clip([n for n in beat(1).notes], 8.0)  # the second bar is silent
    enc = adapter.encode_window([Track(one_bar, True, 0)])
    assert enc is not None and enc.controls.shape[0] == 32
    np.testing.assert_array_equal(enc.controls[:, 9:], np.tile(tempo_bits(84.0), (32, 1)))
    assert not enc.controls[16:, :9].any()  # no hits in the silent bar


def test_at_tempo_is_a_copy_for_the_request() -> None:
    from bridge.engine.adapters import Adapter

    adapter = Adapter(get_spec(TEMPO_GROOVE))
    assert adapter.reads_tempo and adapter.qpm == 120.0
    slow = adapter.at_tempo(70.0)
    assert slow.qpm == 70.0 and adapter.qpm == 120.0 and slow.converter is adapter.converter
    assert adapter.at_tempo(120.0) is adapter
    assert not Adapter(get_spec(CONTEXT_GROOVE)).reads_tempo


@pytest.fixture(scope="module")
def tempo_engine(tiny_checkpoints: dict[str, str]):  # type: ignore[no-untyped-def]
    eng = Engine(device="cpu", batch_size=4, checkpoints=tiny_checkpoints, groove=TEMPO_GROOVE)
    yield eng
    eng.close()


def test_humanize_plays_to_the_tempo_it_is_told(tempo_engine: Engine) -> None:
    clip = beat(2)

    def take(model: str, qpm: float | None) -> list[tuple[float, int, float]]:
        return played(tempo_engine.humanize(model, clip, seed=3, qpm=qpm).clips[0])

    # Random weights: the tempo bits the model reads move its output.
    assert take(TEMPO_GROOVE, 70.0) != take(TEMPO_GROOVE, 160.0)
    assert take(TEMPO_GROOVE, 70.0) == take(TEMPO_GROOVE, 70.0)
    assert take(TEMPO_GROOVE, None) == take(TEMPO_GROOVE, 120.0)  # unset is 120
    # Every note is kept at any tempo: the tempo changes how, never which.
    notes = {(round(n.start_time * 4), n.pitch) for n in clip.notes}
    assert {(round(t * 4), p) for t, p, _ in take(TEMPO_GROOVE, 181.0)} == notes
    # A model that does not read the tempo plays the same at any.
    assert take(CONTEXT_GROOVE, 70.0) == take(CONTEXT_GROOVE, 160.0)
    gen = tempo_engine.humanize(TEMPO_GROOVE, clip, seed=3, qpm=92.5)
    assert gen.params["qpm"] == 92.5
    for bad in (10.0, 401.0, float("nan")):
        with pytest.raises(InvalidRequestError, match="qpm"):
            tempo_engine.humanize(TEMPO_GROOVE, clip, qpm=bad)


def test_new_drum_hits_are_played_at_the_request_s_tempo(tempo_engine: Engine) -> None:
    """The groove model that plays a drum variation's new hits reads the
    variation's tempo; the hits themselves do not depend on it."""
    clip = beat(2)

    def outputs(qpm: float) -> list[list[tuple[float, int, float]]]:
        gen = tempo_engine.variations(DRUMS, clip, 3, similarity=0.3, seed=5, qpm=qpm)
        assert gen.params["qpm"] == qpm
        return [played(c) for c in gen.clips]

    slow, fast = outputs(70.0), outputs(160.0)
    assert [{(round(t * 4), p) for t, p, _ in o} for o in slow] == [
        {(round(t * 4), p) for t, p, _ in o} for o in fast
    ]
    assert slow != fast
    assert outputs(70.0) == slow


def test_training_windows_are_told_their_tempo_give_or_take_8_percent() -> None:
    from bridge.engine.groove import tempo_bits
    from bridge.train.data import training_converter

    conv = training_converter(get_spec(TEMPO_GROOVE))
    seq = sequence_at_tempo(clip_to_sequence(beat(16), is_drum=True), 125.0)
    np.random.seed(0)
    told = {tuple(c[0, 9:]) for _ in range(5) for c in conv.to_tensors(seq).controls}
    # 120 and 130 are marks: 125 +- 8% crosses either or neither, never further
    allowed = {tuple(tempo_bits(q)) for q in (115.0, 125.0, 134.0)}
    assert told == allowed
    # At inference the tempo is the request's, always.
    from bridge.engine.adapters import Adapter

    adapter = Adapter(get_spec(TEMPO_GROOVE)).at_tempo(125.0)
    for _ in range(5):
        enc = adapter.encode_window([Track(beat(2), True, 0)])
        assert enc is not None
        assert (enc.controls[:, 9:] == tempo_bits(125.0)).all()
