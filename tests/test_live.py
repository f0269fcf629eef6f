"""AbletonOSC mode: bridge.live against a fake AbletonOSC on loopback.

Unit tests need no sockets; the integration tests run ``tests/fake_abletonosc.py``
on 127.0.0.1 with free ports, its datagram limit and its not-ready quirk.
"""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from rich.console import Console

from bridge.clips import Clip, Note
from bridge.errors import InvalidRequestError
from bridge.live.liveset import NOTES_PER_ADD, LiveSet, SlotRef, notes_from_args
from bridge.live.operations import LiveRequest, run_live
from bridge.live.transport import AbletonOSC, LiveError, LiveTimeoutError, encode
from bridge.profile import Profile
from tests.fake_abletonosc import MACOS_MAX_DATAGRAM, FakeAbletonOSC, FakeClip, FakeTrack

DRUM_PITCHES = (36, 38, 42, 46, 45, 48, 50, 49, 51)
MODELS = Profile(
    {
        "drums": "lb-drums_2bar_tiny",
        "melody": "lb-mel_2bar_tiny",
        "groove": "lb-groove_2bar_tiny",
        "multitrack": "lb-multitrack_1bar_tiny",
    }
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def dense_drums(beats: int = 16) -> FakeClip:
    """Nine drums on every 16th note: 576 notes for 16 beats, too many for one datagram."""
    notes = [
        (p, step / 4, 0.25, float(60 + (step * 7 + p) % 60), False)
        for step in range(beats * 4)
        for p in DRUM_PITCHES
    ]
    return FakeClip(float(beats), notes, name="Dense beat")


def small_clip(name: str, pitches: tuple[int, ...] = (36, 38, 42)) -> FakeClip:
    return FakeClip(8.0, [(p, i / 2, 0.25, 100.0, False) for i, p in enumerate(pitches)], name)


@contextmanager
def fake_live(
    tracks: list[FakeTrack], *, timeout: float = 1.0, **options: Any
) -> Iterator[tuple[FakeAbletonOSC, LiveSet]]:
    reply_port = free_port()
    with FakeAbletonOSC(tracks, reply_port=reply_port, **options) as fake:
        osc = AbletonOSC("127.0.0.1", fake.port, reply_port=reply_port, timeout=timeout)
        with LiveSet(osc, ready_timeout=2.0, poll_interval=0.02) as live:
            yield fake, live


def as_tuples(notes: list[Note]) -> list[tuple[int, float, float, float, bool]]:
    return sorted(
        (n.pitch, round(n.start_time, 3), round(n.duration, 3), round(n.velocity, 2), n.mute)
        for n in notes
    )


def fake_notes(clip: FakeClip | None) -> list[tuple[int, float, float, float, bool]]:
    assert clip is not None
    return sorted(
        (p, round(s, 3), round(d, 3), round(v, 2), bool(m)) for p, s, d, v, m in clip.notes
    )


# --- unit: no sockets ----------------------------------------------------------------


def test_notes_from_args_reads_five_values_per_note() -> None:
    notes = notes_from_args([36, 0.0, 0.25, 100.0, False, 127, 1.5, 0.5, 64.0, 1])
    assert [(n.pitch, n.start_time, n.duration, n.velocity, n.mute) for n in notes] == [
        (36, 0.0, 0.25, 100.0, False),
        (127, 1.5, 0.5, 64.0, True),
    ]


@pytest.mark.parametrize(
    ("args", "needle"),
    [([36, 0.0, 0.25, 100.0], "groups of 5"), ([36, 0.0, 0.0, 100.0, 0], "duration")],
)
def test_notes_from_args_rejects_bad_replies(args: list[Any], needle: str) -> None:
    with pytest.raises(LiveError, match=needle):
        notes_from_args(args)


def test_one_add_notes_message_fits_the_macos_datagram_limit() -> None:
    args: list[Any] = [999, 999]
    for i in range(NOTES_PER_ADD):
        args += [127, 1000.0 + i, 0.25, 127.0, 1]
    assert len(encode("/live/clip/add/notes", args)) < MACOS_MAX_DATAGRAM


def test_models_follow_the_track_and_the_operation() -> None:
    assert MODELS.model_for("variations", drum_track=True) == "lb-drums_2bar_tiny"
    assert MODELS.model_for("variations", drum_track=False) == "lb-mel_2bar_tiny"
    assert MODELS.model_for("humanize", drum_track=True) == "lb-groove_2bar_tiny"
    assert MODELS.model_for("multitrack", drum_track=False) == "lb-multitrack_1bar_tiny"
    only = Profile({"drums": "lb-drums_2bar_tiny"})
    assert only.model_for("interpolate", drum_track=False) == "lb-drums_2bar_tiny"
    with pytest.raises(InvalidRequestError, match="groove=NAME"):
        only.model_for("humanize", drum_track=True)


def test_cli_parses_live_operations() -> None:
    from bridge.cli import build_parser
    from bridge.cli.live import request_from_args

    argv = ["live", "variations", "--model", "lb-drums_2bar_tiny", "--track", "2", "--clip", "3"]
    argv += ["--count", "3", "--into", "5", "--port", "11000", "--timeout", "0.5"]
    args = build_parser().parse_args(argv)
    request = request_from_args(args)
    assert (request.op, request.track, request.clip, request.params["count"], request.into) == (
        "variations",
        2,
        3,
        3,
        5,
    )
    blend = build_parser().parse_args(
        ["live", "blend", "--corners", "1", "2", "3", "4", "--x", "0.5", "--y", "0.25"]
    )
    assert request_from_args(blend).corners == (1, 2, 3, 4)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["live", "interpolate", "--clip", "1"])  # --to is required


# --- integration: the fake AbletonOSC on loopback ------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("oversize", ["error", "silent"])
def test_dense_clip_is_read_whole_in_areas(oversize: str) -> None:
    dense = dense_drums()
    dense.notes.append((127, 15.75, 0.25, 90.0, True))  # the pitch AbletonOSC's default misses
    tracks = [FakeTrack("Drums", [dense, None])]
    with fake_live(tracks, timeout=0.4, oversize=oversize) as (fake, live):
        info = live.clip_info(SlotRef(0, 0))
        clip = live.read_clip(info)
        assert fake.oversized >= 1  # the whole clip did not fit one reply
    assert len(clip.notes) == len(dense.notes) == 577
    assert as_tuples(list(clip.notes)) == fake_notes(dense)
    assert clip.length == 16.0 and clip.name == "Dense beat"


@pytest.mark.integration
def test_variations_of_a_dense_clip_land_in_the_next_empty_slots(engine: Any) -> None:
    dense = dense_drums()
    taken = small_clip("keep me")
    tracks = [
        FakeTrack("Bass", [small_clip("bass", (40, 43)), None, None, None]),
        FakeTrack("Beat", [dense, None, taken, None], devices=["DrumGroupDevice", "Reverb"]),
    ]
    with fake_live(tracks, selected=(1, 0), ready_after=0.1) as (fake, live):
        lines: list[str] = []
        started = time.monotonic()
        result = run_live(
            LiveRequest("variations", params={"count": 4, "seed": 7}),
            live,
            engine,
            MODELS,
            lines.append,
        )
        seconds = time.monotonic() - started
        source = live.read_clip(live.clip_info(SlotRef(1, 0)))

    # Slot 3 was taken: the results skip it, and two scenes are added for the last two.
    assert [w.ref for w in result.written] == [SlotRef(1, s) for s in (1, 3, 4, 5)]
    assert result.model == "lb-drums_2bar_tiny" and result.seed == 7
    expected = engine.variations("lb-drums_2bar_tiny", source, n=4, seed=7)
    for written, out in zip(result.written, expected.outputs, strict=True):
        made = fake.clip(written.ref.track, written.ref.slot)
        assert made is not None
        assert fake_notes(made) == as_tuples(list(out[0].clip.notes))
        assert made.name == written.name == out[0].clip.name
        assert made.length == 16.0
    assert fake_notes(fake.clip(1, 2)) == fake_notes(small_clip("keep me"))  # untouched
    assert fake.clip(1, 2).name == "keep me"  # type: ignore[union-attr]
    assert fake.clip(0, 1) is None  # other tracks untouched (the new scene aside)
    assert fake.count("/live/song/create_scene") == 2
    assert any("read track 2, slot 1" in line for line in lines)
    assert seconds < 60


@pytest.mark.integration
def test_missing_clip_is_a_clear_error() -> None:
    tracks = [FakeTrack("Drums", [small_clip("a"), None])]
    with fake_live(tracks, selected=(0, 1)) as (fake, live):
        started = time.monotonic()
        with pytest.raises(LiveError, match=r"track 1, slot 2 is empty"):
            run_live(LiveRequest("variations", track=1, clip=2), live, None, MODELS)  # type: ignore[arg-type]
        with pytest.raises(LiveError, match=r"track 1, slot 2 is empty"):
            run_live(LiveRequest("humanize"), live, None, MODELS)  # type: ignore[arg-type]
        with pytest.raises(LiveError, match="there is no track 3"):
            run_live(LiveRequest("variations", track=3, clip=1), live, None, MODELS)  # type: ignore[arg-type]
        assert time.monotonic() - started < 2.0
        assert fake.count("/live/clip/get/notes") == 0


@pytest.mark.integration
def test_occupied_target_is_a_clear_error_and_nothing_is_written(engine: Any) -> None:
    tracks = [FakeTrack("Drums", [small_clip("src"), None, small_clip("mine")])]
    with fake_live(tracks) as (fake, live):
        with pytest.raises(LiveError, match=r"track 1, slot 3 already holds a clip"):
            run_live(
                LiveRequest("variations", track=1, clip=1, into=3, params={"count": 2, "seed": 1}),
                live,
                engine,
                MODELS,
                lambda _: None,
            )
        # A slot filled behind our back between the check and the write.
        with pytest.raises(LiveError, match="never overwrites"):
            live.write_clip(SlotRef(0, 0), Clip([Note(36, 0.0, 0.5)], 8.0), "x")
        assert fake.count("/live/clip_slot/create_clip") == 0
        assert fake.clip(0, 2).name == "mine"  # type: ignore[union-attr]


@pytest.mark.integration
def test_a_peer_that_never_answers_times_out_with_a_clear_error() -> None:
    tracks = [FakeTrack("Drums", [small_clip("a")])]
    with fake_live(tracks, timeout=0.3, answer=False) as (fake, live):
        started = time.monotonic()
        with pytest.raises(LiveTimeoutError, match=r"did not answer /live/view/get/selected_clip"):
            run_live(LiveRequest("variations"), live, None, MODELS)  # type: ignore[arg-type]
        assert time.monotonic() - started < 1.0
        assert fake.count("/live/view/get/selected_clip") == 1


@pytest.mark.integration
def test_cli_reports_a_silent_live_before_loading_models(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bridge.cli import main

    tracks = [FakeTrack("Drums", [small_clip("a")])]
    reply_port = free_port()
    with FakeAbletonOSC(tracks, reply_port=reply_port, answer=False) as fake:
        argv = ["live", "variations", "--model", "no-such-model", "--port", str(fake.port)]
        argv += ["--reply-port", str(reply_port), "--timeout", "0.2"]
        assert main(argv) == 2
    err = capsys.readouterr().err
    assert "did not answer /live/song/get/num_tracks" in err and "AbletonOSC" in err


@pytest.mark.integration
def test_a_lost_add_is_repaired_with_the_full_pitch_span() -> None:
    notes = [Note(p, i * 0.05, 0.5, 100.0) for i, p in enumerate(range(0, 128))]
    notes += [Note(60, 7.0 + i * 0.1, 0.05) for i in range(5)]
    clip = Clip(notes, 8.0)
    tracks = [FakeTrack("Keys", [None, None])]
    # The second of two add/notes datagrams is lost; pitch 127 is in the first.
    with fake_live(tracks, drop_adds=[1], ready_after=0.05) as (fake, live):
        assert live.write_clip(SlotRef(0, 1), clip, "repaired") == len(notes)
        made = fake.clip(0, 1)
        removes = [a for addr, a in fake.received if addr == "/live/clip/remove/notes"]
    assert len(notes) > NOTES_PER_ADD
    assert removes and all(a[2:4] == [0, 128] for a in removes)
    assert fake_notes(made) == as_tuples(notes)
    assert made is not None and made.name == "repaired"


@pytest.mark.integration
def test_watch_runs_operations_on_the_selected_clip(engine: Any) -> None:
    from bridge.live.watch import watch_loop

    tracks = [FakeTrack("Beat", [small_clip("groove", (36, 38, 42, 36)), None, None])]
    answers = iter(["h", "", "q"])
    out = io.StringIO()
    with fake_live(tracks) as (fake, live):
        ran = watch_loop(
            live,
            engine,
            MODELS,
            LiveRequest("variations", params={"seed": 3}),
            console=Console(file=out, width=120),
            ask=lambda prompt: next(answers),
        )
        made = fake.clip(0, 1)
    assert ran == 1
    assert made is not None and made.name.endswith("humanized") and made.notes
    text = out.getvalue()
    assert "track 1, slot 1" in text and "'Beat'" in text and "1 clip(s) written" in text


@pytest.mark.integration
def test_multitrack_and_interpolate_write_rows_and_slots(engine: Any) -> None:
    tracks = [
        FakeTrack("Drums", [small_clip("beat"), small_clip("other"), None, None, None]),
        FakeTrack("Bass", [small_clip("bass", (40, 43, 45)), None, None, None, None]),
        FakeTrack("Empty", [None, None, None, None, None]),
    ]
    with fake_live(tracks, selected=(0, 0)) as (fake, live):
        scene = run_live(
            LiveRequest("multitrack", params={"count": 2, "seed": 5}),
            live,
            engine,
            MODELS,
            lambda _: None,
        )
        # Row 2 is taken on the drum track: both results go below it, one row each.
        assert sorted(w.ref for w in scene.written) == [
            SlotRef(0, 2),
            SlotRef(0, 3),
            SlotRef(1, 2),
            SlotRef(1, 3),
        ]
        assert fake.clip(2, 2) is None  # a track without a clip in the scene is left alone
        morph = run_live(
            LiveRequest("interpolate", track=1, clip=1, to_clip=2, params={"steps": 3, "seed": 5}),
            live,
            engine,
            MODELS,
            lambda _: None,
        )
        assert [w.ref for w in morph.written] == [SlotRef(0, 4), SlotRef(0, 5), SlotRef(0, 6)]
        assert all(fake.clip(0, s) is not None for s in (4, 5, 6))
    assert scene.model == "lb-multitrack_1bar_tiny" and morph.model == "lb-drums_2bar_tiny"


def test_model_setup_takes_models_by_role_and_checks_checkpoints(
    tiny_checkpoints: dict[str, str], tmp_path: Any
) -> None:
    from bridge.live.session import model_setup

    drums = tiny_checkpoints["lb-drums_2bar_tiny"]
    one = model_setup(["lb-drums_2bar_tiny"], [drums])
    assert dict(one.profile.roles) == {"drums": "lb-drums_2bar_tiny"}
    assert set(one.profile.checkpoints) == {"lb-drums_2bar_tiny"}
    two = model_setup(
        ["lb-drums_2bar_tiny", "groove=lb-groove_2bar_tiny"],
        [
            f"lb-drums_2bar_tiny={drums}",
            f"lb-groove_2bar_tiny={tiny_checkpoints['lb-groove_2bar_tiny']}",
        ],
    )
    assert two.profile.model_for("humanize", drum_track=True) == "lb-groove_2bar_tiny"
    with pytest.raises(InvalidRequestError, match="NAME=PATH"):
        model_setup(["lb-drums_2bar_tiny", "lb-mel_2bar_tiny"], [drums])
    with pytest.raises(InvalidRequestError, match="has no checkpoint"):
        model_setup(["lb-drums_2bar_tiny"], [])
    with pytest.raises(InvalidRequestError, match="ROLE one of"):
        model_setup(["bass=lb-drums_2bar_tiny"], [drums])
    from bridge.errors import CheckpointError

    with pytest.raises(CheckpointError, match="not found"):
        model_setup(["lb-drums_2bar_tiny"], [str(tmp_path / "missing")])


@pytest.mark.integration
def test_the_set_is_checked_before_the_models_load(engine: Any) -> None:
    """An empty slot or a taken target is reported before TensorFlow would load."""
    loads: list[int] = []

    def load() -> Any:
        loads.append(1)
        return engine, MODELS

    tracks = [FakeTrack("Drums", [small_clip("src"), None, small_clip("mine")])]
    with fake_live(tracks) as (_fake, live):
        with pytest.raises(LiveError, match=r"track 1, slot 2 is empty"):
            run_live(LiveRequest("variations", track=1, clip=2), live, None, None, load=load)
        with pytest.raises(LiveError, match=r"track 1, slot 3 already holds a clip"):
            request = LiveRequest("variations", track=1, clip=1, into=3)
            run_live(request, live, None, None, load=load)
        assert loads == []
        request = LiveRequest("variations", track=1, clip=1, params={"count": 1, "seed": 2})
        result = run_live(request, live, None, None, lambda _: None, load=load)
        assert loads == [1] and len(result.written) == 1


@pytest.mark.integration
def test_a_loop_that_starts_later_is_read_as_live_plays_it(engine: Any) -> None:
    """Beats 4 to 12 of a 16-beat clip loop: only the notes there are read,
    moved to start at 0, and results are clips of the loop's length."""
    notes = [(36, float(b), 0.25, 100.0, False) for b in range(16)]  # a kick every beat
    notes += [(38, 5.0, 0.25, 90.0, False), (42, 3.5, 0.25, 70.0, False)]  # in and out
    looped = FakeClip(16.0, notes, "looped", loop_start=4.0, loop_end=12.0)
    tracks = [FakeTrack("Drums", [looped, None, None])]
    with fake_live(tracks) as (fake, live):
        info = live.clip_info(SlotRef(0, 0))
        clip = live.read_clip(info)
        assert info.length == 8.0 and info.loop_start == 4.0
        assert "from beat 4" in info.describe()
        result = run_live(
            LiveRequest("variations", params={"count": 1, "seed": 3}),
            live,
            engine,
            MODELS,
            lambda _: None,
        )
        made = fake.clip(0, 1)
    assert clip.length == 8.0
    assert as_tuples(list(clip.notes)) == sorted(
        [(36, float(b), 0.25, 100.0, False) for b in range(8)] + [(38, 1.0, 0.25, 90.0, False)]
    )
    assert made is not None and made.length == 8.0 and made.loop_start == 0.0
    assert result.written and all(0 <= n[1] < 8.0 for n in made.notes)


@pytest.mark.integration
@pytest.mark.parametrize("version", ["2023-04", "2023-11-time-first"])
def test_an_old_abletonosc_is_named_with_the_version_needed(version: str) -> None:
    tracks = [FakeTrack("Drums", [small_clip("a"), None])]
    with (
        fake_live(tracks, version=version) as (_, live),
        pytest.raises(LiveError, match="older than 2023-11-18") as caught,
    ):
        live.read_clip(live.clip_info(SlotRef(0, 0)))
    assert "github.com/ideoforms/AbletonOSC" in caught.value.message


@pytest.mark.integration
def test_the_fake_answers_an_unknown_address_and_a_float_pitch_as_abletonosc_does() -> None:
    tracks = [FakeTrack("Drums", [small_clip("a")])]
    with fake_live(tracks) as (_, live):
        with pytest.raises(LiveError, match="Unknown OSC address: /live/clip/get/nonsense"):
            live.osc.query("/live/clip/get/nonsense", 0, 0)
        with pytest.raises(LiveError, match="did not match C\\+\\+ signature"):
            live.osc.query("/live/clip/get/notes", 0, 0, 0.0, 128.0, 0.0, 8.0, match=(0, 0))
        started = time.monotonic()
        reply = live.osc.query("/live/clip/get/notes", 0, 0, 0, 128, 0, 8, match=(0, 0))
        assert time.monotonic() - started >= 0.02  # answered on a tick, not at once
    pitches = reply[::5]
    assert pitches == sorted(pitches)  # Live lists notes by pitch, then time


@pytest.mark.integration
def test_humanize_plays_at_the_set_s_tempo(engine: Any) -> None:
    """The AbletonOSC mode asks Live for the song's tempo and a groove model
    that reads it plays to it; a qpm given with the request wins."""
    groove = "lb-groove_2bar_tempo_tiny"
    models = Profile({**MODELS.roles, "groove": groove})
    beat = small_clip("beat", (36, 42, 38, 42, 36, 42, 38, 42))

    def humanized(tempo: float, params: dict[str, Any]) -> tuple[list[Any], Clip]:
        with fake_live([FakeTrack("Beat", [beat, None])], tempo=tempo) as (fake, live):
            run_live(LiveRequest("humanize", params=params), live, engine, models, lambda _: None)
            source = live.read_clip(live.clip_info(SlotRef(0, 0)))
            return fake_notes(fake.clip(0, 1)), source

    slow, source = humanized(92.5, {"seed": 4})
    expected = engine.humanize(groove, source, seed=4, qpm=92.5).clips[0]
    assert slow == as_tuples(list(expected.notes))
    assert slow != as_tuples(list(engine.humanize(groove, source, seed=4).clips[0].notes))
    given, _ = humanized(92.5, {"seed": 4, "qpm": 140.0})
    assert given == as_tuples(
        list(engine.humanize(groove, source, seed=4, qpm=140.0).clips[0].notes)
    )
