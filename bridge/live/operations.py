"""One engine operation on clips in Live: read the sources, run the model, write the results.

Tracks, clips and slots are counted from 1 here, as a musician counts them in
Live (track 1 is the leftmost, slot 1 the top one); :mod:`bridge.live.liveset`
speaks AbletonOSC's indexes from 0. The engine runs in this process (the same
:class:`~bridge.engine.Engine` that ``generate`` and ``watch`` use), so no
server has to be running and a model loaded once serves every request of a
``live watch`` session.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bridge.clips import Clip, Track
from bridge.errors import InvalidRequestError
from bridge.live.liveset import ClipInfo, LiveSet, SlotRef
from bridge.live.transport import LiveError
from bridge.ops import LIVE, Value, get_operation, operations, run_operation, with_song_tempo
from bridge.profile import Profile

if TYPE_CHECKING:
    from bridge.engine import Engine, Generation

__all__ = [
    "LIVE_OPERATIONS",
    "LiveRequest",
    "LiveResult",
    "Written",
    "run_live",
]

LIVE_OPERATIONS = tuple(operations(LIVE))


@dataclass(frozen=True)
class LiveRequest:
    """What to do, on which clips. Numbers from 1; ``None`` takes Live's selection
    (or the engine's default, for the operation's parameters)."""

    op: str
    track: int | None = None
    clip: int | None = None
    to_clip: int | None = None  # interpolate: the clip to end at, on the same track
    corners: tuple[int, ...] = ()  # blend: four clips on the track
    tracks: tuple[int, ...] = ()  # multitrack: the scene's tracks (default: all with a clip)
    into: int | None = None  # first slot (multitrack: scene) for the results
    # The operation's parameters by name (bridge.ops); those left out take its defaults.
    params: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """One clip written into Live."""

    ref: SlotRef
    name: str
    notes: int

    def __str__(self) -> str:
        return f"{self.ref}: '{self.name}' ({self.notes} notes)"


@dataclass(frozen=True)
class LiveResult:
    op: str
    model: str
    seed: int
    seconds: float
    sources: tuple[ClipInfo, ...]
    written: tuple[Written, ...]


def _index(value: int | None, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequestError(f"{what} must be a whole number from 1, got {value!r}")
    return value - 1


def _number(value: int, what: str) -> int:
    index = _index(value, what)
    assert index is not None
    return index


def _source(live: LiveSet, request: LiveRequest) -> SlotRef:
    track = _index(request.track, "--track")
    clip = _index(request.clip, "--clip")
    if track is None and clip is None:
        return live.selected_clip()
    if clip is None:
        raise InvalidRequestError("--track needs --clip too (or leave out both: the selected clip)")
    if track is None:
        track = live.selected_clip().track
    return SlotRef(track, clip)


def _sources(live: LiveSet, request: LiveRequest) -> list[SlotRef]:
    op = request.op
    if op in ("variations", "humanize"):
        return [_source(live, request)]
    if op == "interpolate":
        first = _source(live, request)
        to = _index(request.to_clip, "--to")
        if to is None:
            raise InvalidRequestError("interpolate needs --to SLOT: the clip to end at")
        return [first, SlotRef(first.track, to)]
    if op == "blend":
        if len(request.corners) != 4:
            raise InvalidRequestError(
                f"blend takes 4 corner clips (--corners TL TR BL BR), got {len(request.corners)}"
            )
        track = _index(request.track, "--track")
        if track is None:
            track = live.selected_clip().track
        return [SlotRef(track, _number(c, "--corners")) for c in request.corners]
    if op == "multitrack":
        row = _index(request.clip, "--clip")
        if row is None:
            row = live.selected_clip().slot
        tracks = [_number(t, "--tracks") for t in request.tracks]
        if not tracks:
            live.check_slot(SlotRef(0, row))
            tracks = live.tracks_with_clips(row)
            if not tracks:
                raise LiveError(f"scene {row + 1} holds no clips to take as a scene")
        if len(set(tracks)) != len(tracks):
            raise InvalidRequestError("--tracks names a track twice")
        return [SlotRef(t, row) for t in tracks]
    raise InvalidRequestError(
        f"unknown operation {op!r}; choose one of {', '.join(LIVE_OPERATIONS)}"
    )


def _run_engine(
    engine: Engine,
    model: str,
    request: LiveRequest,
    clips: Sequence[Clip],
    drums: Sequence[bool],
    qpm: float,
) -> Generation:
    tracks = [Track(c, d, 0) for c, d in zip(clips, drums, strict=True)]
    operation = get_operation(request.op)
    options = with_song_tempo(operation, operation.options(operation.given(request.params)), qpm)
    return run_operation(engine, model, request.op, tracks, options)


def _clip_name(op: str, clip: Clip, i: int) -> str:
    return clip.name.strip() or f"{op} {i + 1}"


def run_live(
    request: LiveRequest,
    live: LiveSet,
    engine: Engine | None,
    profile: Profile | None,
    echo: Callable[[str], None] = print,
    *,
    load: Callable[[], tuple[Engine, Profile]] | None = None,
) -> LiveResult:
    """Read the request's clips from Live, run the operation, write the results
    into empty slots (below the source, or from ``into``); returns what was written.

    With ``load``, the engine and profile are made only once the clips are read
    and the first target slot is known to be free: a clip that is not there is
    reported at once, not after TensorFlow and the model have loaded.
    """
    if request.op not in LIVE_OPERATIONS:
        raise InvalidRequestError(
            f"unknown operation {request.op!r}; choose one of {', '.join(LIVE_OPERATIONS)}"
        )
    get_operation(request.op).check(request.params)  # before reading anything from Live
    into = _index(request.into, "--into")
    refs = _sources(live, request)
    signature = live.time_signature()
    qpm = live.tempo()  # the song's, unless the request gives one
    infos = [live.clip_info(r) for r in refs]
    clips = [live.read_clip(info, signature) for info in infos]
    for info, clip in zip(infos, clips, strict=True):
        echo(f"read {info.describe()}, {len(clip.notes)} notes")
    drums = [live.track_is_drum(r.track) for r in refs]
    multi = request.op == "multitrack"
    if into is not None:  # fail before the model runs when the first target is taken
        first = [SlotRef(r.track, into) for r in refs] if multi else [SlotRef(refs[0].track, into)]
        live.check_free(first)
    if load is not None:
        engine, profile = load()
    if engine is None or profile is None:
        raise InvalidRequestError("no engine and models to run the operation with")
    model = profile.model_for(request.op, drums[0])

    echo(f"{request.op} with {model} ...")
    started = time.perf_counter()
    generation = _run_engine(engine, model, request, clips, drums, qpm)
    outputs = generation.outputs
    echo(f"seed {generation.seed}, {len(outputs)} result(s) in {generation.seconds:.1f} s")

    track = refs[0].track
    if multi:
        tracks = [r.track for r in refs]
        if into is not None:
            rows = list(range(into, into + len(outputs)))
            live.check_free([SlotRef(t, s) for t in tracks for s in rows])
        else:
            rows = live.free_rows(tracks, refs[0].slot, len(outputs))
        targets = [[SlotRef(t, row) for t in tracks] for row in rows]
    else:
        if into is not None:
            slots = [SlotRef(track, s) for s in range(into, into + len(outputs))]
            live.check_free(slots)
        else:
            slots = live.free_slots(track, max(r.slot for r in refs), len(outputs))
        targets = [[s] for s in slots]

    written = []
    for i, (out, refs_out) in enumerate(zip(outputs, targets, strict=True)):
        for t, ref in zip(out, refs_out, strict=True):
            name = _clip_name(request.op, t.clip, i)
            notes = live.write_clip(ref, t.clip, name)
            w = Written(ref, name, notes)
            written.append(w)
            echo(f"wrote {w}")
    return LiveResult(
        request.op,
        model,
        generation.seed,
        time.perf_counter() - started,
        tuple(infos),
        tuple(written),
    )
