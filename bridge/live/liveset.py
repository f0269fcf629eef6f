"""Live's Session View through AbletonOSC: read clips, find empty slots, write clips.

Indexes here are AbletonOSC's, from 0 (track 0 is the leftmost track, slot 0
the top clip slot); :class:`SlotRef` prints them from 1, as a musician counts.

What AbletonOSC does that shapes this module:

- ``/live/clip/get/notes track clip start_pitch pitch_span start_time time_span``
  answers with the notes that *start* in that area, five values each (pitch,
  start, duration, velocity, mute), all in one datagram. A dense clip does not
  fit (macOS refuses UDP datagrams over 9216 bytes: about 430 notes), the reply
  is lost and Live logs "Message too long". So clips are read in areas that
  are halved until each fits, and the parts are merged.
- The getters' defaults take a pitch span of 127, which leaves out pitch 127:
  every read and removal here names the full span, 0 and 128.
- ``create_clip`` answers nothing, and a clip just created may not take notes
  at once; so the slot is polled until it holds a clip, the notes are added,
  and then read back and counted, with one more try if some did not land.
- Existing clips are never touched: results only go to empty slots, and a slot
  that turns out to be taken stops the write with an error.
- A clip is what Live plays of it: the notes from ``loop_start`` to
  ``loop_end`` (for a clip that does not loop, Live's Object Model gives its
  start and end markers there), moved to start at beat 0. Results are new
  clips that start at 0 and loop their whole length: the loop heard, varied.
- AbletonOSC before 2023-11-18 reads ``/live/clip/get/notes`` arguments in
  another order (or ignores them); ``/live/clip/get/start_marker`` came the
  same day, so asking for it first tells an old AbletonOSC apart, and the
  user is told which version is needed instead of seeing a C++ signature
  error.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bridge.clips import FOUR_FOUR, Clip, Note, TimeSignature
from bridge.errors import InvalidClipError, InvalidNoteError
from bridge.live.transport import (
    AbletonOSC,
    LiveError,
    LiveTimeoutError,
    Query,
    too_long,
)

__all__ = [
    "NOTES_PER_ADD",
    "ClipInfo",
    "LiveSet",
    "SlotRef",
    "notes_from_args",
]

NOTE_VALUES = 5  # pitch, start_time, duration, velocity, mute
FULL_PITCH_SPAN = 128  # pitches 0..127; AbletonOSC's own default (127) misses pitch 127
# 100 notes x 5 values is about 2.5 kB per /live/clip/add/notes: well under
# the 9216-byte datagram limit of macOS, the tightest that Live runs on.
NOTES_PER_ADD = 100
MIN_TIME_SPAN = 1 / 64  # beats; below this an area is split by pitch instead
_EPS = 1e-4  # beats: float32 rounding of times on the wire
MIN_ABLETONOSC = "2023-11-18"
OLD_ABLETONOSC = (
    f"AbletonOSC in Live is older than {MIN_ABLETONOSC}: it reads clips' notes with "
    "arguments in another order. Update it (https://github.com/ideoforms/AbletonOSC: "
    "replace the AbletonOSC folder in Live's Remote Scripts, then restart Live)"
)


@dataclass(frozen=True, order=True)
class SlotRef:
    """A clip slot: ``track`` and ``slot`` from 0, as AbletonOSC counts."""

    track: int
    slot: int

    def __str__(self) -> str:
        return f"track {self.track + 1}, slot {self.slot + 1}"


@dataclass(frozen=True)
class ClipInfo:
    """What Live says about the clip in a slot."""

    ref: SlotRef
    name: str
    length: float  # what Live plays: loop_end - loop_start
    track_name: str
    loop_start: float = 0.0  # the clip's beat where what Live plays starts

    def describe(self) -> str:
        name = f"'{self.name}'" if self.name else "(unnamed)"
        where = f" from beat {self.loop_start:g}" if self.loop_start else ""
        return f"{self.ref} ('{self.track_name}'): clip {name}, {self.length:g} beats{where}"


def notes_from_args(args: Sequence[Any], what: str = "clip") -> list[Note]:
    """Notes from AbletonOSC's flat list: (pitch, start, duration, velocity, mute) each."""
    if len(args) % NOTE_VALUES:
        raise LiveError(
            f"AbletonOSC sent {len(args)} values for the notes of the {what}, "
            f"not groups of {NOTE_VALUES} (pitch, start, duration, velocity, mute)"
        )
    notes = []
    for i in range(0, len(args), NOTE_VALUES):
        pitch, start, duration, velocity, mute = args[i : i + NOTE_VALUES]
        if isinstance(pitch, float) and pitch.is_integer():
            pitch = int(pitch)
        try:
            notes.append(
                Note(
                    pitch=pitch,
                    start_time=start,
                    duration=duration,
                    velocity=velocity,
                    mute=bool(mute) if isinstance(mute, int | float) else mute,
                )
            )
        except InvalidNoteError as exc:
            raise LiveError(
                f"AbletonOSC sent a note of the {what} that is not valid: {exc.message}"
            ) from exc
    return notes


@dataclass(frozen=True)
class _Area:
    pitch: int
    pitch_span: int
    start: float
    span: float

    def holds(self, note: Note) -> bool:
        return (
            self.pitch <= note.pitch < self.pitch + self.pitch_span
            and self.start - _EPS <= note.start_time < self.start + self.span + _EPS
        )

    def halves(self) -> tuple[_Area, _Area]:
        if self.span > MIN_TIME_SPAN:
            half = self.span / 2
            return (
                _Area(self.pitch, self.pitch_span, self.start, half),
                _Area(self.pitch, self.pitch_span, self.start + half, self.span - half),
            )
        low = self.pitch_span // 2
        return (
            _Area(self.pitch, low, self.start, self.span),
            _Area(self.pitch + low, self.pitch_span - low, self.start, self.span),
        )


class LiveSet:
    """The open Live set, through an :class:`AbletonOSC` client."""

    def __init__(
        self,
        osc: AbletonOSC,
        *,
        ready_timeout: float = 3.0,
        poll_interval: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.osc = osc
        self.ready_timeout = ready_timeout
        self.poll_interval = poll_interval
        self._sleep = sleep

    def close(self) -> None:
        self.osc.close()

    def __enter__(self) -> LiveSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the set --------------------------------------------------------------
    def num_tracks(self) -> int:
        return int(self.osc.query("/live/song/get/num_tracks", match=())[0])

    def num_scenes(self) -> int:
        return int(self.osc.query("/live/song/get/num_scenes", match=())[0])

    def tempo(self) -> float:
        """The song's tempo in bpm (120 if Live's answer is not one we can use)."""
        from bridge.convert import QPM
        from bridge.limits import MAX_QPM, MIN_QPM

        try:
            qpm = float(self.osc.query("/live/song/get/tempo", match=())[0])
        except (IndexError, TypeError, ValueError):
            return QPM
        return qpm if MIN_QPM <= qpm <= MAX_QPM else QPM

    def time_signature(self) -> TimeSignature:
        num, den = self.osc.query_many(
            [
                Query("/live/song/get/signature_numerator", (), ()),
                Query("/live/song/get/signature_denominator", (), ()),
            ]
        )
        try:
            return TimeSignature(int(num[0]), int(den[0]))
        except (InvalidClipError, IndexError, TypeError, ValueError):
            return FOUR_FOUR

    def selected_clip(self) -> SlotRef:
        """The slot selected in Session View (its track and scene)."""
        try:
            reply = self.osc.query("/live/view/get/selected_clip", match=())
        except LiveTimeoutError:
            raise
        except LiveError as exc:
            raise LiveError(
                "Live could not say which clip is selected (is a return or the master "
                f"track selected?): {exc.message}"
            ) from exc
        # AbletonOSC's view.py answers track first, then scene.
        if len(reply) < 2:
            raise LiveError(f"AbletonOSC's selected clip reply is not a track and scene: {reply}")
        return SlotRef(int(reply[0]), int(reply[1]))

    def check_track(self, track: int) -> None:
        count = self.num_tracks()
        if not 0 <= track < count:
            raise LiveError(f"there is no track {track + 1}: the set has {count} track(s)")

    def check_slot(self, ref: SlotRef) -> None:
        self.check_track(ref.track)
        scenes = self.num_scenes()
        if not 0 <= ref.slot < scenes:
            raise LiveError(f"there is no slot {ref.slot + 1}: the set has {scenes} scene(s)")

    def track_name(self, track: int) -> str:
        return str(self.osc.query("/live/track/get/name", track)[0])

    def track_is_drum(self, track: int) -> bool:
        """A track with a Drum Rack on it, or named like a drum track."""
        try:
            classes = self.osc.query("/live/track/get/devices/class_name", track)
        except LiveTimeoutError:
            classes = []  # older AbletonOSC versions ignore this address
        if "DrumGroupDevice" in (str(c) for c in classes):
            return True
        name = self.track_name(track).lower()
        return any(word in name for word in ("drum", "beat", "kit", "perc"))

    def has_clips(self, track: int, slots: Sequence[int]) -> list[bool]:
        """Whether each of ``slots`` on ``track`` holds a clip; one round trip."""
        if not slots:
            return []
        replies = self.osc.query_many(
            [Query("/live/clip_slot/get/has_clip", (track, s)) for s in slots]
        )
        return [bool(r[0]) if r else False for r in replies]

    def tracks_with_clips(self, slot: int) -> list[int]:
        """The tracks whose ``slot`` holds a clip (a scene's clips); one round trip."""
        replies = self.osc.query_many(
            [Query("/live/clip_slot/get/has_clip", (t, slot)) for t in range(self.num_tracks())]
        )
        return [t for t, r in enumerate(replies) if r and bool(r[0])]

    # -- reading ----------------------------------------------------------------
    def clip_info(self, ref: SlotRef, role: str = "clip") -> ClipInfo:
        """Name and length of the MIDI clip at ``ref``; a clear error if there is none."""
        self.check_slot(ref)
        if not self.has_clips(ref.track, [ref.slot])[0]:
            raise LiveError(
                f"{ref} is empty: there is no {role} to read (select a clip in Session "
                "View, or give --track and --clip)"
            )
        ids = (ref.track, ref.slot)
        try:
            is_midi, start, end, _marker, name, track_name = self.osc.query_many(
                [
                    Query("/live/clip/get/is_midi_clip", ids),
                    Query("/live/clip/get/loop_start", ids),
                    Query("/live/clip/get/loop_end", ids),
                    Query("/live/clip/get/start_marker", ids),  # new enough to read notes
                    Query("/live/clip/get/name", ids),
                    Query("/live/track/get/name", (ref.track,)),
                ]
            )
        except LiveTimeoutError:
            raise
        except LiveError as exc:
            if "Unknown OSC address" in exc.message:
                raise LiveError(f"{OLD_ABLETONOSC} ({exc.message})") from exc
            raise
        if not (is_midi and bool(is_midi[0])):
            raise LiveError(f"the clip at {ref} is an audio clip: only MIDI clips have notes")
        try:
            first, last = float(start[0]), float(end[0])
        except (IndexError, TypeError, ValueError):
            raise LiveError(f"AbletonOSC sent no loop for the clip at {ref}") from None
        beats = last - first
        if not (math.isfinite(beats) and beats > 0):
            raise LiveError(f"the clip at {ref} has no length (loop {first:g} to {last:g})")
        return ClipInfo(
            ref,
            str(name[0]) if name and name[0] is not None else "",
            beats,
            str(track_name[0]) if track_name else "",
            first,
        )

    def read_clip(self, info: ClipInfo, time_signature: TimeSignature = FOUR_FOUR) -> Clip:
        """What Live plays of the clip (its loop), moved to start at beat 0."""
        notes = [
            replace(n, start_time=max(0.0, n.start_time - info.loop_start))
            for n in self.read_notes(info.ref, info.length, info.loop_start)
        ]
        try:
            return Clip(notes, info.length, time_signature, info.name)
        except InvalidClipError as exc:
            raise LiveError(f"the clip at {info.ref} cannot be used: {exc.message}") from exc

    def read_notes(self, ref: SlotRef, length: float, start: float = 0.0) -> list[Note]:
        """The notes that start from ``start`` for ``length`` beats, in areas that fit
        a datagram, at the clip's own times."""
        work = [_Area(0, FULL_PITCH_SPAN, float(start), float(length))]
        notes: list[Note] = []
        widest: float = math.inf  # the longest time span known to overflow
        while work:
            area = work.pop()
            if area.span >= widest and area.span > MIN_TIME_SPAN:
                work.extend(reversed(area.halves()))  # would overflow too: skip the try
                continue
            try:
                notes += self._read_area(ref, area)
            except LiveError as exc:
                if "did not match C++ signature" in exc.message:
                    raise LiveError(f"{OLD_ABLETONOSC} ({exc.message})") from exc
                if isinstance(exc, LiveTimeoutError):
                    # Lost to the datagram limit, or Live stopped answering: ask something small.
                    self.num_tracks()
                elif not too_long(exc):
                    raise
                if area.span <= MIN_TIME_SPAN and area.pitch_span <= 1:
                    raise LiveError(
                        f"cannot read the clip at {ref}: even the notes of one pitch within "
                        f"{MIN_TIME_SPAN:g} beat do not fit one reply"
                    ) from exc
                widest = min(widest, area.span)
                work.extend(reversed(area.halves()))
        notes.sort(key=lambda n: (n.start_time, n.pitch))
        return notes

    def _read_area(self, ref: SlotRef, area: _Area) -> list[Note]:
        def fits(args: list[Any]) -> bool:
            # Replies echo only track and clip: one with notes outside this area
            # answers an earlier, larger read that gave up waiting.
            try:
                return all(area.holds(n) for n in notes_from_args(args[2:]))
            except LiveError:
                return False

        reply = self.osc.query_many(
            [
                Query(
                    "/live/clip/get/notes",
                    (ref.track, ref.slot, area.pitch, area.pitch_span, area.start, area.span),
                    (ref.track, ref.slot),
                    accept=fits,
                )
            ]
        )[0]
        return notes_from_args(reply, f"clip at {ref}")

    # -- finding room -------------------------------------------------------------
    def ensure_scenes(self, count: int) -> None:
        """Add empty scenes at the end until the set has ``count``."""
        have = self.num_scenes()
        for _ in range(count - have):
            self.osc.send("/live/song/create_scene", -1)
        if count > have:
            self._wait(lambda: self.num_scenes() >= count, f"{count - have} new scene(s)")

    def free_slots(self, track: int, after: int, count: int) -> list[SlotRef]:
        """The first ``count`` empty slots below ``after`` on ``track``, adding scenes if short."""
        scenes = self.num_scenes()
        below = list(range(after + 1, scenes))
        taken = self.has_clips(track, below)
        free = [s for s, t in zip(below, taken, strict=True) if not t]
        if len(free) < count:
            extra = count - len(free)
            self.ensure_scenes(scenes + extra)
            free += list(range(scenes, scenes + extra))
        return [SlotRef(track, s) for s in free[:count]]

    def free_rows(self, tracks: Sequence[int], after: int, count: int) -> list[int]:
        """The first ``count`` scenes below ``after`` where every one of ``tracks`` is empty."""
        scenes = self.num_scenes()
        below = list(range(after + 1, scenes))
        taken = [self.has_clips(t, below) for t in tracks]
        free = [s for i, s in enumerate(below) if not any(col[i] for col in taken)]
        if len(free) < count:
            extra = count - len(free)
            self.ensure_scenes(scenes + extra)
            free += list(range(scenes, scenes + extra))
        return free[:count]

    def check_free(self, refs: Sequence[SlotRef]) -> None:
        """Raise if any of ``refs`` (on existing scenes) holds a clip; adds missing scenes."""
        if not refs:
            return
        scenes = self.num_scenes()
        for track in sorted({r.track for r in refs}):
            slots = [r.slot for r in refs if r.track == track and r.slot < scenes]
            for slot, taken in zip(slots, self.has_clips(track, slots), strict=True):
                if taken:
                    raise LiveError(
                        f"{SlotRef(track, slot)} already holds a clip; latent-bridge never "
                        "overwrites a clip: choose other empty slots (or leave out --into)"
                    )
        self.ensure_scenes(max(r.slot for r in refs) + 1)

    # -- writing ----------------------------------------------------------------
    def write_clip(self, ref: SlotRef, clip: Clip, name: str) -> int:
        """Create a clip in the empty slot ``ref``, add ``clip``'s notes, name it.

        Returns how many notes the clip holds afterwards (read back from Live).
        """
        if self.has_clips(ref.track, [ref.slot])[0]:
            raise LiveError(f"{ref} already holds a clip; latent-bridge never overwrites a clip")
        self.osc.send("/live/clip_slot/create_clip", ref.track, ref.slot, float(clip.length))
        self._wait(lambda: self.has_clips(ref.track, [ref.slot])[0], f"the new clip at {ref}")
        expected = len(clip.notes)
        last: LiveError | None = None
        for attempt in range(3):
            if attempt:
                # Start again from an empty clip: the explicit span 128 takes pitch 127 too.
                self.osc.send(
                    "/live/clip/remove/notes",
                    ref.track,
                    ref.slot,
                    0,
                    FULL_PITCH_SPAN,
                    0.0,
                    float(clip.length),
                )
            self._add_notes(ref, clip.notes)
            try:
                got = len(self.read_notes(ref, clip.length))
            except LiveTimeoutError:
                raise
            except LiveError as exc:  # e.g. the clip was not ready for the first notes
                last = exc
                self._sleep(self.poll_interval)
                continue
            if got == expected:
                self.osc.send("/live/clip/set/name", ref.track, ref.slot, name)
                self.osc.query("/live/clip/get/name", ref.track, ref.slot)  # lands the name
                return got
            last = LiveError(f"{ref} holds {got} of the {expected} notes sent")
        raise LiveError(f"could not write the notes of '{name}' into {ref}: {last}")

    def replace_notes(self, ref: SlotRef, start: float, span: float, notes: Sequence[Note]) -> int:
        """Replace the notes of the clip at ``ref`` that start in ``start`` to
        ``start + span`` beats by ``notes`` (times from ``start``). Returns how
        many notes Live holds there afterwards (read back; one retry)."""
        moved = [replace(n, start_time=n.start_time + start) for n in notes]
        got = -1
        for _ in range(2):
            self.osc.send(
                "/live/clip/remove/notes", ref.track, ref.slot, 0, FULL_PITCH_SPAN, start, span
            )
            self._add_notes(ref, moved)
            got = len(self.read_notes(ref, span, start))
            if got == len(moved):
                return got
        raise LiveError(f"{ref} holds {got} of the {len(moved)} notes sent for beats {start:g}+")

    def fire(self, ref: SlotRef) -> None:
        """Launch the clip at ``ref`` (at Live's launch quantization)."""
        self.osc.send("/live/clip/fire", ref.track, ref.slot)

    def stop_clip(self, ref: SlotRef) -> None:
        self.osc.send("/live/clip/stop", ref.track, ref.slot)

    def playing_position(self, ref: SlotRef) -> float:
        """Where in its loop the clip at ``ref`` plays, in beats (0 while it does not)."""
        reply = self.osc.query("/live/clip/get/playing_position", ref.track, ref.slot)
        value = reply[-1] if reply else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise LiveError(f"AbletonOSC sent {reply!r} for the playing position of {ref}")
        return float(value)

    def _add_notes(self, ref: SlotRef, notes: Sequence[Note]) -> None:
        for i in range(0, len(notes), NOTES_PER_ADD):
            args: list[Any] = [ref.track, ref.slot]
            for n in notes[i : i + NOTES_PER_ADD]:
                args += [n.pitch, n.start_time, n.duration, n.velocity, int(n.mute)]
            self.osc.send("/live/clip/add/notes", *args)

    def _wait(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while not ready():
            if time.monotonic() >= deadline:
                raise LiveTimeoutError(
                    f"{what} did not appear in Live within {self.ready_timeout:g} s"
                )
            self._sleep(self.poll_interval)
