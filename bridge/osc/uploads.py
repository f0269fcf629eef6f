"""Assembling clips sent in parts: ``/lb/clip/begin``, ``notes``, ``end``.

A request's clips are kept per sender and request id until the operation
request that uses them arrives (or they expire). Every part is checked: a
part missing, sent twice, out of range, or a note count that does not match
what ``begin`` declared is an error, never a silently shorter clip.

A transfer that fails gets one error: the failure is remembered (as long as
a transfer would be kept), later parts of that request are dropped without a
word, and the operation request that would have used them is told why.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from bridge.clips import Clip, Note, TimeSignature, Track
from bridge.osc.protocol import (
    MAX_CLIPS_PER_REQUEST,
    MAX_NOTES_PER_CLIP,
    MAX_NOTES_PER_REQUEST,
    MAX_PENDING_PER_SENDER,
    MAX_PENDING_UPLOADS,
    MAX_REFUSED_KEPT,
    NOTES_PER_PACKET,
    UPLOAD_TTL_S,
    ChunkError,
    ProtocolError,
    TooLargeError,
)

Key = tuple[str, int, str]  # sender host, reply port, request id


@dataclass
class _Slot:
    length: float
    time_signature: TimeSignature
    note_count: int
    is_drum: bool
    program: int
    name: str
    parts: dict[int, list[Note]] = field(default_factory=dict)
    track: Track | None = None


@dataclass
class _Upload:
    started: float
    slots: dict[int, _Slot] = field(default_factory=dict)


class Uploads:
    """Clips in transit, bounded in number and age."""

    def __init__(
        self,
        ttl: float = UPLOAD_TTL_S,
        max_pending: int = MAX_PENDING_UPLOADS,
        max_per_sender: int = MAX_PENDING_PER_SENDER,
    ) -> None:
        self._ttl = ttl
        self._max = max_pending
        self._max_per_sender = max_per_sender
        self._uploads: dict[Key, _Upload] = {}
        # Refused transfers, apart from the live ones so that they never crowd
        # those out: key -> (when, the error it got). Oldest forgotten first.
        self._refused: OrderedDict[Key, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._uploads)

    def _expire(self, now: float) -> None:
        for key in [k for k, u in self._uploads.items() if now - u.started > self._ttl]:
            del self._uploads[key]
        while self._refused and now - next(iter(self._refused.values()))[0] > self._ttl:
            self._refused.popitem(last=False)

    def fail(self, key: Key, message: str) -> None:
        """Refuse the rest of ``key``'s transfer: its clips are dropped, the failure kept."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            self._uploads.pop(key, None)
            if key not in self._refused:
                self._refused[key] = (now, message)
                while len(self._refused) > MAX_REFUSED_KEPT:
                    self._refused.popitem(last=False)

    def failed(self, key: Key) -> bool:
        """Whether ``key``'s transfer was refused (its later parts need no answer)."""
        with self._lock:
            return key in self._refused

    def begin(
        self,
        key: Key,
        slot: int,
        length: float,
        time_signature: TimeSignature,
        note_count: int,
        is_drum: bool,
        program: int,
        name: str,
    ) -> None:
        if not 0 <= slot < MAX_CLIPS_PER_REQUEST:
            raise ProtocolError(f"clip slot must be 0..{MAX_CLIPS_PER_REQUEST - 1}, got {slot}")
        if note_count < 0:
            raise ProtocolError(f"note count must be >= 0, got {note_count}")
        if note_count > MAX_NOTES_PER_CLIP:
            raise TooLargeError(
                f"a clip may have at most {MAX_NOTES_PER_CLIP} notes; this one has {note_count}"
            )
        if not 0 <= program <= 127:
            raise ProtocolError(f"program must be 0..127, got {program}")
        # Validate length now, so a bad clip fails at begin, not at the end.
        Clip((), length, time_signature)
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            upload = self._uploads.get(key)
            if upload is None:
                mine = sum(1 for k in self._uploads if k[:2] == key[:2])
                if len(self._uploads) >= self._max or mine >= self._max_per_sender:
                    raise TooLargeError("too many clip transfers in progress; try again shortly")
                upload = self._uploads[key] = _Upload(now)
            others = sum(s.note_count for k, s in upload.slots.items() if k != slot)
            if others + note_count > MAX_NOTES_PER_REQUEST:
                raise TooLargeError(
                    f"the clips of one request may hold at most {MAX_NOTES_PER_REQUEST} notes "
                    f"in all; these would hold {others + note_count}"
                )
            upload.slots[slot] = _Slot(length, time_signature, note_count, is_drum, program, name)

    def _slot(self, key: Key, slot: int) -> _Slot:
        upload = self._uploads.get(key)
        if upload is None or slot not in upload.slots:
            raise ChunkError(f"clip slot {slot}: notes or end without a begin")
        return upload.slots[slot]

    def notes(self, key: Key, slot: int, part: int, notes: list[Note]) -> None:
        with self._lock:
            s = self._slot(key, slot)
            expected_parts = max(1, -(-s.note_count // NOTES_PER_PACKET))
            if not 0 <= part < expected_parts:
                raise ChunkError(
                    f"clip slot {slot}: part {part} is out of range 0..{expected_parts - 1}"
                )
            if part in s.parts:
                raise ChunkError(f"clip slot {slot}: part {part} was sent twice")
            if len(notes) > NOTES_PER_PACKET:
                raise ChunkError(f"a part holds at most {NOTES_PER_PACKET} notes, got {len(notes)}")
            s.parts[part] = notes

    def end(self, key: Key, slot: int, parts: int) -> Track:
        with self._lock:
            s = self._slot(key, slot)
            expected_parts = max(1, -(-s.note_count // NOTES_PER_PACKET)) if s.note_count else 0
            missing = sorted(set(range(parts)) - set(s.parts))
            if parts != expected_parts and not (s.note_count == 0 and parts in (0, 1)):
                raise ChunkError(
                    f"clip slot {slot}: {s.note_count} notes need {expected_parts} parts, "
                    f"end says {parts}"
                )
            if missing:
                raise ChunkError(f"clip slot {slot}: part(s) {missing} never arrived")
            notes = [n for p in sorted(s.parts) for n in s.parts[p]]
            if len(notes) != s.note_count:
                raise ChunkError(
                    f"clip slot {slot}: begin declared {s.note_count} notes, {len(notes)} arrived"
                )
            clip = Clip(notes, s.length, s.time_signature, s.name)
            s.track = Track(clip, s.is_drum, s.program)
            return s.track

    def take(self, key: Key, count: int | None = None) -> list[Track]:
        """Remove and return a request's finished clips, in slot order.

        ``count`` (when given) is how many slots, 0..count-1, must be complete.
        """
        with self._lock:
            upload = self._uploads.pop(key, None)
            refused = self._refused.pop(key, None)
        if refused is not None:
            raise ChunkError(f"the clips for this request were refused: {refused[1]}")
        slots = upload.slots if upload else {}
        want = range(count) if count is not None else sorted(slots)
        tracks = []
        for i in want:
            s = slots.get(i)
            if s is None or s.track is None:
                state = "never sent" if s is None else "not finished (no /lb/clip/end)"
                raise ChunkError(f"clip slot {i} is {state}")
            tracks.append(s.track)
        return tracks

    def discard(self, key: Key) -> None:
        with self._lock:
            self._uploads.pop(key, None)
            self._refused.pop(key, None)
