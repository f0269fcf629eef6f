"""The one mapping from an operation name and options to the engine call."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.clips import Clip, Note, Track
from bridge.engine.engine import Generation
from bridge.errors import InvalidRequestError
from bridge.ops import OPERATIONS, OpOptions, canonical_op, run_operation


class RecordingEngine:
    """Records the engine method called and its arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Generation:
            self.calls.append((name, args, kwargs))
            return Generation("m", f"generation of {name}", 0, [])

        return call


def track(pitch: int, drum: bool = False) -> Track:
    return Track(Clip((Note(pitch, 0.0, 1.0),), 4.0), is_drum=drum)


def run(
    op: str, tracks: list[Track], **options: Any
) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    engine = RecordingEngine()
    result: object = run_operation(engine, "m", op, tracks, OpOptions(**options))  # type: ignore[arg-type]
    assert isinstance(result, Generation)
    assert result.operation == f"generation of {engine.calls[0][0]}"
    assert len(engine.calls) == 1
    return engine.calls[0]


def test_each_operation_calls_its_engine_method_with_only_the_given_options() -> None:
    a, b, c = track(60), track(62), track(64)
    assert run("sample", [], n=3) == ("sample", ("m",), {"n": 3})
    assert run("variations", [a], n=2, similarity=0.5, temperature=0.7) == (
        "variations",
        ("m", a.clip),
        {"n": 2, "similarity": 0.5, "temperature": 0.7},
    )
    assert run("interpolate", [a, b], steps=7, seed=4) == (
        "interpolate",
        ("m", a.clip, b.clip),
        {"steps": 7, "seed": 4},
    )
    assert run("blend", [a, b, c, a], x=0.25, y=1.0) == (
        "blend",
        ("m", [a.clip, b.clip, c.clip, a.clip], 0.25, 1.0),
        {},
    )
    assert run("grid", [a, b, c, a], cols=3) == (
        "blend_grid",
        ("m", [a.clip, b.clip, c.clip, a.clip]),
        {"cols": 3},
    )
    assert run("humanize", [a], temperature=0.2, n=9) == (
        "humanize",
        ("m", a.clip),
        {"temperature": 0.2},
    )
    drums = track(36, drum=True)
    assert run("multitrack", [a, drums], n=2) == ("multitrack", ("m", [a, drums]), {"n": 2})
    assert run("multitrack", []) == ("multitrack", ("m", []), {})
    # Options an operation does not take are not passed on.
    assert run("sample", [], steps=3, x=0.5, similarity=0.1, qpm=90.0) == ("sample", ("m",), {})
    # The song's tempo goes to every operation that takes one.
    assert run("humanize", [a], qpm=92.5) == ("humanize", ("m", a.clip), {"qpm": 92.5})
    assert run("blend", [a, b, c, a], x=0.0, y=0.0, qpm=70.0)[2] == {"qpm": 70.0}
    assert run("variations", [a], qpm=181.0)[2] == {"qpm": 181.0}


def test_the_song_s_tempo_fills_in_only_where_none_was_given() -> None:
    from bridge.ops import get_operation, with_song_tempo

    humanize, sample = get_operation("humanize"), get_operation("sample")
    assert with_song_tempo(humanize, humanize.options({}), 75.0).qpm == 75.0
    assert with_song_tempo(humanize, humanize.options({"qpm": 0}), 75.0).qpm == 75.0
    assert with_song_tempo(humanize, humanize.options({"qpm": 90}), 75.0).qpm == 90.0
    assert with_song_tempo(sample, sample.options({}), 75.0).qpm is None
    with pytest.raises(InvalidRequestError, match="qpm must be 20 to 400"):
        humanize.options({"qpm": 19.5})


def test_variations_pass_on_the_clip_s_drum_flag_only_when_given() -> None:
    a = track(36, drum=True)
    assert run("variations", [a], is_drum=True)[2] == {"is_drum": True}
    assert run("variations", [a])[2] == {}


@pytest.mark.parametrize(
    ("op", "count", "message"),
    [
        ("variations", 0, "variations takes 1 clip"),
        ("variations", 2, "variations takes 1 clip"),
        ("interpolate", 1, "interpolate takes 2 clip"),
        ("blend", 5, "blend takes 4 clip"),
        ("grid", 2, "grid takes 4 clip"),
        ("sample", 1, "sample takes 0 clip"),
    ],
)
def test_wrong_number_of_clips_is_a_clear_error(op: str, count: int, message: str) -> None:
    engine = RecordingEngine()
    with pytest.raises(InvalidRequestError, match=message):
        run_operation(engine, "m", op, [track(60)] * count, OpOptions())  # type: ignore[arg-type]
    assert engine.calls == []


def test_blend_needs_both_coordinates_and_unknown_operations_are_named() -> None:
    engine = RecordingEngine()
    with pytest.raises(InvalidRequestError, match="blend needs x and y"):
        run_operation(engine, "m", "blend", [track(60)] * 4, OpOptions(x=0.5))  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match=r"unknown operation 'remix'.*variations"):
        run_operation(engine, "m", "remix", [], OpOptions())  # type: ignore[arg-type]
    assert engine.calls == []
    assert canonical_op("grid") == "blend_grid" and canonical_op("blend_grid") == "blend_grid"
    assert list(OPERATIONS) == [
        "sample",
        "variations",
        "interpolate",
        "blend",
        "grid",
        "humanize",
        "multitrack",
        "endless",
    ]


def test_options_from_a_request_s_parameters_ignore_other_names() -> None:
    options = OpOptions.from_mapping({"n": 4, "temperature": 0.5, "chunk": 3, "model": "x"})
    assert options == OpOptions(n=4, temperature=0.5)


def test_a_single_part_s_results_keep_its_instrument() -> None:
    """A bass line's variations come back as bass: the first input's program
    (the engine's one-part results carry program 0)."""

    class OneOutput:
        def variations(self, model: str, clip: Clip, **kw: Any) -> Generation:
            return Generation(model, "variations", 0, [[Track(clip, False, 0)]])

    bass = Track(Clip((Note(33, 0.0, 1.0),), 4.0), is_drum=False, program=33)
    out = run_operation(OneOutput(), "m", "variations", [bass], OpOptions())  # type: ignore[arg-type]
    assert out.outputs[0][0].program == 33
