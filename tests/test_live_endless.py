"""Endless into Live through AbletonOSC, against the fake AbletonOSC: looping
clips whose other half is rewritten while one plays, heard as the stream's
bars in order; late bars play a half again, never silence."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bridge.endless import Bar, Conductor, Settings, make_parts
from bridge.errors import InvalidRequestError
from bridge.live.endless import part_tracks, stream_into_live
from tests.fake_abletonosc import FakeAbletonOSC, FakeTrack
from tests.test_live import fake_live

DRUMS, MELODY = "lb-drums_2bar_tiny", "lb-mel_2bar_tiny"


def _tracks() -> list[FakeTrack]:
    return [
        FakeTrack("Drums", [None, None]),
        FakeTrack("Pad", [None, None]),
        FakeTrack("Bass", [None, None]),
        FakeTrack("Lead synth", [None, None]),
    ]


def _conductor(engine: Any, seed: int = 3) -> Conductor:
    return Conductor(
        engine, make_parts(("drums", "bass", "lead"), DRUMS, MELODY), Settings(seed=seed)
    )


def _heard(fake: FakeAbletonOSC, track: int, slot: int) -> dict[int, set[tuple[int, int]]]:
    """The (pitch, 16th) pairs Live played, by bar since the clip started."""
    clip = fake.clip(track, slot)
    assert clip is not None
    bars: dict[int, set[tuple[int, int]]] = {}
    for at, note in clip.played:
        bar = int(at // 4)
        bars.setdefault(bar, set()).add((note[0], round((at - 4 * bar) * 4)))
    return bars


def test_part_tracks_by_name_or_given() -> None:
    with fake_live(_tracks()) as (_, live):
        assert part_tracks(live, ["drums", "bass", "lead"], {}) == {
            "drums": 0,
            "bass": 2,
            "lead": 3,
        }
        assert part_tracks(live, ["drums", "keys"], {"keys": 2}) == {"drums": 0, "keys": 1}
        with pytest.raises(InvalidRequestError, match="no track for the keys part"):
            part_tracks(live, ["keys"], {})
        with pytest.raises(InvalidRequestError, match="given to two parts"):
            part_tracks(live, ["drums", "bass"], {"bass": 1})


def test_live_hears_the_stream_in_order(engine: Any) -> None:
    # 480 bpm, 2-bar halves: a half lasts 1 s; Live's ticks every 20 ms.
    with fake_live(_tracks(), tick=0.02, tempo=480.0) as (fake, live):
        tracks = part_tracks(live, ["drums", "bass", "lead"], {})
        report = stream_into_live(
            live, _conductor(engine), tracks, half_bars=2, halves=6, poll=0.02
        )
        assert report.scene == 0 and not report.late
        assert report.bars_written >= 12
        for track in (0, 2, 3):
            clip = fake.clip(track, 0)
            assert clip is not None and clip.length == 16.0 and clip.started_at is None
        assert fake.clip(0, 0).name == "Endless drums"  # type: ignore[union-attr]
        heard = _heard(fake, 0, 0)
    # What Live played, bar by bar, is the stream's bars in order.
    bars = [b for _, b in zip(range(12), _conductor(engine).bars(), strict=False)]
    played = sorted(heard)
    assert played and played[0] == 0 and len(played) >= 9
    for k in played[:-1]:  # the last bar may be cut by the stop
        assert heard[k] == {
            (n.pitch, round(n.start_time * 4)) for n in bars[k].tracks[0].clip.notes
        }


def test_late_bars_play_a_half_again_never_silence(engine: Any) -> None:
    conductor = _conductor(engine, seed=4)
    made = conductor.bars

    def slow(start: int = 0) -> Iterator[Bar]:
        for bar in made(start):
            if bar.index >= 6:
                time.sleep(0.8)  # two bars take longer than they last: the model is too slow
            yield bar

    conductor.bars = slow  # type: ignore[method-assign]
    with fake_live(_tracks(), tick=0.02, tempo=480.0) as (fake, live):
        tracks = part_tracks(live, ["drums", "bass", "lead"], {})
        report = stream_into_live(live, conductor, tracks, half_bars=2, halves=7, poll=0.02)
        heard = _heard(fake, 0, 0)
    assert report.late
    # Every bar Live passed played drums: a late half repeats, it does not go quiet.
    last = max(heard)
    assert all(heard.get(k) for k in range(last))
