"""Open training corpora: folk melodies from music21's corpus, band grooves from MMA.

Two sources that need no download, each written as a folder of MIDI files
that the training command reads recursively, with a manifest beside it:

* ``folk``: the public-domain tune books that the music21 package ships
  (O'Neill's "Music of Ireland" (1850), Ryan's Mammoth Collection (1883),
  Aird's Selection of Scotch, English, Irish and Foreign Airs (1778-1803)),
  one monophonic MIDI file per tune at 120 qpm.
* ``mma``: grooves rendered by Debian's ``mma`` (Musical MIDI Accompaniment)
  from a curated list of 4/4 library styles with drums, bass and comping,
  over common chord progressions in random keys; deterministic for a seed.

Files land in ``OUT/train/...`` and ``OUT/eval/...`` (about 10 % eval); the
split is a stable hash, of the normalised tune title for folk tunes (so one
tune printed in two books lands in one split) and of the groove id for MMA.

Run as ``python scripts/corpora.py folk OUT`` or
``python scripts/corpora.py mma OUT --count N``; ``reduce SRC DEST``
copies a corpus keeping at most four parts a file (drums, bass and comping
first), the most that the bundled band model takes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bridge.clips import FOUR_FOUR, Clip, Note, TimeSignature, Track
from bridge.convert import write_midi
from bridge.errors import BridgeError

__all__ = [
    "FOLK_COLLECTIONS",
    "PROGRESSIONS",
    "STYLES",
    "CorpusError",
    "FolkReport",
    "FolkTune",
    "GrooveResult",
    "GrooveSpec",
    "MeasureData",
    "MmaReport",
    "Progression",
    "Style",
    "StyleCheck",
    "choose_band_tracks",
    "chord_name",
    "eval_split",
    "export_folk",
    "find_mma",
    "folk_files",
    "generate_mma",
    "inspect_groove",
    "lay_out_measures",
    "main",
    "mma_source",
    "parse_tune",
    "plan_groove",
    "reduce_band",
    "reduce_corpus",
    "render_groove",
    "split_abc",
    "verify_styles",
]

EVAL_PERCENT = 10.0
# The melody models' pitch range (cat-mel_2bar: MIDI 21..108, a piano's keys).
MELODY_RANGE = (21, 108)
VELOCITY = 100.0
_EPS = 1e-6


class CorpusError(BridgeError):
    """A corpus cannot be built: a tool or package is missing, or a source is bad."""

    code = "corpus"


def eval_split(key: str, eval_percent: float = EVAL_PERCENT) -> str:
    """``"eval"`` for about ``eval_percent`` % of keys, else ``"train"``; stable across runs."""
    if not 0.0 <= eval_percent <= 100.0:
        raise CorpusError(f"the eval share must be 0..100 %, got {eval_percent}")
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:8], "big") % 10_000
    return "eval" if bucket < eval_percent * 100 else "train"


def _slug(text: str, limit: int = 48) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    slug = "-".join(words).lower()[:limit].strip("-")
    return slug or "untitled"


def _write_manifest(out: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    (out / "manifest.json").write_text(json.dumps(list(rows), indent=1) + "\n")
    with (out / "manifest.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row.get(k)) for k in columns})


def _csv_value(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return value


# =========================================================================
# Folk tunes (music21's corpus)
# =========================================================================

# music21 corpus folder -> the book it holds.
FOLK_COLLECTIONS: dict[str, str] = {
    "oneills1850": "O'Neill's Music of Ireland (1850 tunes, 1903)",
    "ryansMammoth": "Ryan's Mammoth Collection (1883)",
    "airdsAirs": "Aird's Selection of Scotch, English, Irish and Foreign Airs (1778-1803)",
}

# Meters whose bars are 4/4 bars, or two of which make one (2/4, re-barred).
FOUR_FOUR_METERS = frozenset({"4/4", "2/2", "2/4"})


@dataclass(frozen=True)
class MeasureData:
    """One written measure: its notes as (offset, duration, pitch, tied) in beats.

    ``tied`` marks a note that a tie joins to the note before it.
    """

    duration: float  # what the measure holds, in beats
    bar: float  # a full bar of the meter in force, in beats
    notes: tuple[tuple[float, float, int, bool], ...]
    pickup: bool = False  # music21 marked it as an anacrusis


def lay_out_measures(measures: Sequence[MeasureData], first_bar: float) -> list[Note]:
    """Place written measures on a bar grid and return a monophonic melody.

    ABC tunes start with a pickup and end sections with short bars that the
    next pickup completes; played one after the other they drift off the
    barlines. Here a full measure always starts on a barline (a short rest
    fills any gap), a pickup ends on one, and the first full measure starts
    on a multiple of ``first_bar`` (4 beats when 2/4 bars are paired into
    4/4 ones). Of notes that start together the highest is kept, each note
    ends where the next begins, and a tied note of the same pitch extends
    the one before it.
    """
    placed: list[tuple[float, float, int, bool]] = []
    t = 0.0
    seen_full = False
    for i, m in enumerate(measures):
        if m.duration <= _EPS:
            continue
        grid = m.bar if seen_full else max(first_bar, m.bar)
        full = m.duration >= m.bar - _EPS
        nxt = measures[i + 1] if i + 1 < len(measures) else None
        next_full = nxt is not None and nxt.duration >= nxt.bar - _EPS
        if full:
            t = _ceil_to(t, grid)
            seen_full = True
        elif m.pickup or (next_full and m.duration <= m.bar / 2 + _EPS and _on_grid(t, grid)):
            # A pickup: it ends where the next bar starts.
            t = _ceil_to(t + m.duration, grid) - m.duration
        for offset, duration, pitch, tied in m.notes:
            if duration > _EPS and 0 <= pitch <= 127:
                placed.append((t + offset, duration, pitch, tied))
        t += m.duration
    return _monophonic(placed)


def _ceil_to(t: float, grid: float) -> float:
    return math.ceil(t / grid - 1e-9) * grid


def _on_grid(t: float, grid: float) -> bool:
    return abs(t - round(t / grid) * grid) < _EPS


def _monophonic(placed: list[tuple[float, float, int, bool]]) -> list[Note]:
    placed.sort(key=lambda n: (n[0], -n[2]))
    kept: list[tuple[float, float, int]] = []
    for start, duration, pitch, tied in placed:
        if kept and abs(kept[-1][0] - start) < _EPS:
            continue  # a lower note of a chord or a second voice
        if tied and kept:
            p_start, p_duration, p_pitch = kept[-1]
            if p_pitch == pitch and abs(p_start + p_duration - start) < _EPS:
                kept[-1] = (p_start, p_duration + duration, pitch)
                continue
        kept.append((start, duration, pitch))
    notes = []
    for i, (start, duration, pitch) in enumerate(kept):
        end = start + duration
        if i + 1 < len(kept):
            end = min(end, kept[i + 1][0])
        notes.append(Note(pitch, round(start, 6), round(end - start, 6), VELOCITY))
    return notes


@dataclass
class FolkTune:
    """One tune of a collection and where its MIDI file went."""

    id: str
    collection: str
    source: str  # the ABC file in music21's corpus
    position: int  # 1-based place in that file
    number: str  # the ABC X: field
    title: str
    meter: str  # the first meter, e.g. "6/8" (C is 4/4, C| is 2/2)
    meters: str  # every meter the tune uses, comma-separated
    key: str
    bars: int  # full written measures (pickups and short bars not counted)
    notes: int = 0
    low: int = 0
    high: int = 0
    out_of_range: int = 0  # notes outside the melody models' 21..108
    export_meter: str = ""
    export_bars: int = 0
    rebarred: bool = False  # 2/4 bars paired into 4/4 ones
    split: str = ""
    file: str = ""  # relative to the output folder; empty when not written
    skipped: str = ""  # why no file was written
    melody: list[Note] = field(default_factory=list, repr=False)

    def row(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("melody")
        return data


FOLK_COLUMNS = [f for f in FolkTune.__dataclass_fields__ if f != "melody"]


def _music21() -> Any:
    try:
        import music21
    except ImportError as exc:
        raise CorpusError(
            "the folk corpus needs music21: install it with `uv sync --group data`"
        ) from exc
    return music21


def folk_files(collection: str) -> list[Path]:
    """The ABC files of one of music21's folk collections, in a stable order."""
    if collection not in FOLK_COLLECTIONS:
        known = ", ".join(FOLK_COLLECTIONS)
        raise CorpusError(f"unknown folk collection {collection!r}; known: {known}")
    root = Path(_music21().__file__).parent / "corpus" / collection
    files = sorted(root.glob("*.abc"))
    if not files:
        raise CorpusError(f"music21's corpus has no ABC files in {root}")
    return files


def split_abc(text: str) -> list[str]:
    """The tunes of an ABC file, each with the file header's fields in front."""
    header: list[str] = []
    tunes: list[list[str]] = []
    for line in text.splitlines():
        if re.match(r"\s*X:", line):
            tunes.append([line])
        elif tunes:
            tunes[-1].append(line)
        elif re.match(r"[A-Za-z]:", line):
            header.append(line)  # file header: applies to every tune
    return ["\n".join([t[0], *header, *t[1:]]) + "\n" for t in tunes]


def _field(abc: str, name: str) -> str:
    match = re.search(rf"^\s*{name}:\s*(.*)$", abc, re.M)
    return match.group(1).strip() if match else ""


def _written_meters(abc: str) -> set[str]:
    """The meters an ABC tune declares (M: lines and inline [M:...] fields)."""
    found = set()
    for raw in re.findall(r"(?:^|\[)\s*M:\s*([^\]\n%]*)", abc, re.M):
        value = raw.strip()
        value = {"C": "4/4", "C|": "2/2"}.get(value, value)
        if re.fullmatch(r"\d+/\d+", value):
            found.add(value)
    return found


def _has_notes(part: Any) -> bool:
    return any(type(n).__name__ != "ChordSymbol" for n in part.recurse().notes)


def parse_tune(abc: str, collection: str, source: str, position: int) -> FolkTune:
    """One ABC tune as a :class:`FolkTune` with its melody laid out in beats."""
    m21 = _music21()
    tune_id = f"{collection}/{source}#{position}"
    number = _field(abc, "X")
    title = _field(abc, "T")
    try:
        score = m21.converter.parseData(abc, format="abc")
    except Exception as exc:  # music21's ABC parser raises many kinds of error
        raise CorpusError(f"{tune_id}: music21 cannot parse it ({exc})") from exc
    parts = list(score.parts) if hasattr(score, "parts") and score.parts else [score]
    # Ties are joined in lay_out_measures: music21's stripTies also merges
    # ABC's "G3-A", a tie between two pitches, into one long G.
    # The first voice with notes is the tune (Aird's has a few empty first voices).
    part = next((p for p in parts if _has_notes(p)), parts[0])
    if not part.getElementsByClass("Measure"):
        try:  # a tune with no barlines comes back as a flat run of notes
            part = part.makeMeasures()
        except Exception as exc:
            raise CorpusError(f"{tune_id}: music21 cannot bar it ({exc})") from exc
    measures: list[MeasureData] = []
    meters: list[str] = []
    written = _written_meters(abc)
    bar = 4.0
    for m in part.getElementsByClass("Measure"):
        ts = m.timeSignature
        # music21 gives a short measure inside a tune (a section's pickup) a
        # meter of its own length (1/16, 1/8, ...); only written meters count.
        if ts is not None and (not written or ts.ratioString in written):
            bar = float(ts.barDuration.quarterLength)
            if not meters or meters[-1] != ts.ratioString:
                meters.append(str(ts.ratioString))
        notes = []
        for n in m.recurse().notes:
            if type(n).__name__ == "ChordSymbol" or n.duration.isGrace:
                continue
            pitch = max(int(p.midi) for p in n.pitches)
            offset = float(n.getOffsetInHierarchy(m))
            tied = n.tie is not None and n.tie.type in ("stop", "continue")
            notes.append((offset, float(n.quarterLength), pitch, tied))
        measures.append(
            MeasureData(float(m.highestTime), bar, tuple(notes), pickup=float(m.paddingLeft) > _EPS)
        )
    keys = list(score.recurse().getElementsByClass("KeySignature"))
    key = ""
    if keys:
        k = keys[0]
        k = k if hasattr(k, "tonic") else k.asKey("major")
        key = f"{k.tonic.name} {k.mode}"
    meter = meters[0] if meters else "4/4"
    distinct = list(dict.fromkeys(meters or [meter]))
    full_bars = sum(1 for m in measures if m.duration >= m.bar - _EPS)
    return FolkTune(
        id=tune_id,
        collection=collection,
        source=source,
        position=position,
        number=number,
        title=title or str(score.metadata.title if score.metadata else ""),
        meter=meter,
        meters=",".join(distinct),
        key=key,
        bars=full_bars,
        melody=_melody(measures, meter, distinct),
    )


def _melody(measures: list[MeasureData], meter: str, meters: list[str]) -> list[Note]:
    four = all(m in FOUR_FOUR_METERS for m in meters)
    first_bar = 4.0 if four else (measures[0].bar if measures else 4.0)
    return lay_out_measures(measures, first_bar)


def _tunes_of_file(
    collection: str, path: str, limit: int | None = None
) -> list[FolkTune | tuple[str, str]]:
    """Every tune of one ABC file; a tune music21 cannot read comes back as (id, error)."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    out: list[FolkTune | tuple[str, str]] = []
    for position, abc in enumerate(split_abc(text), start=1):
        if limit is not None and len(out) >= limit:
            break
        try:
            out.append(parse_tune(abc, collection, Path(path).name, position))
        except CorpusError as exc:
            out.append((f"{collection}/{Path(path).name}#{position}", exc.message))
    return out


def _title_key(tune: FolkTune) -> str:
    words = re.findall(r"[a-z0-9]+", tune.title.lower())
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words) or tune.id


@dataclass
class FolkReport:
    tunes: list[FolkTune]
    failed: list[tuple[str, str]]
    seconds: float

    @property
    def exported(self) -> list[FolkTune]:
        return [t for t in self.tunes if t.file]

    def summary(self) -> dict[str, Any]:
        by_collection: dict[str, dict[str, int]] = {}
        for t in self.tunes:
            c = by_collection.setdefault(t.collection, {"tunes": 0, "exported": 0})
            c["tunes"] += 1
            c["exported"] += bool(t.file)
        for tune_id, _ in self.failed:
            c = by_collection.setdefault(tune_id.split("/")[0], {"tunes": 0, "exported": 0})
            c["unreadable"] = c.get("unreadable", 0) + 1
        return {
            "collections": by_collection,
            "meters": dict(Counter(t.meters for t in self.tunes).most_common()),
            "exported_by_meter": dict(Counter(t.meters for t in self.exported).most_common()),
            "splits": dict(Counter(t.split for t in self.exported)),
            "skipped": dict(Counter(t.skipped for t in self.tunes if t.skipped)),
            "notes_out_of_range": sum(t.out_of_range for t in self.exported),
            "unreadable": len(self.failed),
            "seconds": round(self.seconds, 1),
        }


def export_folk(
    out_dir: str | os.PathLike[str],
    *,
    collections: Sequence[str] | None = None,
    limit: int | None = None,
    all_meters: bool = False,
    eval_percent: float = EVAL_PERCENT,
    jobs: int = 1,
) -> FolkReport:
    """Write each tune of the folk collections as a MIDI file under ``out_dir``.

    By default only tunes whose bars are 4/4 bars are written (4/4, 2/2, and
    2/4 with bars paired): a 6/8 jig or a 3/4 air has 12 steps a bar, and
    Magenta's 4/4 converters drop such a sequence whole. ``all_meters``
    writes those too, in their own meter, under ``out_dir/other-meters``.
    ``limit`` takes the first tunes of each collection (for tests).
    """
    started = time.monotonic()
    names = list(collections or FOLK_COLLECTIONS)
    tasks = [(c, str(p)) for c in names for p in folk_files(c)]
    results: list[list[FolkTune | tuple[str, str]]]
    if limit is not None:
        results = []
        remaining = dict.fromkeys(names, limit)
        for collection, path in tasks:
            if remaining[collection] > 0:
                got = _tunes_of_file(collection, path, remaining[collection])
                remaining[collection] -= len(got)
                results.append(got)
    elif jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_tunes_of_file, *zip(*tasks, strict=True)))
    else:
        results = [_tunes_of_file(c, p) for c, p in tasks]

    out = Path(out_dir)
    tunes: list[FolkTune] = []
    failed: list[tuple[str, str]] = []
    counters: Counter[str] = Counter()
    for got in results:
        for item in got:
            if isinstance(item, tuple):
                failed.append(item)
                continue
            counters[item.collection] += 1
            _export_tune(item, out, counters[item.collection], all_meters, eval_percent)
            tunes.append(item)
    out.mkdir(parents=True, exist_ok=True)
    _write_manifest(out, [t.row() for t in tunes], FOLK_COLUMNS)
    report = FolkReport(tunes, failed, time.monotonic() - started)
    summary = report.summary()
    summary["unreadable_tunes"] = [{"id": i, "error": e} for i, e in failed]
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return report


def _export_tune(tune: FolkTune, out: Path, seq: int, all_meters: bool, pct: float) -> None:
    notes = tune.melody
    pitches = [n.pitch for n in notes]
    tune.notes = len(notes)
    tune.low, tune.high = (min(pitches), max(pitches)) if pitches else (0, 0)
    lo, hi = MELODY_RANGE
    tune.out_of_range = sum(1 for p in pitches if not lo <= p <= hi)
    tune.split = eval_split(_title_key(tune), pct)
    meters = tune.meters.split(",")
    four = all(m in FOUR_FOUR_METERS for m in meters)
    if not notes:
        tune.skipped = "no notes"
        return
    if not four and not all_meters:
        tune.skipped = f"meter {tune.meters} (not 4/4)"
        return
    if four:
        ts = FOUR_FOUR
        tune.rebarred = "2/4" in meters
    else:
        num, den = (int(x) for x in tune.meter.split("/"))
        ts = TimeSignature(num, den)
    bar = ts.beats_per_bar
    end = max(n.end_time for n in notes)
    length = max(1, math.ceil(end / bar - 1e-9)) * bar
    tune.export_meter = f"{ts.numerator}/{ts.denominator}"
    tune.export_bars = round(length / bar)
    name = f"{tune.collection}-{seq:04d}-{_slug(tune.title)}.mid"
    # Other meters go in a folder of their own, so that OUT/train stays 4/4.
    top = Path(tune.split) if four else Path("other-meters") / tune.split
    rel = top / tune.collection / name
    target = out / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    clip = Clip(notes, length, ts, tune.title[:80])
    write_midi([Track(clip, is_drum=False, program=0)], target)
    tune.file = rel.as_posix()


# =========================================================================
# Band grooves (MMA)
# =========================================================================

MMA_LIBRARY = Path("/usr/share/mma/lib/stdlib")


@dataclass(frozen=True)
class Style:
    """An MMA library style file and the grooves of it we use."""

    file: str  # in MMA's stdlib, without .mma
    family: str
    grooves: tuple[str, ...]
    tempo: tuple[int, int]  # a sensible range, bpm


# Every style is 4/4 (Time 4, TimeSig 4 4) and every groove listed renders
# drums, a bass line and a comping part (``verify_styles`` checks it); intros,
# endings and fills are left out.
STYLES: tuple[Style, ...] = (
    Style("50srock", "rock", ("50sRock", "50sRock1", "50sRockSus", "50sRock1Sus"), (130, 170)),
    Style("60srock", "rock", ("60sRock", "60sRock1", "60sRockSus", "60sRock1Sus"), (110, 150)),
    Style("8beat", "rock", ("8Beat", "8Beat1", "8BeatSus", "8Beat1Sus"), (100, 140)),
    Style("basicrock", "rock", ("BasicRock", "BasicRock4", "BasicRockSus"), (100, 140)),
    Style("softrock", "rock", ("SoftRock", "SoftRock1", "SoftRock2", "SoftRockSus"), (80, 120)),
    Style("folkrock", "rock", ("FolkRock", "FolkRockPlus", "FolkRockSus"), (100, 140)),
    Style("bubblerock", "rock", ("BubbleRock", "BubbleRockPlus", "BubbleRockSus"), (110, 140)),
    Style("jazzrock", "rock", ("JazzRock", "JazzRockWalk", "JazzRockSus"), (100, 140)),
    Style("twist", "rock", ("Twist", "Twist4", "TwistSus"), (130, 160)),
    Style("strut", "rock", ("Strut", "Strut2", "StrutSus"), (90, 120)),
    Style("popballad", "pop", ("PopBallad", "PopBallad1", "PopBallad2", "PopBalladSus"), (70, 95)),
    Style("boneym", "pop", ("BoneyM", "BoneyMPlus", "BoneyMSus"), (110, 135)),
    Style("trance", "pop", ("Trance", "Trance1", "Trance2", "TranceBass1"), (120, 140)),
    Style("ska", "pop", ("Ska", "Ska1", "SkaSus"), (110, 150)),
    Style("bvfunk", "funk", ("BVFunk", "BVFunkSus", "BVFunkHorns"), (90, 115)),
    Style("dsoul", "funk", ("DSoul", "DSoulPlus", "DSoulSus"), (85, 110)),
    Style("rb", "funk", ("R&B", "R&BPlus", "R&BSus"), (80, 110)),
    Style("ballad", "ballad", ("Ballad", "Ballad1", "BalladSus", "BalladPlus"), (60, 85)),
    Style("rockballad", "ballad", ("RockBallad", "RockBallad1"), (60, 85)),
    Style("pianoballad", "ballad", ("PianoBallad", "PianoBallad1", "PianoBallad2"), (60, 85)),
    Style("guitarballad", "ballad", ("GuitarBallad", "GuitarBallad1"), (60, 85)),
    Style("rb-ballad", "ballad", ("R&B-Ballad", "R&B-BalladPlus", "R&B-BalladSus"), (60, 85)),
    Style("bossanova", "latin", ("BossaNova", "BossaNovaSus", "BossaNovaPlus"), (110, 140)),
    Style("samba", "latin", ("Samba", "SambaPlus", "SambaSus"), (100, 130)),
    Style("salsa", "latin", ("Salsa", "SalsaPlus", "SalsaSus"), (160, 200)),
    Style("son", "latin", ("Son", "SonPlus", "SonSus"), (90, 120)),
    Style("mambo", "latin", ("Mambo", "Mambo1", "Mambo2", "Mambo3"), (110, 140)),
    Style("chacha", "latin", ("ChaCha", "ChaCha1", "ChaChaSus"), (110, 130)),
    Style("rhumba", "latin", ("Rhumba", "RhumbaTriple", "RhumbaSus"), (100, 130)),
    Style("beguine", "latin", ("Beguine", "Beguine1", "BeguineSus"), (100, 130)),
    Style("swing", "swing", ("Swing", "SwingWalk", "SwingPlus", "SwingSus"), (110, 180)),
    Style("easyswing", "swing", ("EasySwing", "EasySwingWalk", "EasySwing1"), (100, 140)),
    Style("fastswing", "swing", ("FastSwing", "FastSwingWalk", "FastSwingSus"), (180, 240)),
    Style("bigband", "swing", ("BigBand", "BigBand1", "BigBandSus"), (120, 180)),
    Style("jazzcombo", "swing", ("JazzCombo", "JazzCombo1", "JazzCombo2"), (110, 180)),
    Style("modernjazz", "swing", ("ModernJazz", "ModernJazz1", "ModernJazz2"), (110, 170)),
    Style("mellowjazz", "swing", ("MellowJazz", "MellowJazzPlus", "MellowJazzSus"), (80, 120)),
    Style("jive", "swing", ("Jive", "Jive1", "JiveSus"), (140, 180)),
    Style("blues", "blues", ("Blues", "BluesTriple", "BluesSus"), (80, 120)),
    Style("slowblues", "blues", ("SlowBlues", "SlowBluesSus", "SlowBluesWalk4"), (60, 80)),
    Style("fastblues", "blues", ("FastBlues", "FastBluesWalk", "FastBlues1"), (120, 160)),
    Style(
        "countryblues", "blues", ("CountryBlues", "CountryBluesWalk", "CountryBlues1"), (90, 130)
    ),
    Style(
        "shuffleboggie",
        "blues",
        ("ShuffleBoggie", "ShuffleBoggie1", "ShuffleBoggieSus"),
        (110, 150),
    ),
    Style(
        "countryswing", "country", ("CountrySwing", "CountrySwing1", "CountrySwing2"), (110, 150)
    ),
    Style(
        "westernswing",
        "country",
        ("WesternSwing", "WesternSwingPlus", "WesternSwingSus"),
        (120, 170),
    ),
    Style("bluegrass", "country", ("BlueGrass", "BlueGrassClap", "BlueGrassSus"), (140, 190)),
    Style("zydeco", "country", ("Zydeco", "ZydecoPlus", "ZydecoSus"), (120, 160)),
    Style(
        "hillcountry", "country", ("HillCountry", "HillCountryPlus", "HillCountrySus"), (100, 140)
    ),
)


@dataclass(frozen=True)
class Progression:
    """A chord progression in Roman numerals, one tuple of chords per bar."""

    name: str
    mode: str  # "major" or "minor": which keys it is played in
    bars: tuple[tuple[str, ...], ...]


def _prog(name: str, mode: str, text: str) -> Progression:
    bars = tuple(tuple(bar.split()) for bar in text.split("|"))
    return Progression(name, mode, bars)


PROGRESSIONS: tuple[Progression, ...] = (
    _prog("axis", "major", "I | V | vi | IV"),
    _prog("axis-minor-start", "major", "vi | IV | I | V"),
    _prog("doo-wop", "major", "I | vi | IV | V"),
    _prog("rock-I-IV-V", "major", "I | IV | V | IV"),
    _prog("mixolydian", "major", "I | bVII | IV | I"),
    _prog("ii-V-I", "major", "ii7 | V7 | Imaj7 | Imaj7"),
    _prog("turnaround", "major", "Imaj7 | vi7 | ii7 | V7"),
    _prog("I-iii-IV-V", "major", "I | iii | IV | V"),
    _prog("half-bar-pop", "major", "I V | vi IV | I V | IV V"),
    _prog("eight-bar-blues", "major", "I7 | V7 | IV7 | IV7 | I7 | V7 | I7 | V7"),
    _prog("pop-eight", "major", "I | V | vi | iii | IV | I | IV | V"),
    _prog("aeolian", "minor", "i | bVI | bIII | bVII"),
    _prog("minor-i-iv-v", "minor", "i | iv | v | i"),
    _prog("andalusian", "minor", "i | bVII | bVI | V7"),
    _prog("minor-cadence", "minor", "i | iv | V7 | i"),
    _prog("minor-ii-V-i", "minor", "iiø7 | V7 | i | i"),
    _prog("dorian-vamp", "minor", "i7 | i7 | IV7 | IV7"),
    _prog("minor-blues", "minor", "i7 | iv7 | i7 | i7 | iv7 | iv7 | i7 | V7"),
)

_SHARPS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_FLAT_MAJORS = {5, 10, 3, 8, 1, 6}  # F Bb Eb Ab Db Gb
_DEGREES = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
_ROMAN = re.compile(r"^([b#]?)(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(.*)$")


def chord_name(numeral: str, tonic: int, mode: str) -> str:
    """MMA's name of a Roman-numeral chord in a key: ("ii7", 2, "major") -> "Em7"."""
    match = _ROMAN.match(numeral)
    if not match:
        raise CorpusError(f"not a Roman-numeral chord: {numeral!r}")
    accidental, roman, suffix = match.groups()
    root = (tonic + _DEGREES[roman.upper()] + {"b": -1, "#": 1, "": 0}[accidental]) % 12
    if suffix.startswith("ø"):
        quality = "m7b5"
    elif suffix.startswith("o"):
        quality = "dim" + suffix[1:]
    elif roman.islower():
        quality = "m" + suffix
    else:
        quality = suffix
    major_tonic = tonic if mode == "major" else (tonic + 3) % 12
    names = _FLATS if major_tonic in _FLAT_MAJORS else _SHARPS
    return names[root] + quality


def _key_name(tonic: int, mode: str) -> str:
    return chord_name("I" if mode == "major" else "i", tonic, mode)


@dataclass(frozen=True)
class GrooveSpec:
    """Everything that decides one rendered groove."""

    index: int
    style: str
    family: str
    groove: str
    tempo: int
    key: str
    progression: str
    bars: int
    chords: tuple[tuple[str, ...], ...]  # per bar
    mma_seed: int

    @property
    def id(self) -> str:
        return f"mma-{self.index:05d}"

    @property
    def stem(self) -> str:
        key = self.key.replace("#", "s")
        return f"{self.id}-{self.style}-{_slug(self.groove.replace('&', 'n'))}-{key}"


def plan_groove(
    seed: int,
    index: int,
    *,
    bars: Sequence[int] = (4, 8),
    styles: Sequence[Style] = STYLES,
    progressions: Sequence[Progression] = PROGRESSIONS,
) -> GrooveSpec:
    """The groove number ``index`` of run ``seed``: the same arguments give the same groove."""
    if not styles or not progressions or not bars:
        raise CorpusError("a groove needs at least one style, progression and bar count")
    if any(b < 1 for b in bars):
        raise CorpusError(f"bar counts must be >= 1, got {list(bars)}")
    rng = random.Random(f"latent-bridge-mma:{seed}:{index}")
    style = rng.choice(list(styles))
    groove = rng.choice(style.grooves)
    tempo = rng.randint(*style.tempo)
    prog = rng.choice(list(progressions))
    tonic = rng.randrange(12)
    count = rng.choice(list(bars))
    chords = tuple(
        tuple(chord_name(c, tonic, prog.mode) for c in prog.bars[i % len(prog.bars)])
        for i in range(count)
    )
    return GrooveSpec(
        index=index,
        style=style.file,
        family=style.family,
        groove=groove,
        tempo=tempo,
        key=_key_name(tonic, prog.mode),
        progression=prog.name,
        bars=count,
        chords=chords,
        mma_seed=rng.randrange(1, 2**31 - 1),
    )


def _bar_text(chords: tuple[str, ...]) -> str:
    if len(chords) == 1:
        return chords[0]
    if len(chords) == 2:
        return f"{chords[0]} / {chords[1]} /"  # two beats each in 4/4
    if len(chords) == 4:
        return " ".join(chords)
    raise CorpusError(f"a 4/4 bar takes 1, 2 or 4 chords, got {len(chords)}")


def mma_source(spec: GrooveSpec) -> str:
    """The MMA file that renders ``spec``."""
    lines = [
        f"// Latent Bridge {spec.id}: {spec.style}/{spec.groove}, {spec.key}, {spec.progression}",
        f"RndSeed {spec.mma_seed}",  # MMA's random timing and velocity, reproducible
        f"Use {spec.style}",
        f"Tempo {spec.tempo}",
        f"Groove {spec.groove}",
    ]
    lines += [f"{i} {_bar_text(bar)}" for i, bar in enumerate(spec.chords, start=1)]
    return "\n".join(lines) + "\n"


def find_mma(mma: str | None = None) -> str:
    """The path of the ``mma`` program, or a CorpusError saying how to get it."""
    path = shutil.which(mma or "mma")
    if path is None:
        raise CorpusError(f"{mma or 'mma'} not found: install Debian's mma (`apt-get install mma`)")
    return path


def render_groove(source: Path, midi: Path, *, mma: str, timeout: float = 60.0) -> None:
    """Render an MMA file to a MIDI file with the ``mma`` program."""
    try:
        # mma writes the input path it was given into the MIDI file: run it in
        # the source's folder so that only the file name goes in.
        proc = subprocess.run(
            [mma, "-w", "-f", str(Path(midi).resolve()), source.name],
            cwd=source.parent,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CorpusError(f"mma took over {timeout:.0f} s on {source}") from exc
    except OSError as exc:
        raise CorpusError(f"cannot run {mma}: {exc}") from exc
    if proc.returncode != 0 or not midi.is_file():
        text = (proc.stdout + proc.stderr).replace("\n", " ")
        errors = re.findall(r"Error:.*", text)
        raise CorpusError(f"mma failed on {source}: {(errors or [text])[0].strip()[:300]}")


_ROLE_PREFIXES = (
    ("bass", ("bass", "walk")),
    ("comping", ("chord", "plectrum", "arpeggio", "scale")),
)


def _role(name: str, program: int, is_drum: bool) -> str:
    if is_drum:
        return "drums"
    low = name.lower()
    for role, prefixes in _ROLE_PREFIXES:
        if low.startswith(prefixes):
            return role
    return "bass" if 32 <= program <= 39 else "other"


def _midi_file(midi: str | os.PathLike[str]) -> Any:
    import mido  # type: ignore[import-untyped]

    try:
        return mido.MidiFile(os.fspath(midi))
    except Exception as exc:  # mido raises many kinds of error on a bad file
        raise CorpusError(f"{os.fspath(midi)} is not a readable MIDI file ({exc})") from exc


def _track_parts(track: Any) -> list[dict[str, Any]]:
    """One row per MIDI channel that plays notes in ``track``."""
    name = ""
    programs: dict[int, int] = {}
    notes: Counter[int] = Counter()
    for msg in track:
        if msg.type == "track_name":
            name = str(msg.name).strip()
        elif msg.type == "program_change":
            programs.setdefault(msg.channel, msg.program)
        elif msg.type == "note_on" and msg.velocity > 0:
            notes[msg.channel] += 1
    rows = []
    for channel, count in sorted(notes.items()):
        is_drum = channel == 9
        program = programs.get(channel, 0)
        rows.append(
            {
                "name": name,
                "role": _role(name, program, is_drum),
                "channel": channel + 1,
                "program": program,
                "drum": is_drum,
                "notes": count,
            }
        )
    return rows


def inspect_groove(midi: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The tracks of a rendered groove: name, role, MIDI channel, program and note count.

    MMA names each track after its part (``Drum``, ``Bass``, ``Walk``,
    ``Chord-Piano``, ``Plectrum``, ...) and puts drums on channel 10.
    """
    mf = _midi_file(midi)
    return [row for track in mf.tracks for row in _track_parts(track)]


# The parts a band model needs first, in order; the busiest track of each.
BAND_ROLES = ("drums", "bass", "comping")


def choose_band_tracks(parts: Sequence[dict[str, Any]], max_instruments: int) -> list[int]:
    """Indices of the note tracks to keep: one drums, one bass and one comping
    track first (the busiest of each), then the busiest of the rest."""
    if max_instruments < 1:
        raise CorpusError(f"max_instruments must be >= 1, got {max_instruments}")
    order = sorted(range(len(parts)), key=lambda i: (-parts[i]["notes"], i))
    kept: list[int] = []
    for role in BAND_ROLES:
        pick = next((i for i in order if parts[i]["role"] == role and i not in kept), None)
        if pick is not None and len(kept) < max_instruments:
            kept.append(pick)
    for i in order:
        if len(kept) >= max_instruments:
            break
        if i not in kept:
            kept.append(i)
    return sorted(kept)


def reduce_band(
    midi: str | os.PathLike[str], out: str | os.PathLike[str], *, max_instruments: int = 4
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Write ``midi`` to ``out`` with at most ``max_instruments`` note tracks.

    Many MMA styles play five or six parts (a second bass, an arpeggio, a
    sustained pad); a band model that takes four would skip such a file
    whole. Tracks without notes (tempo, meter, names) are always kept.
    Returns the kept and the dropped parts. ``out`` is written through a
    temporary file, so an error never leaves half a file, and ``midi`` is
    never changed.
    """
    import mido

    mf = _midi_file(midi)
    note_tracks: list[int] = []
    parts: list[dict[str, Any]] = []
    for index, track in enumerate(mf.tracks):
        rows = _track_parts(track)
        if rows:
            busiest = max(rows, key=lambda r: r["notes"])
            note_tracks.append(index)
            parts.append({**busiest, "notes": sum(r["notes"] for r in rows)})
    keep = {note_tracks[i] for i in choose_band_tracks(parts, max_instruments)}
    reduced = mido.MidiFile(type=mf.type, ticks_per_beat=mf.ticks_per_beat)
    reduced.tracks = [t for i, t in enumerate(mf.tracks) if i in keep or i not in note_tracks]
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".mid", dir=target.parent)
    os.close(fd)
    try:
        reduced.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    kept = [p for i, p in zip(note_tracks, parts, strict=True) if i in keep]
    dropped = [p for i, p in zip(note_tracks, parts, strict=True) if i not in keep]
    return kept, dropped


def reduce_corpus(
    src: str | os.PathLike[str], dest: str | os.PathLike[str], *, max_instruments: int = 4
) -> dict[str, Any]:
    """``reduce_band`` on every MIDI file under ``src``, written to the same
    relative path under ``dest`` (which must not be ``src``). Unreadable files
    are listed and skipped."""
    source, target = Path(src).resolve(), Path(dest).resolve()
    if not source.is_dir():
        raise CorpusError(f"{src} is not a folder")
    if target == source or source in target.parents:
        raise CorpusError(f"the output folder {dest} must be outside {src}")
    files = sorted(p for p in source.rglob("*") if p.suffix.lower() in (".mid", ".midi"))
    reduced = 0
    dropped_roles: Counter[str] = Counter()
    unreadable: list[str] = []
    for path in files:
        rel = path.relative_to(source)
        try:
            _, dropped = reduce_band(path, target / rel, max_instruments=max_instruments)
        except (CorpusError, OSError, ValueError, EOFError) as exc:
            unreadable.append(f"{rel.as_posix()}: {exc}")
            continue
        if dropped:
            reduced += 1
            dropped_roles.update(p["role"] for p in dropped)
    return {
        "files": len(files),
        "written": len(files) - len(unreadable),
        "reduced": reduced,
        "dropped_parts": dict(dropped_roles.most_common()),
        "unreadable": unreadable,
        "max_instruments": max_instruments,
    }


def _time_signatures(midi: Path) -> list[str]:
    mf = _midi_file(midi)
    return [
        f"{m.numerator}/{m.denominator}" for t in mf.tracks for m in t if m.type == "time_signature"
    ]


@dataclass
class GrooveResult:
    spec: GrooveSpec
    split: str
    file: str = ""  # relative to the output folder
    tracks: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""

    @property
    def roles(self) -> set[str]:
        return {t["role"] for t in self.tracks}

    @property
    def complete(self) -> bool:
        return {"drums", "bass", "comping"} <= self.roles

    def row(self) -> dict[str, Any]:
        s = self.spec
        return {
            "id": s.id,
            "file": self.file,
            "split": self.split,
            "style": s.style,
            "family": s.family,
            "groove": s.groove,
            "tempo": s.tempo,
            "key": s.key,
            "progression": s.progression,
            "bars": s.bars,
            "chords": " | ".join(" ".join(bar) for bar in s.chords),
            "mma_seed": s.mma_seed,
            "programs": sorted({t["program"] for t in self.tracks if not t["drum"]}),
            "roles": sorted(self.roles),
            "complete": self.complete,
            "tracks": self.tracks,
            "error": self.error,
        }


MMA_COLUMNS = [
    "id", "file", "split", "style", "family", "groove", "tempo", "key", "progression",
    "bars", "chords", "mma_seed", "programs", "roles", "complete", "error",
]  # fmt: skip


def _render_one(spec: GrooveSpec, out: Path, split: str, mma: str) -> GrooveResult:
    result = GrooveResult(spec, split)
    source = out / "source" / f"{spec.stem}.mma"
    rel = Path(split) / spec.family / f"{spec.stem}.mid"
    target = out / rel
    source.parent.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(mma_source(spec))
    try:
        render_groove(source, target, mma=mma)
        result.tracks = inspect_groove(target)
    except CorpusError as exc:
        result.error = exc.message
        target.unlink(missing_ok=True)
        return result
    result.file = rel.as_posix()
    return result


@dataclass
class MmaReport:
    results: list[GrooveResult]
    seconds: float

    def summary(self) -> dict[str, Any]:
        ok = [r for r in self.results if r.file]
        return {
            "grooves": len(self.results),
            "rendered": len(ok),
            "failed": len(self.results) - len(ok),
            "incomplete": sum(1 for r in ok if not r.complete),
            "splits": dict(Counter(r.split for r in ok)),
            "families": dict(Counter(r.spec.family for r in ok).most_common()),
            "styles": dict(Counter(r.spec.style for r in ok).most_common()),
            "bars": dict(Counter(r.spec.bars for r in ok)),
            "programs": dict(
                Counter(t["program"] for r in ok for t in r.tracks if not t["drum"]).most_common()
            ),
            "seconds": round(self.seconds, 1),
        }


def generate_mma(
    out_dir: str | os.PathLike[str],
    *,
    count: int,
    seed: int = 0,
    bars: Sequence[int] = (4, 8),
    styles: Sequence[Style] = STYLES,
    eval_percent: float = EVAL_PERCENT,
    jobs: int | None = None,
    mma: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MmaReport:
    """Render ``count`` grooves into ``out_dir`` with one ``mma`` process per file.

    At most ``jobs`` renders run at once (default: the CPU count). Groove
    ``i`` depends only on ``seed`` and ``i``, so a run is the same whatever
    the number of jobs; the .mma sources are kept in ``out_dir/source``.
    """
    if count < 1:
        raise CorpusError(f"count must be >= 1, got {count}")
    program = find_mma(mma)
    started = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs = [plan_groove(seed, i, bars=bars, styles=styles) for i in range(count)]
    workers = max(1, jobs or os.cpu_count() or 1)
    results: list[GrooveResult] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(_render_one, s, out, eval_split(s.id, eval_percent), program) for s in specs
        ]
        for done, fut in enumerate(futures, start=1):
            results.append(fut.result())
            if progress:
                progress(done, count)
    report = MmaReport(results, time.monotonic() - started)
    _write_manifest(out, [r.row() for r in results], MMA_COLUMNS)
    (out / "summary.json").write_text(json.dumps(report.summary(), indent=1) + "\n")
    return report


@dataclass
class StyleCheck:
    style: str
    groove: str
    meters: list[str]
    roles: list[str]
    programs: list[int]
    error: str = ""

    @property
    def ok(self) -> bool:
        wanted = {"drums", "bass", "comping"}
        return not self.error and self.meters == ["4/4"] and wanted <= set(self.roles)


def verify_styles(styles: Iterable[Style] = STYLES, *, mma: str | None = None) -> list[StyleCheck]:
    """Render 4 bars of each listed groove and check it is 4/4 with drums, bass and comping."""
    program = find_mma(mma)
    checks = []
    with tempfile.TemporaryDirectory(prefix="lb-mma-") as tmp:
        for style in styles:
            library_file = MMA_LIBRARY / f"{style.file}.mma"
            for groove in style.grooves:
                check = StyleCheck(style.file, groove, [], [], [])
                checks.append(check)
                if MMA_LIBRARY.is_dir() and not library_file.is_file():
                    check.error = f"{library_file} does not exist"
                    continue
                spec = GrooveSpec(
                    0, style.file, style.family, groove, style.tempo[0], "C", "axis", 4,
                    (("C",), ("G",), ("Am",), ("F",)), 1,
                )  # fmt: skip
                source = Path(tmp) / "check.mma"
                midi = Path(tmp) / "check.mid"
                midi.unlink(missing_ok=True)
                source.write_text(mma_source(spec))
                try:
                    render_groove(source, midi, mma=program)
                    tracks = inspect_groove(midi)
                    check.meters = sorted(set(_time_signatures(midi)))
                except CorpusError as exc:
                    check.error = exc.message
                    continue
                check.roles = sorted({t["role"] for t in tracks})
                check.programs = sorted({t["program"] for t in tracks if not t["drum"]})
    return checks


# =========================================================================
# Command line
# =========================================================================


def _print_counts(title: str, counts: dict[Any, Any]) -> None:
    print(f"{title}:")
    for name, value in counts.items():
        print(f"  {name!s:<28} {value}")


def _parse_bars(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"bars must be numbers like 4,8, got {text!r}") from None
    if not values or any(v < 1 or v > 64 for v in values):
        raise argparse.ArgumentTypeError(f"bars must be 1..64, got {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python scripts/corpora.py", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    folk = sub.add_parser("folk", help="music21's folk tune books, one MIDI file per tune")
    folk.add_argument("out", type=Path)
    folk.add_argument(
        "--collection",
        action="append",
        choices=list(FOLK_COLLECTIONS),
        help="a collection to export (repeatable; default: all)",
    )
    folk.add_argument("--limit", type=int, help="only the first N tunes of each collection")
    folk.add_argument(
        "--all-meters",
        action="store_true",
        help="also write tunes that are not 4/4 (6/8, 3/4, ...), in their own meter",
    )
    folk.add_argument("--eval-percent", type=float, default=EVAL_PERCENT)
    folk.add_argument("--jobs", type=int, default=os.cpu_count() or 1)

    mma = sub.add_parser("mma", help="band grooves rendered by mma from its style library")
    mma.add_argument("out", type=Path)
    mma.add_argument("--count", type=int, required=True)
    mma.add_argument("--seed", type=int, default=0)
    mma.add_argument("--bars", type=_parse_bars, default=[4, 8], help="e.g. 8 or 4,8")
    mma.add_argument("--eval-percent", type=float, default=EVAL_PERCENT)
    mma.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    mma.add_argument("--mma", default="mma", help="the mma program")

    reduce = sub.add_parser(
        "reduce",
        help="copy a corpus keeping at most N parts per file (drums, bass, comping first)",
    )
    reduce.add_argument("src", type=Path)
    reduce.add_argument("dest", type=Path)
    reduce.add_argument("--max-instruments", type=int, default=4)

    styles = sub.add_parser("styles", help="check that every curated MMA groove renders")
    styles.add_argument("--mma", default="mma")
    return parser


def _run_folk(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise CorpusError(f"--limit must be >= 1, got {args.limit}")
    report = export_folk(
        args.out,
        collections=args.collection,
        limit=args.limit,
        all_meters=args.all_meters,
        eval_percent=args.eval_percent,
        jobs=max(1, args.jobs),
    )
    summary = report.summary()
    _print_counts("tunes by collection", summary["collections"])
    _print_counts("tunes by meter", summary["meters"])
    _print_counts("written by meter", summary["exported_by_meter"])
    _print_counts("written by split", summary["splits"])
    print(f"{len(report.exported)} MIDI files in {args.out} ({summary['seconds']} s)")
    return 0


def _run_mma(args: argparse.Namespace) -> int:
    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"  {done}/{total}", file=sys.stderr)

    report = generate_mma(
        args.out,
        count=args.count,
        seed=args.seed,
        bars=args.bars,
        eval_percent=args.eval_percent,
        jobs=args.jobs,
        mma=args.mma,
        progress=progress,
    )
    summary = report.summary()
    _print_counts("grooves by family", summary["families"])
    _print_counts("grooves by split", summary["splits"])
    print(
        f"{summary['rendered']} of {summary['grooves']} grooves rendered in {args.out} "
        f"({summary['seconds']} s, {summary['failed']} failed, "
        f"{summary['incomplete']} without drums, bass or comping)"
    )
    for r in report.results:
        if r.error:
            print(f"  {r.spec.id}: {r.error}", file=sys.stderr)
    return 0 if summary["failed"] == 0 else 1


def _run_reduce(args: argparse.Namespace) -> int:
    summary = reduce_corpus(args.src, args.dest, max_instruments=args.max_instruments)
    _print_counts("parts dropped by role", summary["dropped_parts"])
    print(
        f"{summary['written']} of {summary['files']} files written to {args.dest}, "
        f"{summary['reduced']} of them with parts dropped"
    )
    for line in summary["unreadable"]:
        print(f"  unreadable: {line}", file=sys.stderr)
    return 0 if not summary["unreadable"] else 1


def _run_styles(args: argparse.Namespace) -> int:
    checks = verify_styles(mma=args.mma)
    for c in checks:
        state = "ok " if c.ok else "BAD"
        detail = c.error or f"{','.join(c.meters)} {','.join(c.roles)} programs {c.programs}"
        print(f"{state} {c.style:<14} {c.groove:<22} {detail}")
    bad = sum(1 for c in checks if not c.ok)
    print(f"{len(checks) - bad} of {len(checks)} grooves are 4/4 with drums, bass and comping")
    return 0 if bad == 0 else 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    runners = {
        "folk": _run_folk,
        "mma": _run_mma,
        "reduce": _run_reduce,
        "styles": _run_styles,
    }
    try:
        return runners[args.command](args)
    except (BridgeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
