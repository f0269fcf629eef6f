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
