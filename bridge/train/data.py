"""A folder of MIDI files -> the training tensors of one model's converter.

Magenta trains from TFRecords through a tf.data pipeline that calls
``py_func``, which crashes TensorFlow 2.21 in graph mode. Here every file is
converted up front with the config's own data converter, the tensors are
cached on disk per file, and the training loop feeds them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bridge.engine.registry import ModelSpec, Role
from bridge.errors import TrainingError

MIDI_SUFFIXES = (".mid", ".midi")
CACHE_VERSION = 2
# Transposition range for --augment, in semitones each way (pitched models only).
AUGMENT_SEMITONES = 3
# With fewer files than this, a split by file would hold out one to three
# songs (which may give nothing); bars are held out within every song instead.
BAR_SPLIT_BELOW = 30
# Fewer held-out examples than this make a noisy score: the trainer warns.
FEW_HELD_OUT = 32

SPLIT_BY_FILE = "by file"
SPLIT_BY_BARS = "by bars within songs"
SPLIT_NONE = "none"


@dataclass
class FileReport:
    """What one file gave: how many examples, or why none."""

    path: str
    split: str  # train, eval, or train+eval (bars held out within the song)
    examples: int = 0  # train and held-out together
    reason: str = ""  # empty when the file gave examples
    error: str = ""  # set when the file could not be read at all
    eval_examples: int = 0
    bars: int = 0  # 4/4 bars the file's notes span (as the model reads it)
    held_out: str = ""  # the bars held out of it, e.g. "bars 9-12"
    used: str = ""  # band models: meters, bars and the parts used and dropped

    @property
    def train_examples(self) -> int:
        return self.examples - self.eval_examples


class OneHotRows:
    """A stack of one-hot (or all-zero) rows ``[n, t, depth]`` kept as the
    index of each row's one ``[n, t]`` (-1 for a zero row): 2 bytes a row
    instead of 4 x depth. A band model's bar is 256 rows about 500 wide, so
    a dense training set of 18,000 bars needs 18 GB and this one 9 MB.
    Indexing gives the rows back dense, as the converter made them."""

    def __init__(self, index: np.ndarray, depth: int) -> None:
        self.index = np.asarray(index, np.int16)
        self.depth = int(depth)

    @property
    def shape(self) -> tuple[int, ...]:
        return (*self.index.shape, self.depth)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, key: Any) -> np.ndarray:
        return self._dense(self.index[key])

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self.index)):
            yield self._dense(self.index[i])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self._dense(self.index)
        return out if dtype is None else out.astype(dtype)

    def _dense(self, index: np.ndarray) -> np.ndarray:
        out = np.zeros([*index.shape, self.depth], np.float32)
        rows = index >= 0
        out[rows, index[rows]] = 1.0
        return out


# A field of Examples: dense, or one-hot rows kept compact (built datasets).
Rows = np.ndarray | OneHotRows


@dataclass
class Examples:
    """Stacked converter tensors, padded to one length. A dataset read from
    files keeps one-hot fields as :class:`OneHotRows`; :meth:`take` (and
    :meth:`dense`) give plain arrays."""

    inputs: Any  # [n, t, input_depth], an np.ndarray or OneHotRows
    outputs: Any  # [n, t, output_depth]
    controls: Any  # [n, t, control_depth]
    lengths: np.ndarray  # [n, *length_shape]

    def __len__(self) -> int:
        return len(self.inputs)

    def take(self, index: np.ndarray | slice) -> Examples:
        """The examples at ``index``, every field a dense array."""
        return Examples(
            np.asarray(self.inputs[index]),
            np.asarray(self.outputs[index]),
            np.asarray(self.controls[index]),
            self.lengths[index],
        )

    def dense(self) -> Examples:
        """All of them as dense arrays (for a held-out set, not a training set)."""
        return self.take(slice(None))


@dataclass
class Dataset:
    train: Examples
    eval: Examples
    files: list[FileReport] = field(default_factory=list)
    split: str = SPLIT_BY_FILE  # how the held-out examples were chosen
    eval_bars: int = 0  # bars held out, when split by bars

    def summary(self) -> dict[str, Any]:
        bad = [f for f in self.files if f.error]
        empty = [f for f in self.files if not f.error and not f.examples]
        reasons: dict[str, int] = {}
        for f in empty:
            kind = _reason_kind(f.reason)
            reasons[kind] = reasons.get(kind, 0) + 1
        return {
            "files": len(self.files),
            "split": self.split,
            "train_files": sum(1 for f in self.files if f.train_examples),
            "eval_files": sum(1 for f in self.files if f.eval_examples),
            "train_examples": len(self.train),
            "eval_examples": len(self.eval),
            "eval_bars": self.eval_bars,
            "unreadable": [{"path": f.path, "error": f.error} for f in bad],
            "no_examples": reasons,
        }


def _reason_kind(reason: str) -> str:
    """A file's reason without its figures, so that a folder of short loops
    is one line of the summary, not one per length (data.json keeps each)."""
    if reason.startswith("too short ("):
        return "too short for one window of the model"
    if reason.startswith("too many instruments ("):
        return "too many instruments for the model"
    return reason


def find_midi_files(folder: Path) -> list[Path]:
    """Every .mid/.midi file under ``folder``, recursively, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in MIDI_SUFFIXES)


def _file_hash(relative: str, seed: int) -> float:
    return zlib.crc32(f"{seed}:{relative}".encode()) / 0xFFFFFFFF


def assign_splits(relatives: list[str], eval_fraction: float, seed: int) -> dict[str, str]:
    """Train or eval per file, by a stable hash of its path: a split by file.

    The files with the lowest hashes go to eval, at least one when there are
    two or more files and ``eval_fraction`` is above zero.
    """
    ranked = sorted(relatives, key=lambda r: (_file_hash(r, seed), r))
    n_eval = 0
    if eval_fraction > 0 and len(ranked) >= 2:
        n_eval = min(len(ranked) - 1, max(1, round(eval_fraction * len(ranked))))
    return {r: ("eval" if i < n_eval else "train") for i, r in enumerate(ranked)}


def held_out_bars(
    relative: str, bars: int, window: int, eval_fraction: float, seed: int
) -> tuple[int, int] | None:
    """The bars [start, end) of one song held out of training, or None when
    the song is too short to give both a held-out and a training window.

    About ``eval_fraction`` of the song's bars, at least one model window,
    in one block whose place is a stable hash of the path: windows never
    straddle training and held-out bars."""
    length = max(window, round(eval_fraction * bars))
    if eval_fraction <= 0 or bars < length + window:
        return None
    start = int(_file_hash(relative, seed) * (bars - length + 1))
    start = min(start, bars - length)
    return start, start + length


def _segments(
    split: str, bars: int, block: tuple[int, int] | None, window: int
) -> list[tuple[str, int | None, int | None]]:
    """(split, first bar, end bar) of the parts of a song to convert; None
    bars mean the whole song."""
    if block is None:
        return [(split, None, None)]
    start, end = block
    parts = [("train", 0, start), ("eval", start, end), ("train", end, bars)]
    return [(sp, a, b) for sp, a, b in parts if b - a >= window]


def training_converter(spec: ModelSpec) -> Any:
    """The config's converter in training mode, keeping every example a file gives."""
    conv = copy.deepcopy(spec.config.data_converter)
    conv.set_mode("train")
    conv.max_tensors_per_notesequence = None
    return conv


def read_sequence(path: Path) -> Any:
    """A MIDI file as a NoteSequence (at the file's own tempo)."""
    import note_seq

    return note_seq.midi_file_to_note_sequence(str(path))


def why_no_examples(seq: Any, spec: ModelSpec) -> str:
    """A musician-readable guess at why a readable file gave no examples."""
    notes = list(seq.notes)
    if not notes:
        return "no notes"
    meters = {(ts.numerator, ts.denominator) for ts in seq.time_signatures}
    odd = sorted(m for m in meters if m != (4, 4))
    if odd:
        return "meter " + ", ".join(f"{n}/{d}" for n, d in odd) + " (the model needs 4/4)"
    role = spec.role
    if role in (Role.DRUMS, Role.GROOVE) and not any(n.is_drum for n in notes):
        return "no drums"
    if role is Role.MELODY and all(n.is_drum for n in notes):
        return "no pitched notes (drums only)"
    qpm = seq.tempos[0].qpm if seq.tempos else 120.0
    window_seconds = spec.beats * 60.0 / qpm
    if seq.total_time < window_seconds:
        return f"too short ({seq.total_time:.1f} s, the window is {window_seconds:.1f} s)"
    if role.is_multitrack:
        instruments = {(n.instrument, n.program, n.is_drum) for n in notes}
        limit = getattr(spec.converter, "_max_num_instruments", None)
        if limit and len(instruments) > limit:
            return f"too many instruments ({len(instruments)}, the model takes {limit})"
    if role is Role.MULTITRACK:
        events = getattr(spec.converter, "_max_events_per_instrument", 64) - 2
        return (
            "no bar passed the model's filters: a part busier than one bar of the model "
            f"takes ({events} events: dense drums, many velocities), fewer than "
            f"{getattr(spec.converter, '_min_num_instruments', 2)} parts playing, or a gap"
        )
    if role is Role.MELODY:
        conv = spec.converter
        lo, hi = getattr(conv, "_min_pitch", 0), getattr(conv, "_max_pitch", 127)
        if all(not lo <= n.pitch <= hi for n in notes if not n.is_drum):
            return f"every pitch outside the model's range {lo}-{hi}"
    return "no window passed the model's filters (gaps, polyphony, or pitch range)"


def max_parts(spec: ModelSpec) -> int | None:
    """How many parts a band model takes (None: any, or not a band model)."""
    limit = getattr(spec.converter, "_max_num_instruments", None)
    return int(limit) if limit else None


def prepare(seq: Any, spec: ModelSpec) -> tuple[Any, str]:
    """A song as the model reads it, and (band models) what was used of it:
    band and trio models take their parts by role and bars of any meter
    (bridge.train.band); other models read the file as it is."""
    if not spec.role.is_multitrack:
        return seq, ""
    from bridge.train.band import prepare_band

    prepared, use = prepare_band(seq, max_parts(spec))
    return prepared, use.describe()


def transpositions(spec: ModelSpec, augment: bool) -> list[int]:
    pitched = spec.role in (Role.MELODY, Role.TRIO, Role.MULTITRACK)
    if not (augment and pitched):
        return [0]
    return list(range(-AUGMENT_SEMITONES, AUGMENT_SEMITONES + 1))


def transpose(seq: Any, semitones: int) -> Any:
    if not semitones:
        return seq
    out = copy.deepcopy(seq)
    for n in out.notes:
        if not n.is_drum:
            n.pitch = int(min(127, max(0, n.pitch + semitones)))
    return out


def convert_sequence(seq: Any, conv: Any, shifts: Iterable[int]) -> list[Any]:
    """Converter tensors for each transposition of one sequence."""
    found: list[Any] = []
    for shift in shifts:
        out = conv.to_tensors(transpose(seq, shift))
        found.extend(zip(out.inputs, out.outputs, out.controls, out.lengths, strict=True))
    return found


def convert_file(path: Path, spec: ModelSpec, conv: Any, shifts: Iterable[int]) -> list[Any]:
    """Converter tensors for each transposition of one file (raises on bad MIDI)."""
    return convert_sequence(prepare(read_sequence(path), spec)[0], conv, shifts)


def bar_slice(seq: Any, first: int | None, end: int | None) -> Any:
    """Bars [first, end) of a sequence (4/4 bars, following its tempo), moved to 0."""
    if first is None or end is None:
        return seq
    from note_seq import sequences_lib

    from bridge.train.band import bar_seconds

    return sequences_lib.extract_subsequence(seq, bar_seconds(seq, first), bar_seconds(seq, end))


def _fingerprint(spec: ModelSpec, shifts: list[int]) -> str:
    conv = spec.converter
    settings = {
        "config": spec.name,
        "converter": type(conv).__name__,
        "input_depth": conv.input_depth,
        "output_depth": conv.output_depth,
        "max_seq_len": spec.config.hparams.max_seq_len,
        "shifts": shifts,
        "prepare": "band-1" if spec.role.is_multitrack else "",
        "version": CACHE_VERSION,
    }
    return hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]


def _pack(arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
    """One-hot rows are stored as indices (drum outputs are 512 wide)."""
    if not arrays:
        return {"empty": np.zeros(0)}
    stacked = np.stack([np.asarray(a, np.float32) for a in arrays])
    binary = np.all((stacked == 0) | (stacked == 1)) and np.all(stacked.sum(-1) <= 1)
    if binary and stacked.shape[-1] > 1:
        index = np.where(stacked.sum(-1) > 0, stacked.argmax(-1), -1).astype(np.int16)
        return {"index": index, "depth": np.asarray(stacked.shape[-1])}
    return {"dense": stacked}


def _unpack(data: dict[str, np.ndarray]) -> Rows:
    if "index" in data:
        return OneHotRows(data["index"], int(data["depth"]))
    return np.asarray(data["dense"], np.float32)


def _save_cache(target: Path, found: list[Any]) -> None:
    payload: dict[str, np.ndarray] = {"count": np.asarray(len(found))}
    if found:
        for i, name in enumerate(("inputs", "outputs", "controls")):
            for key, value in _pack([f[i] for f in found]).items():
                payload[f"{name}_{key}"] = value
        payload["lengths"] = np.stack([np.asarray(f[3], np.int32) for f in found])
    tmp = target.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **payload)  # type: ignore[arg-type]
    tmp.replace(target)


def _load_cache(source: Path) -> list[Rows] | None:
    """[inputs, outputs, controls, lengths] arrays (one-hot fields kept as
    OneHotRows), or None for zero examples."""
    with np.load(source) as data:
        if int(data["count"]) == 0:
            return None
        parts = []
        for name in ("inputs", "outputs", "controls"):
            sub = {k[len(name) + 1 :]: data[k] for k in data.files if k.startswith(name + "_")}
            parts.append(_unpack(sub))
        parts.append(np.asarray(data["lengths"], np.int32))
        return parts


def _concat(parts: list[Rows], steps: int) -> Rows:
    """Fields of several files as one, padded to ``steps`` rows: compact
    where every file's field is one-hot of the same width."""
    if parts and all(isinstance(p, OneHotRows) for p in parts):
        depths = {p.depth for p in parts}  # type: ignore[union-attr]
        if len(depths) == 1:
            index = [
                np.pad(p.index, [(0, 0), (0, steps - p.shape[1])], constant_values=-1)  # type: ignore[union-attr]
                for p in parts
            ]
            return OneHotRows(np.concatenate(index), depths.pop())
    dense = [np.asarray(p) for p in parts]
    return np.concatenate([np.pad(a, [(0, 0), (0, steps - a.shape[1]), (0, 0)]) for a in dense])


def _stack(chunks: list[list[Rows]], spec: ModelSpec) -> Examples:
    conv = spec.converter
    if not chunks:
        length_shape = list(conv.length_shape)
        return Examples(
            np.zeros([0, 1, conv.input_depth], np.float32),
            np.zeros([0, 1, conv.output_depth], np.float32),
            np.zeros([0, 1, conv.control_depth], np.float32),
            np.zeros([0, *length_shape], np.int32),
        )
    steps = max(c[0].shape[1] for c in chunks)
    return Examples(
        _concat([c[0] for c in chunks], steps),
        _concat([c[1] for c in chunks], steps),
        _concat([c[2] for c in chunks], steps),
        np.concatenate([np.asarray(c[3]) for c in chunks]),
    )


def build_dataset(
    folder: Path,
    spec: ModelSpec,
    cache_dir: Path,
    *,
    eval_fraction: float = 0.1,
    augment: bool = False,
    seed: int = 0,
    progress: Callable[[int, int, str], None] | None = None,
) -> Dataset:
    """Convert (or read from the cache) every MIDI file under ``folder``.

    A file that cannot be read is reported and skipped. Held-out examples
    are never transposed and never share a bar with training ones. With
    ``BAR_SPLIT_BELOW`` files or more, whole files are held out (by a hash
    of their path); with fewer, a block of bars of every song long enough
    is held out instead, so that a folder of 15 songs still has a held-out
    score.
    """
    files = find_midi_files(folder)
    conv = training_converter(spec)
    cache_dir.mkdir(parents=True, exist_ok=True)
    reports: list[FileReport] = []
    chunks: dict[str, list[list[Rows]]] = {"train": [], "eval": []}
    relatives = [p.relative_to(folder).as_posix() for p in files]
    if eval_fraction <= 0 or len(files) < 2:
        mode = SPLIT_NONE
    elif len(files) < BAR_SPLIT_BELOW:
        mode = SPLIT_BY_BARS
    else:
        mode = SPLIT_BY_FILE
    splits = assign_splits(relatives, eval_fraction if mode == SPLIT_BY_FILE else 0.0, seed)
    eval_bars = 0
    for i, (path, rel) in enumerate(zip(files, relatives, strict=True)):
        report = FileReport(rel, splits[rel])
        reports.append(report)
        if progress:
            progress(i, len(files), rel)
        try:
            digest = hashlib.sha1(path.read_bytes()).hexdigest()[:16]
        except OSError as exc:
            report.error = f"cannot read: {exc}"
            continue
        song = _Song(path, spec, cache_dir / f"{digest}-{_fingerprint(spec, [0])}.json")
        try:
            meta = song.meta()
        except Exception as exc:  # any parse failure of a user's file
            report.error = f"not a readable MIDI file: {type(exc).__name__}: {exc}"[:300]
            continue
        report.bars, report.used = int(meta["bars"]), str(meta["used"])
        block = None
        if mode == SPLIT_BY_BARS:
            block = held_out_bars(rel, report.bars, spec.bars, eval_fraction, seed)
            report.split = "train"
            if block is not None:
                report.split = "train+eval"
                report.held_out = f"bars {block[0] + 1}-{block[1]}"
        for split, first, end in _segments(report.split, report.bars, block, spec.bars):
            shifts = transpositions(spec, augment) if split == "train" else [0]
            where = "" if first is None else f"-{first}-{end}"
            cached = cache_dir / f"{digest}-{_fingerprint(spec, shifts)}{where}.npz"
            hit, parts = _read_cached(cached)
            if not hit:
                try:
                    found = convert_sequence(bar_slice(song.sequence(), first, end), conv, shifts)
                except Exception as exc:  # a converter's failure on one user's file
                    report.error = f"cannot convert: {type(exc).__name__}: {exc}"[:300]
                    break
                _save_cache(cached, found)
                parts = _load_cache(cached)
            if parts is None:
                continue
            report.examples += len(parts[0])
            if split == "eval":
                report.eval_examples += len(parts[0])
                eval_bars += (end or 0) - (first or 0) if first is not None else report.bars
            chunks[split].append(parts)
        if not report.examples and not report.error:
            report.reason = song.reason()
    if progress:
        progress(len(files), len(files), "")
    return Dataset(
        _stack(chunks["train"], spec), _stack(chunks["eval"], spec), reports, mode, eval_bars
    )


def folder_windows(spec: ModelSpec, folder: Path, cache_dir: Path | None = None) -> Examples:
    """Every window of the MIDI files under ``folder`` that ``spec`` takes, as
    examples (none held out): what a prior or dynamics is fitted to."""
    if not folder.is_dir():
        raise TrainingError(f"{folder} is not a folder")
    with tempfile.TemporaryDirectory(prefix="latent-bridge-fit-") as tmp:
        data = build_dataset(folder, spec, cache_dir or Path(tmp), eval_fraction=0.0)
    if not len(data.train):
        raise TrainingError(f"no MIDI file under {folder} gave a window {spec.name} takes")
    return data.train


def _read_cached(cached: Path) -> tuple[bool, list[Rows] | None]:
    """(whether a conversion is cached, its arrays or None when it gave nothing)."""
    if not cached.is_file():
        return False, None
    try:
        return True, _load_cache(cached)
    except (OSError, ValueError, KeyError, zlib.error):
        cached.unlink(missing_ok=True)  # a torn cache file is rebuilt
        return False, None


class _Song:
    """One file as the model reads it, read once and only when needed; its
    bar count, what was used and why it gave nothing are cached beside its
    tensors."""

    def __init__(self, path: Path, spec: ModelSpec, meta_file: Path) -> None:
        self.path, self.spec, self.meta_file = path, spec, meta_file
        self._seq: Any = None
        self._meta: dict[str, Any] | None = None

    def sequence(self) -> Any:
        if self._seq is None:
            self._seq, _ = prepare(read_sequence(self.path), self.spec)
        return self._seq

    def meta(self) -> dict[str, Any]:
        if self._meta is None and self.meta_file.is_file():
            try:
                self._meta = json.loads(self.meta_file.read_text())
            except (OSError, ValueError):
                self._meta = None
        if self._meta is None:
            from bridge.train.band import count_bars

            raw = read_sequence(self.path)
            self._seq, used = prepare(raw, self.spec)
            self._meta = {"bars": count_bars(self._seq), "used": used, "reason": None}
            self._write()
        return self._meta

    def reason(self) -> str:
        meta = self.meta()
        if meta.get("reason") is None:
            try:
                meta["reason"] = why_no_examples(self.sequence(), self.spec)
            except Exception:
                meta["reason"] = "no examples"
            self._write()
        return str(meta["reason"])

    def _write(self) -> None:
        tmp = self.meta_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._meta))
        tmp.replace(self.meta_file)


def report_rows(dataset: Dataset) -> list[dict[str, Any]]:
    return [asdict(f) for f in dataset.files]


def file_table(dataset: Dataset, limit: int = 40) -> str:
    """Every file and what was used of it, as text for the terminal (the
    first ``limit`` rows; all of them are in the run's data.json)."""
    rows = [("file", "split", "4/4 bars", "train", "held out", "used / why not")]
    for f in dataset.files[:limit]:
        if f.error:
            note = f.error
        elif not f.examples:
            note = f.reason
        else:
            note = f.used
        held = str(f.eval_examples) + (f" ({f.held_out})" if f.held_out else "")
        name = f.path if len(f.path) <= 32 else "..." + f.path[-29:]
        rows.append((name, f.split, str(f.bars or "-"), str(f.train_examples), held, note))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)) + "  " + r[5]
        for r in rows
    ]
    if len(dataset.files) > limit:
        lines.append(f"... and {len(dataset.files) - limit} more files (all in data.json)")
    return "\n".join(line.rstrip() for line in lines)


def held_out_notes(dataset: Dataset, eval_dir: bool = False) -> list[str]:
    """How the held-out examples were chosen, and a warning when they are few."""
    s = dataset.summary()
    if eval_dir:
        notes = [f"held out: the files of the eval folder ({s['eval_examples']} examples)"]
    elif dataset.split == SPLIT_BY_BARS:
        notes = [
            f"held out by bars within songs ({s['files']} files, fewer than {BAR_SPLIT_BELOW}): "
            f"{dataset.eval_bars} bars of {s['eval_files']} songs, {s['eval_examples']} examples, "
            "never trained on"
        ]
    elif dataset.split == SPLIT_BY_FILE:
        notes = [f"held out: {s['eval_files']} whole files, {s['eval_examples']} examples"]
    else:
        return ["no held-out data (--eval-fraction 0): nothing will show memorising"]
    if not s["eval_examples"]:
        notes.append(
            "warning: no held-out examples, so nothing will show memorising; add files, "
            "raise --eval-fraction or give --eval-dir"
        )
    elif s["eval_examples"] < FEW_HELD_OUT:
        notes.append(
            f"warning: only {s['eval_examples']} held-out examples: the held-out score is noisy"
        )
    return notes
