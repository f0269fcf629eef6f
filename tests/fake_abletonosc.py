"""A fake AbletonOSC on loopback, for testing ``latent-bridge live`` without Live.

It implements the addresses ``bridge.live`` uses the way AbletonOSC's README
and its handlers (``abletonosc/{song,view,track,clip_slot,clip}.py``) define
them, with the behaviour that matters to a client:

- It listens on the port it is given (11000 in Live) and answers every query
  at ``reply_port`` (11001 in Live) of the *sender's host*, never at the port
  the query came from.
- A getter's reply repeats the address and the indexes asked about; commands
  answer nothing.
- An exception in a handler is relayed as ``/live/error`` with one string,
  ``"Error handling OSC message: <exception>"``, naming no request.
- Notes travel as five values: pitch (int), start, duration, velocity (float32)
  and mute (OSC true/false). ``/live/clip/get/notes`` and ``remove/notes`` take
  no area or ``start_pitch pitch_span start_time time_span``; without one they
  use AbletonOSC's default span of 127 pitches (pitch 127 left out).
- A reply larger than ``max_datagram`` is not sent: 9216 bytes, macOS's default
  ``net.inet.udp.maxdgram``, which is where Live users hit AbletonOSC issue #88
  (``OSError: [Errno 40] Message too long``). AbletonOSC logs that failure at
  error level, which its log relay sends on as ``/live/error "Socket error:
  ..."`` (``oversize="error"``); older versions logged it at info level and
  sent nothing (``oversize="silent"``).
- A clip made by ``/live/clip_slot/create_clip`` shows up only ``ready_after``
  seconds later: until then ``has_clip`` is false and adding notes fails with
  the ``'NoneType' object has no attribute 'add_new_notes'`` error of issue #60.
- Messages are handled on Live's ticks, every ``tick`` seconds (about 100 ms
  in Live): whatever arrived since the last tick is handled in order, then.
- An address no handler knows is logged at error level ("AbletonOSC: Unknown
  OSC address: ..."), which reaches the client as ``/live/error "Unknown OSC
  address: ..."`` (``osc_server.py``, and the log relay in ``manager.py``,
  which drops the text up to the first colon).
- Types are Live's: ``get_notes_extended`` and ``remove_notes_extended`` take
  (int, int, float, float), and a float pitch fails with Boost.Python's "did
  not match C++ signature" (ints pass as floats, as Boost converts them);
  notes come back sorted by pitch, then time, as Live lists them.
- A clip has a loop (``loop_start``, ``loop_end``; ``start_marker``), which
  may start later than beat 0; ``length`` is the loop's length.
- ``/live/clip/fire`` starts a clip at once (Live waits for its launch
  quantization) and it loops at ``tempo``; ``playing_position`` is where in
  its loop it is. On each tick the notes its playhead passed are appended to
  ``played``, as the clip held them then: what a listener heard.
- ``version`` plays an older AbletonOSC: ``"2023-04"`` (before 2023-11-18:
  ``get/notes`` ignores its arguments and answers every note from 0 to the
  clip's end, and ``start_marker`` is unknown) or ``"2023-11-time-first"``
  (the hours on 2023-11-18 when ``get/notes`` read time start, pitch start,
  time span, pitch span).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket, ParseError

MACOS_MAX_DATAGRAM = 9216

FakeNote = tuple[int, float, float, float, bool]


@dataclass
class FakeClip:
    length: float
    notes: list[FakeNote] = field(default_factory=list)
    name: str = ""
    is_midi: bool = True
    ready_at: float = 0.0  # monotonic time from which Live shows it
    loop_start: float = 0.0
    loop_end: float | None = None  # None: the clip's length
    started_at: float | None = None  # monotonic time it began to play; None: stopped
    heard: float = 0.0  # beats since it started up to which its notes have played
    # What Live played: (beats since the clip started, note as it was then).
    played: list[tuple[float, FakeNote]] = field(default_factory=list)

    @property
    def end(self) -> float:
        return self.length if self.loop_end is None else self.loop_end


@dataclass
class FakeTrack:
    name: str
    slots: list[FakeClip | None]
    devices: list[str] = field(default_factory=list)  # device class names


def f32(value: float) -> float:
    """A float as it comes back from an OSC float32."""
    import struct

    result: float = struct.unpack(">f", struct.pack(">f", value))[0]
    return result


class FakeAbletonOSC:
    """A thread serving AbletonOSC's addresses for an in-memory Live set."""

    def __init__(
        self,
        tracks: Iterable[FakeTrack],
        *,
        reply_port: int,
        port: int = 0,
        host: str = "127.0.0.1",
        selected: tuple[int, int] = (0, 0),
        max_datagram: int = MACOS_MAX_DATAGRAM,
        oversize: str = "error",
        ready_after: float = 0.15,
        answer: bool = True,
        drop_adds: Iterable[int] = (),
        tick: float = 0.1,
        version: str = "current",
        tempo: float = 120.0,
    ) -> None:
        self.tracks = list(tracks)
        self.reply_port = reply_port
        self.selected = selected
        self.max_datagram = max_datagram
        self.oversize = oversize
        self.ready_after = ready_after
        self.answer = answer
        self.drop_adds = set(drop_adds)  # add/notes datagrams lost on the way, by count
        self.tick = tick
        self.version = version
        self.tempo = tempo
        self.received: list[tuple[str, list[Any]]] = []
        self.oversized = 0  # replies not sent for their size
        self._adds = 0
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, port))
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-abletonosc", daemon=True)
        self._handlers: dict[str, Callable[[list[Any]], tuple[Any, ...] | None]] = {
            "/live/test": lambda a: ("ok",),
            "/live/song/get/num_tracks": lambda a: (len(self.tracks),),
            "/live/song/get/num_scenes": lambda a: (self._num_scenes(),),
            "/live/song/get/signature_numerator": lambda a: (4,),
            "/live/song/get/signature_denominator": lambda a: (4,),
            "/live/song/create_scene": self._create_scene,
            "/live/view/get/selected_clip": lambda a: self.selected,
            "/live/view/get/selected_track": lambda a: (self.selected[0],),
            "/live/view/get/selected_scene": lambda a: (self.selected[1],),
            "/live/track/get/name": lambda a: (int(a[0]), self._track(a).name),
            "/live/track/get/devices/class_name": lambda a: (int(a[0]), *self._track(a).devices),
            "/live/clip_slot/get/has_clip": self._has_clip,
            "/live/clip_slot/create_clip": self._create_clip,
            "/live/clip/get/notes": self._get_notes,
            "/live/clip/add/notes": self._add_notes,
            "/live/clip/remove/notes": self._remove_notes,
            "/live/clip/get/name": lambda a: (*self._ids(a), self._clip(a).name),
            "/live/clip/set/name": self._set_name,
            "/live/clip/get/length": lambda a: (*self._ids(a), self._loop_length(a)),
            "/live/clip/get/is_midi_clip": lambda a: (*self._ids(a), self._clip(a).is_midi),
            "/live/clip/get/loop_start": lambda a: (*self._ids(a), self._clip(a).loop_start),
            "/live/clip/get/loop_end": lambda a: (*self._ids(a), self._clip(a).end),
            "/live/clip/get/start_marker": lambda a: (*self._ids(a), self._clip(a).loop_start),
            "/live/clip/fire": self._fire,
            "/live/clip/stop": self._stop_clip,
            "/live/clip/get/is_playing": lambda a: (
                *self._ids(a),
                self._clip(a).started_at is not None,
            ),
            "/live/clip/get/playing_position": lambda a: (*self._ids(a), self._position(a)),
            "/live/song/get/tempo": lambda a: (self.tempo,),
        }
        if version == "2023-04":
            del self._handlers["/live/clip/get/start_marker"]

    # -- running ------------------------------------------------------------
    def __enter__(self) -> FakeAbletonOSC:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def _serve(self) -> None:
        pending: list[tuple[bytes, str]] = []
        next_tick = time.monotonic() + self.tick
        while not self._stop.is_set():
            self._sock.settimeout(max(0.001, min(0.05, next_tick - time.monotonic())))
            try:
                data, sender = self._sock.recvfrom(65536)
                pending.append((data, sender[0]))
            except TimeoutError:
                pass
            except OSError:
                return
            if time.monotonic() < next_tick:
                continue
            next_tick = time.monotonic() + self.tick
            with self._lock:
                self._play(time.monotonic())
            handled, pending = pending, []
            for data, host in handled:
                try:
                    messages = [m.message for m in OscPacket(data).messages]
                except ParseError:
                    continue
                for message in messages:
                    self._handle(message.address, list(message.params), host)

    def _handle(self, address: str, args: list[Any], host: str) -> None:
        with self._lock:
            self.received.append((address, args))
        if not self.answer:
            return
        handler = self._handlers.get(address)
        if handler is None:  # logged at error level, relayed without its "AbletonOSC: "
            self._send(host, "/live/error", (f"Unknown OSC address: {address}",))
            return
        try:
            with self._lock:
                reply = handler(args)
        except Exception as exc:
            self._send(host, "/live/error", (f"Error handling OSC message: {exc}",))
            return
        if reply is not None:
            self._send(host, address, reply)

    def _send(self, host: str, address: str, args: Iterable[Any]) -> None:
        builder = OscMessageBuilder(address)
        for a in args:
            builder.add_arg(a)  # int i, float f (float32), bool T/F, str s, None N
        dgram = builder.build().dgram
        if len(dgram) > self.max_datagram:
            self.oversized += 1
            if self.oversize == "error":
                self._send(
                    host,
                    "/live/error",
                    (
                        "Socket error: Traceback (most recent call last): ... "
                        "OSError: [Errno 40] Message too long",
                    ),
                )
            return
        self._sock.sendto(dgram, (host, self.reply_port))

    # -- the set --------------------------------------------------------------
    def _num_scenes(self) -> int:
        return max((len(t.slots) for t in self.tracks), default=0)

    def _track(self, args: list[Any]) -> FakeTrack:
        return self.tracks[int(args[0])]

    @staticmethod
    def _ids(args: list[Any]) -> tuple[int, int]:
        return int(args[0]), int(args[1])

    def _slot(self, args: list[Any]) -> FakeClip | None:
        track = self._track(args)
        clip = track.slots[int(args[1])]
        if clip is not None and time.monotonic() < clip.ready_at:
            return None  # created, not there yet
        return clip

    def _clip(self, args: list[Any]) -> FakeClip:
        clip = self._slot(args)
        if clip is None:
            # What Live's Python says when a handler reaches for an empty slot's clip.
            raise AttributeError("'NoneType' object has no attribute 'get_notes_extended'")
        return clip

    def _create_scene(self, args: list[Any]) -> None:
        index = int(args[0]) if args else -1
        for t in self.tracks:
            if index < 0 or index >= len(t.slots):
                t.slots.append(None)
            else:
                t.slots.insert(index, None)

    def _has_clip(self, args: list[Any]) -> tuple[Any, ...]:
        return (*self._ids(args), self._slot(args) is not None)

    def _create_clip(self, args: list[Any]) -> None:
        track = self._track(args)
        slot = int(args[1])
        if track.slots[slot] is not None:
            raise RuntimeError("Clip slot already has a clip")
        track.slots[slot] = FakeClip(float(args[2]), ready_at=time.monotonic() + self.ready_after)

    def _loop_length(self, args: list[Any]) -> float:
        clip = self._clip(args)
        return clip.end - clip.loop_start

    def _area(self, args: list[Any], method: str) -> tuple[int, int, float, float]:
        if len(args) == 4:
            if self.version == "2023-11-time-first" and method == "get_notes":
                args = [args[1], args[3], args[0], args[2]]  # read as time, pitch, span, span
            pitch, pitch_span, start, span = args
            if not all(type(v) is int for v in (pitch, pitch_span)) or not all(
                type(v) in (int, float) for v in (start, span)
            ):
                names = ", ".join(type(v).__name__ for v in args)
                raise TypeError(
                    f"Python argument types in\n    Clip.{method}_extended(Clip, {names})\n"
                    "did not match C++ signature:\n"
                    f"    {method}_extended(TPyHandle<AClip>, int, int, float, float)"
                )
            return pitch, pitch_span, float(start), float(span)
        if not args:
            return 0, 127, -8192.0, 16384.0
        raise ValueError(
            "Invalid number of arguments for /clip/get/notes. "
            "Either 0 or 4 arguments must be passed."
        )

    def _get_notes(self, args: list[Any]) -> tuple[Any, ...]:
        clip = self._clip(args)
        if self.version == "2023-04":  # clip.get_notes(0, 0, clip.length, 127)
            lo, span, t0, tspan = 0, 127, 0.0, clip.length
        else:
            lo, span, t0, tspan = self._area(args[2:], "get_notes")
        out: list[Any] = []
        for pitch, start, duration, velocity, mute in sorted(clip.notes):
            if lo <= pitch < lo + span and t0 <= start < t0 + tspan:
                out += [pitch, start, duration, velocity, mute]
        return (*self._ids(args), *out)

    def _add_notes(self, args: list[Any]) -> None:
        self._adds += 1
        if self._adds - 1 in self.drop_adds:
            return  # lost on the way
        clip = self._slot(args)
        if clip is None:
            raise AttributeError("'NoneType' object has no attribute 'add_new_notes'")
        values = args[2:]
        for i in range(0, len(values), 5):
            pitch, start, duration, velocity, mute = values[i : i + 5]
            clip.notes.append((int(pitch), f32(start), f32(duration), f32(velocity), bool(mute)))

    def _remove_notes(self, args: list[Any]) -> None:
        clip = self._clip(args)
        lo, span, t0, tspan = self._area(args[2:], "remove_notes")
        clip.notes = [
            n for n in clip.notes if not (lo <= n[0] < lo + span and t0 <= n[1] < t0 + tspan)
        ]

    # -- playing: clips launch at once (Live waits for its launch quantization)
    # and loop at ``tempo``; each tick, the notes their playhead passed are
    # "played" with what the clip held then (edits land on Live's ticks).
    def _fire(self, args: list[Any]) -> None:
        clip = self._clip(args)
        clip.started_at, clip.heard = time.monotonic(), 0.0

    def _stop_clip(self, args: list[Any]) -> None:
        clip = self._clip(args)
        self._play(time.monotonic())
        clip.started_at = None

    def _beats(self, clip: FakeClip, now: float) -> float:
        assert clip.started_at is not None
        return (now - clip.started_at) * self.tempo / 60.0

    def _position(self, args: list[Any]) -> float:
        clip = self._clip(args)
        if clip.started_at is None:
            return 0.0
        loop = clip.end - clip.loop_start
        return clip.loop_start + self._beats(clip, time.monotonic()) % loop

    def _play(self, now: float) -> None:
        for track in self.tracks:
            for clip in track.slots:
                if clip is None or clip.started_at is None:
                    continue
                loop = clip.end - clip.loop_start
                until = self._beats(clip, now)
                first = int(clip.heard // loop)
                for k in range(first, int(until // loop) + 1):
                    for note in sorted(clip.notes, key=lambda n: n[1]):
                        at = k * loop + note[1] - clip.loop_start
                        if clip.heard <= at < until:
                            clip.played.append((at, note))
                clip.heard = until

    def _set_name(self, args: list[Any]) -> None:
        self._clip(args).name = str(args[2])

    # -- for assertions -------------------------------------------------------
    def clip(self, track: int, slot: int) -> FakeClip | None:
        with self._lock:
            return self.tracks[track].slots[slot]

    def count(self, address: str) -> int:
        with self._lock:
            return sum(1 for a, _ in self.received if a == address)
