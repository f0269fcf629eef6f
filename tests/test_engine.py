"""Every engine operation end to end on random-weight tiny models."""

from __future__ import annotations

import itertools
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bridge.clips import Clip, Note, TimeSignature, Track
from bridge.engine import Engine, get_spec, latent
from bridge.engine.checkpoint import resolve_checkpoint
from bridge.engine.pipeline import LATENT_CACHE_SIZE
from bridge.errors import (
    CheckpointError,
    InvalidRequestError,
    UnknownModelError,
    UnsupportedClipError,
)
from bridge.limits import REFINE_STEPS
from bridge.testing import make_random_checkpoint

DRUMS, MEL, GROOVE, MULTI = (
    "lb-drums_2bar_tiny",
    "lb-mel_2bar_tiny",
    "lb-groove_2bar_tiny",
    "lb-multitrack_1bar_tiny",
)


def beat(bars: int = 2, name: str = "beat") -> Clip:
    notes = []
    for b in range(bars):
        o = 4.0 * b
        notes += [Note(36, o, 0.25, probability=0.7), Note(38, o + 1, 0.25), Note(36, o + 2, 0.25)]
        notes += [Note(42, o + k * 0.5, 0.25, velocity=80) for k in range(8)]
    return Clip(notes, 4.0 * bars, name=name)


def tune(beats: float = 8.0, base: int = 60) -> Clip:
    steps = [0, 2, 4, 7, 9, 7, 4, 2]
    return Clip(
        [Note(base + steps[i % 8], i * 1.0, 1.0) for i in range(int(beats))], beats, name="tune"
    )


def _pitches(clips: list[Clip]) -> set[int]:
    return {n.pitch for c in clips for n in c.notes}


def test_sample_counts_lengths_and_seed(engine: Engine) -> None:
    a = engine.sample(DRUMS, 3, bars=4, seed=11)
    b = engine.sample(DRUMS, 3, bars=4, seed=11)
    c = engine.sample(DRUMS, 3, bars=4, seed=12)
    assert len(a.clips) == 3 and all(clip.length == 16.0 for clip in a.clips)
    assert a.clips == b.clips
    assert a.clips != c.clips
    assert a.seed == 11


def test_sample_without_seed_reports_the_seed_that_repeats_it(engine: Engine) -> None:
    a = engine.sample(MEL, 2, temperature=0.8)
    again = engine.sample(MEL, 2, temperature=0.8, seed=a.seed)
    assert a.clips == again.clips


def test_variations_keep_length_range_and_note_fields(engine: Engine) -> None:
    clip = beat(3)  # 12 beats: one full 2-bar window and a half one, looped
    gen = engine.variations(DRUMS, clip, 4, similarity=0.9, seed=3)
    assert len(gen.clips) == 4
    assert all(c.length == 12.0 for c in gen.clips)
    drum_pitches = set(get_spec(DRUMS).converter._pitch_class_map)
    assert _pitches(gen.clips) <= drum_pitches
    assert gen.clips == engine.variations(DRUMS, clip, 4, similarity=0.9, seed=3).clips
    # probability survives where a kick lands on a kick of the source
    carried = [n for c in gen.clips for n in c.notes if n.probability == 0.7]
    kicks = {n.start_time for n in clip.notes if n.pitch == 36}
    assert all(n.pitch == 36 and n.start_time in kicks for n in carried)


def test_melody_variations_stay_in_model_range(engine: Engine) -> None:
    gen = engine.variations(MEL, tune(16), 3, seed=5)
    lo, hi = engine.adapter(MEL).pitch_range() or (0, 127)
    assert all(c.length == 16.0 for c in gen.clips)
    assert all(lo <= p <= hi for p in _pitches(gen.clips))
    # monophonic: no two notes start together
    for c in gen.clips:
        starts = [n.start_time for n in c.notes]
        assert len(starts) == len(set(starts))


def test_short_clip_is_looped_to_a_window_and_cut_back(engine: Engine) -> None:
    one_bar = beat(1)
    gen = engine.variations(DRUMS, one_bar, 2, seed=1)
    assert all(c.length == 4.0 and all(n.start_time < 4.0 for n in c.notes) for c in gen.clips)


@pytest.mark.parametrize("method", ["slerp", "linear"])
def test_interpolate(engine: Engine, method: str) -> None:
    gen = engine.interpolate(MEL, tune(8, 60), tune(8, 67), 5, method=method, seed=2)
    assert len(gen.clips) == 5
    assert all(c.length == 8.0 for c in gen.clips)
    assert (
        gen.clips
        == engine.interpolate(MEL, tune(8, 60), tune(8, 67), 5, method=method, seed=2).clips
    )


def test_blend_and_grid(engine: Engine) -> None:
    corners = [beat(2, f"c{i}") for i in range(4)]
    one = engine.blend(DRUMS, corners, 0.25, 0.75, seed=9)
    assert len(one.clips) == 1 and one.clips[0].length == 8.0
    grid = engine.blend_grid(DRUMS, corners, 3, 2, seed=9)
    assert len(grid.clips) == 6
    with pytest.raises(InvalidRequestError):
        engine.blend(DRUMS, corners[:3], 0.5, 0.5)
    with pytest.raises(InvalidRequestError):
        engine.blend(DRUMS, corners, 1.5, 0.5)


def test_humanize_changes_timing_or_velocity_only_around_the_grid(engine: Engine) -> None:
    clip = beat(2)
    gen = engine.humanize(GROOVE, clip, seed=4)
    out = gen.clips[0]
    assert out.length == 8.0
    # offsets are at most half a 16th step either side of the grid
    for n in out.notes:
        step = round(n.start_time * 4) / 4
        assert abs(n.start_time - step) <= 0.125 + 1e-6
    assert gen.clips == engine.humanize(GROOVE, clip, seed=4).clips
    with pytest.raises(InvalidRequestError):
        engine.humanize(DRUMS, clip)


HITS = "lb-groove_2bar_hits_tiny"


def test_humanize_with_hits_model_keeps_every_note(engine: Engine) -> None:
    # Random weights: only the hits the decoder reads decide which notes come out.
    clip = beat(4)
    gen = engine.humanize(HITS, clip, seed=2)
    out = gen.clips[0]
    assert out.length == clip.length
    played = sorted((round(n.start_time * 4), n.pitch) for n in out.notes)
    assert played == sorted((round(n.start_time * 4), n.pitch) for n in clip.notes)
    assert all(abs(n.start_time - round(n.start_time * 4) / 4) <= 0.125 + 1e-6 for n in out.notes)

    # Temperature draws other takes of the same notes; a seed repeats one.
    def take(seed: int, temperature: float) -> list[tuple[float, int]]:
        gen = engine.humanize(HITS, clip, temperature=temperature, seed=seed)
        return sorted((n.start_time, n.velocity) for n in gen.clips[0].notes)

    assert take(5, 1.0) == take(5, 1.0)
    assert take(5, 1.0) != take(6, 1.0)

    def spread(temperature: float) -> float:
        a, b = np.array(take(5, temperature)), np.array(take(6, temperature))
        return float(np.abs(a - b)[:, 1].mean())

    assert spread(0.01) < spread(1.0) / 4
    # Variations of a groove on this model vary the playing, not the notes:
    # none is played as the input is, nor as another (the clip's feel is not
    # carried over them, which made every one a copy of the input).
    gen = engine.variations(HITS, clip, 3, seed=3)
    playings = {tuple(sorted((n.pitch, n.start_time, n.velocity) for n in clip.notes))}
    for var in gen.clips:
        assert sorted((round(n.start_time * 4), n.pitch) for n in var.notes) == played
        playings.add(tuple(sorted((n.pitch, n.start_time, n.velocity) for n in var.notes)))
    assert len(playings) == 4 and gen.params["feel"] is False
    assert gen.params["redraws"] == 0


def test_humanize_plays_a_clip_with_silent_bars(engine: Engine) -> None:
    """A window with no notes has no hits to read: it stays silent, and the
    windows around it are played (this once failed the whole request)."""
    clip = Clip([Note(36, 0.0, 0.25, 100), Note(38, 9.0, 0.25, 90)], 16.0)
    out = engine.humanize(HITS, clip, seed=1).clips[0]
    assert out.length == 16.0
    assert sorted((round(n.start_time * 4), n.pitch) for n in out.notes) == [(0, 36), (36, 38)]


def test_keep_hits_replaces_only_the_hit_columns() -> None:
    from bridge.engine.engine import keep_hits

    rng = np.random.default_rng(0)
    tensors = rng.random((1, 4, 27)).astype(np.float32)
    hits = np.zeros((3, 9), bool)
    hits[0, 0] = hits[2, 8] = True
    kept = keep_hits(tensors, hits)
    assert kept[0, :3, :9].tolist() == hits.astype(np.float32).tolist()
    assert not kept[0, 3, :9].any()  # past the control: no hits
    np.testing.assert_array_equal(kept[..., 9:], tensors[..., 9:])
    other = rng.random((1, 4, 10))  # not three values per drum: unchanged
    assert keep_hits(other, hits) is other
    # Controls with more columns after the hits (a tempo): only the hits count.
    tempo = np.concatenate([hits, np.ones((3, 10), bool)], axis=1)
    np.testing.assert_array_equal(keep_hits(tensors, tempo), kept)


def test_multitrack_as_many_tracks_out_as_in(engine: Engine) -> None:
    scene = [
        Track(tune(4, 72), False, 0),
        Track(Clip([Note(36, 0, 1), Note(43, 2, 1)], 4, name="bass"), False, 33),
        Track(beat(1), True, 0),
    ]
    gen = engine.multitrack(MULTI, scene, 2, seed=8)
    assert len(gen.outputs) == 2
    for out in gen.outputs:
        assert [(t.is_drum, t.program) for t in out] == [(False, 0), (False, 33), (True, 0)]
        assert all(t.clip.length == 4.0 for t in out)
    with pytest.raises(InvalidRequestError):
        engine.multitrack(DRUMS, scene)


def _scene(pitch: int, keys_program: int) -> list[Track]:
    return [
        Track(beat(2), True, 0),
        Track(Clip([Note(36, 0, 1), Note(43, 2, 1), Note(38, 4, 1)], 8, name="bass"), False, 33),
        Track(tune(8, pitch), False, keys_program),
    ]


def test_band_models_interpolate_blend_and_grid_whole_scenes(engine: Engine) -> None:
    """A band model moves every part of a scene together, in one latent: the
    results play the first scene's parts, then the instruments only a later
    scene has (a second keys part here), never more than the model takes."""
    a, b = _scene(60, 0), _scene(67, 16)
    gen = engine.interpolate(MULTI, a, b, 3, seed=4)
    assert len(gen.outputs) == 3 and gen.params["scenes"]
    for out in gen.outputs:
        assert [(t.is_drum, t.program) for t in out] == [
            (True, 0),
            (False, 33),
            (False, 0),
            (False, 16),
        ]
        assert all(t.clip.length == 8.0 for t in out)
    assert engine.interpolate(MULTI, a, b, 3, seed=4).outputs == gen.outputs, "seeded: repeatable"
    corners = [a, b, _scene(64, 0), _scene(62, 0)]
    blend = engine.blend(MULTI, corners, 0.5, 0.25, seed=2)
    assert len(blend.outputs) == 1 and len(blend.outputs[0]) == 4
    grid = engine.blend_grid(MULTI, corners, 2, 3, seed=2)
    assert len(grid.outputs) == 6
    assert all([t.program for t in out] == [0, 33, 0, 16] for out in grid.outputs)
    # A one-part model is refused a scene, and told why.
    with pytest.raises(UnsupportedClipError, match="takes one part, got a scene of 3"):
        engine.interpolate(MEL, a, b, 3)
    # A lone clip is one part to a band model.
    assert len(engine.interpolate(MULTI, tune(4), tune(4, 67), 2, seed=1).outputs[0]) == 1


def test_tar_checkpoint_restores_like_a_directory(tmp_path: Path) -> None:
    cfg = get_spec(DRUMS).config
    archive = make_random_checkpoint(cfg, tmp_path / "t", seed=1, as_tar=True)
    directory = make_random_checkpoint(cfg, tmp_path / "d", seed=1)
    assert tarfile.is_tarfile(archive)
    clip = beat(2)
    gens = []
    for ckpt in (archive, directory.parent):
        eng = Engine(device="cpu", batch_size=4, checkpoints={DRUMS: str(ckpt)})
        gens.append(eng.variations(DRUMS, clip, 2, seed=1).clips)
        eng.close()
    assert gens[0] == gens[1]


# -- clear errors ---------------------------------------------------------------


def test_empty_clip(engine: Engine) -> None:
    with pytest.raises(UnsupportedClipError, match=r"no .*notes"):
        engine.variations(DRUMS, Clip((), 8.0))


def test_three_four_clip_on_four_four_model(engine: Engine) -> None:
    waltz = Clip([Note(36, 0, 0.25)], 6.0, TimeSignature(3, 4))
    with pytest.raises(UnsupportedClipError, match="3/4"):
        engine.variations(DRUMS, waltz)


def test_pitches_outside_model_range(engine: Engine) -> None:
    with pytest.raises(UnsupportedClipError, match="outside the range"):
        engine.variations(MEL, Clip([Note(120, 0, 1)], 8.0))
    with pytest.raises(UnsupportedClipError, match="drum"):
        engine.variations(DRUMS, Clip([Note(5, 0, 1)], 8.0))


def test_unknown_model(engine: Engine) -> None:
    with pytest.raises(UnknownModelError, match="unknown model 'nope'"):
        engine.sample("nope")


def test_bad_parameters(engine: Engine) -> None:
    with pytest.raises(InvalidRequestError):
        engine.sample(DRUMS, 0)
    with pytest.raises(InvalidRequestError):
        engine.sample(DRUMS, 1, temperature=float("nan"))
    with pytest.raises(InvalidRequestError):
        engine.variations(DRUMS, beat(), similarity=2.0)


def test_missing_checkpoint(tmp_path: Path) -> None:
    eng = Engine(device="cpu", checkpoints={DRUMS: str(tmp_path / "absent")})
    with pytest.raises(CheckpointError, match="not found"):
        eng.sample(DRUMS)
    eng2 = Engine(device="cpu")
    with pytest.raises(CheckpointError, match="no checkpoint"):
        eng2.sample("cat-drums_2bar_small")


def test_corrupt_checkpoints(tmp_path: Path, tiny_checkpoints: dict[str, str]) -> None:
    bad_tar = tmp_path / "bad.tar"
    bad_tar.write_bytes(b"not a tar at all" * 100)
    with pytest.raises(CheckpointError):
        resolve_checkpoint(bad_tar)
    # a real checkpoint whose data file is garbage
    prefix = Path(make_random_checkpoint(get_spec(DRUMS).config, tmp_path / "c"))
    data = next(prefix.parent.glob(prefix.name + ".data-*"))
    data.write_bytes(b"\0" * 64)
    eng = Engine(device="cpu", checkpoints={DRUMS: str(prefix)})
    with pytest.raises(CheckpointError, match="checkpoint"):
        eng.sample(DRUMS)
    # a checkpoint of another model
    eng = Engine(device="cpu", checkpoints={DRUMS: tiny_checkpoints[MEL]})
    with pytest.raises(CheckpointError, match=r"does not match|other layer sizes"):
        eng.sample(DRUMS)


def test_latent_math() -> None:
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    mid = latent.slerp(a, b, 0.5)
    assert np.isclose(np.linalg.norm(mid), 1.0)
    assert np.allclose(latent.lerp(a, b, 0.5), [0.5, 0.5])
    path = latent.interpolate(a, b, 3)
    assert np.allclose(path[0], a) and np.allclose(path[-1], b)
    corners = [np.array([float(i)]) for i in range(4)]
    assert latent.bilinear(corners, 0, 0)[0] == 0 and latent.bilinear(corners, 1, 1)[0] == 3
    assert np.allclose(latent.vary(a, b, 1.0), a) and np.allclose(latent.vary(a, b, 0.0), b)


def test_similarity_moves_further_the_lower_it_is() -> None:
    """The calibrated knob: 1 keeps the latent, 0 is the random one, and every
    step down moves further (the curve is measured; its shape is in latent.py)."""
    knob = np.linspace(0.0, 1.0, 101)
    fractions = [latent.distance(float(s)) for s in knob]
    assert fractions[0] == 1.0 and fractions[-1] == 0.0
    assert all(a > b for a, b in itertools.pairwise(fractions))
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    angles = [float(np.arctan2(*latent.vary(a, b, float(s))[::-1])) for s in knob]
    assert all(x > y for x, y in itertools.pairwise(angles))


def test_threads_share_a_model(engine: Engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda s: engine.sample(DRUMS, 2, seed=s).clips, [1, 2, 1, 2]))
    assert results[0] == results[2] and results[1] == results[3]


def test_seeded_decoding_repeats_exactly(engine: Engine) -> None:
    # Repeated runs of one graph: the per-step seeds must not depend on how the
    # decoder loop's iterations happen to be scheduled.
    model = engine.model(MULTI)
    z = np.random.default_rng(0).standard_normal((4, model.z_size)).astype(np.float32)
    first = model.decode_tensors(z, temperature=1.0, seed=5)
    for _ in range(10):
        assert np.array_equal(model.decode_tensors(z, temperature=1.0, seed=5), first)


def test_huge_clip_is_refused_clearly(engine: Engine) -> None:
    bars = 300
    notes = [Note(36, 4.0 * b, 0.25) for b in range(bars)]
    with pytest.raises(UnsupportedClipError, match=r"too long \(1200 beats; at most 1024, 256"):
        engine.variations(DRUMS, Clip(notes, 4.0 * bars))


def test_scene_with_a_silent_track(engine: Engine) -> None:
    scene = [Track(tune(4, 72), False, 0), Track(Clip((), 4.0, name="empty"), False, 33)]
    gen = engine.multitrack(MULTI, scene, 1, seed=2)
    assert [t.program for t in gen.outputs[0]] == [0, 33]


def test_every_bar_of_a_scene_encodes_even_where_training_would_skip_it() -> None:
    """Training keeps bars of two or more parts that fit 62 events a part;
    a scene's bar with one part, or busy hi-hats, must still be varied, not
    handed back unchanged as if it were silent."""
    from bridge.convert import tracks_to_sequence
    from bridge.engine.adapters import Adapter

    spec = get_spec(MULTI)
    hats = Clip([Note(42, i / 8, 0.1, 40 + 10 * (i % 8)) for i in range(32)], 4.0)
    bass = Clip([Note(36, 0, 1), Note(43, 2, 1)], 4.0)
    lone = [Track(hats, True, 0)]
    busy = [Track(hats, True, 0), Track(bass, False, 33)]
    for scene in (lone, busy):
        assert not spec.converter.to_tensors(tracks_to_sequence(scene)).inputs  # training's view
        window = Adapter(spec).encode_window(scene)
        assert window is not None
        first = spec.converter._performance_encoding.num_classes
        slots = window.inputs.reshape(-1, 64, window.inputs.shape[-1])
        heads = [int(np.argmax(slot[0])) - first for slot in slots[: len(scene)]]
        assert sorted(heads) == sorted(128 if t.is_drum else t.program for t in scene)


def _windows_of(engine: Engine, name: str, clip_tracks: list[Track]) -> list[object]:
    adapter = engine.adapter(name)
    return [adapter.encode_window(w) for w in engine.pipeline.windows(adapter, clip_tracks, "clip")]


@pytest.fixture(scope="module")
def refining(tiny_checkpoints: dict[str, str]):  # type: ignore[no-untyped-def]
    """An engine told to refine every model (the multitrack one is off by default)."""
    eng = Engine(device="cpu", batch_size=4, checkpoints=tiny_checkpoints, refine_steps=20)
    yield eng
    eng.close()


@pytest.mark.parametrize("name", [DRUMS, MEL, MULTI])
def test_refine_fits_each_latent_to_its_own_clip(refining: Engine, name: str) -> None:
    """Refinement lowers every window's reconstruction loss, leaves the latent
    alone at 0 steps, and treats each window on its own: a window's refined
    latent does not depend on which other windows share its batch."""
    engine = refining
    spec = get_spec(name)
    if name == MULTI:
        tracks = [Track(beat(4), True, 0), Track(tune(16.0, 40), False, 33)]
    elif name == DRUMS:
        tracks = [Track(beat(6), True, 0)]
    else:
        tracks = [Track(tune(24.0), False, 0)]
    loaded = engine.model(name)
    windows = [w for w in _windows_of(engine, name, tracks) if w is not None]
    assert len(windows) >= 3 and spec.bars * 16 >= 16
    enc = loaded.encode_tensors(
        [w.inputs for w in windows],
        [w.length for w in windows],
        None,
        seed=0,  # type: ignore[attr-defined]
    )
    targets = [w.outputs for w in windows]  # type: ignore[attr-defined]
    lengths = [w.length for w in windows]  # type: ignore[attr-defined]
    same = loaded.refine(enc.mu, targets, lengths, steps=0)
    assert np.array_equal(same.z, enc.mu)
    refined = loaded.refine(enc.mu, targets, lengths, steps=15)
    assert refined.z.shape == enc.mu.shape
    assert np.all(refined.loss_after < refined.loss_before)
    assert not np.allclose(refined.z, enc.mu)
    # More windows than the batch of 4, then the first window alone (padded).
    alone = loaded.refine(enc.mu[:1], targets[:1], lengths[:1], steps=15)
    np.testing.assert_allclose(alone.z[0], refined.z[0], rtol=1e-4, atol=1e-4)


def test_engine_refines_clips_except_for_humanizing(
    engine: Engine, refining: Engine, tiny_checkpoints: dict[str, str]
) -> None:
    plain = Engine(device="cpu", batch_size=4, checkpoints=tiny_checkpoints, refine_steps=0)
    try:
        # By default: the 2-bar drum and melody models, not a multi-instrument
        # bar (256 decoder steps) nor groove; told to, every model but groove.
        steps = {m: engine.refine_steps_for(get_spec(m)) for m in (DRUMS, MEL, MULTI, GROOVE)}
        assert steps == {DRUMS: REFINE_STEPS, MEL: REFINE_STEPS, MULTI: 0, GROOVE: 0}
        assert refining.refine_steps_for(get_spec(MULTI)) == 20
        assert refining.refine_steps_for(get_spec(GROOVE)) == 0
        assert not engine.model(MULTI).can_refine and engine.model(DRUMS).can_refine
        clip = beat(2)
        windows = [[Track(clip, True, 0)]]
        refined, _ = engine.pipeline.encode(engine.adapter(DRUMS), engine.model(DRUMS), windows, 5)
        guessed, _ = plain.pipeline.encode(plain.adapter(DRUMS), plain.model(DRUMS), windows, 5)
        assert not np.allclose(refined, guessed)
        # Humanizing must not pull the playing back onto the quantized input.
        for model in (GROOVE, HITS):
            assert (
                refining.humanize(model, clip, seed=3).clips
                == plain.humanize(model, clip, seed=3).clips
            )
    finally:
        plain.close()
    with pytest.raises(InvalidRequestError, match="refine steps"):
        Engine(refine_steps=-1)


def test_inference_never_drops_notes_of_the_clip() -> None:
    """Magenta's tap config drops random input notes as training augmentation
    (with numpy's global generator); a clip must encode the same every time."""
    from bridge.engine.adapters import Adapter

    adapter = Adapter(get_spec("groovae_2bar_tap_fixed_velocity_note_dropout"))
    window = [Track(beat(2), True, 0)]
    first = adapter.encode_window(window)
    assert first is not None
    for _ in range(5):
        again = adapter.encode_window(window)
        assert again is not None and np.array_equal(again.inputs, first.inputs)


def test_a_clip_sent_again_is_not_encoded_again_and_gives_the_same_music(
    tiny_checkpoints: dict[str, str],
) -> None:
    """The latent cache: the second request on a clip skips encoding and
    refinement, a looped window is encoded once, and every result equals
    that of an engine that remembers nothing."""
    cached = Engine(device="cpu", batch_size=4, checkpoints=tiny_checkpoints, latent_cache=3)
    fresh = Engine(device="cpu", batch_size=4, checkpoints=tiny_checkpoints, latent_cache=0)
    try:
        loaded = cached.model(DRUMS)
        encoded: list[int] = []
        encode = loaded.encode_tensors

        def counting(inputs, *args, **kwargs):  # type: ignore[no-untyped-def]
            encoded.append(len(inputs))
            return encode(inputs, *args, **kwargs)

        loaded.encode_tensors = counting  # type: ignore[method-assign]
        two_bars, other = beat(2), beat(2, "other")
        other = Clip((*other.notes, Note(46, 3.5, 0.25, 90)), other.length)
        looped = Clip(two_bars.notes, 8.0)  # the same two bars, four times over
        for clip, seed, windows in ((two_bars, 1, 1), (two_bars, 2, 0), (looped, 3, 0)):
            got = cached.variations(DRUMS, clip, 2, seed=seed).clips
            assert got == fresh.variations(DRUMS, clip, 2, seed=seed).clips
            assert encoded == ([windows] if windows else [])
            encoded.clear()
        blended = cached.blend(DRUMS, [two_bars, other, two_bars, other], 0.3, 0.6, seed=4)
        assert encoded == [1]  # only the new clip, once
        corners = [two_bars, other, two_bars, other]
        assert blended.clips == fresh.blend(DRUMS, corners, 0.3, 0.6, seed=4).clips
        assert len(cached.pipeline._latents[loaded]) == 2
        # Bounded: the oldest windows are forgotten first.
        for k in range(4):
            cached.variations(DRUMS, Clip((Note(36, k * 0.25, 0.25, 100),), 8.0), 1, seed=0)
        assert len(cached.pipeline._latents[loaded]) == 3
        encoded.clear()
        cached.variations(DRUMS, two_bars, 1, seed=0)
        assert encoded == [1]
    finally:
        cached.close()
        fresh.close()


def run_together(engine: Engine, model: str, calls: list[Any]) -> list[Any]:
    """Each of ``calls`` on a thread of its own, all in ``model``'s group
    (as the server's worker runs requests), started at one moment."""
    import threading

    out: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(k: int) -> None:
        with engine.together(model):
            start.wait()
            out[k] = calls[k]()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_requests_run_together_share_encoding_and_give_what_they_give_alone(
    engine: Engine,
) -> None:
    """Variations of several new clips on threads of one group: one merged
    encoder and refinement run, the same seeded results as one at a time."""

    from tests.factories import drum_clip

    model = "lb-drums_2bar_tiny"
    clips = [drum_clip(k) for k in range(4)]
    engine.pipeline.cache_size = 0  # every clip is new each time
    try:
        alone = [engine.variations(model, c, 2, seed=10 + k).clips for k, c in enumerate(clips)]
        coalescer = engine.pipeline.coalescer(engine.model(model))
        before = coalescer.merged
        together = run_together(
            engine,
            model,
            [
                lambda k=k, c=c: engine.variations(model, c, 2, seed=10 + k).clips
                for k, c in enumerate(clips)
            ],
        )
        assert coalescer.merged > before
        assert [[c.notes for c in out] for out in together] == [
            [c.notes for c in out] for out in alone
        ]
    finally:
        engine.pipeline.cache_size = LATENT_CACHE_SIZE


def test_drum_requests_run_together_share_decoding_and_the_groove_model(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drum variations on threads of one group decode in merged runs, and the
    groove model that plays their new hits encodes and decodes them all
    together too; every request still gets exactly what it gets alone."""

    from tests.factories import drum_clip

    model, groove = "lb-drums_2bar_tiny", "lb-groove_2bar_hits_tiny"
    monkeypatch.setattr(engine, "groove", groove)
    monkeypatch.setattr(engine.pipeline, "cache_size", 0)
    clips = [drum_clip(k) for k in range(4)]
    alone = [engine.variations(model, c, 3, seed=20 + k).clips for k, c in enumerate(clips)]
    drums = engine.pipeline.coalescer(engine.model(model))
    grooves = engine.pipeline.coalescer(engine.model(groove))
    before = (
        drums.merged_in["decode"],
        grooves.merged_in["posterior"],
        grooves.merged_in["decode"],
    )
    together = run_together(
        engine,
        model,
        [
            lambda k=k, c=c: engine.variations(model, c, 3, seed=20 + k).clips
            for k, c in enumerate(clips)
        ],
    )
    after = (drums.merged_in["decode"], grooves.merged_in["posterior"], grooves.merged_in["decode"])
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
    assert [[c.notes for c in out] for out in together] == [[c.notes for c in out] for out in alone]


def test_seeded_samples_run_together_share_one_decoder_run(engine: Engine) -> None:

    model = "lb-mel_2bar_tiny"
    alone = [engine.sample(model, 3, bars=4, seed=40 + k).outputs for k in range(3)]
    coalescer = engine.pipeline.coalescer(engine.model(model))
    before = coalescer.merged_in["decode"]
    together = run_together(
        engine,
        model,
        [lambda k=k: engine.sample(model, 3, bars=4, seed=40 + k).outputs for k in range(3)],
    )
    assert coalescer.merged_in["decode"] > before
    assert together == alone
