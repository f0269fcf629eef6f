"""Build the Max for Live devices (.amxd) from their text sources.

Each device folder under ``max_for_live/`` holds a patcher as ``.maxpat``
JSON and its logic as ES5 JavaScript; this script wraps each patcher in the
``.amxd`` container that Live loads, next to its sources::

    uv run python scripts/build_amxd.py            # (re)build every device
    uv run python scripts/build_amxd.py --check    # fail if a built file is stale
    uv run python scripts/build_amxd.py --install DIR
                                                   # devices + scripts into one folder

The container (see docs/max_for_live.md) is a sequence of chunks, each a
4-byte ASCII id, a 4-byte little-endian size of the data that follows, and
the data: ``ampf`` (the device type: ``mmmm`` MIDI effect, ``aaaa`` audio
effect, ``iiii`` instrument), ``meta`` (4 bytes, zero) and ``ptch`` (the
patcher JSON in UTF-8, ending in a NUL byte). A *frozen* device would
instead carry an ``mx@c`` archive with its files inside ``ptch``; these
devices are not frozen, so Max loads ``<device>.js`` and ``latentbridge.js``
from the device's folder (the first place on Max's search path).
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "max_for_live"
LIB = ROOT / "lib" / "latentbridge.js"

DEVICE_TYPES = {"mmmm": "MIDI effect", "aaaa": "audio effect", "iiii": "instrument"}


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
)


class AmxdError(ValueError):
    """A patcher or container that is not what Live expects."""


def chunk(tag: bytes, data: bytes) -> bytes:
    if len(tag) != 4:
        raise AmxdError(f"chunk ids are 4 bytes, got {tag!r}")
    return tag + struct.pack("<I", len(data)) + data


def build_amxd(patcher: dict[str, object], kind: str = "mmmm") -> bytes:
    """The ``.amxd`` bytes for a patcher dict (``{"patcher": {...}}``)."""
    if kind not in DEVICE_TYPES:
        raise AmxdError(f"device type must be one of {sorted(DEVICE_TYPES)}, got {kind!r}")
    if not isinstance(patcher.get("patcher"), dict):
        raise AmxdError('a patcher file holds {"patcher": {...}}')
    text = json.dumps(patcher, indent="\t", ensure_ascii=False) + "\n"
    return (
        chunk(b"ampf", kind.encode("ascii"))
        + chunk(b"meta", b"\0\0\0\0")
        + chunk(b"ptch", text.encode("utf-8") + b"\0")
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


def read_amxd(data: bytes) -> tuple[str, dict[str, object]]:
    """(device type, patcher dict) of an unfrozen ``.amxd``."""
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
    body = ptch[0]
    if body[:4] == b"mx@c":
        raise AmxdError("this device is frozen (mx@c archive); only unfrozen devices are read here")
    if body.endswith(b"\0"):
        body = body[:-1]
    patcher = json.loads(body.decode("utf-8"))
    if not isinstance(patcher, dict) or not isinstance(patcher.get("patcher"), dict):
        raise AmxdError('the ptch chunk does not hold {"patcher": {...}}')
    return kind, patcher


def load_patcher(device: Device) -> dict[str, object]:
    try:
        patcher = json.loads(device.source.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AmxdError(f"cannot read {device.source}: {exc}") from exc
    if not isinstance(patcher, dict):
        raise AmxdError(f"{device.source} does not hold a patcher")
    return patcher


def build(device: Device) -> bytes:
    return build_amxd(load_patcher(device), device.kind)


def install(folder: Path) -> list[Path]:
    """Every device with its scripts in one folder (Max finds them side by side)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for device in DEVICES:
        out = folder / device.target.name
        out.write_bytes(build(device))
        written.append(out)
        written.append(Path(shutil.copy2(device.script, folder / device.script.name)))
    written.append(Path(shutil.copy2(LIB, folder / LIB.name)))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a built .amxd is stale")
    parser.add_argument("--install", type=Path, metavar="DIR", help="also copy everything to DIR")
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
            for path in install(args.install.expanduser()):
                print(f"installed {path}")
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
