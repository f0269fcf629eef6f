"""Playing an endless stream in time: bars made ahead on a thread of their
own (:class:`Stream`), and a :class:`Player` that sends each bar's notes as
MIDI messages at their moment, at bar lines, to any output with ``send``
(a mido port, a virtual port, a test's list).

It never stalls: a bar that is not ready at its bar line is replaced by the
bar before it, again, and the player says so. No note is left sounding: a
bar's notes end inside it, and stopping sends a note-off for every note
still on, then "all notes off" on every channel used.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bridge.endless.conductor import BAR_BEATS, Bar
from bridge.errors import InvalidRequestError

__all__ = [
    "Clock",
    "MidiOut",
    "PlayReport",
    "Player",
    "Stream",
    "SystemClock",
    "bar_messages",
    "channels_for",
]

log = logging.getLogger(__name__)

DRUM_CHANNEL = 9  # General MIDI's drum channel (10, counted from 1)
CLOCKS_PER_BEAT = 24  # MIDI clock


class MidiOut(Protocol):
    """Where messages go: mido's output ports have this ``send``."""

    def send(self, msg: Any) -> None: ...


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep_until(self, t: float, stop: threading.Event) -> None: ...


class SystemClock:
    """The machine's monotonic clock; a sleep ends early when ``stop`` is set."""

    def now(self) -> float:
        return time.monotonic()

    def sleep_until(self, t: float, stop: threading.Event) -> None:
        delay = t - time.monotonic()
        if delay > 0:
            stop.wait(delay)


class Stream:
    """Bars from ``bars``, made up to ``ahead`` bars before they are taken,
    on a thread of its own. An error while making them ends the stream (the
    player then repeats its last bar) and is kept in ``error``."""

    def __init__(self, bars: Iterator[Bar], *, ahead: int = 8) -> None:
        if ahead < 1:
            raise InvalidRequestError(f"the buffer holds at least one bar, got {ahead}")
        self._bars = bars
        self.ahead = ahead
        self._buffer: deque[Bar] = deque()
        self._cond = threading.Condition()
        self._stopped = False
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._make, name="endless-conductor", daemon=True)

    def start(self) -> Stream:
        self._thread.start()
        return self

    def _make(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopped or len(self._buffer) < self.ahead)
                if self._stopped:
                    return
            try:
                bar = next(self._bars)
            except BaseException as exc:  # the stream ends; the player keeps time
                log.exception("the endless stream stopped making bars")
                with self._cond:
                    self.error = exc
                    self._cond.notify_all()
                return
            with self._cond:
                self._buffer.append(bar)
                self._cond.notify_all()

    def buffered(self) -> int:
        with self._cond:
            return len(self._buffer)

    def take(self, timeout: float) -> Bar | None:
        """The next bar, waiting at most ``timeout`` seconds; None if it is late."""
        with self._cond:
            self._cond.wait_for(
                lambda: bool(self._buffer) or self._stopped or self.error is not None,
                timeout=max(0.0, timeout),
            )
            return self._buffer.popleft() if self._buffer else None

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=60)


def channels_for(parts: Sequence[str], drums: Sequence[bool]) -> list[int]:
    """A MIDI channel per part: drums on channel 10 (9 from 0), the others
    on 1, 2, ... (0, 1, ... from 0), skipping the drums' channel."""
    free = [c for c in range(16) if c != DRUM_CHANNEL]
    out, k = [], 0
    for _, d in zip(parts, drums, strict=True):
        if d:
            out.append(DRUM_CHANNEL)
        else:
            out.append(free[k % len(free)])
            k += 1
    return out


def bar_messages(bar: Bar, channels: Sequence[int], qpm: float) -> list[tuple[float, Any]]:
    """``(seconds from the bar line, message)`` for every note of ``bar``,
    in time order; at one moment note-offs come before note-ons."""
    import mido

    beat = 60.0 / qpm
    events: list[tuple[float, int, Any]] = []
    for track, channel in zip(bar.tracks, channels, strict=True):
        for n in track.clip.notes:
            if n.mute:
                continue
            start = n.start_time * beat
            end = max(start + 0.001, min(n.end_time, BAR_BEATS) * beat)
            velocity = max(1, min(127, round(n.velocity)))
            on = mido.Message("note_on", channel=channel, note=n.pitch, velocity=velocity)
            off = mido.Message("note_off", channel=channel, note=n.pitch, velocity=0)
            events.append((start, 1, on))
            events.append((end, 0, off))
    events.sort(key=lambda e: (e[0], e[1]))
    return [(t, m) for t, _, m in events]


@dataclass
class PlayReport:
    """What a :class:`Player` played."""

    bars: int = 0  # bar lines passed
    repeated: list[int] = field(default_factory=list)  # bar lines that played a bar again
    stopped_early: bool = False


class Player:
    """Plays a :class:`Stream` into ``out`` at ``qpm``, a bar per bar line.

    ``programs`` are sent once at the start (drum channels excepted); with
    ``clock`` the player also sends MIDI start, 24 clocks a beat and stop, so
    that a DAW or synth can follow its tempo. ``on_bar(bar, late)`` is called
    at each bar line with the bar that plays and whether it is a repeat.
    """

    def __init__(
        self,
        stream: Stream,
        out: MidiOut,
        *,
        qpm: float,
        channels: Sequence[int],
        programs: Sequence[int] = (),
        clock: Clock | None = None,
        midi_clock: bool = False,
        on_bar: Callable[[Bar, bool], None] | None = None,
    ) -> None:
        if not 20 <= qpm <= 999:
            raise InvalidRequestError(f"tempo must be 20 to 999 bpm, got {qpm}")
        self.stream = stream
        self.out = out
        self.qpm = float(qpm)
        self.channels = list(channels)
        self.programs = list(programs)
        self.clock = clock or SystemClock()
        self.midi_clock = midi_clock
        self.on_bar = on_bar
        self._sounding: set[tuple[int, int]] = set()

    @property
    def bar_seconds(self) -> float:
        return BAR_BEATS * 60.0 / self.qpm

    def _send(self, msg: Any) -> None:
        if msg.type == "note_on" and msg.velocity > 0:
            self._sounding.add((msg.channel, msg.note))
        elif msg.type in ("note_off", "note_on"):
            self._sounding.discard((msg.channel, msg.note))
        self.out.send(msg)

    def silence(self) -> None:
        """A note-off for every note on, then all notes off on each channel used."""
        import mido

        for channel, note in sorted(self._sounding):
            self.out.send(mido.Message("note_off", channel=channel, note=note, velocity=0))
        self._sounding.clear()
        for channel in sorted(set(self.channels)):
            self.out.send(mido.Message("control_change", channel=channel, control=123, value=0))

    def play(self, bars: int | None = None, stop: threading.Event | None = None) -> PlayReport:
        """Play ``bars`` bar lines (without end if None) or until ``stop`` is set."""
        import mido

        stop = stop or threading.Event()
        report = PlayReport()
        for channel, program in zip(self.channels, self.programs, strict=False):
            if channel != DRUM_CHANNEL:
                self.out.send(mido.Message("program_change", channel=channel, program=program))
        # The first bar is waited for: nothing plays before there is music.
        current = None
        while current is None and not stop.is_set():
            current = self.stream.take(timeout=0.25)
            if current is None and self.stream.error is not None:
                raise self.stream.error
        if current is None:
            report.stopped_early = True
            return report
        if self.midi_clock:
            self.out.send(mido.Message("start"))
        start = self.clock.now()
        tick = 60.0 / self.qpm / CLOCKS_PER_BEAT
        try:
            while bars is None or report.bars < bars:
                line = start + report.bars * self.bar_seconds
                late = False
                if report.bars:
                    # The next bar, if it is ready by its bar line; else this one again.
                    ready = self.stream.take(timeout=max(0.0, line - self.clock.now()))
                    if ready is None:
                        late = True
                        report.repeated.append(report.bars)
                        log.warning(
                            "bar %d was not ready at its bar line: bar %d plays again",
                            current.index + 1,
                            current.index,
                        )
                    else:
                        current = ready
                if self.on_bar is not None:
                    self.on_bar(current, late)
                events = bar_messages(current, self.channels, self.qpm)
                if self.midi_clock:
                    ticks = round(self.bar_seconds / tick)
                    events += [(k * tick, mido.Message("clock")) for k in range(ticks)]
                    events.sort(key=lambda e: e[0])
                for t, msg in events:
                    self.clock.sleep_until(line + t, stop)
                    if stop.is_set():
                        report.stopped_early = True
                        return report
                    self._send(msg)
                report.bars += 1
                self.clock.sleep_until(start + report.bars * self.bar_seconds, stop)
                if stop.is_set():
                    report.stopped_early = bars is None or report.bars < bars
                    return report
            return report
        finally:
            self.silence()
            if self.midi_clock:
                self.out.send(mido.Message("stop"))
