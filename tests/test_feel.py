"""Variations keep the input's feel, and never come back as a copy."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from bridge.clips import Clip, Note, Track
from bridge.convert import without_overlaps
from bridge.engine import Engine
from bridge.feel import carry_feel, hit_set

DRUMS = "lb-drums_2bar_tiny"


def played_beat() -> Clip:
    """Two bars with accents, ghost notes and a late snare: a drummer's, not a grid's."""
    notes = []
    for bar in range(2):
        o = bar * 4.0
        notes += [Note(36, o + 0.0, 0.25, 118), Note(36, o + 2.5, 0.25, 96)]
        notes += [Note(38, o + 1.03, 0.25, 112), Note(38, o + 3.03, 0.25, 108)]
        notes += [Note(38, o + 1.75, 0.25, 34)]  # a ghost note
        hats = [(o + k * 0.5 - 0.01, 90 if k % 2 == 0 else 56) for k in range(8)]
        notes += [Note(42, max(0.0, t), 0.25, v) for t, v in hats]
    return Clip(notes, 8.0, name="played")


def grid(clip: Clip) -> Clip:
    """The model's view of a clip: every hit on the grid at velocity 80, pitch by class."""
    canonical = {36: 36, 38: 38, 42: 42}
    return clip.with_notes(
        Note(canonical.get(n.pitch, n.pitch), round(n.start_time * 4) / 4, 0.25, 80)
        for n in clip.notes
    )


def test_kept_hits_are_the_input_s_notes_and_new_hits_get_its_feel() -> None:
    beat = played_beat()
    model_out = grid(beat).with_notes([*grid(beat).notes, Note(42, 2.25, 0.25, 80)])
    out = carry_feel(beat, model_out, drums=True)
    by_start = {(n.pitch, n.start_time): n for n in out.notes}
    for n in beat.notes:  # every kept hit is the input note itself
        kept = by_start[(n.pitch, n.start_time)]
        assert kept.velocity == n.velocity and kept.duration == n.duration
    (new,) = [n for n in out.notes if round(n.start_time * 4) == 9]
    # A closed hat on the second 16th of a beat: the input plays none there,
    # so the hats' mean velocity and the hats' mean push (early) apply.
    hats = [n for n in beat.notes if n.pitch == 42]
    assert new.velocity == pytest.approx(sum(n.velocity for n in hats) / len(hats))
    push = sum(n.start_time - round(n.start_time * 4) / 4 for n in hats) / len(hats)
    assert push < 0 and new.start_time == pytest.approx(2.25 + push)
    assert len({n.velocity for n in out.notes}) > 3  # not one flat velocity


def test_melody_notes_keep_theirs_and_new_ones_get_the_median() -> None:
    tune = Clip([Note(60, 0.0, 0.5, 100), Note(64, 1.02, 0.5, 70), Note(67, 2.0, 1.0, 90)], 4.0)
    model_out = tune.with_notes([Note(60, 0.0, 0.5, 80), Note(62, 1.0, 0.5, 80)])
    out = carry_feel(tune, model_out, drums=False)
    assert [(n.pitch, n.start_time, n.velocity) for n in out.notes] == [
        (60, 0.0, 100),
        (62, 1.0, 90),
    ]


def test_hit_sets_are_drum_classes_on_16ths() -> None:
    a = Clip([Note(36, 0.0, 0.25), Note(44, 1.02, 0.25)], 4.0)
    b = Clip([Note(35, 0.01, 0.25), Note(42, 1.0, 0.25)], 4.0)  # same classes, same 16ths
    assert hit_set(a, True) == hit_set(b, True)
    assert hit_set(a, False) != hit_set(b, False)


@pytest.mark.parametrize("similarity", [0.95, 0.8])
def test_no_variation_is_a_copy_of_the_input_or_of_another(
    engine: Engine, similarity: float
) -> None:
    beat = played_beat()
    gen = engine.variations(DRUMS, beat, 8, similarity=similarity, seed=5)
    heard = [hit_set(c, True) for c in gen.clips]
    assert "copies_left" not in gen.params
    assert hit_set(beat, True) not in heard
    assert len(set(heard)) == len(heard)
    again = engine.variations(DRUMS, beat, 8, similarity=similarity, seed=5)
    assert [c.notes for c in again.clips] == [c.notes for c in gen.clips]  # a seed repeats


def test_feel_is_on_by_default_and_off_on_request(engine: Engine) -> None:
    beat = played_beat()
    raw = engine.variations(DRUMS, beat, 4, similarity=0.9, seed=3, feel=False)
    felt = engine.variations(DRUMS, beat, 4, similarity=0.9, seed=3)
    assert felt.params["feel"] is True and raw.params["feel"] is False
    played = {(n.start_time, n.velocity) for n in beat.notes}
    for r, f in zip(raw.clips, felt.clips, strict=True):
        assert hit_set(r, True) == hit_set(f, True)  # the same music, played differently
        assert all(round(n.start_time * 4) == n.start_time * 4 for n in r.notes)
        kept = [n for n in f.notes if (n.start_time, n.velocity) in played]
        on_input = hit_set(f, True) & hit_set(beat, True)
        assert len(kept) == len(on_input)


def test_similarity_1_may_give_the_input_back(engine: Engine) -> None:
    beat = Track(played_beat(), True, 0)
    gen = engine.variations(DRUMS, beat.clip, 2, similarity=1.0, seed=1)
    assert gen.params["redraws"] == 0


def test_copies_are_drawn_again_a_bounded_number_of_times(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decoder that plays the input back: every output is redrawn, and redraws stop."""
    from bridge.engine.engine import MAX_REDRAWS

    beat = played_beat()
    calls = {"decodes": 0, "rounds": 0, "redraws": 0}
    real = engine.pipeline.decode

    def copying(adapter, loaded, z, templates, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The first call decodes every output; each later one redraws, in one
        # run, every output that came back a copy (one window each here).
        first = calls["decodes"] == 0
        calls["decodes"] += 1
        if not first:
            calls["rounds"] += 1
            calls["redraws"] += len(z)
        if first or calls["rounds"] % 3:  # copies, except at every third round
            return [list(t) for t in templates]
        return real(adapter, loaded, z, templates, *args, **kwargs)

    monkeypatch.setattr(engine.pipeline, "decode", copying)
    gen = engine.variations(DRUMS, beat, 3, similarity=0.8, seed=2, feel=False)
    heard = [hit_set(c, True) for c in gen.clips]
    assert hit_set(beat, True) not in heard and len(set(heard)) == 3
    assert calls["rounds"] >= 3  # redraw rounds, not a run per output
    assert gen.params["redraws"] == calls["redraws"] >= 3

    monkeypatch.setattr(engine.pipeline, "decode", lambda a, m, z, t, *r, **k: [list(w) for w in t])
    stuck = engine.variations(DRUMS, beat, 2, similarity=0.8, seed=2)
    assert stuck.params["redraws"] == 2 * MAX_REDRAWS and stuck.params["copies_left"] == 2


def overlaps(clip: Clip) -> list[tuple[int, float]]:
    found = []
    by_pitch: dict[int, list[Note]] = {}
    for n in clip.notes:
        by_pitch.setdefault(n.pitch, []).append(n)
    for pitch, notes in by_pitch.items():
        notes.sort(key=lambda n: n.start_time)
        found += [
            (pitch, a.start_time)
            for a, b in itertools.pairwise(notes)
            if a.end_time > b.start_time + 1e-9
        ]
    return found


@pytest.mark.parametrize("model", [DRUMS, "lb-groove_2bar_tiny", "lb-groove_2bar_hits_tiny"])
def test_no_output_plays_two_notes_of_one_pitch_at_once(engine: Engine, model: str) -> None:
    beat = played_beat()
    hats = beat.with_notes([*beat.notes, *(Note(42, 0.25 + k, 0.5, 70) for k in range(8))])
    outputs = engine.humanize(model, hats, seed=4).clips if "groove" in model else []
    outputs += engine.variations(DRUMS, hats, 4, similarity=0.7, seed=4).clips
    assert outputs and all(overlaps(c) == [] for c in outputs)


def test_interpolations_and_blends_carry_their_inputs_feel_by_position(engine: Engine) -> None:
    beat = played_beat()
    soft = beat.with_notes(replace(n, velocity=40.0) for n in beat.notes)
    loud = beat.with_notes(replace(n, velocity=120.0) for n in beat.notes)
    steps = engine.interpolate(DRUMS, soft, loud, 3, seed=6).clips
    velocities = [{n.velocity for n in clip.notes} for clip in steps]
    assert velocities == [{40.0}, {80.0}, {120.0}]  # every hit, kept or new
    raw = engine.interpolate(DRUMS, soft, loud, 3, seed=6, feel=False).clips
    assert all(n.velocity == 80.0 for c in raw for n in c.notes)  # the model's own
    corners = [soft, loud, loud, soft]  # TL, TR, BL, BR
    (left,) = engine.blend(DRUMS, corners, 0.0, 0.0, seed=6).clips
    (middle,) = engine.blend(DRUMS, corners, 0.5, 0.5, seed=6).clips
    assert {n.velocity for n in left.notes} == {40.0}
    assert {n.velocity for n in middle.notes} == {80.0}
    grid = engine.blend_grid(DRUMS, corners, 2, 2, seed=6).clips
    assert [{n.velocity for n in c.notes} for c in grid] == [{40.0}, {120.0}, {120.0}, {40.0}]


def test_new_hits_take_the_groove_model_s_timing_and_accent_moved_to_the_player() -> None:
    beat = played_beat()
    model_out = grid(beat).with_notes([*grid(beat).notes, Note(42, 2.25, 0.25, 80)])

    def off(n: Note) -> float:
        return n.start_time - round(n.start_time * 4) / 4

    # A groove model's take on the output: the hits 0.02 beats early at 70, the
    # new hat late (+0.03) and accented (100).
    played = model_out.with_notes(
        Note(n.pitch, 2.28, 0.25, 100)
        if n.start_time == 2.25
        else Note(n.pitch, max(0.0, n.start_time - 0.02), 0.25, 70)
        for n in model_out.notes
    )
    out = carry_feel(beat, model_out, drums=True, played=played)
    (new,) = [n for n in out.notes if round(n.start_time * 4) == 9]
    # The player plays later than the groove model, on the hits both play, by:
    theirs = {(n.pitch, round(n.start_time * 4)): n for n in played.notes}
    later = [off(n) - off(theirs[(n.pitch, round(n.start_time * 4))]) for n in beat.notes]
    assert new.start_time == pytest.approx(2.28 + sum(later) / len(later))
    # The hats' mean velocity; no other hat on a beat's second 16th, so no accent.
    hats = [n for n in beat.notes if n.pitch == 42]
    assert new.velocity == pytest.approx(sum(n.velocity for n in hats) / len(hats))
    kept = carry_feel(beat, model_out, drums=True)  # the input's notes, as without
    assert [n for n in out.notes if n is not new] == [
        n for n in kept.notes if round(n.start_time * 4) != 9
    ]


def test_a_groove_accent_moves_a_new_hit_by_half(monkeypatch: pytest.MonkeyPatch) -> None:
    beat = Clip([Note(36, 0.0, 0.25, 100), Note(36, 1.0, 0.25, 60)], 4.0)
    model_out = beat.with_notes([*beat.notes, Note(36, 2.0, 0.25, 80), Note(36, 3.0, 0.25, 80)])
    played = model_out.with_notes(
        Note(36, n.start_time, 0.25, {0.0: 80, 1.0: 80, 2.0: 110, 3.0: 70}[n.start_time])
        for n in model_out.notes
    )
    out = carry_feel(beat, model_out, drums=True, played=played)
    new = {n.start_time: n.velocity for n in out.notes}
    # The kicks on a beat's first 16th average 80 in the input; the groove model
    # plays them at 85 on average, so its 110 is an accent of 25 and its 70 of -15.
    assert new[2.0] == pytest.approx(80 + 25 / 2) and new[3.0] == pytest.approx(80 - 15 / 2)


@pytest.mark.parametrize(
    "groove",
    ["lb-groove_2bar_hits_tiny", "lb-groove_2bar_context_tiny", "lb-groove_2bar_tempo_tiny"],
)
def test_drum_variations_play_their_new_hits_with_the_groove_model(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, groove: str
) -> None:
    beat = played_beat()
    table = engine.variations(DRUMS, beat, 3, similarity=0.5, seed=8)
    calls = []
    takes = []
    real = engine._perform

    def perform(spec, adapter, loaded, clips, temperature, seeds):  # type: ignore[no-untyped-def]
        calls.append((spec.name, len(clips)))
        out = real(spec, adapter, loaded, clips, temperature, seeds)
        takes.append((clips, seeds, out))
        return out

    monkeypatch.setattr(engine, "_perform", perform)
    monkeypatch.setattr(engine, "groove", groove)
    grooved = engine.variations(DRUMS, beat, 3, similarity=0.5, seed=8)
    # One take of each output, all three played in one run, each as humanize
    # plays that output alone under its seed.
    assert calls == [(groove, 3)]
    clips, seeds, out = takes[0]
    assert list(seeds) == [8, 9, 10]
    for clip, seed, played in zip(clips, seeds, out, strict=True):
        alone = engine.humanize(groove, clip, seed=seed).clips[0]
        assert without_overlaps(played) == alone
    runs = len(calls)
    assert [hit_set(c, True) for c in grooved.clips] == [hit_set(c, True) for c in table.clips]
    assert [c.notes for c in grooved.clips] != [c.notes for c in table.clips]
    assert engine.variations(DRUMS, beat, 3, similarity=0.5, seed=8).clips == grooved.clips
    # Without the feel there is nothing to play; a groove model that is not
    # there leaves the input's table in charge, and says so in the log.
    engine.variations(DRUMS, beat, 3, similarity=0.5, seed=8, feel=False)
    assert len(calls) == runs + 1  # one run for the repeat, none without the feel
    monkeypatch.setattr(engine, "groove", "no-such-groove-model")
    fallback = engine.variations(DRUMS, beat, 3, similarity=0.5, seed=8)
    assert [c.notes for c in fallback.clips] == [c.notes for c in table.clips]
