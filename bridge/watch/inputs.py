"""Which files of the watched folder are inputs, and when one is completely written.

The watched folder holds inputs at two levels: files directly in it, and the
files of its subfolders (for interpolate and blend, each subfolder is one
group of inputs). Deeper folders, hidden files, files with the names that
browsers and editors write before renaming (``.part``, ``.crdownload``, ...),
and the ``failed``/``done`` folders are left alone.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bridge.clips import Track
from bridge.convert import QPM, read_midi_and_tempo
from bridge.errors import BridgeError, MidiFileError
from bridge.watch.state import file_key

__all__ = [
    "FAILED_DIR",
    "Candidate",
    "Layout",
    "is_ignored_name",
    "order_group",
]

FAILED_DIR = "failed"
_RESERVED_DIRS = frozenset({FAILED_DIR, "done"})
_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", "~")
# What a standard MIDI file, or a RIFF-wrapped one (.rmi), starts with.
_MIDI_MAGIC = (b"MThd", b"RIFF")

# Corner names a blend group may use instead of sorting by name.
_CORNERS = {
    "tl": 0,
    "top-left": 0,
    "topleft": 0,
    "tr": 1,
    "top-right": 1,
    "topright": 1,
    "bl": 2,
    "bottom-left": 2,
    "bottomleft": 2,
    "br": 3,
    "bottom-right": 3,
    "bottomright": 3,
}


def is_ignored_name(name: str) -> bool:
    """Hidden files and the names programs write to before renaming to the real one."""
    return name.startswith((".", "~$")) or name.lower().endswith(_PARTIAL_SUFFIXES)


@dataclass(frozen=True)
class Layout:
    """The watched folder and the output folder (which may lie inside it)."""

    in_dir: Path
    out_dir: Path

    def is_group_dir(self, path: Path) -> bool:
        """A direct subfolder of the watched folder that holds inputs."""
        return (
            path.parent == self.in_dir
            and not is_ignored_name(path.name)
            and path.name not in _RESERVED_DIRS
            and path != self.out_dir
        )

    def locate(self, path: Path) -> tuple[str | None, str] | None:
        """``(group, relative path)`` of an input file's path, or None if it is not one.

        ``group`` is the subfolder's name for a file in a subfolder, else None.
        """
        try:
            parts = path.relative_to(self.in_dir).parts
        except ValueError:
            return None
        if len(parts) == 1 and not is_ignored_name(parts[0]):
            return None, parts[0]
        if (
            len(parts) == 2
            and self.is_group_dir(self.in_dir / parts[0])
            and not is_ignored_name(parts[1])
        ):
            return parts[0], f"{parts[0]}/{parts[1]}"
        return None

    def group_members(self, group: str) -> list[Path] | None:
        """The input files of a group folder, or None if the folder is gone."""
        try:
            with os.scandir(self.in_dir / group) as entries:
                return [
                    Path(e.path)
                    for e in entries
                    if not is_ignored_name(e.name) and e.is_file(follow_symlinks=True)
                ]
        except OSError:
            return None


def order_group(op: str, members: Sequence[Path]) -> list[Path]:
    """The members of a group in the order the operation takes them.

    By name; a blend group whose four files are named for their corners (``tl``,
    ``tr``, ``bl``, ``br`` or ``top-left`` ... ``bottom-right``) goes by corner.
    """
    by_name = sorted(members, key=lambda p: (p.name.casefold(), p.name))
    if op == "blend":
        corners = {_CORNERS.get(p.stem.casefold(), -1): p for p in by_name}
        if sorted(corners) == [0, 1, 2, 3]:
            return [corners[i] for i in range(4)]
    return by_name


@dataclass
class Candidate:
    """A file seen in the watched folder, not taken yet: is it completely written?"""

    path: Path
    group: str | None
    relative: str
    size: int
    mtime_ns: int
    changed_at: float  # monotonic time its size or mtime was last seen to change
    tracks: list[Track] | None = None  # read once it has settled
    qpm: float = QPM  # its tempo, read with the tracks
    error: str | None = None  # why it did not read as MIDI (at this size and mtime)
    not_midi: bool = False  # does not even start like a MIDI file: no point waiting

    @property
    def key(self) -> str:
        return file_key(self.relative, self.size, self.mtime_ns)

    @property
    def settled(self) -> bool:
        """Read as MIDI after its size and mtime held still long enough."""
        return self.tracks is not None

    def update(self, now: float) -> bool:
        """Look at the file again; False if it is gone. A change restarts the clock."""
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode):
            return False
        if (st.st_size, st.st_mtime_ns) != (self.size, self.mtime_ns):
            self.size, self.mtime_ns, self.changed_at = st.st_size, st.st_mtime_ns, now
            self.tracks, self.error, self.not_midi = None, None, False
        return True

    def read(self, now: float) -> None:
        """Read the file as MIDI, keeping the tracks or the reason it did not read."""
        tracks: list[Track] | None = None
        qpm = QPM
        error: str | None = None
        try:
            with open(self.path, "rb") as f:
                head = f.read(4)
            if len(head) == 4 and head not in _MIDI_MAGIC:
                error, not_midi = f"{self.path} is not a MIDI file (no MIDI header)", True
            else:
                (tracks, qpm), error, not_midi = read_midi_and_tempo(self.path), None, False
        except MidiFileError as exc:  # maybe only half written yet
            error, not_midi = exc.message, False
        except BridgeError as exc:  # read, but holds something no clip can take
            error, not_midi = exc.message, True
        except OSError as exc:
            error, not_midi = f"cannot read {self.path}: {exc}", False
        before = (self.size, self.mtime_ns)
        if not self.update(now) or (self.size, self.mtime_ns) != before:
            return  # changed while being read: start over
        self.tracks, self.qpm, self.error, self.not_midi = tracks, qpm, error, not_midi
