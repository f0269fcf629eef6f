"""Shared test data and tools: clips, MIDI files and folders built in memory,
and a collector for the replies a server sends. No song files: every note is
written here."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.clips import Clip, Note, Track
from bridge.convert import midi_bytes, write_midi
from bridge.osc.protocol import NOTES_PER_PACKET, Outgoing, build, note_args

if TYPE_CHECKING:
    from bridge.engine.adapters import Adapter
    from bridge.osc.server import Server

__all__ = [
    "TRAIN_MODEL",
    "Collector",
    "drum_clip",
    "drum_midi",
    "drum_track",
    "make_folder",
    "melody_midi",
    "model_inputs",
    "rock_beat",
    "train_config",
    "window_drums",
    "window_melody",
]


# --- clips and MIDI ------------------------------------------------------------------


def drum_clip(variant: int = 0, bars: int = 2) -> Clip:
    """``bars`` bars of hats, kick and snare; ``variant`` moves the kicks and accents."""
    beats = 4 * bars
    notes = [
        Note(42, i * 0.5, 0.25, velocity=60 + (i * 7 + variant) % 60) for i in range(beats * 2)
    ]
    notes += [Note(36, (b * 4 + (variant % 4) * 0.5) % beats, 0.25) for b in range(bars)]
    notes += [Note(38, 1.0 + i * 2, 0.25, velocity=100) for i in range(bars * 2)]
    return Clip(notes, float(beats), name=f"Beat {variant}")


def rock_beat(shift: float = 0.0, *, hats: bool = True) -> Track:
    """Two bars of kick and snare (the first snare ``shift`` beats late), eighth hats."""
    notes = [Note(36, 0, 0.25), Note(38, 1 + shift, 0.25), Note(36, 4, 0.25), Note(38, 5, 0.25)]
    if hats:
        notes += [Note(42, i * 0.5, 0.25, velocity=70) for i in range(16)]
    return Track(Clip(notes, 8.0, name="beat"), True, 0)


def drum_midi(variant: int = 0, bars: int = 2) -> bytes:
    return midi_bytes([Track(drum_clip(variant, bars), True, 0)])


def melody_midi() -> bytes:
    clip = Clip([Note(60 + i % 7, i * 0.5, 0.5) for i in range(16)], 8.0, name="Tune")
    return midi_bytes([Track(clip, False, 0)])


def drum_track(bars: int, variant: int = 0) -> Track:
    notes = []
    for bar in range(bars):
        base = bar * 4.0
        for beat in range(4):
            notes.append(Note(42, base + beat, 0.25, 80))
            notes.append(Note(42, base + beat + 0.5, 0.25, 60))
        notes.append(Note(36, base, 0.25, 110))
        notes.append(Note(36, base + 2.0 + 0.5 * (variant % 2), 0.25, 100))
        notes.append(Note(38, base + 1.0, 0.25, 100))
        notes.append(Note(38, base + 3.0, 0.25, 100))
    return Track(Clip(tuple(notes), bars * 4.0), is_drum=True)


def make_folder(root: Path, files: int = 4, bars: int = 8) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        sub = root / ("a" if i % 2 else "b")
        sub.mkdir(exist_ok=True)
        write_midi([drum_track(bars, i)], sub / f"groove_{i}.mid")
    return root


def window_drums(beats: float) -> Clip:
    notes = []
    for bar in range(int(beats // 4)):
        o = bar * 4.0
        notes += [
            Note(36, o, 0.25),
            Note(38, o + 1, 0.25),
            Note(36, o + 2.5, 0.25),
            Note(38, o + 3, 0.25),
        ]
        notes += [Note(42, o + k * 0.5, 0.25) for k in range(8)]
    return Clip(notes, beats)


def window_melody(beats: float, base: int = 60) -> Clip:
    pitches = [0, 2, 4, 5, 7, 5, 4, 2]
    notes = [Note(base + pitches[i % 8], i * 0.5, 0.5) for i in range(int(beats * 2))]
    return Clip(notes, beats)


def model_inputs(adapter: Adapter) -> list[Track]:
    """A full window of input tracks for any registered model."""
    from bridge.engine.registry import Role

    beats = adapter.beats
    if adapter.role in (Role.DRUMS, Role.GROOVE):
        return [Track(window_drums(beats), True, 0)]
    if adapter.role is Role.MELODY:
        return [Track(window_melody(beats), False, 0)]
    bass = Clip([Note(36 + (i % 4) * 2, i * 1.0, 1.0) for i in range(int(beats))], beats)
    return [
        Track(window_melody(beats, 72), False, 0),
        Track(bass, False, 33),
        Track(window_drums(beats), True, 0),
    ]


# --- training ---------------------------------------------------------------------

TRAIN_MODEL = "lb-drums_2bar_tiny"


def train_config(tmp: Path, midi: Path, **kw: Any) -> Any:
    """A short training run of the tiny drum model on ``midi``."""
    from bridge.train.loop import TrainConfig

    base = dict(
        midi_dir=midi,
        model=TRAIN_MODEL,
        out=tmp / "run",
        steps=6,
        batch_size=8,
        eval_every=3,
        eval_examples=16,
        patience=0,
        device="cpu",
        learning_rate=3e-3,
    )
    base.update(kw)
    return TrainConfig(**base)


# --- replies -------------------------------------------------------------------------


class Collector:
    def __init__(self) -> None:
        self.items: list[Outgoing] = []
        self.cond = threading.Condition()

    def __call__(self, messages: list[Outgoing]) -> None:
        with self.cond:
            self.items.extend(messages)
            self.cond.notify_all()

    def wait_for(self, rid: int, names: tuple[str, ...], timeout: float = 60.0) -> list[Outgoing]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                mine = [m for m in self.items if m.args and m.args[0] == rid]
                if any(m.address.rsplit("/lb/", 1)[-1] in names for m in mine):
                    return mine
                left = deadline - time.monotonic()
                assert left > 0, f"no {names} for request {rid}; got {[m.address for m in mine]}"
                self.cond.wait(left)


# --- talking to a server without sockets -------------------------------------------

CLIENT = ("127.0.0.1", 50000)
PORT = 50001  # the reply port the fake client names


def send(srv: Server, address: str, *args: Any) -> list[Outgoing]:
    return srv.handle(build(address, args), CLIENT)


def osc_beat() -> Clip:
    """Five notes over two bars, one with probability 0.5 (carried into results)."""
    notes = [Note(36, 0, 0.25), Note(38, 1, 0.25), Note(42, 0.5, 0.25, probability=0.5)]
    return Clip([*notes, Note(36, 4, 0.25), Note(38, 5, 0.25)], 8.0, name="beat")


def upload(
    srv: Server,
    rid: int | str,
    slot: int,
    track: Track,
    *,
    skip: int | None = None,
    dup: int | None = None,
) -> list[Outgoing]:
    clip = track.clip
    out = send(
        srv,
        "/lb/clip/begin",
        PORT,
        rid,
        slot,
        clip.length,
        4,
        4,
        len(clip.notes),
        int(track.is_drum),
        track.program,
        clip.name,
    )
    parts = [
        clip.notes[i : i + NOTES_PER_PACKET] for i in range(0, len(clip.notes), NOTES_PER_PACKET)
    ]
    for p, part in enumerate(parts):
        if p == skip:
            continue
        out += send(srv, "/lb/clip/notes", PORT, rid, slot, p, *note_args(part))
        if p == dup:
            out += send(srv, "/lb/clip/notes", PORT, rid, slot, p, *note_args(part))
    out += send(srv, "/lb/clip/end", PORT, rid, slot, len(parts))
    return out


def names(messages: list[Outgoing]) -> list[str]:
    return [m.address.removeprefix("/lb/") for m in messages]


def error_code(messages: list[Outgoing]) -> str:
    errors = [m for m in messages if m.address == "/lb/error"]
    assert errors, names(messages)
    return str(errors[0].args[1])
