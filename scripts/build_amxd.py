"""Build the Max for Live devices (.amxd) from their text sources.

Each device folder under ``max_for_live/`` holds a patcher as ``.maxpat``
JSON and its logic as ES5 JavaScript; this script builds each device as a
*frozen* (self-contained) ``.amxd`` next to its sources::

    uv run python scripts/build_amxd.py            # (re)build every device
    uv run python scripts/build_amxd.py --check    # fail if a built file is stale
    uv run python scripts/build_amxd.py --install DIR
                                                   # copy the devices into one folder

The container (see docs/max_for_live.md) is a sequence of chunks, each a
4-byte ASCII id, a 4-byte little-endian size of the data that follows, and
the data: ``ampf`` (the device type: ``mmmm`` MIDI effect, ``aaaa`` audio
effect, ``iiii`` instrument), ``meta`` (4 bytes) and ``ptch``.

In a frozen device ``ptch`` holds an ``mx@c`` archive, all big-endian: the
magic, the header size (16) as u32 and the offset of the directory as u64;
then the files' bytes back to back; then the directory, ``dlst`` + its size
and one ``dire`` record per file (fields ``type``, ``fnam``, ``sz32``,
``of32``, ``vers``, ``flag``, ``mdat``, each id + size + data). The first
file is the device's own patcher JSON (type ``JSON``, flag 0x11, ending in a
NUL byte), named like the ``.amxd``; then ``<folder>.js`` and
``latentbridge.js`` (type ``TEXT``, flag 0). ``meta`` is 7, as in Ableton's
public frozen test device. Every ``mdat`` (file time) is the fixed
``MDAT_UNIX`` so that a build is byte-for-byte reproducible.

An *unfrozen* device (``build_amxd(..., frozen=False)``, not used for the
shipped devices) holds only the patcher JSON in ``ptch``, and Max must find
its scripts on its search path. ``read_amxd`` reads both kinds.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "max_for_live"
LIB = ROOT / "lib" / "latentbridge.js"

DEVICE_TYPES = {"mmmm": "MIDI effect", "aaaa": "audio effect", "iiii": "instrument"}

ARCHIVE_MAGIC = b"mx@c"
ARCHIVE_HEADER_SIZE = 16  # magic, u32 header size, u64 directory offset
META_FROZEN = 7  # the meta value in Ableton's public frozen device (meaning undocumented)
META_UNFROZEN = 0
PATCHER_FLAG = 0x11  # flag of the device's own patcher in a frozen device
FILE_FLAG = 0
HFS_EPOCH = 2082844800  # seconds from 1904-01-01 (HFS+ dates) to 1970-01-01 UTC
# Every file's mdat: a fixed time, so that a build never depends on file
# mtimes or on the environment and --check can compare bytes. Max compares
# (mdat, size) when it unfreezes a device; it does not need real times.
MDAT_UNIX = 1704067200  # 2024-01-01T00:00:00Z
_U32 = 0xFFFFFFFF
_U32_FIELDS = ("sz32", "of32", "vers", "flag", "mdat")


@dataclass(frozen=True)
class Device:
    folder: str  # under max_for_live/, also the .maxpat and .js stem
    title: str  # the .amxd file name, as Live's browser shows it
    kind: str = "mmmm"

    @property
    def source(self) -> Path:
        return ROOT / self.folder / f"{self.folder}.maxpat"

    @property
    def script(self) -> Path:
        return ROOT / self.folder / f"{self.folder}.js"

    @property
    def target(self) -> Path:
        return ROOT / self.folder / f"{self.title}.amxd"


DEVICES = (
    Device("variations", "LB Variations"),
    Device("interpolate", "LB Interpolate"),
    Device("beat_blender", "LB Beat Blender"),
    Device("latent_loops", "LB Latent Loops"),
    Device("humanize", "LB Humanize"),
    Device("multitrack", "LB Multitrack"),
    Device("endless", "LB Endless"),
)


@dataclass(frozen=True)
class Entry:
    """One file inside a frozen device."""

    name: str  # fnam
    type: str  # 4 ASCII chars: JSON, TEXT, ...
    flag: int
    mdat: int  # modification time, Unix seconds (stored as HFS+ seconds)
    data: bytes


class AmxdError(ValueError):
    """A patcher or container that is not what Live expects."""


def chunk(tag: bytes, data: bytes) -> bytes:
    if len(tag) != 4:
        raise AmxdError(f"chunk ids are 4 bytes, got {tag!r}")
    return tag + struct.pack("<I", len(data)) + data


# -- the mx@c archive (big-endian throughout) -------------------------------------------


def _field(tag: bytes, data: bytes) -> bytes:
    return tag + struct.pack(">I", 8 + len(data)) + data


def _fnam(name: str) -> bytes:
    raw = name.encode("utf-8")
    if not raw or b"\0" in raw:
        raise AmxdError(f"a frozen file needs a name without NUL bytes, got {name!r}")
    return raw + b"\0" * (4 - len(raw) % 4)  # NUL-terminated, padded to a multiple of 4


def pack_archive(entries: Sequence[Entry]) -> bytes:
    """The ``mx@c`` archive (a frozen device's ``ptch`` data) holding ``entries``."""
    body = bytearray()
    records = bytearray()
    for entry in entries:
        kind = entry.type.encode("ascii", "replace")
        if len(kind) != 4:
            raise AmxdError(f"a file type is 4 ASCII characters, got {entry.type!r}")
        offset = ARCHIVE_HEADER_SIZE + len(body)
        mdat = entry.mdat + HFS_EPOCH
        for what, value in (("offset", offset), ("size", len(entry.data)), ("mdat", mdat)):
            if not 0 <= value <= _U32:
                raise AmxdError(f"{entry.name}: {what} {value} does not fit 32 bits")
        if not 0 <= entry.flag <= _U32:
            raise AmxdError(f"{entry.name}: flag {entry.flag} does not fit 32 bits")
        fields = (
            _field(b"type", kind)
            + _field(b"fnam", _fnam(entry.name))
            + _field(b"sz32", struct.pack(">I", len(entry.data)))
            + _field(b"of32", struct.pack(">I", offset))
            + _field(b"vers", struct.pack(">I", 0))
            + _field(b"flag", struct.pack(">I", entry.flag))
            + _field(b"mdat", struct.pack(">I", mdat))
        )
        records += _field(b"dire", fields)
        body += entry.data
    footer = _field(b"dlst", bytes(records))
    header = ARCHIVE_MAGIC + struct.pack(
        ">IQ", ARCHIVE_HEADER_SIZE, ARCHIVE_HEADER_SIZE + len(body)
    )
    return header + bytes(body) + footer


def _walk(data: bytes, start: int, end: int, what: str) -> Iterator[tuple[str, int, bytes]]:
    """(id, position, payload) of each id + BE u32 size (incl. 8 header bytes) + payload."""
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise AmxdError(f"truncated {what} header at archive byte {pos}")
        tag = data[pos : pos + 4].decode("ascii", "replace")
        (size,) = struct.unpack(">I", data[pos + 4 : pos + 8])
        if size < 8:
            raise AmxdError(f"{what} {tag!r} at archive byte {pos} has size {size} (< 8)")
        if pos + size > end:
            raise AmxdError(
                f"{what} {tag!r} at archive byte {pos} ({size} bytes) runs past the end of "
                f"its {'footer' if what == 'record' else 'record'} at byte {end}"
            )
        yield tag, pos, data[pos + 8 : pos + size]
        pos += size


def unpack_archive(data: bytes) -> list[Entry]:
    """The files of an ``mx@c`` archive; raises AmxdError on a truncated or malformed one."""
    if len(data) < ARCHIVE_HEADER_SIZE:
        raise AmxdError(f"truncated mx@c header: {len(data)} of {ARCHIVE_HEADER_SIZE} bytes")
    if data[:4] != ARCHIVE_MAGIC:
        raise AmxdError(f"bad magic {data[:4]!r}: a frozen archive starts with {ARCHIVE_MAGIC!r}")
    header_size, footer_at = struct.unpack(">IQ", data[4:16])
    if header_size != ARCHIVE_HEADER_SIZE:
        raise AmxdError(f"mx@c header size is {header_size}, expected {ARCHIVE_HEADER_SIZE}")
    if footer_at < ARCHIVE_HEADER_SIZE or footer_at + 8 > len(data):
        raise AmxdError(
            f"footer offset {footer_at} is past the end of the {len(data)}-byte archive"
            if footer_at + 8 > len(data)
            else f"footer offset {footer_at} points into the header"
        )
    if data[footer_at : footer_at + 4] != b"dlst":
        raise AmxdError(f"no dlst footer at archive byte {footer_at}")
    (footer_size,) = struct.unpack(">I", data[footer_at + 4 : footer_at + 8])
    if footer_at + footer_size != len(data):
        raise AmxdError(
            f"footer size mismatch: dlst says {footer_size} bytes, "
            f"{len(data) - footer_at} bytes follow its offset"
        )
    entries = []
    for tag, pos, record in _walk(data, footer_at + 8, len(data), "record"):
        if tag != "dire":
            raise AmxdError(f"footer record {tag!r} at archive byte {pos} is not a dire record")
        fields: dict[str, bytes] = {}
        for name, fpos, payload in _walk(data, pos + 8, pos + 8 + len(record), "field"):
            if name in _U32_FIELDS and len(payload) != 4:
                raise AmxdError(f"field {name!r} at archive byte {fpos} is not a 32-bit value")
            fields[name] = payload
        missing = [f for f in ("type", "fnam", *_U32_FIELDS) if f not in fields]
        if missing:
            raise AmxdError(f"dire record at archive byte {pos} lacks {', '.join(missing)}")
        try:
            fname = fields["fnam"].split(b"\0", 1)[0].decode("utf-8")
            ftype = fields["type"].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AmxdError(f"dire record at archive byte {pos}: bad name or type") from exc
        size, offset, _, flag, mdat = (struct.unpack(">I", fields[f])[0] for f in _U32_FIELDS)
        if offset < ARCHIVE_HEADER_SIZE:
            raise AmxdError(f"file {fname!r} starts at {offset}, inside the mx@c header")
        if offset + size > footer_at:
            raise AmxdError(
                f"file {fname!r} ({size} bytes at {offset}) runs past the footer at {footer_at}"
            )
        entries.append(Entry(fname, ftype, flag, mdat - HFS_EPOCH, data[offset : offset + size]))
    return entries


# -- the .amxd ------------------------------------------------------------------------


def _patcher_text(patcher: dict[str, object], kind: str) -> bytes:
    if kind not in DEVICE_TYPES:
        raise AmxdError(f"device type must be one of {sorted(DEVICE_TYPES)}, got {kind!r}")
    if not isinstance(patcher.get("patcher"), dict):
        raise AmxdError('a patcher file holds {"patcher": {...}}')
    text = json.dumps(patcher, indent="\t", ensure_ascii=False) + "\n"
    return text.encode("utf-8") + b"\0"


def build_amxd(
    patcher: dict[str, object],
    kind: str = "mmmm",
    *,
    name: str = "Device.amxd",
    files: Sequence[tuple[str, bytes]] = (),
    frozen: bool = True,
) -> bytes:
    """The ``.amxd`` bytes for a patcher dict (``{"patcher": {...}}``).

    Frozen (the default): the patcher as ``name`` and then ``files`` (name,
    bytes), as text files, inside the device. Unfrozen: the patcher alone.
    """
    text = _patcher_text(patcher, kind)
    header = chunk(b"ampf", kind.encode("ascii"))
    if not frozen:
        if files:
            raise AmxdError("an unfrozen device carries no files")
        return header + chunk(b"meta", struct.pack("<I", META_UNFROZEN)) + chunk(b"ptch", text)
    names = [name, *(n for n, _ in files)]
    if len(set(names)) != len(names):
        raise AmxdError(f"file names in a frozen device must differ: {names}")
    entries = [Entry(name, "JSON", PATCHER_FLAG, MDAT_UNIX, text)]
    entries += [Entry(n, "TEXT", FILE_FLAG, MDAT_UNIX, data) for n, data in files]
    return (
        header
        + chunk(b"meta", struct.pack("<I", META_FROZEN))
        + chunk(b"ptch", pack_archive(entries))
    )


def read_chunks(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The chunks of an ``.amxd``; raises on a truncated or malformed file."""
    pos = 0
    while pos < len(data):
        if pos + 8 > len(data):
            raise AmxdError(f"truncated chunk header at byte {pos}")
        tag = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if pos + 8 + size > len(data):
            raise AmxdError(f"chunk {tag!r} at byte {pos} runs past the end of the file")
        try:
            name = tag.decode("ascii")
        except UnicodeDecodeError as exc:
            raise AmxdError(f"chunk id {tag!r} at byte {pos} is not ASCII") from exc
        yield name, data[pos + 8 : pos + 8 + size]
        pos += 8 + size


def _kind_and_ptch(data: bytes) -> tuple[str, bytes]:
    chunks = list(read_chunks(data))
    names = [n for n, _ in chunks]
    if not names or names[0] != "ampf":
        raise AmxdError("an .amxd starts with an ampf chunk")
    kind = chunks[0][1].decode("ascii", "replace")
    if len(chunks[0][1]) != 4 or kind not in DEVICE_TYPES:
        raise AmxdError(f"unknown device type {chunks[0][1]!r}")
    ptch = [d for n, d in chunks if n == "ptch"]
    if len(ptch) != 1:
        raise AmxdError(f"an .amxd has one ptch chunk, this one has {len(ptch)}")
    return kind, ptch[0]


def is_frozen(data: bytes) -> bool:
    """Whether an ``.amxd`` holds an ``mx@c`` archive."""
    return _kind_and_ptch(data)[1][:4] == ARCHIVE_MAGIC


def read_frozen(data: bytes) -> list[Entry]:
    """The files inside a frozen ``.amxd``, the device's own patcher first."""
    _, body = _kind_and_ptch(data)
    if body[:4] != ARCHIVE_MAGIC:
        raise AmxdError("this device is not frozen: its ptch chunk holds no mx@c archive")
    entries = unpack_archive(body)
    if not entries:
        raise AmxdError("the frozen device holds no files")
    return entries


def read_amxd(data: bytes) -> tuple[str, dict[str, object]]:
    """(device type, patcher dict) of a frozen or unfrozen ``.amxd``."""
    kind, body = _kind_and_ptch(data)
    if body[:4] == ARCHIVE_MAGIC:
        first = read_frozen(data)[0]
        if first.type != "JSON":
            raise AmxdError(f"the first file of a frozen device is {first.type}, not its patcher")
        body, where = first.data, f"the frozen patcher {first.name!r}"
    else:
        where = "the ptch chunk"
    if body.endswith(b"\0"):
        body = body[:-1]
    try:
        patcher = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AmxdError(f"{where} is not JSON: {exc}") from exc
    if not isinstance(patcher, dict) or not isinstance(patcher.get("patcher"), dict):
        raise AmxdError(f'{where} does not hold {{"patcher": {{...}}}}')
    return kind, patcher


# -- the devices ----------------------------------------------------------------------


def load_patcher(device: Device) -> dict[str, object]:
    try:
        patcher = json.loads(device.source.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AmxdError(f"cannot read {device.source}: {exc}") from exc
    if not isinstance(patcher, dict):
        raise AmxdError(f"{device.source} does not hold a patcher")
    return patcher


def build(device: Device) -> bytes:
    """The frozen device: its patcher, its own script and the shared library."""
    files = [(path.name, path.read_bytes()) for path in (device.script, LIB)]
    return build_amxd(
        load_patcher(device), device.kind, name=device.target.name, files=files, frozen=True
    )


def install(folder: Path) -> list[Path]:
    """Every device in one folder; each carries its scripts, so nothing else is copied."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for device in DEVICES:
        out = folder / device.target.name
        out.write_bytes(build(device))
        written.append(out)
    return written


def leftover_scripts(folder: Path) -> list[Path]:
    """Scripts an earlier (unfrozen) install copied next to the devices."""
    names = [d.script.name for d in DEVICES] + [LIB.name]
    return [folder / n for n in names if (folder / n).is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a built .amxd is stale")
    parser.add_argument("--install", type=Path, metavar="DIR", help="also copy the devices to DIR")
    args = parser.parse_args(argv)
    stale = []
    try:
        for device in DEVICES:
            data = build(device)
            current = device.target.read_bytes() if device.target.exists() else b""
            if args.check:
                if current != data:
                    stale.append(device.target)
            elif current != data:
                device.target.write_bytes(data)
                print(f"built {device.target.relative_to(ROOT.parent)} ({len(data)} bytes)")
        if args.install:
            folder = args.install.expanduser()
            for path in install(folder):
                print(f"installed {path}")
            for path in leftover_scripts(folder):
                print(f"note: {path} is from an earlier install; the devices no longer need it")
    except (AmxdError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if stale:
        names = ", ".join(str(p.relative_to(ROOT.parent)) for p in stale)
        print(f"stale: {names}; run: uv run python scripts/build_amxd.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
