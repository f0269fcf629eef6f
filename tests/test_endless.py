"""Endless generation: the plan, keys, the conductor on the tiny models, the
buffered player (underrun, stuck notes, clock), files and rolling folders."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bridge.clips import Clip, Note, Track
from bridge.convert import read_midi
from bridge.endless import (
    Bar,
    Conductor,
    Key,
    Plan,
    Player,
    Settings,
    Stream,
    best_shift,
    channels_for,
    estimate_key,
    make_parts,
    parse_key,
    render,
    roll,
)
from bridge.errors import BridgeError, InvalidRequestError
from bridge.feel import hit_set
from tests.factories import drum_clip

DRUMS, MELODY, GROOVE = "lb-drums_2bar_tiny", "lb-mel_2bar_tiny", "lb-groove_2bar_hits_tiny"


# --- keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("C", Key(0)),
        ("F#m", Key(6, True)),
        ("Bb minor", Key(10, True)),
        ("E major", Key(4)),
        ("a", Key(9, True)),
        ("Eb", Key(3)),
    ],
)
def test_parse_key(text: str, key: Key) -> None:
    assert parse_key(text) == key


@pytest.mark.parametrize("text", ["H", "C##", "", "Cmajor7"])
def test_parse_key_refuses(text: str) -> None:
    with pytest.raises(InvalidRequestError, match="a key looks like"):
        parse_key(text)


def _scale(tonic: int, minor: bool = False, beats: float = 8.0) -> Clip:
    steps = (0, 2, 3, 5, 7, 8, 10) if minor else (0, 2, 4, 5, 7, 9, 11)
    tune = [0, 2, 4, 0, 4, 2, 6, 4, 1, 3, 5, 0, 0, 4, 2, 0]
    notes = [Note(60 + tonic + steps[d], i * 0.5, 0.5) for i, d in enumerate(tune)]
    return Clip(notes, beats)


def test_estimate_key_and_shift() -> None:
    assert estimate_key([_scale(2)]) == Key(2)
    assert estimate_key([_scale(9, minor=True)]) in (Key(9, True), Key(0))  # relatives share notes
    assert estimate_key([Clip((), 4.0)]) is None
    # D major into C major: two down; already in key: no move; into A minor (C's relative): -2.
    assert best_shift(_scale(2), Key(0)) == -2
    assert best_shift(_scale(0), Key(0)) == 0
    assert best_shift(_scale(2), Key(9, True)) == -2
    assert best_shift(Clip((), 4.0), Key(5)) == 0


# --- the plan --------------------------------------------------------------------------


def test_plan_is_the_seeds_and_covers_every_bar() -> None:
    parts = ("drums", "bass", "lead")
    a, b = Plan(Settings(seed=11), parts), Plan(Settings(seed=11), parts)
    other = Plan(Settings(seed=12), parts)
    assert [a.section(i) for i in range(20)] == [b.section(i) for i in range(20)]
    assert [a.section(i) for i in range(20)] != [other.section(i) for i in range(20)]
    bar = 0
    for g in range(60):
        p = a.phrase(g)
        assert p.start == bar and p.bars in (4, 8, 16)
        for k in (0, p.bars - 1):
            assert a.phrase_at(bar + k).index == g
        bar += p.bars
    # The first section builds up a part at a time; later ones vary what plays.
    first = a.section(0)
    assert first.enters == tuple(min(i, first.phrases - 1) for i in range(3))
    played = {tuple(e is not None for e in a.section(i).enters) for i in range(1, 30)}
    assert len(played) > 1 and all(any(p) for p in played)


def test_a_far_bar_is_found_quickly_and_past_the_end_refused() -> None:
    from bridge.endless.plan import MAX_BAR

    plan = Plan(Settings(seed=4), ("drums", "bass"))
    far = plan.phrase_at(200_000)  # bisect over the sections made, not a scan per call
    assert far.start <= 200_000 < far.start + far.bars
    assert plan.phrase(far.index) == far and plan.phrase_at(far.start) == far
    with pytest.raises(InvalidRequestError, match="at most 1000000 bars"):
        plan.phrase_at(MAX_BAR + 1)


def test_plan_walk_is_bounded_and_inside_the_square() -> None:
    plan = Plan(Settings(seed=3, pace=1.0), ("drums",))
    last = plan.position(0)
    for g in range(1, 200):
        x, y = plan.position(g)
        assert 0 <= x <= 1 and 0 <= y <= 1
        # Reflection only shortens a step.
        assert np.hypot(x - last[0], y - last[1]) <= plan.phrase(g).section.pace + 1e-9
        last = (x, y)
    slow = Plan(Settings(seed=3, pace=0.0), ("drums",))
    assert max(slow.phrase(g).section.pace for g in range(50)) < min(
        plan.phrase(g).section.pace for g in range(50)
    )


@pytest.mark.parametrize(
    "kw", [{"pace": 1.5}, {"density": -0.1}, {"pace": float("nan")}, {"seed": -1}, {"pace": "1"}]
)
def test_settings_refuse_bad_values(kw: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError):
        Settings(**kw)


# --- the conductor ---------------------------------------------------------------------


def _conductor(engine: Any, seed: int = 5, **kw: Any) -> Conductor:
    parts = make_parts(kw.pop("parts", ("drums", "bass", "lead")), DRUMS, MELODY)
    clips = kw.pop("clips", None)
    return Conductor(engine, parts, Settings(seed=seed, **kw), clips)


def _take(it: Iterator[Bar], n: int) -> list[Bar]:
    return [next(it) for _ in range(n)]


def _notes(bars: list[Bar]) -> list[list[tuple[int, float, float, float]]]:
    return [
        [(n.pitch, n.start_time, n.duration, n.velocity) for t in b.tracks for n in t.clip.notes]
        for b in bars
    ]


def test_conductor_is_repeatable_and_resumes_at_any_bar(engine: Any) -> None:
    engine.groove = GROOVE
    first = _take(_conductor(engine).bars(), 40)
    again = _take(_conductor(engine).bars(), 40)
    assert _notes(first) == _notes(again)
    assert [b.index for b in first] == list(range(40))
    # Started again mid-phrase, by a new conductor: the same bars from there.
    for start in (13, 27):
        resumed = _take(_conductor(engine).bars(start), 40 - start)
        assert _notes(resumed) == _notes(first[start:])
    other = _take(_conductor(engine, seed=6).bars(), 40)
    assert _notes(other) != _notes(first)


def test_the_drums_play_at_the_stream_s_tempo(engine: Any) -> None:
    """A groove model that reads the tempo plays the drum bars at the
    stream's; over OSC at the request's qpm."""
    from bridge.endless.streams import endless_generation

    engine.groove = "lb-groove_2bar_tempo_tiny"
    try:

        def drums(conductor: Conductor) -> list[list[tuple[int, float, float, float]]]:
            return _notes(_take(conductor.bars(), 8))  # a drums-only stream

        slow = _conductor(engine, seed=3, parts=("drums",))
        assert slow.qpm == 120.0
        slow.qpm = 70.0
        fast = _conductor(engine, seed=3, parts=("drums",))
        fast.qpm = 160.0
        slow_bars, fast_bars = drums(slow), drums(fast)
        assert slow_bars != fast_bars
        again = _conductor(engine, seed=3, parts=("drums",))
        again.qpm = 70.0
        assert drums(again) == slow_bars  # made again at the same tempo: the same

        def over_osc(qpm: float, stream: str) -> list[Any]:
            gen = endless_generation(
                engine,
                DRUMS,
                [],
                melody_model=MELODY,
                parts="drums",
                seed=3,
                key="",
                pace=0.5,
                density=0.6,
                start=0,
                count=8,
                stream=stream,
                qpm=qpm,
            )
            return [
                [(n.pitch, n.start_time, n.velocity) for n in t.clip.notes] for t in gen.outputs[0]
            ]

        assert over_osc(70.0, "a") == over_osc(70.0, "b")
        assert over_osc(70.0, "c") != over_osc(160.0, "d")
    finally:
        engine.groove = GROOVE


def test_conductor_bars_parts_key_and_feel(engine: Any) -> None:
    engine.groove = GROOVE
    conductor = _conductor(engine, seed=9, key=Key(7))
    bars = _take(conductor.bars(), 96)
    assert conductor.key == Key(7)
    for b in bars:
        assert b.parts == ("drums", "bass", "lead")
        assert [t.is_drum for t in b.tracks] == [True, False, False]
        assert [t.program for t in b.tracks] == [0, 33, 80]
        for t in b.tracks:
            assert t.clip.length == 4.0
            # Every note ends inside its bar: any bar line is a clean cut.
            assert all(n.end_time <= 4.0 + 1e-9 for n in t.clip.notes)
    # Every part plays somewhere; the stream builds up from the drums.
    assert {p for b in bars for p in b.playing} == {"drums", "bass", "lead"}
    assert bars[0].playing == ("drums",)
    for k, name in ((1, "bass"), (2, "lead")):
        clips = [b.tracks[k].clip for b in bars if b.tracks[k].clip.notes]
        # In the key (or its relative minor), in the part's register.
        assert estimate_key(clips) in (Key(7), Key(4, True))
        g_major = {7, 9, 11, 0, 2, 4, 6}
        pitches = [n.pitch % 12 for c in clips for n in c.notes]
        # A random model writes any pitch (7/12 = 0.58 in key by chance, 0.02
        # the standard error here); moved, far more are.
        assert sum(p in g_major for p in pitches) / len(pitches) > 0.65
        median = float(np.median([n.pitch for c in clips for n in c.notes]))
        assert abs(median - (40 if name == "bass" else 72)) <= 12
    # Played, not flat: velocities vary within drum bars and across the lead.
    drum_bars = [b.tracks[0].clip for b in bars if len(b.tracks[0].clip.notes) >= 4]
    assert drum_bars and all(len({round(n.velocity) for n in c.notes}) > 1 for c in drum_bars)
    lead = [n.velocity for b in bars for n in b.tracks[2].clip.notes]
    assert len(set(lead)) > 3


def test_conductor_phrases_repeat_with_variation(engine: Any) -> None:
    conductor = _conductor(engine, seed=2, parts=("drums", "lead"), density=1.0)
    checked = 0
    breathed = 0
    for g in range(8):
        phrase = conductor.plan.phrase(g)
        bars = conductor.phrase(g)
        if phrase.bars < 8 or not all(phrase.playing):
            continue
        # 2-bar windows, A A A A': the lead's motif comes back exactly, then turns;
        lead = [b.tracks[1].clip.notes for b in bars]
        assert lead[0:2] == lead[2:4] == lead[4:6]
        assert lead[0:2] != lead[6:8]
        # the drums' pattern comes back each time moved a breath.
        drums = [hit_set(b.tracks[0].clip, True) for b in bars]
        breathed += drums[0:2] != drums[2:4]
        checked += 1
    assert checked and breathed


def test_user_beat_is_a_corner_and_its_feel_is_kept(engine: Any) -> None:
    beat = drum_clip(3)
    conductor = _conductor(engine, seed=4, parts=("drums",), clips={"drums": [beat]})
    assert conductor.plan.position(0) == (0.0, 0.0)  # the walk starts on the user's beat
    bars = conductor.phrase(0)[:2]
    user = {(n.pitch, round(n.start_time * 4)): n.velocity for n in beat.notes}
    out = [
        (n.pitch, round((n.start_time + 4 * i) * 4), n.velocity)
        for i, b in enumerate(bars)
        for n in b.tracks[0].clip.notes
    ]
    kept = [(v, user[(p, s)]) for p, s, v in out if (p, s) in user]
    assert kept and all(v == pytest.approx(u) for v, u in kept)


def test_conductor_refuses_what_it_cannot_play(engine: Any) -> None:
    with pytest.raises(InvalidRequestError, match="unknown part"):
        make_parts(["drums", "tuba"], DRUMS, MELODY)
    with pytest.raises(InvalidRequestError, match="needs a melody model"):
        Conductor(engine, make_parts(["bass"], DRUMS, DRUMS), Settings())
    with pytest.raises(InvalidRequestError, match="not in the stream"):
        Conductor(engine, make_parts(["drums"], DRUMS, MELODY), Settings(), {"lead": [_scale(0)]})


def test_density_thins_the_parts(engine: Any) -> None:
    def count(density: float) -> int:
        c = _conductor(engine, seed=8, density=density, parts=("drums", "lead"))
        return sum(len(t.clip.notes) for b in _take(c.bars(), 32) for t in b.tracks)

    assert count(0.0) < count(0.6)


# --- playing in time -------------------------------------------------------------------


class FakeOut:
    def __init__(self) -> None:
        self.messages: list[tuple[float, Any]] = []
        self.t0 = time.monotonic()

    def send(self, msg: Any) -> None:
        self.messages.append((time.monotonic() - self.t0, msg))

    def types(self) -> list[str]:
        return [m.type for _, m in self.messages]


class FakeClock:
    """Time that passes only when the player waits."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep_until(self, t: float, stop: threading.Event) -> None:
        self.t = max(self.t, t)


def _bar(index: int, pitch: int = 60, notes: int = 4, length: float = 0.5) -> Bar:
    clip = Clip([Note(pitch, i * 1.0, length, velocity=90) for i in range(notes)], 4.0)
    drums = Clip([Note(36, 0.0, 0.25), Note(38, 2.0, 0.25)], 4.0)
    return Bar(index, 0, 0, ("drums", "bass"), (Track(drums, True, 0), Track(clip, False, 33)))


def _unmatched(messages: list[tuple[float, Any]]) -> set[tuple[int, int]]:
    on: set[tuple[int, int]] = set()
    for _, m in messages:
        if m.type == "note_on" and m.velocity > 0:
            on.add((m.channel, m.note))
        elif m.type in ("note_on", "note_off"):
            on.discard((m.channel, m.note))
    return on


def test_player_sends_every_bar_in_time_order() -> None:
    bars = [_bar(i, 60 + i) for i in range(4)]
    stream = Stream(iter(bars), ahead=8).start()
    deadline = time.monotonic() + 5
    while stream.buffered() < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    out, clock = FakeOut(), FakeClock()
    player = Player(
        stream, out, qpm=120, channels=channels_for(["drums", "bass"], [True, False]),
        programs=[0, 33], clock=clock, midi_clock=True,
    )  # fmt: skip
    report = player.play(bars=4)
    stream.stop()
    assert report.bars == 4 and not report.repeated
    types = out.types()
    assert types[0] == "program_change" and out.messages[0][1].channel == 0
    assert types.count("note_on") == 4 * 6 and types.count("clock") == 4 * 96
    assert types[1] == "start" and types[-1] == "stop"
    played = [m.note for _, m in out.messages if m.type == "note_on" and m.channel == 0]
    assert played == [60] * 4 + [61] * 4 + [62] * 4 + [63] * 4
    assert [m.channel for _, m in out.messages if m.type == "note_on"][:2] == [9, 0]
    assert not _unmatched(out.messages)
    assert clock.t == pytest.approx(4 * 2.0)  # four bars at 120 bpm


def test_player_repeats_a_late_bar_and_never_goes_silent() -> None:
    def slow() -> Iterator[Bar]:
        for i in range(20):
            if i >= 2:
                time.sleep(0.35)  # a model made slow on purpose: a bar takes longer than it lasts
            yield _bar(i, 60 + i)

    stream = Stream(slow(), ahead=2).start()
    out = FakeOut()
    player = Player(stream, out, qpm=960, channels=[9, 0])  # a bar is 0.25 s
    report = player.play(bars=8)
    stream.stop()
    assert report.bars == 8 and report.repeated
    played = [m.note for _, m in out.messages if m.type == "note_on" and m.channel == 0]
    # Every bar line played a bar: the late one again, then the stream went on in order.
    assert len(played) == 8 * 4
    firsts = played[::4]
    assert firsts == sorted(firsts) and len(set(firsts)) < 8
    assert not _unmatched(out.messages)


def test_stopping_mid_bar_leaves_no_note_on() -> None:
    bars = [_bar(i, 60, notes=1, length=4.0) for i in range(50)]  # whole-bar notes
    stream = Stream(iter(bars), ahead=4).start()
    out = FakeOut()
    player = Player(stream, out, qpm=60, channels=[9, 0])  # a bar is 4 s
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    report = player.play(stop=stop)
    stream.stop()
    assert report.stopped_early and report.bars == 0
    assert not _unmatched(out.messages)
    offs = [m for _, m in out.messages if m.type == "control_change" and m.control == 123]
    assert {m.channel for m in offs} == {0, 9}
    assert out.messages[-1][0] < 2.0  # stopped at once, not at the bar line


def test_a_failing_stream_keeps_time_with_its_last_bar() -> None:
    def broken() -> Iterator[Bar]:
        yield _bar(0)
        raise RuntimeError("model gone")

    stream = Stream(broken(), ahead=2).start()
    out = FakeOut()
    report = Player(stream, out, qpm=960, channels=[9, 0]).play(bars=3)
    stream.stop()
    assert report.repeated == [1, 2]
    assert isinstance(stream.error, RuntimeError)
    assert not _unmatched(out.messages)


# --- files -----------------------------------------------------------------------------


def test_render_writes_one_track_per_part(engine: Any, tmp: Path) -> None:
    path = tmp / "endless.mid"
    written, bars = render(_conductor(engine, seed=1), 12, path, qpm=96)
    assert written == path and [b.index for b in bars] == list(range(12))
    tracks = read_midi(path)
    assert [t.clip.name for t in tracks][:1] == ["drums"]
    assert all(n.start_time < 48 for t in tracks for n in t.clip.notes)
    assert not list(tmp.glob(".*.part"))
    # A file already there, such as the clip the stream was given, is kept.
    before = path.read_bytes()
    again = render(_conductor(engine, seed=2), 2, path, qpm=96)
    assert again.path == tmp / "endless_1.mid" and path.read_bytes() == before
    assert len(read_midi(again.path)) >= 1


def test_rolling_folder_continues_and_keeps_others_files(engine: Any, tmp: Path) -> None:
    folder = tmp / "radio"
    folder.mkdir()
    (folder / "endless-00002.mid").write_bytes(b"someone else's")
    stream = {"seed": 1, "parts": ["drums", "bass", "lead"]}
    clock = FakeClock()
    state = roll(
        _conductor(engine, seed=1), folder, stream, qpm=120, bars_per_file=4, files=3, clock=clock
    )
    assert state.next_bar == 12
    assert state.files == ["endless-00001.mid", "endless-00002_1.mid", "endless-00003.mid"]
    assert (folder / "endless-00002.mid").read_bytes() == b"someone else's"
    # Each file is written as the one before it starts to play (4 bars, 8 s).
    assert clock.t == pytest.approx(8.0)
    again = roll(
        _conductor(engine, seed=1), folder, stream, qpm=120, bars_per_file=4, files=1,
        clock=FakeClock(),
    )  # fmt: skip
    assert again.next_bar == 16 and again.files[-1] == "endless-00004.mid"
    # What the second run wrote is what one run would have: bars 12-15.
    whole = render(_conductor(engine, seed=1), 16, tmp / "whole.mid", qpm=120).bars
    expected = sorted(n.pitch for b in whole[12:] for t in b.tracks for n in t.clip.notes)
    got = read_midi(folder / "endless-00004.mid")
    assert sorted(n.pitch for t in got for n in t.clip.notes) == expected
    with pytest.raises(InvalidRequestError, match="holds another stream"):
        roll(_conductor(engine, seed=2), folder, {"seed": 2}, qpm=120, files=1, clock=FakeClock())
    (folder / "endless.json").write_text("{not json")
    with pytest.raises(BridgeError, match="damaged"):
        roll(_conductor(engine, seed=1), folder, stream, qpm=120, files=1, clock=FakeClock())


# --- the command line ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bars", "4"], "give one output"),
        (["--out", "x.mid"], "give --bars"),
        (["--folder", "radio", "--bars", "3"], "--folder runs until stopped"),
        (["--out", "x.mid", "--bars", "4", "--qpm", "5"], "--qpm must be"),
        (["--out", "x.mid", "--bars", "4", "--clip", "drums"], "PART=FILE.mid"),
    ],
)
def test_endless_command_refuses(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bridge.cli import main

    assert main(["endless", *argv]) == 2
    assert message in capsys.readouterr().err


def test_midi_port_by_name_or_virtual(monkeypatch: pytest.MonkeyPatch) -> None:
    import mido

    from bridge.cli.endless import open_midi_port

    opened: list[tuple[str, bool]] = []
    monkeypatch.setattr(mido, "get_output_names", lambda: ["Synth:Synth MIDI 1 128:0"])
    monkeypatch.setattr(
        mido, "open_output", lambda name, virtual=False: opened.append((name, virtual)) or name
    )
    open_midi_port("Synth")
    open_midi_port("Latent Bridge")
    assert opened == [("Synth:Synth MIDI 1 128:0", False), ("Latent Bridge", True)]

    def no_midi() -> list[str]:
        raise OSError("error creating ALSA sequencer client object")

    monkeypatch.setattr(mido, "get_output_names", no_midi)
    with pytest.raises(InvalidRequestError, match="no MIDI ports on this machine"):
        open_midi_port("Synth")


def test_endless_command_on_the_bundled_models(tmp: Path) -> None:
    """The README's example: bundled models, a user's beat as a corner, a tempo."""
    import pretty_midi

    from bridge.cli import main
    from bridge.convert import midi_tempo, write_midi

    beat = tmp / "beat.mid"
    write_midi([Track(drum_clip(1), True, 0)], beat)
    out = tmp / "out" / "endless.mid"
    argv = ["endless", "--bars", "48", "--out", str(out), "--seed", "3", "--qpm", "90"]
    assert main([*argv, "--clip", f"drums={beat}", "--quiet", "--device", "cpu"]) == 0
    # One track per part, even one that rests throughout; all three play here.
    pm = pretty_midi.PrettyMIDI(str(out))
    assert [(i.name, i.is_drum, i.program) for i in pm.instruments] == [
        ("drums", True, 0),
        ("bass", False, 33),
        ("lead", False, 80),
    ]
    assert all(i.notes for i in pm.instruments)
    assert midi_tempo(out) == pytest.approx(90, abs=0.01)  # MIDI keeps microseconds a beat
    notes = read_midi(out)[0].clip.notes
    assert max(n.start_time for n in notes) < 48 * 4
    assert len({round(n.velocity) for n in notes}) > 3
    first = out.read_bytes()
    assert main([*argv, "--clip", f"drums={beat}", "--quiet", "--device", "cpu"]) == 0
    again = out.with_name("endless_1.mid")  # the first file is kept
    assert out.read_bytes() == first and again.read_bytes() == first  # same seed, same stream
    # --out naming the clip it was given writes beside it, never over it.
    mine = beat.read_bytes()
    short = ["endless", "--bars", "2", "--out", str(beat), "--seed", "3"]
    assert main([*short, "--clip", f"drums={beat}", "--quiet", "--device", "cpu"]) == 0
    assert beat.read_bytes() == mine and (tmp / "beat_1.mid").is_file()


def test_endless_command_plays_a_midi_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--midi-port`` in real time (at 960 bpm), to a port that records what it gets."""
    import bridge.cli.endless as command
    from bridge.cli import main

    port = FakeOut()
    port.close = lambda: None  # type: ignore[attr-defined]
    monkeypatch.setattr(command, "open_midi_port", lambda name: port)
    argv = ["endless", "--midi-port", "Synth", "--bars", "6", "--qpm", "960", "--seed", "2"]
    assert main([*argv, "--midi-clock", "--quiet", "--device", "cpu"]) == 0
    types = port.types()
    assert types[:3] == ["program_change"] * 2 + ["start"] and types[-1] == "stop"
    assert types.count("clock") == 6 * 96
    assert types.count("note_on") > 6 and not _unmatched(port.messages)
    drums = [m for _, m in port.messages if m.type == "note_on" and m.channel == 9]
    assert drums and len({m.velocity for m in drums}) > 3


# --- a band model ----------------------------------------------------------------------

BAND = "lb-multitrack_1bar_tiny"


def test_assign_parts_by_role() -> None:
    from bridge.endless import assign_parts

    def track(pitches: list[int], program: int, drum: bool = False) -> Track:
        return Track(
            Clip([Note(p, i * 0.5, 0.5) for i, p in enumerate(pitches)], 4.0), drum, program
        )

    scene = [
        track([36, 38], 0, drum=True),
        track([42, 42, 42], 0, drum=True),
        track([72, 74, 76, 77], 81),
        track([60, 64], 4),
        track([40, 43], 33),
    ]
    parts = make_parts(("drums", "bass", "lead", "keys"), BAND, BAND, BAND)
    given = assign_parts(scene, parts, 4.0)
    assert len(given["drums"][0].notes) == 5  # both drum tracks
    assert given["bass"][1] == 33 and given["lead"][1] == 81 and given["keys"][1] == 4
    # No bass program: the lowest part is the bass; a part with nothing is silent.
    given = assign_parts(scene[2:4], parts, 4.0)
    assert given["bass"][1] == 4 and given["lead"][1] == 81
    assert given["keys"] == (Clip((), 4.0), None) and not given["drums"][0].notes


def test_a_band_model_plays_every_part_from_one_latent(engine: Any) -> None:
    parts = make_parts(("drums", "bass", "lead"), BAND, BAND, BAND)

    def stream(start: int = 0) -> list[Bar]:
        c = Conductor(engine, parts, Settings(seed=7, key=Key(2)))
        assert c.band
        return _take(c.bars(start), 40 - start)

    bars = stream()
    assert _notes(bars) == _notes(stream())
    assert _notes(bars[21:]) == _notes(stream(21))
    assert any(b.playing for b in bars)  # a random model writes what it writes
    for b in bars:
        assert [t.is_drum for t in b.tracks] == [True, False, False]
        assert all(n.end_time <= 4.0 + 1e-9 for t in b.tracks for n in t.clip.notes)
    with pytest.raises(InvalidRequestError, match="every part of a stream, or none"):
        Conductor(
            engine,
            [*make_parts(("drums",), BAND, BAND, BAND), *make_parts(("lead",), DRUMS, MELODY)],
            Settings(),
        )
