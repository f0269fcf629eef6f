"""The bundled models themselves (models/), as serve loads them with no flags."""

from __future__ import annotations

from bridge.clips import Clip, Note


def ghost_note_groove() -> Clip:
    """Two bars of a backbeat with ghost snares, a pushed kick, a crash and an open hat."""
    notes = [Note(49, 0.0, 0.5, 100), Note(46, 7.5, 0.5, 90)]
    for bar in range(2):
        o = 4.0 * bar
        notes += [Note(36, o + t, 0.25, 100) for t in (0.0, 1.75, 2.5)]
        notes += [Note(38, o + t, 0.25, 110) for t in (1.0, 3.0)]
        notes += [Note(38, o + t, 0.25, 40) for t in (2.25, 3.75)]
        notes += [Note(42, o + k / 2, 0.25, 80) for k in range(8) if (bar, k) != (1, 7)]
    return Clip(notes, 8.0, name="groove")


def test_lb_drums_gives_a_beat_back_as_itself_at_full_similarity() -> None:
    """With the latent fitted to the clip, a variation at similarity 1 and the
    lowest temperature is the clip itself, hit for hit (the encoder's guess
    alone adds a snare on this one)."""
    from bridge.engine import Engine
    from bridge.zoo import resolve_model

    config, path = resolve_model("lb-drums")
    clip = ghost_note_groove()
    engine = Engine(checkpoints={config: str(path)}, device="cpu")
    try:
        out = engine.variations(config, clip, 1, similarity=1.0, temperature=0.01, seed=0)
    finally:
        engine.close()
    hits = {(round(n.start_time * 4), n.pitch) for n in clip.notes}
    assert {(round(n.start_time * 4), n.pitch) for n in out.clips[0].notes} == hits


def test_lb_groove_humanizes_a_looped_bar_without_adding_a_hit() -> None:
    """A 1-bar clip fills the 2-bar window looped; lb-groove pushes a slow
    groove's downbeats ahead of the beat, and the next pass's downbeat must
    not come back as an extra sliver of a kick at the clip's end."""
    from bridge.engine import Engine
    from bridge.zoo import resolve_model

    config, path = resolve_model("lb-groove")
    notes = [Note(36, t, 0.25, 90) for t in (0.0, 2.0)] + [
        Note(38, t, 0.25, 90) for t in (1.0, 3.0)
    ]
    notes += [Note(42, k / 2, 0.25, 90) for k in range(8)]
    clip = Clip(notes, 4.0, name="beat")
    engine = Engine(checkpoints={config: str(path)}, device="cpu")
    try:
        takes = [
            engine.humanize(config, clip, seed=seed, qpm=qpm).clips[0]
            for qpm in (70.0, 96.0)
            for seed in range(4)
        ]
    finally:
        engine.close()
    hits = sorted((round(n.start_time * 4), n.pitch) for n in notes)
    for take in takes:
        assert sorted((round(n.start_time * 4), n.pitch) for n in take.notes) == hits
        assert all(n.duration > 0.1 for n in take.notes)
    # ... and it does play off the grid: the test would pass on a quantized copy otherwise.
    assert any(n.start_time % 0.25 for take in takes for n in take.notes)
    assert max(n.start_time for take in takes for n in take.notes) < 3.75  # the last hat, 3.5


def test_lb_drums_refinement_stops_where_the_beat_comes_back() -> None:
    """A latent stops refining once a greedy decode plays its window back
    and the decoder is sure of it; one that never gets there takes every
    step. Rows refine independently: stopping one does not move another."""
    import numpy as np

    from bridge.clips import Track
    from bridge.engine import Engine
    from bridge.zoo import resolve_model

    config, path = resolve_model("lb-drums")
    rng = np.random.default_rng(7)
    rock = [Note(36, t, 0.25, 100) for t in (0.0, 2.0, 4.0, 6.0)]
    rock += [Note(38, t, 0.25, 100) for t in (1.0, 3.0, 5.0, 7.0)]
    rock += [Note(42, k / 2, 0.25, 80) for k in range(16)]
    kit = [36, 38, 42, 45, 46, 49, 50, 51]
    noise = [  # hits at random: no drummer plays this, the model cannot either
        Note(int(p), k / 4, 0.25, 90)
        for k in range(32)
        for p in rng.choice(kit, size=rng.integers(0, 4), replace=False)
    ]
    clips = [Clip(rock, 8.0), ghost_note_groove(), Clip(noise, 8.0)]
    engine = Engine(checkpoints={config: str(path)}, device="cpu")
    try:
        adapter, model = engine.adapter(config), engine.model(config)
        windows = [
            adapter.encode_window(w)
            for c in clips
            for w in engine.pipeline.windows(adapter, [Track(c, True, 0)], "clip")
        ]
        assert len(windows) == 3 and all(w is not None for w in windows)
        targets = [w.outputs for w in windows]  # type: ignore[union-attr]
        lengths = [w.length for w in windows]  # type: ignore[union-attr]
        mu = model.encode_tensors([w.inputs for w in windows], lengths, None, seed=0).mu  # type: ignore[union-attr]
        refined = model.refine(mu, targets, lengths, steps=10)
        assert refined.steps[0] < 10 and refined.steps[1] < 10 and refined.steps[2] == 10
        for row in (0, 1):
            again = model.decode_tensors(
                refined.z[row : row + 1], length=lengths[row], temperature=1e-4, seed=1
            )
            np.testing.assert_array_equal(again[0].argmax(-1), targets[row].argmax(-1))
            assert refined.loss_after[row] < 0.1 * lengths[row]
        alone = model.refine(mu[2:], targets[2:], lengths[2:], steps=10)
        np.testing.assert_allclose(refined.z[2], alone.z[0], rtol=1e-4, atol=1e-4)
        model.stop_when_exact = False
        every = model.refine(mu, targets, lengths, steps=10)
        assert every.steps.tolist() == [10, 10, 10]
        np.testing.assert_allclose(every.z[2], refined.z[2], rtol=1e-4, atol=1e-4)
    finally:
        engine.close()


def test_bundled_samples_come_from_the_fitted_prior_and_sound_like_the_data() -> None:
    """Samples from the shipped latent priors: two-bar tunes within about an
    octave (held-out tunes span 12.6 semitones; draws from N(0, I) span 35)
    and band bars that nearly all carry three instruments, most with a bass
    (held-out bars: 100% and 85%; from N(0, I): 91% and 59%)."""
    from bridge.convert import BASS_PROGRAMS
    from bridge.engine import Engine
    from bridge.zoo import resolve_model

    melody, melody_path = resolve_model("lb-melody")
    band, band_path = resolve_model("lb-multitrack")
    engine = Engine(
        checkpoints={melody: str(melody_path), band: str(band_path)},
        device="cpu",
        batch_size=64,
        refine_steps=0,
    )
    try:
        tunes = engine.sample(melody, 64, temperature=0.5, seed=0)
        bars = [engine.sample(band, 64, temperature=0.5, seed=s) for s in (0, 1)]
        assert engine.model(melody).prior is not None and engine.model(band).prior is not None
    finally:
        engine.close()
    spans = [
        max(n.pitch for n in out[0].clip.notes) - min(n.pitch for n in out[0].clip.notes)
        for out in tunes.outputs
        if out[0].clip.notes
    ]
    assert len(spans) == 64 and sum(spans) / len(spans) < 18
    playing = [[t for t in out if t.clip.notes] for gen in bars for out in gen.outputs]
    assert sum(len(tracks) >= 3 for tracks in playing) >= 0.95 * len(playing)
    with_bass = sum(any(t.program in BASS_PROGRAMS for t in tracks) for tracks in playing)
    assert with_bass >= 0.75 * len(playing)


def test_a_bass_line_through_the_melody_model_stays_a_bass_line() -> None:
    """lb-melody learned tunes around C5. A bass line (E1 to B1, fingered bass)
    sent through it comes back in its own register, played by its own
    instrument, and still a variation (it was three octaves up, as piano)."""
    import statistics

    from bridge.clips import Track
    from bridge.engine import Engine
    from bridge.ops import OpOptions, run_operation
    from bridge.zoo import resolve_model

    pitches = [28, 28, 31, 33, 35, 33, 31, 28] * 2
    bass = Clip([Note(p, i * 0.5, 0.45, 100) for i, p in enumerate(pitches)], 8.0, name="bass")
    melody, path = resolve_model("lb-melody")
    engine = Engine(checkpoints={melody: str(path)}, device="cpu")
    try:
        options = OpOptions(n=3, seed=5)
        out = run_operation(engine, melody, "variations", [Track(bass, False, 33)], options)
    finally:
        engine.close()
    given = {(round(n.start_time * 4), n.pitch) for n in bass.notes}
    for (track,) in out.outputs:
        assert track.program == 33 and not track.is_drum
        played = [n.pitch for n in track.clip.notes]
        assert abs(statistics.median(played) - statistics.median(pitches)) <= 5, played
        assert max(played) < 48, played
        assert {(round(n.start_time * 4), n.pitch) for n in track.clip.notes} != given
