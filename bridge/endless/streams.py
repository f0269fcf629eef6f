"""The endless streams a server plays for its clients: one conductor per
client and stream name, kept while it is used, so that asking for the next
bars continues the same music and a new pace or density turns it gently
(:meth:`Conductor.retune`) instead of starting another."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bridge.clips import Clip, Track
from bridge.convert import QPM
from bridge.endless.conductor import Bar, Conductor, make_parts
from bridge.endless.key import Key, parse_key
from bridge.endless.output import join_bars
from bridge.endless.plan import Settings
from bridge.errors import InvalidRequestError
from bridge.limits import DRAWN_SEEDS

if TYPE_CHECKING:
    from bridge.engine import Engine, Generation

__all__ = [
    "MAX_STREAMS",
    "StreamRequest",
    "Streams",
    "clips_by_part",
    "endless_generation",
    "parse_parts",
    "streams_of",
]

MAX_STREAMS = 16
MAX_REQUEST_BARS = 64


def parse_parts(text: str) -> tuple[str, ...]:
    """``"drums,bass,lead"`` as part names (spaces allowed, none twice)."""
    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    if not parts:
        raise InvalidRequestError("parts names at least one part: drums, bass, lead or keys")
    return parts


@dataclass(frozen=True)
class StreamRequest:
    """Bars ``start`` to ``start + count`` of a stream, and what makes the stream."""

    drums_model: str
    melody_model: str
    parts: tuple[str, ...]
    seed: int
    key: str  # "" for the clips' key, else one drawn from the seed
    pace: float
    density: float
    start: int
    count: int
    qpm: float = QPM  # the tempo it plays at (a groove model may read it)

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_REQUEST_BARS:
            raise InvalidRequestError(f"bars must be 1 to {MAX_REQUEST_BARS}, got {self.count}")
        if self.start < 0:
            raise InvalidRequestError(f"start is a bar number from 0, got {self.start}")


def _clips_digest(clips: Mapping[str, Sequence[Clip]]) -> str:
    data = {k: [c.to_dict() for c in v] for k, v in sorted(clips.items())}
    return hashlib.blake2b(json.dumps(data, sort_keys=True).encode(), digest_size=16).hexdigest()


def clips_by_part(tracks: Sequence[Track], parts: Sequence[str]) -> dict[str, list[Clip]]:
    """The clips sent with a request, for the parts that take them: drum clips
    are the drums' corners; a pitched clip goes to the part its name says
    (``bass``, ``lead``, ``keys``), else to the first pitched part."""
    out: dict[str, list[Clip]] = {}
    pitched = [p for p in parts if p != "drums"]
    for t in tracks:
        if t.is_drum:
            if "drums" not in parts:
                raise InvalidRequestError("a drum clip was sent, but the stream has no drums")
            out.setdefault("drums", []).append(t.clip)
            continue
        if not pitched:
            raise InvalidRequestError("a pitched clip was sent, but the stream has no pitched part")
        named = [p for p in pitched if p in t.clip.name.lower()]
        out.setdefault(named[0] if named else pitched[0], []).append(t.clip)
    return out


class Streams:
    """Conductors by owner (a client and a stream name), at most ``size``;
    the one used longest ago goes first."""

    def __init__(self, engine: Engine, size: int = MAX_STREAMS) -> None:
        self.engine = engine
        self.size = size
        self._lock = threading.Lock()
        self._streams: OrderedDict[Hashable, tuple[Hashable, Conductor, threading.Lock]] = (
            OrderedDict()
        )

    def __len__(self) -> int:
        with self._lock:
            return len(self._streams)

    def bars(
        self, owner: Hashable, request: StreamRequest, tracks: Sequence[Track] = ()
    ) -> tuple[list[Bar], Conductor]:
        """The bars asked for, from the owner's stream: the same one while its
        models, parts, seed, key and clips stay; a new pace or density retunes it."""
        key: Key | None = parse_key(request.key) if request.key else None
        clips = clips_by_part(tracks, request.parts)
        identity = (
            request.drums_model,
            request.melody_model,
            request.parts,
            request.seed,
            key,
            _clips_digest(clips),
        )
        with self._lock:
            found = self._streams.get(owner)
            if found is not None and found[0] == identity:
                self._streams.move_to_end(owner)
                _, conductor, lock = found
            else:
                conductor, lock = None, threading.Lock()
        if conductor is None:
            settings = Settings(request.seed, request.pace, request.density, key)
            parts = make_parts(request.parts, request.drums_model, request.melody_model)
            conductor = Conductor(self.engine, parts, settings, clips)
            with self._lock:
                self._streams[owner] = (identity, conductor, lock)
                self._streams.move_to_end(owner)
                while len(self._streams) > self.size:
                    self._streams.popitem(last=False)
        with lock:
            if (conductor.settings.pace, conductor.settings.density) != (
                request.pace,
                request.density,
            ):
                conductor.retune(pace=request.pace, density=request.density)
            conductor.qpm = request.qpm
            made: list[Bar] = []
            for bar in conductor.bars(request.start):
                made.append(bar)
                if len(made) == request.count:
                    break
        return made, conductor

    def seed_of(self, owner: Hashable) -> int | None:
        """The seed of the owner's stream, if it has one."""
        with self._lock:
            found = self._streams.get(owner)
            return None if found is None else found[1].settings.seed

    def forget(self, owner: Hashable) -> bool:
        with self._lock:
            return self._streams.pop(owner, None) is not None


_STREAMS: weakref.WeakKeyDictionary[Engine, Streams] = weakref.WeakKeyDictionary()
_STREAMS_LOCK = threading.Lock()


def streams_of(engine: Engine) -> Streams:
    """The streams played on ``engine`` (made on first use, gone with it)."""
    with _STREAMS_LOCK:
        streams = _STREAMS.get(engine)
        if streams is None:
            streams = _STREAMS[engine] = Streams(engine)
        return streams


def endless_generation(
    engine: Engine,
    drums_model: str,
    tracks: Sequence[Track],
    *,
    melody_model: str,
    parts: str,
    seed: int | None,
    key: str,
    pace: float,
    density: float,
    start: int,
    count: int,
    stream: str,
    qpm: float = QPM,
) -> Generation:
    """The ``endless`` operation: bars ``start`` to ``start + count`` of the
    stream named ``stream``, as one output of one track per part (a part that
    rests is an empty track). Without a seed, the stream goes on with its
    own, or draws one."""
    from bridge.engine import Generation

    started = time.perf_counter()
    streams = streams_of(engine)
    if seed is None:
        seed = streams.seed_of(stream)
    if seed is None:
        seed = secrets.randbelow(DRAWN_SEEDS)
    request = StreamRequest(
        drums_model, melody_model, parse_parts(parts), seed, key, pace, density, start, count, qpm
    )
    owner = stream
    bars, conductor = streams.bars(owner, request, tracks)
    first = bars[0]
    params = {
        "start": request.start,
        "key": str(conductor.key),
        "section": first.section,
        "phrase": first.phrase,
    }
    return Generation(
        drums_model,
        "endless",
        seed,
        [join_bars(bars)],
        time.perf_counter() - started,
        params,
    )
