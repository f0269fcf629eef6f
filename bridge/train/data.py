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
import zlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bridge.engine.registry import ModelSpec, Role

MIDI_SUFFIXES = (".mid", ".midi")
CACHE_VERSION = 1
# Transposition range for --augment, in semitones each way (pitched models only).
AUGMENT_SEMITONES = 3


@dataclass
class FileReport:
    """What one file gave: how many examples, or why none."""

    path: str
    split: str
    examples: int = 0
    reason: str = ""  # empty when the file gave examples
    error: str = ""  # set when the file could not be read at all


@dataclass
class Examples:
    """Stacked converter tensors, padded to one length."""

    inputs: np.ndarray  # [n, t, input_depth]
    outputs: np.ndarray  # [n, t, output_depth]
    controls: np.ndarray  # [n, t, control_depth]
    lengths: np.ndarray  # [n, *length_shape]

    def __len__(self) -> int:
        return len(self.inputs)

    def take(self, index: np.ndarray | slice) -> Examples:
        return Examples(
            self.inputs[index], self.outputs[index], self.controls[index], self.lengths[index]
        )


@dataclass
class Dataset:
    train: Examples
    eval: Examples
    files: list[FileReport] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        bad = [f for f in self.files if f.error]
        empty = [f for f in self.files if not f.error and not f.examples]
        reasons: dict[str, int] = {}
        for f in empty:
            reasons[f.reason] = reasons.get(f.reason, 0) + 1
        return {
            "files": len(self.files),
            "train_files": sum(1 for f in self.files if f.split == "train" and f.examples),
            "eval_files": sum(1 for f in self.files if f.split == "eval" and f.examples),
            "train_examples": len(self.train),
            "eval_examples": len(self.eval),
            "unreadable": [{"path": f.path, "error": f.error} for f in bad],
            "no_examples": reasons,
        }


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
    if role is Role.MELODY:
        conv = spec.converter
        lo, hi = getattr(conv, "_min_pitch", 0), getattr(conv, "_max_pitch", 127)
        if all(not lo <= n.pitch <= hi for n in notes if not n.is_drum):
            return f"every pitch outside the model's range {lo}-{hi}"
    return "no window passed the model's filters (gaps, polyphony, or pitch range)"


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


def convert_file(path: Path, spec: ModelSpec, conv: Any, shifts: Iterable[int]) -> list[Any]:
    """Converter tensors for each transposition of one file (raises on bad MIDI)."""
    seq = read_sequence(path)
    found: list[Any] = []
    for shift in shifts:
        out = conv.to_tensors(transpose(seq, shift))
        found.extend(zip(out.inputs, out.outputs, out.controls, out.lengths, strict=True))
    return found


def _fingerprint(spec: ModelSpec, shifts: list[int]) -> str:
    conv = spec.converter
    settings = {
        "config": spec.name,
        "converter": type(conv).__name__,
        "input_depth": conv.input_depth,
        "output_depth": conv.output_depth,
        "max_seq_len": spec.config.hparams.max_seq_len,
        "shifts": shifts,
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


def _unpack(data: dict[str, np.ndarray]) -> np.ndarray:
    if "index" in data:
        index, depth = data["index"], int(data["depth"])
        out = np.zeros([*index.shape, depth], np.float32)
        rows = index >= 0
        out[rows, index[rows]] = 1.0
        return out
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


def _load_cache(source: Path) -> list[np.ndarray] | None:
    """[inputs, outputs, controls, lengths] arrays, or None for zero examples."""
    with np.load(source) as data:
        if int(data["count"]) == 0:
            return None
        parts = []
        for name in ("inputs", "outputs", "controls"):
            sub = {k[len(name) + 1 :]: data[k] for k in data.files if k.startswith(name + "_")}
            parts.append(_unpack(sub))
        parts.append(np.asarray(data["lengths"], np.int32))
        return parts


def _stack(chunks: list[list[np.ndarray]], spec: ModelSpec) -> Examples:
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

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a, [(0, 0), (0, steps - a.shape[1]), (0, 0)])

    return Examples(
        np.concatenate([pad(c[0]) for c in chunks]),
        np.concatenate([pad(c[1]) for c in chunks]),
        np.concatenate([pad(c[2]) for c in chunks]),
        np.concatenate([c[3] for c in chunks]),
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

    A file that cannot be read is reported and skipped. Eval files are never
    transposed. Files are split by path, so no file feeds both splits.
    """
    files = find_midi_files(folder)
    conv = training_converter(spec)
    cache_dir.mkdir(parents=True, exist_ok=True)
    reports: list[FileReport] = []
    chunks: dict[str, list[list[np.ndarray]]] = {"train": [], "eval": []}
    splits = assign_splits([p.relative_to(folder).as_posix() for p in files], eval_fraction, seed)
    for i, path in enumerate(files):
        rel = path.relative_to(folder).as_posix()
        split = splits[rel]
        report = FileReport(rel, split)
        reports.append(report)
        if progress:
            progress(i, len(files), rel)
        shifts = transpositions(spec, augment) if split == "train" else [0]
        try:
            digest = hashlib.sha1(path.read_bytes()).hexdigest()[:16]
        except OSError as exc:
            report.error = f"cannot read: {exc}"
            continue
        cached = cache_dir / f"{digest}-{_fingerprint(spec, shifts)}.npz"
        parts = None
        if cached.is_file():
            try:
                parts = _load_cache(cached)
            except (OSError, ValueError, KeyError, zlib.error):
                cached.unlink(missing_ok=True)  # a torn cache file is rebuilt
            else:
                report.examples = 0 if parts is None else len(parts[0])
                if parts is None:
                    report.reason = _reason_from_cache(cached)
        if not cached.is_file():
            try:
                found = convert_file(path, spec, conv, shifts)
            except Exception as exc:  # any parse failure of a user's file
                report.error = f"not a readable MIDI file: {type(exc).__name__}: {exc}"[:300]
                continue
            if not found:
                try:
                    report.reason = why_no_examples(read_sequence(path), spec)
                except Exception:
                    report.reason = "no examples"
                cached.with_suffix(".reason").write_text(report.reason)
            _save_cache(cached, found)
            parts = _load_cache(cached)
            report.examples = 0 if parts is None else len(parts[0])
        if parts is not None:
            chunks[split].append(parts)
    if progress:
        progress(len(files), len(files), "")
    return Dataset(_stack(chunks["train"], spec), _stack(chunks["eval"], spec), reports)


def _reason_from_cache(cached: Path) -> str:
    note = cached.with_suffix(".reason")
    return note.read_text() if note.is_file() else "no examples"


def report_rows(dataset: Dataset) -> list[dict[str, Any]]:
    return [asdict(f) for f in dataset.files]
