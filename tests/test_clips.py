"""Notes, time signatures, clips and tracks: validation and dict round trips."""

from __future__ import annotations

import json
import math
from dataclasses import FrozenInstanceError
from typing import Any

import pytest

from bridge.clips import FOUR_FOUR, Clip, Note, TimeSignature, Track
from bridge.errors import InvalidClipError, InvalidNoteError


def make_clip() -> Clip:
    return Clip(
        [
            Note(64, 1.0, 0.5, velocity=90, probability=0.5),
            Note(60, 0.0, 1.0),
            Note(67, 1.0, 0.25, mute=True, velocity_deviation=-10, release_velocity=30),
        ],
        8.0,
        name="Keys",
    )


# --- Note -----------------------------------------------------------------


def test_note_defaults_and_coercion() -> None:
    note = Note(60, 0, 1)
    assert note == Note(60, 0.0, 1.0, 100.0, False, 1.0, 0.0, 64.0)
    assert isinstance(note.start_time, float)
    assert isinstance(note.duration, float)
    assert isinstance(note.velocity, float)
    assert note.end_time == 1.0


def test_note_is_frozen() -> None:
    note = Note(60, 0.0, 1.0)
    with pytest.raises(FrozenInstanceError):
        note.pitch = 61  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pitch": 128}, "pitch"),
        ({"pitch": -1}, "pitch"),
        ({"pitch": True}, "pitch"),
        ({"pitch": 60.0}, "pitch"),
        ({"pitch": "60"}, "pitch"),
        ({"start_time": -0.25}, "start_time"),
        ({"start_time": math.nan}, "start_time"),
        ({"start_time": math.inf}, "start_time"),
        ({"start_time": "0"}, "start_time"),
        ({"duration": 0.0}, "duration"),
        ({"duration": -1.0}, "duration"),
        ({"duration": math.nan}, "duration"),
        ({"duration": True}, "duration"),
        ({"velocity": 128.0}, "velocity"),
        ({"velocity": -1}, "velocity"),
        ({"velocity": math.inf}, "velocity"),
        ({"probability": 1.5}, "probability"),
        ({"probability": -0.1}, "probability"),
        ({"velocity_deviation": 128.0}, "velocity_deviation"),
        ({"velocity_deviation": -128.0}, "velocity_deviation"),
        ({"release_velocity": 127.5}, "release_velocity"),
        ({"mute": "yes"}, "mute"),
        ({"mute": 2}, "mute"),
    ],
)
def test_note_rejects_bad_fields(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"pitch": 60, "start_time": 0.0, "duration": 1.0, **kwargs}
    with pytest.raises(InvalidNoteError) as info:
        Note(**args)
    assert field in str(info.value)
    assert str(kwargs[field]) in str(info.value) or repr(kwargs[field]) in str(info.value)
    assert info.value.code == "invalid_note"


def test_note_accepts_range_edges() -> None:
    Note(0, 0.0, 1e-9, velocity=0, probability=0, velocity_deviation=-127, release_velocity=0)
    Note(127, 1e6, 64.0, velocity=127, probability=1, velocity_deviation=127, release_velocity=127)


def test_note_mute_accepts_zero_and_one() -> None:
    assert Note(60, 0.0, 1.0, mute=1).mute is True  # type: ignore[arg-type]
    assert Note(60, 0.0, 1.0, mute=0).mute is False  # type: ignore[arg-type]


def test_note_dict_round_trip() -> None:
    note = Note(62, 0.75, 0.25, 80.0, True, 0.5, 12.0, 30.0)
    data = note.to_dict()
    assert data == {
        "pitch": 62,
        "start_time": 0.75,
        "duration": 0.25,
        "velocity": 80.0,
        "mute": True,
        "probability": 0.5,
        "velocity_deviation": 12.0,
        "release_velocity": 30.0,
    }
    assert Note.from_dict(json.loads(json.dumps(data))) == note


def test_note_from_dict_minimal() -> None:
    assert Note.from_dict({"pitch": 60, "start_time": 0, "duration": 1}) == Note(60, 0.0, 1.0)


def test_note_from_dict_rejects_unknown_and_missing_keys() -> None:
    with pytest.raises(InvalidNoteError, match="colour"):
        Note.from_dict({"pitch": 60, "start_time": 0, "duration": 1, "colour": 3})
    with pytest.raises(InvalidNoteError, match="duration"):
        Note.from_dict({"pitch": 60, "start_time": 0})
    with pytest.raises(InvalidNoteError, match="pitch"):
        Note.from_dict({"pitch": 200, "start_time": 0, "duration": 1})


# --- TimeSignature --------------------------------------------------------


def test_time_signature() -> None:
    assert FOUR_FOUR.beats_per_bar == 4.0
    assert str(FOUR_FOUR) == "4/4"
    assert TimeSignature(6, 8).beats_per_bar == 3.0
    assert TimeSignature(7, 16).beats_per_bar == 1.75
    assert str(TimeSignature(3, 4)) == "3/4"


@pytest.mark.parametrize(
    ("numerator", "denominator"),
    [(0, 4), (33, 4), (4, 3), (4, 0), (4, 64), (True, 4), (4.0, 4), (4, "4")],
)
def test_time_signature_rejects_bad_values(numerator: Any, denominator: Any) -> None:
    with pytest.raises(InvalidClipError, match="time signature"):
        TimeSignature(numerator, denominator)


# --- Clip -----------------------------------------------------------------


def test_clip_sorts_notes_and_stores_a_tuple() -> None:
    clip = make_clip()
    assert isinstance(clip.notes, tuple)
    assert [(n.start_time, n.pitch) for n in clip.notes] == [(0.0, 60), (1.0, 64), (1.0, 67)]
    assert clip.time_signature == FOUR_FOUR
    assert clip.bars == 2.0


def test_clip_accepts_any_iterable() -> None:
    notes = (Note(60 + i, float(i), 1.0) for i in range(3))
    assert len(Clip(notes, 4.0).notes) == 3


def test_clip_properties() -> None:
    clip = make_clip()
    assert not clip.is_empty
    # The muted 67 does not play, so it is not part of the range.
    assert clip.pitch_range() == (60, 64)
    assert Clip([], 4.0).is_empty
    assert Clip([], 4.0).pitch_range() is None
    assert Clip([Note(60, 0.0, 1.0, mute=True)], 4.0).is_empty
    assert Clip([], 6.0, TimeSignature(3, 4)).bars == 2.0


def test_clip_with_notes_keeps_the_rest() -> None:
    clip = make_clip()
    other = clip.with_notes([Note(50, 2.0, 1.0)])
    assert other.notes == (Note(50, 2.0, 1.0),)
    assert (other.length, other.time_signature, other.name) == (8.0, FOUR_FOUR, "Keys")


@pytest.mark.parametrize("length", [0.0, -4.0, math.nan, math.inf, "4", True])
def test_clip_rejects_bad_length(length: Any) -> None:
    with pytest.raises(InvalidClipError, match="length"):
        Clip([], length)


def test_clip_rejects_a_note_at_or_after_its_end() -> None:
    with pytest.raises(InvalidClipError) as info:
        Clip([Note(60, 4.0, 1.0)], 4.0)
    assert "60" in str(info.value)
    assert "4 beats" in str(info.value)
    # A note may start just before the end and ring past it, as in Live.
    assert Clip([Note(60, 3.75, 2.0)], 4.0).notes[0].end_time == 5.75


def test_clip_rejects_non_notes_and_bad_fields() -> None:
    with pytest.raises(InvalidClipError):
        Clip([(60, 0.0, 1.0)], 4.0)  # type: ignore[list-item]
    with pytest.raises(InvalidClipError):
        Clip([], 4.0, (4, 4))  # type: ignore[arg-type]
    with pytest.raises(InvalidClipError):
        Clip([], 4.0, name=3)  # type: ignore[arg-type]


def test_clip_dict_round_trip_through_json() -> None:
    clip = Clip(make_clip().notes, 6.0, TimeSignature(3, 4), "Keys")
    data = json.loads(json.dumps(clip.to_dict()))
    assert data["time_signature"] == [3, 4]
    assert Clip.from_dict(data) == clip


def test_clip_from_dict_defaults_and_errors() -> None:
    assert Clip.from_dict({"length": 4}) == Clip([], 4.0)
    with pytest.raises(InvalidClipError, match="tempo"):
        Clip.from_dict({"length": 4, "tempo": 120})
    with pytest.raises(InvalidClipError, match="length"):
        Clip.from_dict({"notes": []})
    with pytest.raises(InvalidClipError, match="time_signature"):
        Clip.from_dict({"length": 4, "time_signature": "4/4"})
    with pytest.raises(InvalidClipError, match="denominator"):
        Clip.from_dict({"length": 4, "time_signature": [4, 5]})
    with pytest.raises(InvalidNoteError, match="probability"):
        Clip.from_dict(
            {
                "length": 4,
                "notes": [{"pitch": 60, "start_time": 0, "duration": 1, "probability": 2}],
            }
        )


# --- Track ----------------------------------------------------------------


def test_track() -> None:
    track = Track(make_clip(), is_drum=True, program=0)
    assert track.clip.name == "Keys"
    assert Track(make_clip()).program == 0


@pytest.mark.parametrize("program", [-1, 128, True, 1.0])
def test_track_rejects_bad_program(program: Any) -> None:
    with pytest.raises(InvalidClipError, match="program"):
        Track(make_clip(), program=program)
